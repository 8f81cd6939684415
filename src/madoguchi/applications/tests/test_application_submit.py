import pytest

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
