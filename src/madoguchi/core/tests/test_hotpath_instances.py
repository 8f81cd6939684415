"""core.hotpath builds the instances of its rows without Model.__init__ when nothing can tell
(no pre_init/post_init receivers, Django's own __init__, from_db and column attributes): each
must be the instance the ORM's from_db gives for the same row, and a receiver brings the ORM's
way back."""

import pytest
from django.db import connection
from django.db.models.signals import post_init

from madoguchi.accounts.models import ApiToken, User
from madoguchi.applications.models import Attachment, Draft
from madoguchi.core import hotpath
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db


def _row(model, pk):
    columns = hotpath.model_columns(model, connection, "t")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {connection.ops.quote_name(model._meta.db_table)} t "
            f"WHERE t.{connection.ops.quote_name(model._meta.pk.column)} = %s",
            [model._meta.pk.get_db_prep_value(pk, connection)],
        )
        return columns, cursor.fetchone()


def _as_orm_builds_it(columns, row):
    converted = []
    for value, chain in zip(row, columns.converters, strict=True):
        for converter, expression in chain:
            value = converter(value, expression, connection)
        converted.append(value)
    return columns.model.from_db(connection.alias, columns.attnames, converted)


def _same(made, orm) -> None:
    assert type(made) is type(orm)
    assert made._state.adding is orm._state.adding is False
    assert made._state.db == orm._state.db == connection.alias
    assert {k: v for k, v in made.__dict__.items() if k != "_state"} == {
        k: v for k, v in orm.__dict__.items() if k != "_state"
    }
    assert list(made.__dict__) == list(orm.__dict__)  # same attributes in the same order


def test_rows_become_the_instances_from_db_gives():
    user = make_user()
    procedure = make_procedure()
    draft = Draft.objects.create(applicant=user, version=procedure.current_version, data={"a": [1, "二"]})
    attachment = Attachment.objects.create(
        owner=user,
        file="attachments/2026/12/a.pdf",
        original_name="a.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
    )
    token = ApiToken.objects.create(user=user, name="t", prefix="mdg_x", token_hash="f" * 64)
    for model, pk in ((User, user.pk), (Draft, draft.pk), (Attachment, attachment.pk), (ApiToken, token.pk)):
        columns, row = _row(model, pk)
        assert columns.plain, model
        made = columns.instance(row, connection)
        _same(made, _as_orm_builds_it(columns, row))
        made.refresh_from_db()  # an ordinary instance: it reloads and saves as the ORM's do
        made.save()


def test_a_post_init_receiver_gets_the_orm_way_back():
    user = make_user()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=User)
    try:
        columns, row = _row(User, user.pk)
        made = columns.instance(row, connection)
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == [made]
    _same(made, _as_orm_builds_it(columns, row))


def test_a_model_with_its_own_init_is_built_by_from_db():
    class Odd(User):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

        class Meta:
            proxy = True
            app_label = "accounts"

    assert not hotpath.model_columns(Odd, connection, "t").plain
    assert hotpath.model_columns(User, connection, "t").plain
