"""The tables every submission, every follow-up and every booking of an opening rush writes carry no index that another one of
theirs already gives (decision 0031): each index is one more entry to write, and more WAL, on
every INSERT and on every UPDATE that is not HOT.

- A foreign key gets no index of its own when a composite index or unique constraint of the
  model leads with it (the composite answers the same look-ups and ON DELETE);
- a unique text column is unique through ``Meta.constraints``, not ``unique=True``, which on
  PostgreSQL adds a second (``*_like``) index for LIKE look-ups that nothing makes.
"""

from __future__ import annotations

import pytest
from django.db import connection, models

from madoguchi.applications.models import Application, Draft
from madoguchi.audit.models import AuditEntry
from madoguchi.reservations.models import Booking
from madoguchi.review.models import Case, DataRevision, TaskState

HOT_MODELS = [Draft, Application, AuditEntry, Case, TaskState, DataRevision, Booking]


def leading_columns(model: type[models.Model]) -> set[str]:
    """Fields that lead an unconditional index or unique constraint of ``model``."""
    meta = model._meta
    leads = {
        index.fields[0].lstrip("-") for index in meta.indexes if index.fields and index.condition is None
    }
    leads |= {
        constraint.fields[0]
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
    }
    return leads


def redundant_indexes(model: type[models.Model]) -> list[str]:
    leads = leading_columns(model)
    found = []
    for field in model._meta.fields:
        if field.db_index and not field.unique and field.name in leads:
            found.append(f"{model._meta.label}.{field.name}: indexed, and an index leads with it")
        if isinstance(field, models.CharField) and field.unique and not field.primary_key:
            found.append(f"{model._meta.label}.{field.name}: unique=True adds a LIKE index on PostgreSQL")
    return found


@pytest.mark.parametrize("model", HOT_MODELS, ids=lambda m: m._meta.label)
def test_hot_tables_have_no_redundant_index(model):
    assert redundant_indexes(model) == []


def test_the_rule_finds_what_it_is_for():
    class Sample(models.Model):
        owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE)
        code = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "applications"
            indexes = [models.Index(fields=["owner", "code"])]

    assert redundant_indexes(Sample) == [
        "applications.Sample.owner: indexed, and an index leads with it",
        "applications.Sample.code: unique=True adds a LIKE index on PostgreSQL",
    ]


@pytest.mark.django_db
def test_the_database_has_the_indexes_the_models_declare():
    """On the database the tests run on, migrations left what the models declare: no plain
    index on a foreign key declared without one, and (PostgreSQL) no LIKE index."""
    with connection.cursor() as cursor:
        tables = {model._meta.db_table: model for model in HOT_MODELS}
        for table, model in tables.items():
            constraints = connection.introspection.get_constraints(cursor, table)
            partial = {index.name for index in model._meta.indexes if index.condition is not None}
            for field in model._meta.fields:
                if field.is_relation and not field.db_index and not field.unique:
                    # no plain single-column index on it (a partial one, declared, may exist)
                    plain = [
                        name
                        for name, info in constraints.items()
                        if info["index"] and info["columns"] == [field.column] and name not in partial
                    ]
                    assert plain == [], (table, field.column)
            if connection.vendor == "postgresql":
                assert not [name for name in constraints if name.endswith("_like")], table
