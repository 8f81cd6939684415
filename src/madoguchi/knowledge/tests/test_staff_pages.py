"""Staff pages need a signed-in user with a membership in the organization."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.knowledge import services
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import FaqEntry, Synonym

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/help/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_signed_in_people_without_a_membership_are_refused(client):
    client.force_login(make_user())  # an applicant: staff pages are not theirs (404, accounts.staff_required)
    assert client.get("/help/staff/").status_code == 404
    assert client.get("/help/staff/synonyms").status_code == 404


def test_staff_see_zero_result_queries_and_unanswered_chat_questions(client, staff, city_faqs):
    client.get("/help/search", {"q": "ぴよぴよ"})
    client.post("/help/chat", {"q": "宇宙旅行の予約をしたい"})
    client.force_login(staff)
    page = client.get("/help/staff/").content.decode()
    assert "ぴよぴよ" in page and "宇宙旅行の予約をしたい" in page


def test_staff_edit_creates_a_new_version_and_keeps_the_old_one(client, staff, city_faqs):
    faq = city_faqs["gomi"]
    client.force_login(staff)
    response = client.post(
        f"/help/staff/faq/{faq.pk}/edit",
        {
            "organization": "city",
            "question": "ごみの収集日を教えてください。",
            "answer": "地域ごとの収集カレンダーをご覧ください。",
            "category": "ごみ",
            "keywords": "ゴミの日, 収集日",
            "visibility": "public",
            "review_on": "2027-04-01",
        },
    )
    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.version == 2 and faq.question == "ごみの収集日を教えてください。"
    assert list(faq.revisions.values_list("version", flat=True)) == [2, 1]


def test_staff_form_errors_keep_the_typed_text(client, staff):
    client.force_login(staff)
    response = client.post(
        "/help/staff/faq/new",
        {
            "organization": "city",
            "question": "",
            "answer": "回答だけ書きました",
            "visibility": "public",
            "review_on": "来年",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "質問を入力してください。" in page and "回答だけ書きました" in page
    assert "見直し予定日は 2026-04-01 のように入力してください。" in page
    assert FaqEntry.objects.count() == 0


def test_staff_of_another_organization_cannot_edit_the_faq(client, city_faqs):
    client.force_login(make_staff(make_organization()))
    assert client.get(f"/help/staff/faq/{city_faqs['gomi'].pk}/edit").status_code == 404


def test_staff_add_a_synonym_on_the_synonym_page(client, staff):
    client.force_login(staff)
    response = client.post(
        "/help/staff/synonyms", {"organization": "city", "words": "ゴミ袋, 指定袋", "bidirectional": "1"}
    )
    assert response.status_code == 302
    assert Synonym.objects.get().words == "ゴミ袋, 指定袋"


def test_a_synonym_without_words_is_refused_next_to_the_field(client, staff):
    client.force_login(staff)
    response = client.post(
        "/help/staff/synonyms", {"organization": "city", "words": "", "bidirectional": "1"}
    )
    assert response.status_code == 422
    assert 'id="id_words_error"' in response.content.decode()
    assert not Synonym.objects.exists()


def test_service_refuses_edits_by_non_members(city_faqs):
    from madoguchi.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.faq_update(faq=city_faqs["gomi"], actor=make_user(), question="変更")


def test_staff_only_faq_page_is_404_for_the_public_and_shown_to_members(client, faq_factory, staff):
    faq = faq_factory("職員向けの質問", visibility=Visibility.STAFF)
    assert client.get(f"/help/faq/{faq.pk}/").status_code == 404
    client.force_login(staff)
    assert client.get(f"/help/faq/{faq.pk}/").status_code == 200


def test_search_page_works_without_javascript_and_explains_an_empty_query(client, city_faqs):
    page = client.get("/help/search", {"q": "ごみの日"}).content.decode()
    assert "ごみの日を教えてください。" in page and "<mark>" in page
    empty = client.get("/help/search", {"q": ""}).content.decode()
    assert "検索する言葉を入力してください。" in empty and 'href="#q"' in empty


def test_result_links_count_clicks_and_refuse_other_sites(client, city_faqs):
    from madoguchi.knowledge.models import SearchQueryLog

    client.get("/help/search", {"q": "ごみの日"})
    log = SearchQueryLog.objects.get()
    target = f"/help/faq/{city_faqs['gomi'].pk}/"
    response = client.get("/help/go", {"l": log.pk, "u": target})
    assert response.status_code == 302 and response["Location"] == target
    log.refresh_from_db()
    assert log.clicks == 1
    assert client.get("/help/go", {"u": "https://evil.example/"}).status_code == 404
    assert client.get("/help/go", {"u": "//evil.example/"}).status_code == 404


def test_staff_link_an_faq_to_procedures_and_the_faq_page_lists_them(client, staff, org, city_faqs):
    from madoguchi.core.testing import make_procedure
    from madoguchi.knowledge import selectors

    procedure = make_procedure(org, title="粗大ごみ収集の申込")
    faq = city_faqs["sodai"]
    client.force_login(staff)
    form = client.get(f"/help/staff/faq/{faq.pk}/edit").content.decode()
    assert "粗大ごみ収集の申込" in form
    response = client.post(
        f"/help/staff/faq/{faq.pk}/edit",
        {
            "organization": "city",
            "question": faq.question,
            "answer": faq.answer,
            "visibility": "public",
            "related_procedures": [str(procedure.pk)],
        },
    )
    assert response.status_code == 302
    assert list(selectors.faq_list_for_procedure(procedure=procedure)) == [faq]
    assert "粗大ごみ収集の申込" in client.get(f"/help/faq/{faq.pk}/").content.decode()


def test_queries_searched_often_but_rarely_opened_are_listed_as_low_click(client, city_faqs, staff):
    from madoguchi.knowledge import selectors
    from madoguchi.knowledge.models import SearchQueryLog

    for _ in range(3):
        client.get("/help/search", {"q": "ごみの日"})
        client.get("/help/search", {"q": "児童手当"})
    log = SearchQueryLog.objects.get(query="児童手当")
    client.get("/help/go", {"l": log.pk, "u": "/help/"})
    client.get("/help/go", {"l": log.pk, "u": "/help/"})
    assert [row["query"] for row in selectors.low_click_queries(user=staff)] == ["ごみの日"]


def test_staff_see_only_their_own_organizations_search_and_chat_logs(client, org, staff, city_faqs):
    other = make_organization(slug="other-town", name="よその町")
    other_staff = make_staff(other)
    client.get("/help/search", {"q": "ぴよぴよ", "organization": "other-town"})
    client.get("/help/search", {"q": "もこもこ", "organization": "city"})
    services.chat_log_unanswered(query="よその町の宇宙旅行", organization=other)
    client.force_login(staff)
    page = client.get("/help/staff/").content.decode()
    assert "もこもこ" in page
    assert "ぴよぴよ" not in page and "よその町の宇宙旅行" not in page
    client.force_login(other_staff)
    page = client.get("/help/staff/").content.decode()
    assert "ぴよぴよ" in page and "よその町の宇宙旅行" in page
    assert "もこもこ" not in page


def test_logs_of_one_organization_are_empty_for_another_organizations_staff(org, staff):
    from madoguchi.knowledge import selectors

    other = make_organization(slug="other-town", name="よその町")
    services.search_log_query(query="ぴよぴよ", result_count=0, organization=other)
    assert list(selectors.zero_result_queries(user=staff)) == []
    assert [r["query"] for r in selectors.zero_result_queries(user=make_staff(other))] == ["ぴよぴよ"]


def test_a_member_signed_in_as_an_applicant_gets_404_for_a_staff_only_faq_and_does_not_see_it_listed(
    client, staff, faq_factory
):
    from madoguchi.accounts.constants import AuthLevel, AuthMethod
    from madoguchi.accounts.testing import mark_session

    inside = faq_factory("職員用：端末の再起動手順", visibility=Visibility.STAFF)
    public = faq_factory("住民票の写しの取り方")
    url = reverse("knowledge:faq_detail", args=[inside.pk])
    client.force_login(staff)  # the staff door: the member reads it
    assert client.get(url).status_code == 200
    assert (
        "端末の再起動手順"
        in client.get(reverse("knowledge:faq_index"), {"category": "その他"}).content.decode()
    )

    mark_session(client, level=AuthLevel.APPLICANT, method=AuthMethod.EMAIL_LINK)  # the e-mail link door
    assert client.get(url).status_code == 404
    index = client.get(reverse("knowledge:faq_index"), {"category": "その他"}).content.decode()
    assert "端末の再起動手順" not in index and "住民票の写しの取り方" in index
    page = client.get(reverse("knowledge:faq_detail", args=[public.pk])).content.decode()
    assert "この質問を編集する" not in page  # no staff link through the applicant door
