"""S7: a 変更届 starts from the approved 指定 it changes, prefilled with its answers; the 指定申請's
business rules (区域, 法人番号) are checked. On the demo data (organizations, procedures, users and
the designation of 社会福祉法人 新宿ひまわり会)."""

import pytest
from django.urls import reverse

from madoguchi.applications import services
from madoguchi.applications.models import Application
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_user
from madoguchi.demo.designation import APPLICANT, designation_data, load_designation_demo
from madoguchi.demo.loader import load_demo
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.validation import validate_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def s7():
    load_demo()
    load_designation_demo()
    henko = Procedure.objects.get(organization__slug="shinjuku", slug="shogai-fukushi-henko")
    designation = Application.objects.get(applicant__email=APPLICANT, procedure__slug="shogai-fukushi-shitei")
    return henko, designation


def _office_errors(procedure: Procedure, **changes) -> dict:
    data = {**designation_data(), **changes}
    try:
        validate_step(
            procedure.current_version.definition, "office", data, context=ValidationContext(), known={}
        )
    except FieldErrors as exc:
        return exc.as_dict()
    return {}


def _corporation_errors(procedure: Procedure, **changes) -> dict:
    data = {**designation_data(), **changes}
    try:
        validate_step(
            procedure.current_version.definition, "corporation", data, context=ValidationContext(), known={}
        )
    except FieldErrors as exc:
        return exc.as_dict()
    return {}


def test_the_demo_designation_is_approved_and_the_change_notice_amends_its_procedure(s7):
    henko, designation = s7
    assert designation.status == "approved"
    assert henko.amends_id == designation.procedure_id


def test_an_office_outside_the_ward_is_refused_next_to_the_address(s7):
    shitei = s7[1].procedure
    assert _office_errors(shitei) == {}
    outside = {**designation_data()["office_address"], "city": "中野区"}
    errors = _office_errors(shitei, office_address=outside)
    assert "新宿区外" in " ".join(errors["office_address"])


def test_a_corporate_number_with_a_wrong_check_digit_is_refused(s7):
    shitei = s7[1].procedure
    assert _corporation_errors(shitei) == {}
    errors = _corporation_errors(shitei, corporate_number="1012345678901")
    assert "corporate_number" in errors
    assert _corporation_errors(shitei, corporate_number="６０１２３４５６７８９０１") == {}  # full-width


def test_a_change_notice_starts_prefilled_from_the_designation_and_is_linked_to_it(s7):
    henko, designation = s7
    draft = services.draft_start(applicant=designation.applicant, procedure=henko, amends=str(designation.pk))
    assert draft.amends == designation
    assert draft.data["office_name"] == "ひまわり就労支援センター"
    assert draft.data["corporate_number"] == designation.data["corporate_number"]
    assert draft.data["office_address"]["street"] == "高田馬場1-1-1"
    assert draft.data["service_types"] == ["shuro-b"]
    data = {
        **draft.data,
        "office_name": "ひまわり就労支援センター高田馬場",
        "change_items": ["name"],
        "change_date": "2027-01-04",
        "change_reason": "法人内の事業所の名称を統一したため。",
        "agreement": True,
    }
    draft = services.draft_update(draft=draft, data=data)
    application = services.application_submit(
        draft=draft, actor=designation.applicant, idempotency_key="test-henko"
    )
    assert application.amends == designation
    assert application.data["capacity"] == 20


def test_a_change_notice_cannot_start_from_someone_elses_or_an_undecided_application(s7):
    henko, designation = s7
    with pytest.raises(DomainError) as exc:
        services.draft_start(applicant=make_user(), procedure=henko, amends=str(designation.pk))
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        services.draft_start(applicant=designation.applicant, procedure=henko)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        services.draft_start(applicant=designation.applicant, procedure=henko, amends="not-an-id")
    assert exc.value.status == 404
    Application.objects.filter(pk=designation.pk).update(status="in_review")
    with pytest.raises(DomainError) as exc:
        services.draft_start(applicant=designation.applicant, procedure=henko, amends=str(designation.pk))
    assert exc.value.code == "amends_not_approved"


def test_the_designation_page_and_the_change_notice_page_offer_to_start_it(client, s7):
    henko, designation = s7
    client.force_login(designation.applicant)
    detail = client.get(reverse("applications:detail", args=[designation.pk])).content.decode()
    start = reverse("applications:start", args=["shinjuku", "shogai-fukushi-henko"])
    assert start in detail and f'value="{designation.pk}"' in detail and "変更届を出す" in detail
    page = client.get(
        reverse("procedures:detail", args=["shinjuku", "shogai-fukushi-henko"])
    ).content.decode()
    assert designation.reference_number in page and f'value="{designation.pk}"' in page
    response = client.post(start, {"amends": str(designation.pk)})
    assert response.status_code == 302
    client.force_login(make_user())
    other = client.get(
        reverse("procedures:detail", args=["shinjuku", "shogai-fukushi-henko"])
    ).content.decode()
    assert designation.reference_number not in other and "変更を届け出られる申請がありません" in other


def test_the_designation_procedure_page_links_to_the_briefing_booking(client, s7):
    from madoguchi.reservations.demo import load_reservations_demo

    load_reservations_demo()
    page = client.get(
        reverse("procedures:detail", args=["shinjuku", "shogai-fukushi-shitei"])
    ).content.decode()
    assert "障害福祉サービス事業者 指定申請説明会を予約する" in page
    assert reverse("reservations:resource_detail", args=["shinjuku", "shitei-setsumeikai"]) in page
