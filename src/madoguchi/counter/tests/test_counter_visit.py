import pytest

from madoguchi.accounts.constants import Role
from madoguchi.applications import selectors as app_selectors
from madoguchi.applications import services as app_services
from madoguchi.applications.constants import Channel
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff
from madoguchi.counter import services
from madoguchi.counter.models import CounterVisit, VisitStatus
from madoguchi.review.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    org = make_organization()
    dept = make_department(org)

    class Desk:
        organization = org
        staff = make_staff(org, Role.COUNTER, dept)
        procedure = make_procedure(org, department=dept)

    return Desk


def fill(desk, visit):
    services.visit_save_step(staff=desk.staff, visit_id=visit.pk, step_key="about", raw={"name": "窓口 花子"})
    services.visit_save_step(staff=desk.staff, visit_id=visit.pk, step_key="detail", raw={"kind": "a"})


def start(desk, **extra):
    kwargs = {
        "staff": desk.staff,
        "procedure_id": desk.procedure.pk,
        "visitor_name": "窓口 花子",
        "identity_method": "mynumber_card",
    } | extra
    return services.visit_start(**kwargs)


def test_counter_entry_records_channel_staff_and_identity_check(desk, django_capture_on_commit_callbacks):
    visit = start(desk)
    fill(desk, visit)
    services.visit_hand_over(staff=desk.staff, visit_id=visit.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the follow-up opens the case after commit
        application = services.visit_confirm(staff=desk.staff, visit_id=visit.pk)
    assert application.channel == Channel.COUNTER and application.entered_by == desk.staff
    assert application.data["name"] == "窓口 花子"
    visit = CounterVisit.objects.get(pk=visit.pk)
    assert visit.status == VisitStatus.SUBMITTED and visit.confirmed_at
    entry = AuditEntry.objects.get(action="counter.visitor_confirmed")
    assert entry.after["identity_method"] == "mynumber_card" and entry.actor == desk.staff
    assert Case.objects.filter(application=application).exists()  # goes to review like any application


def test_confirming_twice_creates_one_application(desk):
    visit = start(desk)
    fill(desk, visit)
    services.visit_hand_over(staff=desk.staff, visit_id=visit.pk)
    first = services.visit_confirm(staff=desk.staff, visit_id=visit.pk)
    assert services.visit_confirm(staff=desk.staff, visit_id=visit.pk) == first


def test_visitor_cannot_be_asked_to_confirm_an_incomplete_entry(desk):
    visit = start(desk)
    services.visit_save_step(staff=desk.staff, visit_id=visit.pk, step_key="about", raw={"name": "窓口 花子"})
    with pytest.raises(FieldErrors):
        services.visit_hand_over(staff=desk.staff, visit_id=visit.pk)
    with pytest.raises(DomainError):
        services.visit_confirm(staff=desk.staff, visit_id=visit.pk)


def test_start_needs_an_identity_check_and_a_name(desk):
    with pytest.raises(FieldErrors) as exc:
        start(desk, visitor_name="", identity_method="")
    assert set(exc.value.errors) == {"visitor_name", "identity_method"}
    with pytest.raises(FieldErrors) as exc:
        start(desk, identity_method="other")
    assert "identity_note" in exc.value.errors


def test_counter_staff_of_another_organization_cannot_open_the_visit(desk):
    from django.http import Http404

    visit = start(desk)
    stranger = make_staff(make_organization(), Role.COUNTER)
    with pytest.raises(Http404):
        services.visit_save_step(staff=stranger, visit_id=visit.pk, step_key="about", raw={"name": "x"})


def test_walk_through_pages_to_the_printed_receipt(client, desk):
    client.force_login(desk.staff)
    bad = client.post("/counter/", {"procedure": desk.procedure.pk, "visitor_name": ""})
    assert bad.status_code == 422 and "来庁者の氏名を入力してください" in bad.content.decode()
    response = client.post(
        "/counter/",
        {"procedure": desk.procedure.pk, "visitor_name": "窓口 花子", "identity_method": "driver_license"},
    )
    assert response.status_code == 302
    visit = CounterVisit.objects.get()
    step1 = client.post(response["Location"], {"name": ""})
    assert step1.status_code == 422
    step1 = client.post(response["Location"], {"name": "窓口 花子"})
    step2 = client.post(step1["Location"], {"kind": "a"})
    assert step2["Location"] == f"/counter/visits/{visit.pk}/review/"
    handed = client.post(step2["Location"])
    assert handed["Location"] == f"/counter/visits/{visit.pk}/confirm/"
    page = client.get(handed["Location"]).content.decode()
    assert "この内容で申請します" in page and "窓口 花子" in page
    done = client.post(handed["Location"])
    receipt = client.get(done["Location"]).content.decode()
    visit.refresh_from_db()
    assert visit.application.reference_number in receipt and "受付票" in receipt


def test_postal_code_lookup_on_a_counter_step_fills_the_address_and_stays_on_the_step(client):
    org = make_organization()
    dept = make_department(org)
    staff = make_staff(org, Role.COUNTER, dept)
    definition = {
        "steps": [
            {
                "key": "home",
                "title": "住所",
                "fields": [{"key": "addr", "type": "address", "label": "住所", "required": True}],
            }
        ]
    }
    procedure = make_procedure(org, definition=definition, department=dept)
    visit = services.visit_start(
        staff=staff, procedure_id=procedure.pk, visitor_name="窓口 花子", identity_method="mynumber_card"
    )
    client.force_login(staff)
    url = f"/counter/visits/{visit.pk}/steps/home/"
    page = client.post(url, {"addr.postal_code": "160-0022", "lookup:addr": "1"})
    assert page.status_code == 200  # a lookup is not a refused form: the step with the address filled in
    html = page.content.decode()
    assert "東京都" in html and "新宿区" in html
    visit.refresh_from_db()
    assert visit.draft.data["addr"]["city"] == "新宿区"


def test_an_abandoned_counter_visit_leaves_no_draft_in_the_visitors_list(desk, client):
    """The visitor never wrote it: a draft the counter started for them is not theirs to resume
    (it showed in their 申請一覧 as a 下書き, and opened)."""
    visit = start(desk, visitor_email="madoguchi.hanako@example.jp")
    services.visit_save_step(staff=desk.staff, visit_id=visit.pk, step_key="about", raw={"name": "窓口 花子"})
    services.visit_cancel(staff=desk.staff, visit_id=visit.pk)
    left = start(desk, visitor_email="madoguchi.hanako@example.jp")  # left without cancelling
    visitor = visit.visitor
    own = app_services.draft_start(applicant=visitor, procedure=desk.procedure)  # one she started herself
    assert list(app_selectors.draft_list(user=visitor)) == [own]
    client.force_login(visitor)
    page = client.get("/applications/").content.decode()
    assert str(own.pk) in page and str(visit.draft_id) not in page and str(left.draft_id) not in page
    assert client.get(f"/applications/drafts/{visit.draft_id}/").status_code == 404
    assert client.get("/api/v1/drafts").json()["count"] == 1
