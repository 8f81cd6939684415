"""The applicant's whole journey with the Django test client, page by page (no JavaScript)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application, Draft
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

MAX_PAGE_BYTES = 150 * 1024


@pytest.fixture
def applicant(client):
    user = make_user()
    client.force_login(user)
    return user


def start_draft(client, procedure) -> Draft:
    response = client.post(reverse("applications:start", args=[procedure.organization.slug, procedure.slug]))
    assert response.status_code == 302
    return Draft.objects.latest("created_at")


def step_url(draft, key):
    return reverse("applications:draft_step", args=[draft.pk, key])


def fill_simple_draft(client, procedure) -> Draft:
    draft = start_draft(client, procedure)
    client.post(step_url(draft, "about"), {"name": "山田 太郎", "note": "", "action": "next"})
    client.post(step_url(draft, "detail"), {"kind": "a", "kind_other": "", "action": "next"})
    return draft


def submit_token(response) -> str:
    match = re.search(r'name="submit_token" value="([^"]+)"', response.content.decode())
    assert match, "the confirm page carries a submit token"
    return match.group(1)


def submit(client, draft) -> Application:
    confirm = client.get(reverse("applications:draft_confirm", args=[draft.pk]))
    response = client.post(
        reverse("applications:draft_confirm", args=[draft.pk]), {"submit_token": submit_token(confirm)}
    )
    assert response.status_code == 302
    return Application.objects.get(source_draft=draft)


def test_start_opens_a_draft_and_leads_to_the_first_step(client, applicant):
    procedure = make_procedure()
    response = client.post(
        reverse("applications:start", args=[procedure.organization.slug, procedure.slug]), follow=True
    )
    draft = Draft.objects.get(applicant=applicant)
    assert response.redirect_chain[-1][0] == step_url(draft, "about")
    body = response.content.decode()
    assert "ステップ 1 / 3" in body
    assert 'aria-current="step"' in body


def test_step_errors_are_listed_at_the_top_and_keep_everything_typed(client, applicant):
    draft = start_draft(client, make_procedure())
    response = client.post(
        step_url(draft, "about"), {"name": "", "note": "駐車場を使います", "action": "next"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'role="alert"' in body
    assert 'href="#id_name"' in body
    assert "氏名を入力してください。" in body
    assert "駐車場を使います" in body  # nothing typed is lost
    assert "エラー" in body.split("</title>")[0]
    draft.refresh_from_db()
    assert draft.data["note"] == "駐車場を使います"
    assert "about" not in draft.completed_steps


def test_a_valid_step_moves_on_to_the_next_step(client, applicant):
    draft = start_draft(client, make_procedure())
    response = client.post(step_url(draft, "about"), {"name": "山田 太郎", "note": "", "action": "next"})
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "detail")
    draft.refresh_from_db()
    assert draft.data["name"] == "山田 太郎"


def test_back_saves_without_errors_blocking(client, applicant):
    draft = start_draft(client, make_procedure())
    client.post(step_url(draft, "about"), {"name": "山田 太郎", "note": "", "action": "next"})
    response = client.post(step_url(draft, "detail"), {"kind": "other", "kind_other": "", "action": "back"})
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "about")
    draft.refresh_from_db()
    assert draft.data["kind"] == "other"


def test_save_and_leave_keeps_the_draft_in_my_list(client, applicant):
    procedure = make_procedure()
    draft = start_draft(client, procedure)
    response = client.post(step_url(draft, "about"), {"name": "", "note": "途中", "action": "save"})
    assert response["Location"] == reverse("applications:mine")
    mine = client.get(reverse("applications:mine")).content.decode()
    assert procedure.title in mine
    assert reverse("applications:draft_resume", args=[draft.pk]) in mine


def test_a_field_shown_only_for_an_answer_on_the_same_page_has_a_hint_and_is_checked_only_then(
    client, applicant
):
    draft = start_draft(client, make_procedure())
    client.post(step_url(draft, "about"), {"name": "山田 太郎", "action": "next"})
    page = client.get(step_url(draft, "detail")).content.decode()
    assert "「種別」で「その他」を選んだ方のみ" in page
    missing = client.post(step_url(draft, "detail"), {"kind": "other", "kind_other": "", "action": "next"})
    assert "その他の内容を入力してください。" in missing.content.decode()
    fine = client.post(step_url(draft, "detail"), {"kind": "a", "kind_other": "", "action": "next"})
    assert fine["Location"] == reverse("applications:draft_confirm", args=[draft.pk])


def test_a_field_hidden_by_an_earlier_answer_is_not_shown():
    definition = {
        "steps": [
            {
                "key": "one",
                "title": "1",
                "fields": [
                    {
                        "key": "has_car",
                        "type": "select",
                        "label": "車",
                        "options": [{"value": "yes", "label": "あり"}, {"value": "no", "label": "なし"}],
                    }
                ],
            },
            {
                "key": "two",
                "title": "2",
                "fields": [
                    {
                        "key": "plate",
                        "type": "text",
                        "label": "ナンバー",
                        "show_if": {"field": "has_car", "equals": "yes"},
                    },
                    {"key": "memo", "type": "text", "label": "メモ"},
                ],
            },
        ]
    }
    from django.test import Client

    client = Client()
    client.force_login(make_user())
    draft = start_draft(client, make_procedure(definition=definition))
    client.post(step_url(draft, "one"), {"has_car": "no", "action": "next"})
    page = client.get(step_url(draft, "two")).content.decode()
    assert 'name="plate"' not in page
    assert 'name="memo"' in page


def test_confirm_lists_every_answer_by_step_with_fix_links(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    body = client.get(reverse("applications:draft_confirm", args=[draft.pk])).content.decode()
    assert "山田 太郎" in body
    assert "種別A" in body
    assert body.count("修正する") >= 2
    assert step_url(draft, "about") + "?return_to=confirm" in body


def test_fixing_from_confirm_returns_to_confirm(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    response = client.post(
        step_url(draft, "about"), {"name": "山田 花子", "return_to": "confirm", "action": "next"}
    )
    assert response["Location"] == reverse("applications:draft_confirm", args=[draft.pk])


def test_double_submit_creates_one_application_and_redirects_to_the_receipt(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    confirm_url = reverse("applications:draft_confirm", args=[draft.pk])
    token = submit_token(client.get(confirm_url))
    first = client.post(confirm_url, {"submit_token": token})
    second = client.post(confirm_url, {"submit_token": token})
    assert Application.objects.count() == 1
    application = Application.objects.get()
    receipt_url = reverse("applications:receipt", args=[application.pk])
    assert first["Location"] == receipt_url
    assert second["Location"] == receipt_url


def test_back_button_resubmit_with_an_older_token_returns_the_same_application(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    confirm_url = reverse("applications:draft_confirm", args=[draft.pk])
    old_token = submit_token(client.get(confirm_url))
    new_token = submit_token(client.get(confirm_url))
    client.post(confirm_url, {"submit_token": new_token})
    again = client.post(confirm_url, {"submit_token": old_token})
    assert Application.objects.count() == 1
    assert again["Location"] == reverse("applications:receipt", args=[Application.objects.get().pk])


def test_submit_without_a_known_token_does_not_submit(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    response = client.post(reverse("applications:draft_confirm", args=[draft.pk]), {"submit_token": "forged"})
    assert response.status_code == 200
    assert Application.objects.count() == 0
    assert "もう一度「申請する」を押してください" in response.content.decode()


def test_confirm_of_an_incomplete_draft_links_to_the_fields_to_fix(client, applicant):
    draft = start_draft(client, make_procedure())
    body = client.get(reverse("applications:draft_confirm", args=[draft.pk])).content.decode()
    assert "氏名を入力してください。" in body
    assert step_url(draft, "about") + "?return_to=confirm&amp;check=1#id_name" in body
    assert 'name="submit_token"' not in body


def test_receipt_shows_the_reference_number_and_what_happens_next(client, applicant):
    procedure = make_procedure(standard_processing_days=10)
    application = submit(client, fill_simple_draft(client, procedure))
    body = client.get(reverse("applications:receipt", args=[application.pk])).content.decode()
    assert application.reference_number in body
    assert "reference-big" in body
    assert "10開庁日" in body
    assert reverse("applications:detail", args=[application.pk]) in body
    assert reverse("applications:receipt_pdf", args=[application.pk]) in body
    assert "令和" in body


def test_after_submission_the_draft_pages_lead_to_the_receipt(client, applicant):
    draft = fill_simple_draft(client, make_procedure())
    application = submit(client, draft)
    receipt_url = reverse("applications:receipt", args=[application.pk])
    assert client.get(step_url(draft, "about"))["Location"] == receipt_url
    assert client.get(reverse("applications:draft_confirm", args=[draft.pk]))["Location"] == receipt_url


def test_status_page_shows_the_timeline_and_withdraw_asks_for_confirmation(client, applicant):
    application = submit(client, fill_simple_draft(client, make_procedure()))
    status = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "受付済み" in status
    assert "申請を受け付けました。" in status
    withdraw_url = reverse("applications:withdraw", args=[application.pk])
    assert withdraw_url in status
    page = client.get(withdraw_url)
    assert "申請を取り下げますか" in page.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED  # a GET changes nothing
    response = client.post(withdraw_url, {"reason": "別の窓口で手続しました"})
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    status = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "別の窓口で手続しました" in status
    assert withdraw_url not in status


def test_a_decided_application_cannot_be_withdrawn(client, applicant):
    application = submit(client, fill_simple_draft(client, make_procedure()))
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.APPROVED)
    response = client.post(reverse("applications:withdraw", args=[application.pk]), {"reason": ""})
    assert response.status_code == 409
    assert "取り下げられません" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_my_list_shows_drafts_and_applications_with_status(client, applicant):
    procedure = make_procedure()
    application = submit(client, fill_simple_draft(client, procedure))
    start_draft(client, procedure)
    body = client.get(reverse("applications:mine")).content.decode()
    assert application.reference_number in body
    assert "受付済み" in body
    assert "続きを入力する" in body


def test_discarding_a_draft_asks_first(client, applicant):
    draft = start_draft(client, make_procedure())
    url = reverse("applications:draft_discard", args=[draft.pk])
    assert "削除しますか" in client.get(url).content.decode()
    assert Draft.objects.filter(pk=draft.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("applications:mine")
    assert not Draft.objects.filter(pk=draft.pk).exists()


def test_resume_goes_to_the_first_page_not_completed(client, applicant):
    draft = start_draft(client, make_procedure())
    client.post(step_url(draft, "about"), {"name": "山田 太郎", "action": "next"})
    response = client.get(reverse("applications:draft_resume", args=[draft.pk]))
    assert response["Location"] == step_url(draft, "detail")


def test_an_unknown_step_is_not_found(client, applicant):
    draft = start_draft(client, make_procedure())
    assert client.get(step_url(draft, "nope")).status_code == 404


def page_weight(response) -> int:
    """HTML plus every stylesheet and script the page loads from our static files."""
    from django.contrib.staticfiles import finders

    body = response.content.decode()
    total = len(response.content)
    for path in re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', body):
        with open(finders.find(path), "rb") as handle:
            total += len(handle.read())
    return total


def test_every_applicant_page_is_smaller_than_150_kb(client, applicant):
    procedure = make_procedure()
    draft = fill_simple_draft(client, procedure)

    def check(url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert page_weight(response) < MAX_PAGE_BYTES, url
        # CSP: no inline JS (a JSON data block, type="application/json", is not code and never runs)
        assert not re.search(
            r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", response.content.decode()
        )
        assert "style=" not in response.content.decode()  # no inline styles (CSP)

    for url in [
        reverse("procedures:catalog"),
        reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug]),
        step_url(draft, "about"),
        reverse("applications:draft_confirm", args=[draft.pk]),
        reverse("applications:draft_discard", args=[draft.pk]),
    ]:
        check(url)
    application = submit(client, draft)
    for url in [
        reverse("applications:receipt", args=[application.pk]),
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:withdraw", args=[application.pk]),
        reverse("applications:mine"),
    ]:
        check(url)


ADDRESS_DEFINITION = {
    "steps": [
        {
            "key": "where",
            "title": "住所",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "addr", "type": "address", "label": "住所", "required": True},
            ],
        }
    ]
}


def test_postal_code_lookup_fills_the_address_without_javascript_and_keeps_other_values(client, applicant):
    draft = start_draft(client, make_procedure(definition=ADDRESS_DEFINITION))
    response = client.post(
        step_url(draft, "where"),
        {"name": "山田 太郎", "addr.postal_code": "１６０－００２２", "lookup:addr": "1"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<option selected>東京都</option>" in body
    assert 'value="新宿区"' in body
    assert 'value="山田 太郎"' in body
    assert 'role="alert"' not in body  # a lookup is not an error
    draft.refresh_from_db()
    assert draft.data["name"] == "山田 太郎"  # saved, so nothing is lost


def test_postal_code_lookup_with_a_bad_code_says_so_next_to_the_field(client, applicant):
    draft = start_draft(client, make_procedure(definition=ADDRESS_DEFINITION))
    response = client.post(step_url(draft, "where"), {"addr.postal_code": "12", "lookup:addr": "1"})
    body = response.content.decode()
    assert "郵便番号を7桁の数字で入力してから" in body
    assert 'id="id_addr.postal_code-error"' in body


EXPRESSION_DEFINITION = {
    "steps": [
        {
            "key": "one",
            "title": "1",
            "fields": [
                {
                    "key": "kind",
                    "type": "select",
                    "label": "種別",
                    "options": [{"value": "a", "label": "種別A"}, {"value": "other", "label": "その他"}],
                },
                {
                    "key": "other_text",
                    "type": "text",
                    "label": "内容",
                    "show_if": {"expr": "kind == 'other'"},
                },
            ],
        },
        {
            "key": "two",
            "title": "2",
            "fields": [
                {"key": "why", "type": "text", "label": "理由", "show_if": {"expr": "kind == 'other'"}},
                {"key": "memo", "type": "text", "label": "メモ"},
            ],
        },
    ]
}


def test_expression_conditions_are_explained_on_the_same_page_and_decided_on_later_pages(client, applicant):
    draft = start_draft(client, make_procedure(definition=EXPRESSION_DEFINITION))
    first = client.get(step_url(draft, "one")).content.decode()
    assert "次に当てはまる方のみ：「種別」で「その他」を選んだ" in first
    client.post(step_url(draft, "one"), {"kind": "a", "action": "next"})
    assert 'name="why"' not in client.get(step_url(draft, "two")).content.decode()
    client.post(step_url(draft, "one"), {"kind": "other", "other_text": "x", "action": "next"})
    assert 'name="why"' in client.get(step_url(draft, "two")).content.decode()


def test_the_whole_journey_from_start_to_withdrawal(client, applicant, tmp_path):
    """start → steps → an error that keeps what was typed → confirm → double submit → one
    application → receipt → PDF with Japanese text → status → withdraw."""
    import shutil
    import subprocess

    procedure = make_procedure(title="高額療養費の支給申請")
    draft = start_draft(client, procedure)
    wrong = client.post(step_url(draft, "about"), {"name": "", "note": "入院分です", "action": "next"})
    assert "氏名を入力してください。" in wrong.content.decode()
    assert "入院分です" in wrong.content.decode()
    client.post(step_url(draft, "about"), {"name": "山田 花子", "note": "入院分です", "action": "next"})
    client.post(step_url(draft, "detail"), {"kind": "other", "kind_other": "差額ベッド代", "action": "next"})

    confirm_url = reverse("applications:draft_confirm", args=[draft.pk])
    confirm = client.get(confirm_url)
    assert "差額ベッド代" in confirm.content.decode()
    token = submit_token(confirm)
    client.post(confirm_url, {"submit_token": token})
    receipt = client.post(confirm_url, {"submit_token": token}, follow=True)
    assert Application.objects.count() == 1
    application = Application.objects.get()
    assert application.reference_number in receipt.content.decode()

    pdf = client.get(reverse("applications:receipt_pdf", args=[application.pk])).content
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf or b"HeiseiKakuGo-W5" in pdf  # an embedded Japanese font, or the CID one
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(tmp_path / "r.pdf"), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert "高額療養費の支給申請" in text
        assert "差額ベッド代" in text

    status = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "受付済み" in status
    client.post(reverse("applications:withdraw", args=[application.pk]), {"reason": ""})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert "取下げ" in client.get(reverse("applications:detail", args=[application.pk])).content.decode()


def test_status_page_asks_for_an_open_correction_with_a_link(client, applicant, monkeypatch):
    import uuid
    from types import SimpleNamespace

    from madoguchi.review import selectors as review_selectors

    application = submit(client, fill_simple_draft(client, make_procedure()))
    correction = SimpleNamespace(pk=uuid.uuid4(), message="氏名の漢字を確認してください。")
    monkeypatch.setattr(review_selectors, "open_correction_for", lambda **kwargs: correction)
    body = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "内容の修正（補正）をお願いしています" in body
    assert "氏名の漢字を確認してください。" in body
    assert f"/corrections/{correction.pk}/" in body
