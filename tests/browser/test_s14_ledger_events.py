"""Scenario S14 (災害時都民台帳): the prefecture opens a disaster event, closes and archives it;
新宿区 brings its 罹災証明書 applications into the demo event's ledger.

The event form answers a missing name next to the field (422) and reads a 和暦 date; closing stops
uploads, archiving shows when the personal fields will be erased. axe, the CSP and the page
weight on every page through the harness.
"""

from __future__ import annotations

import re

from madoguchi.ledger.demo import EVENT_NAME
from madoguchi.ledger.models import DisasterEvent, Record
from tests.browser import harness
from tests.browser.test_s14_ledger import SHINJUKU, TOKYO, follow, ledger_sign_in, press

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}


def test_s14_an_event_is_opened_closed_and_archived_and_applications_feed_the_ledger(open_page, site):
    tokyo = open_page(javascript=False, **DESKTOP)
    ledger_sign_in(tokyo, TOKYO)
    follow(tokyo.page, "災害を登録する")
    tokyo.check("new event")
    tokyo.page.fill("#id_occurred_on", "令和8年12月1日")
    tokyo.page.check(
        "#m-" + str(tokyo.page.locator("input[name=municipalities]").first.get_attribute("value"))
    )
    press(tokyo.page, "登録する")
    assert tokyo.page.locator("#id_name[aria-invalid=true]").count() == 1, (
        "the missing name is said at its field"
    )
    assert tokyo.page.input_value("#id_occurred_on") == "令和8年12月1日", "nothing typed is lost"
    tokyo.check("new event with an error")
    tokyo.page.fill("#id_name", "架空台風（ブラウザ試験）")
    press(tokyo.page, "登録する")
    event = DisasterEvent.objects.get(name="架空台風（ブラウザ試験）")
    assert str(event.occurred_on) == "2026-12-01"
    assert tokyo.path == f"/ledger/events/{event.pk}/", tokyo.path
    tokyo.check("event opened")
    press(tokyo.page, "受付を締め切る")
    event.refresh_from_db()
    assert event.status == "closed"
    tokyo.check("event closed")
    press(tokyo.page, "保存期間に移す（個人情報は期間後に消去）")
    event.refresh_from_db()
    assert event.status == "archived" and event.purge_after is not None
    assert "個人情報の消去予定日" in tokyo.page.inner_text("main")
    tokyo.check("event archived")
    tokyo.assert_no_problems()

    from madoguchi.demo.samples import load_sample_applications

    load_sample_applications()  # as `madoguchi demo` does: the demo applicant's 罹災証明書 application
    demo_event = DisasterEvent.objects.get(name=EVENT_NAME)
    shinjuku = open_page(javascript=False, **DESKTOP)
    ledger_sign_in(shinjuku, SHINJUKU)
    follow(shinjuku.page, EVENT_NAME)
    before = Record.objects.filter(event=demo_event, source="application").count()
    press(shinjuku.page, "罹災証明書の申請を取り込む")
    shinjuku.check("applications imported")
    assert re.search(r"/ledger/events/\d+/", shinjuku.path), shinjuku.path
    assert Record.objects.filter(event=demo_event, source="application").count() == before + 1
    shinjuku.assert_no_problems()
