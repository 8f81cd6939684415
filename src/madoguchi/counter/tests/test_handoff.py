"""書かない窓口 via QR: a visitor's phone draft is handed over with a one-time code."""

import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.applications import services as app_services
from madoguchi.applications.constants import Channel
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff, make_user
from madoguchi.counter import codes, services
from madoguchi.counter.models import CounterVisit, HandoffCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    org = make_organization()
    dept = make_department(org)

    class Desk:
        organization = org
        staff = make_staff(org, Role.COUNTER, dept)
        procedure = make_procedure(org, department=dept)
        visitor = make_user(display_name="窓口 花子")

    return Desk


def phone_draft(desk, *, complete=True):
    """What the visitor typed on their phone before coming to the counter."""
    draft = app_services.draft_start(applicant=desk.visitor, procedure=desk.procedure)
    app_services.draft_save_step(draft=draft, step_key="about", raw={"name": "窓口 花子"})
    if complete:
        app_services.draft_save_step(draft=draft, step_key="detail", raw={"kind": "a"})
    return draft


def redeem(desk, code, staff=None, **extra):
    kwargs = {"visitor_name": "窓口 花子", "identity_method": "mynumber_card"} | extra
    return services.handoff_redeem(staff=staff or desk.staff, code=code, **kwargs)


def test_code_is_eight_readable_characters_and_only_its_hash_is_stored(desk):
    draft = phone_draft(desk)
    handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    assert codes.looks_valid(code) and len(code) == 8
    assert not set(code) & set("0O1IL")
    assert handoff.code_hash != code and code not in handoff.code_hash
    assert timedelta(minutes=29) < handoff.expires_at - timezone.now() <= timedelta(minutes=30)


def test_redeemed_code_opens_a_visit_and_the_application_stays_the_visitors(desk):
    draft = phone_draft(desk)
    _handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    visit = redeem(desk, codes.display(code).lower())  # typed as shown, in lower case: still found
    assert visit.draft == draft and visit.visitor == desk.visitor and visit.staff == desk.staff
    services.visit_hand_over(staff=desk.staff, visit_id=visit.pk)
    application = services.visit_confirm(staff=desk.staff, visit_id=visit.pk)
    assert application.applicant == desk.visitor
    assert application.entered_by == desk.staff and application.channel == Channel.COUNTER
    assert application.data["name"] == "窓口 花子"
    entry = AuditEntry.objects.get(action="counter.handoff_redeemed")
    assert entry.actor == desk.staff and entry.after["identity_method"] == "mynumber_card"


def test_code_works_only_once(desk):
    draft = phone_draft(desk)
    _handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    redeem(desk, code)
    with pytest.raises(DomainError) as exc:
        redeem(desk, code)
    assert exc.value.code == "used" and exc.value.status == 410
    assert CounterVisit.objects.count() == 1


def test_code_expires_after_thirty_minutes(desk, monkeypatch):
    draft = phone_draft(desk)
    _handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(DomainError) as exc:
        redeem(desk, code)
    assert exc.value.code == "expired"
    assert CounterVisit.objects.count() == 0


def test_a_new_code_stops_the_previous_one(desk):
    draft = phone_draft(desk)
    _first, old = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    _second, new = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    with pytest.raises(DomainError):
        redeem(desk, old)
    assert redeem(desk, new).draft == draft


def test_counter_of_another_organization_cannot_redeem_the_code(client, desk):
    draft = phone_draft(desk)
    _handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    stranger = make_staff(make_organization(), Role.COUNTER)
    with pytest.raises(Http404):
        redeem(desk, code, staff=stranger)
    client.force_login(stranger)
    assert client.get(f"/counter/handoff/{code}/").status_code == 404
    assert (
        client.post(
            f"/counter/handoff/{code}/", {"visitor_name": "x", "identity_method": "mynumber_card"}
        ).status_code
        == 404
    )
    assert client.get("/counter/handoff/", {"code": code}).status_code == 404
    assert HandoffCode.objects.get().used_at is None and CounterVisit.objects.count() == 0
    assert redeem(desk, code).draft == draft  # still usable by the right counter


def test_redeeming_needs_the_identity_check_and_keeps_the_code_usable(desk):
    draft = phone_draft(desk)
    _handoff, code = services.handoff_create(applicant=desk.visitor, draft_id=draft.pk)
    with pytest.raises(FieldErrors) as exc:
        redeem(desk, code, identity_method="")
    assert set(exc.value.errors) == {"identity_method"}
    assert redeem(desk, code).identity_method == "mynumber_card"


def test_only_the_owner_of_the_draft_can_show_its_code(client, desk):
    draft = phone_draft(desk)
    client.force_login(make_user())
    assert client.get(f"/applications/drafts/{draft.pk}/handoff/").status_code == 404
    assert client.post(f"/applications/drafts/{draft.pk}/handoff/").status_code == 404
    assert HandoffCode.objects.count() == 0


def test_pages_from_the_phone_code_to_the_counter_review(client, desk):
    draft = phone_draft(desk, complete=False)
    client.force_login(desk.visitor)
    mine = client.get("/applications/").content.decode()
    assert f"/applications/drafts/{draft.pk}/handoff/" in mine
    page = client.get(f"/applications/drafts/{draft.pk}/handoff/")
    assert page.status_code == 200 and "コードを表示する" in page.content.decode()
    shown = client.post(f"/applications/drafts/{draft.pk}/handoff/", follow=True).content.decode()
    code = re.search(r'id="handoff-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', shown).group(1)
    assert "<svg" in shown and 'role="img"' in shown and "有効期限" in shown
    assert codes.normalize(code) not in "".join(HandoffCode.objects.values_list("code_hash", flat=True))

    client.force_login(desk.staff)
    assert client.get("/counter/handoff/", {"code": "ABC"}).status_code == 422
    found = client.get("/counter/handoff/", {"code": code.lower()})
    assert found.status_code == 302 and found["Location"] == f"/counter/handoff/{codes.normalize(code)}/"
    summary = client.get(found["Location"]).content.decode()
    assert desk.procedure.title in summary and "窓口 花子" in summary
    bad = client.post(found["Location"], {"visitor_name": "窓口 花子"})
    assert bad.status_code == 422 and "本人確認の方法を選んでください" in bad.content.decode()
    taken = client.post(found["Location"], {"visitor_name": "窓口 花子", "identity_method": "driver_license"})
    visit = CounterVisit.objects.get()
    assert taken["Location"] == f"/counter/visits/{visit.pk}/review/"
    review = client.get(taken["Location"]).content.decode()
    assert "まだ入力していない画面があります" in review  # the visitor stopped halfway; staff go on
    again = client.get(found["Location"])
    assert again.status_code == 410 and "すでに使われています" in again.content.decode()
    assert "入力されている内容" not in again.content.decode()  # a used code shows none of the draft
