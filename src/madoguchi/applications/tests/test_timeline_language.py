"""Issue 13: a timeline line reads in the reader's language, whoever wrote it and in whatever
language they worked — it is kept as a message id and its values (applications/timeline.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop, pgettext

from madoguchi.applications import services
from madoguchi.applications.models import ApplicationEvent
from madoguchi.applications.timeline import Line, by_language, day, each_language, msgid, render
from madoguchi.core.testing import make_organization, make_procedure, make_user

JAPANESE = set("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん")


def has_japanese(text: str) -> bool:
    return any(ch in JAPANESE or "\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_line_reads_in_each_language_with_its_word_translated():
    line = Line(
        gettext_noop("結果は「%(word)s」です。%(title)sをダウンロードしてご確認ください。"),
        word=msgid("不認定"),
        title={**each_language(lambda: pgettext("timeline", "通知書")), "ja": "不認定通知書"},
    )
    assert line.render("ja") == "結果は「不認定」です。不認定通知書をダウンロードしてご確認ください。"
    english = line.render("en")
    assert english == "The result is: Not certified. Please download the notice for details."
    assert not has_japanese(english)


def test_values_given_per_language_and_dates_follow_the_reader():
    text_id = gettext_noop("補正をお願いします（対象: %(labels)s）。%(message)s")
    params = {
        "labels": by_language(ja="氏名、住所", en="Name, Address"),
        "message": "住所の番地が抜けています。",
    }
    assert (
        render(text_id, params, "ja") == "補正をお願いします（対象: 氏名、住所）。住所の番地が抜けています。"
    )
    # what the staff member typed stays as typed; the rest is English
    assert render(text_id, params, "en").startswith(
        "Please correct your application (fields: Name, Address)."
    )
    due = {"amount": "2,000", "due": day(dt.date(2026, 12, 24))}
    assert "2026年12月24日" in render(
        gettext_noop("手数料は%(amount)s円です。%(due)sまでにお支払いください。"), due, "ja"
    )
    english = render(gettext_noop("手数料は%(amount)s円です。%(due)sまでにお支払いください。"), due, "en")
    assert "24 Dec 2026" in english and not has_japanese(english)


def test_the_active_language_is_the_readers():
    line = Line(gettext_noop("審査を開始しました。"))
    with translation.override("en"):
        assert line.render() == "The review has started."
    with translation.override("ja"):
        assert line.render() == "審査を開始しました。"


@pytest.mark.django_db
def test_a_line_written_by_someone_working_in_english_reads_japanese_to_a_japanese_reader():
    org = make_organization()
    procedure = make_procedure(org)
    applicant = make_user()
    draft = services.draft_create(
        applicant=applicant, procedure=procedure, data={"name": "山田 太郎", "kind": "a"}
    )
    with translation.override("en"):  # the applicant (or a counter clerk) works in English
        application = services.application_submit(draft=draft, actor=applicant, idempotency_key="k1")
        services.application_withdraw(application=application, actor=applicant, reason="引っ越したため")
    submitted, withdrawn = ApplicationEvent.objects.filter(application=application).order_by("id")
    # the record keeps the Japanese (本人開示, audit); each reader gets their language
    assert submitted.message == "申請を受け付けました。" and submitted.text_id
    assert withdrawn.message == "申請者が取り下げました。（引っ越したため）"
    with translation.override("ja"):
        assert submitted.text == "申請を受け付けました。"
        assert withdrawn.text == "申請者が取り下げました。（引っ越したため）"
    with translation.override("en"):
        assert submitted.text == "Your application has been received."
        assert withdrawn.text == "Withdrawn by the applicant (引っ越したため)."


@pytest.mark.django_db
def test_a_line_written_before_reads_as_it_was_written():
    org = make_organization()
    applicant = make_user()
    draft = services.draft_create(
        applicant=applicant, procedure=make_procedure(org), data={"name": "山田 太郎", "kind": "a"}
    )
    application = services.application_submit(draft=draft, actor=applicant, idempotency_key="k2")
    old = ApplicationEvent.objects.create(
        application=application, kind="review_started", status="in_review", message="審査を開始しました。"
    )
    with translation.override("en"):
        assert old.text == "審査を開始しました。"  # no message id was kept: shown as written


@pytest.mark.django_db
def test_the_status_page_shows_the_timeline_in_the_readers_language(client):
    org = make_organization()
    applicant = make_user()
    draft = services.draft_create(
        applicant=applicant, procedure=make_procedure(org), data={"name": "山田 太郎", "kind": "a"}
    )
    application = services.application_submit(draft=draft, actor=applicant, idempotency_key="k3")
    client.force_login(applicant)
    with translation.override("ja"):  # the English request leaves the thread as it was
        english = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        japanese = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        api = client.get(f"/api/v1/applications/{application.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "申請を受け付けました。" in japanese
    assert "申請を受け付けました。" not in english and "Your application has been received." in english
    assert api["timeline"][0]["message"] == "Your application has been received."


@pytest.mark.django_db
def test_a_line_already_translated_is_refused():
    """``_("…") % …`` would keep the writer's language; only a Line (message id, values) is taken."""
    org = make_organization()
    applicant = make_user()
    draft = services.draft_create(
        applicant=applicant, procedure=make_procedure(org), data={"name": "山田 太郎", "kind": "a"}
    )
    application = services.application_submit(draft=draft, actor=applicant, idempotency_key="k4")
    with pytest.raises(TypeError):
        services.application_event_add(
            application=application, kind="note", message="審査を開始しました。", actor="system"
        )
