import pytest
from django.db import connection

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    application_submit,
    application_withdraw,
    draft_save_step,
    draft_start,
)
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db


def _filled_draft(user, procedure):
    draft = draft_start(applicant=user, procedure=procedure)
    draft = draft_save_step(draft=draft, step_key="about", raw={"name": "山田 太郎", "note": ""})
    return draft_save_step(draft=draft, step_key="detail", raw={"kind": "a", "kind_other": ""})


def test_submit_twice_with_same_key_creates_one_application():
    user = make_user()
    draft = _filled_draft(user, make_procedure())
    first = application_submit(draft=draft, actor=user, idempotency_key="k1")
    second = application_submit(draft=draft, actor=user, idempotency_key="k1")
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert first.reference_number.endswith("-000001")


def test_resubmitting_the_same_draft_with_a_new_key_returns_the_first_application():
    user = make_user()
    draft = _filled_draft(user, make_procedure())
    first = application_submit(draft=draft, actor=user, idempotency_key="k1")
    second = application_submit(draft=draft, actor=user, idempotency_key="k2")
    assert first.pk == second.pk


def test_step_errors_keep_what_was_typed():
    user = make_user()
    draft = draft_start(applicant=user, procedure=make_procedure())
    with pytest.raises(FieldErrors) as exc:
        draft_save_step(draft=draft, step_key="detail", raw={"kind": "other", "kind_other": ""})
    assert "kind_other" in exc.value.errors
    draft.refresh_from_db()
    assert draft.data["kind"] == "other"


def test_withdraw_only_while_not_decided():
    user = make_user()
    application = application_submit(
        draft=_filled_draft(user, make_procedure()), actor=user, idempotency_key="k"
    )
    application.status = ApplicationStatus.APPROVED
    application.save()
    with pytest.raises(DomainError):
        application_withdraw(application=application, actor=user)


# --- 受付番号 drawn and written with the application in one statement (PostgreSQL) ---------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the one-statement 受付番号 is PostgreSQL's (a data-modifying WITH)",
)
def test_the_one_statement_number_is_gap_free_formatted_as_before_and_survives_a_new_year():
    from django.test.utils import CaptureQueriesContext

    from madoguchi.applications.models import ReferenceSequence
    from madoguchi.applications.services import application_submit

    procedure = make_procedure()
    organization = procedure.organization
    user = make_user()

    def submit_one(key):
        draft = draft_start(applicant=user, procedure=procedure, data={"name": "山田 太郎", "kind": "a"})
        return application_submit(draft=draft, actor=user, idempotency_key=key)

    first = submit_one("a")  # no counter row yet: created, then the long way
    with CaptureQueriesContext(connection) as queries:
        second = submit_one("b")
    one = [q["sql"] for q in queries.captured_queries if "applications_referencesequence" in q["sql"]]
    assert len(one) == 1 and one[0].startswith("WITH") and "INSERT INTO" in one[0]
    year = first.reference_number.split("-")[1]
    assert first.reference_number == f"{organization.reference_prefix}-{year}-000001"
    assert second.reference_number == f"{organization.reference_prefix}-{year}-000002"
    stored = Application.objects.get(pk=second.pk)
    assert stored.reference_number == second.reference_number
    assert (stored.status, stored.idempotency_key, stored.data) == (second.status, "b", second.data)
    ReferenceSequence.objects.filter(organization=organization).update(last_value=999_999)
    assert submit_one("c").reference_number == f"{organization.reference_prefix}-{year}-1000000"
    # the same key again: the unique constraint answers, the number is given back
    assert submit_one("c").reference_number.endswith("-1000000")
    assert ReferenceSequence.objects.get(organization=organization).last_value == 1_000_000
