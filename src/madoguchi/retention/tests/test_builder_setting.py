"""保存年限 is chosen in the builder's procedure settings."""

from __future__ import annotations

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.procedures.services import procedure_update_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_and_procedure():
    org = make_organization()
    return make_staff(org, Role.OWNER), make_procedure(org)


def test_a_new_procedure_keeps_applications_five_years(owner_and_procedure):
    assert owner_and_procedure[1].retention_period == "5y"


def test_the_owner_sets_the_retention_period_and_it_is_audited(owner_and_procedure):
    owner, procedure = owner_and_procedure

    procedure_update_settings(actor=owner, procedure=procedure, retention_period="permanent")

    procedure.refresh_from_db()
    assert procedure.retention_period == "permanent"
    entry = AuditEntry.objects.get(action="procedure.settings_changed")
    assert entry.after == {"retention_period": "permanent"}


def test_an_unknown_period_is_refused(owner_and_procedure):
    owner, procedure = owner_and_procedure

    with pytest.raises(FieldErrors) as raised:
        procedure_update_settings(actor=owner, procedure=procedure, retention_period="7y")

    assert "retention_period" in raised.value.errors


def test_the_settings_page_offers_the_periods_and_saves_the_choice(client, owner_and_procedure):
    owner, procedure = owner_and_procedure
    client.force_login(owner)
    page = client.get(f"/builder/{procedure.pk}/settings/").content.decode()

    response = client.post(
        f"/builder/{procedure.pk}/settings/",
        {
            "title": procedure.title,
            "category": procedure.category,
            "fee_kind": "none",
            "identity_level": procedure.identity_level,
            "retention_period": "10y",
        },
    )

    assert 'name="retention_period" value="30y"' in page and "常用" in page
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.retention_period == "10y"
