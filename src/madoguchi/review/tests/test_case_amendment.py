"""S7: the staff case page of a 変更届 shows the 指定 it changes, with a link, and what changes
(against the designation as earlier approved 変更届 left it). On the demo data."""

import pytest

from madoguchi.accounts.models import User
from madoguchi.applications import services
from madoguchi.applications.models import Application
from madoguchi.core.testing import make_staff
from madoguchi.demo.designation import APPLICANT, REVIEWER, load_designation_demo
from madoguchi.demo.loader import load_demo
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import TaskState

pytestmark = pytest.mark.django_db


@pytest.fixture
def s7():
    load_demo()
    load_designation_demo()
    henko = Procedure.objects.get(organization__slug="shinjuku", slug="shogai-fukushi-henko")
    designation = Application.objects.get(applicant__email=APPLICANT, procedure__slug="shogai-fukushi-shitei")
    return henko, designation


def submit_change(henko, designation, key, **changes):
    draft = services.draft_start(applicant=designation.applicant, procedure=henko, amends=str(designation.pk))
    data = {
        **draft.data,
        "change_items": ["capacity"],
        "change_date": "2027-01-04",
        "change_reason": "利用希望者が増えたため。",
        "agreement": True,
        **changes,
    }
    draft = services.draft_update(draft=draft, data=data)
    application = services.application_submit(draft=draft, actor=designation.applicant, idempotency_key=key)
    services.application_follow_up(application_id=application.pk)
    return application


def test_the_case_page_of_a_change_notice_links_the_designation_and_shows_what_changes(client, s7):
    henko, designation = s7
    change = submit_change(henko, designation, "henko-1", capacity="30", office_name="ひまわり高田馬場")
    client.force_login(User.objects.get(email=REVIEWER))

    html = client.get(f"/staff/cases/{change.case.pk}/").content.decode()

    assert "この変更届が変更する指定" in html
    assert f'href="/staff/cases/{designation.case.pk}/"' in html and designation.reference_number in html
    section = html[html.index('id="amends"') : html.index("</section>", html.index('id="amends"'))]
    assert "変わる項目 2件" in section
    assert "ひまわり就労支援センター" in section and "ひまわり高田馬場" in section
    assert "20" in section and "30" in section
    # 法人名, 法人番号, 所在地, サービスの種類, 担当者の氏名・電話・メール, 確認事項
    assert "ほかの 8 項目は指定の内容と同じです。" in section


def test_an_approved_earlier_change_is_the_base_of_the_comparison(client, s7):
    henko, designation = s7
    earlier = submit_change(henko, designation, "henko-1", capacity="30")
    Application.objects.filter(pk=earlier.pk).update(status="approved")
    later = submit_change(henko, designation, "henko-2", capacity="30", office_name="ひまわり高田馬場")
    client.force_login(User.objects.get(email=REVIEWER))

    html = client.get(f"/staff/cases/{later.case.pk}/").content.decode()

    section = html[html.index('id="amends"') : html.index("</section>", html.index('id="amends"'))]
    assert "変わる項目 1件" in section and earlier.reference_number in section
    assert "利用定員" not in section.split("<table")[1]  # 30 → 30 is no difference


def test_the_link_is_left_out_for_staff_who_may_not_open_the_designation(s7):
    from madoguchi.core.testing import make_department
    from madoguchi.review.amendments import amendment_of

    henko, designation = s7
    change = submit_change(henko, designation, "henko-1", capacity="30")
    # a reviewer of another department who sees the change only because its task is theirs
    outsider = make_staff(designation.organization, "reviewer", make_department(designation.organization))
    TaskState.objects.filter(case=change.case, status=TaskStatus.PENDING).update(assignee=outsider)

    amendment = amendment_of(case=change.case, user=outsider)

    assert amendment is not None and amendment.designation == designation and amendment.case_id is None
    assert (
        amendment_of(case=change.case, user=User.objects.get(email=REVIEWER)).case_id == designation.case.pk
    )


def test_other_cases_show_no_designation(client, s7):
    henko, designation = s7
    client.force_login(User.objects.get(email=REVIEWER))
    html = client.get(f"/staff/cases/{designation.case.pk}/").content.decode()
    assert "この変更届が変更する指定" not in html
