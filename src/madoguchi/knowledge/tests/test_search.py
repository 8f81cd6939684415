"""Site search: finds the answer for the way people ask, and only what the viewer may see."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from madoguchi.core.testing import make_organization, make_procedure, make_staff, make_user
from madoguchi.knowledge import selectors, services
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.search import index as search_index
from madoguchi.knowledge.search.indexing import search_index_procedure

pytestmark = pytest.mark.django_db


def titles(query, **kwargs):
    return [r.title for r in selectors.site_search(query=query, **kwargs).results]


def test_colloquial_question_finds_the_formal_faq_through_the_built_in_synonyms(city_faqs):
    assert titles("保険証なくしちゃった")[0] == "国民健康保険証を紛失しました。"


def test_hiragana_query_finds_kanji_faq(city_faqs):
    assert titles("ほいくえんのもうしこみ")[0] == "保育園の申込方法を教えてください。"


def test_halfwidth_katakana_query_finds_the_faq(city_faqs):
    assert titles("ｺﾝﾋﾟｭｰﾀｰ")[0] == "コンピューターの貸し出しはありますか？"


def test_typo_is_still_found_through_character_bigrams(city_faqs):
    assert titles("じどう手当 ふりこみ")[0] == "児童手当はいつ振り込まれますか？"


def test_dialect_word_for_throwing_away_finds_the_garbage_faq(city_faqs):
    assert "粗大ごみの申込方法を教えてください。" in titles("ソファーをほかしたい")[:2]


def test_a_synonym_added_by_staff_takes_effect_without_rebuilding(city_faqs, org, staff):
    assert "コンピューターの貸し出しはありますか？" not in titles("タブレット端末")
    services.synonym_create(organization=org, actor=staff, words="タブレット端末, コンピューター")
    assert titles("タブレット端末")[0] == "コンピューターの貸し出しはありますか？"


def test_synonym_needs_two_words(org, staff):
    from madoguchi.core.errors import FieldErrors

    with pytest.raises(FieldErrors) as excinfo:
        services.synonym_create(organization=org, actor=staff, words="ひとつだけ")
    assert "words" in excinfo.value.as_dict()


def test_staff_only_faq_never_appears_to_the_public_or_other_organizations(faq_factory, org):
    faq_factory("職員向け：保険証の再交付事務の手順", visibility=Visibility.STAFF)
    member = make_staff(org)
    other_staff = make_staff(make_organization())
    assert titles("保険証の再交付事務") == []
    assert titles("保険証の再交付事務", user=make_user()) == []
    assert titles("保険証の再交付事務", user=other_staff) == []
    assert titles("保険証の再交付事務", user=member) == ["職員向け：保険証の再交付事務の手順"]


def test_an_edit_is_searchable_at_once_and_old_wording_is_gone(city_faqs, staff):
    faq = city_faqs["computer"]
    services.faq_update(faq=faq, actor=staff, question="ノートパソコンの貸し出しはありますか？")
    assert titles("ノートパソコン")[0] == "ノートパソコンの貸し出しはありますか？"
    assert "コンピューターの貸し出しはありますか？" not in titles("コンピューター")
    faq.refresh_from_db()
    assert faq.version == 2 and faq.revisions.count() == 2


def test_another_process_sees_an_edit_through_the_version_counter(city_faqs, staff):
    titles("ごみ")  # this process has loaded the index
    other_process = search_index.MemoryIndex()
    search_index._INDEX, saved = other_process, search_index._INDEX
    try:
        assert titles("ごみの日")[0] == "ごみの日を教えてください。"
        services.faq_update(faq=city_faqs["gomi"], actor=staff, question="資源回収の日を教えてください。")
        assert titles("資源回収")[0] == "資源回収の日を教えてください。"
        assert other_process.size == len(city_faqs)
    finally:
        search_index._INDEX = saved


def test_archived_faq_disappears_from_search(city_faqs, staff):
    services.faq_archive(faq=city_faqs["gomi"], actor=staff)
    assert "ごみの日を教えてください。" not in titles("ごみの日")


def test_published_public_procedures_are_found_and_drafts_are_not(org):
    published = make_procedure(org, title="児童手当の認定請求", summary="子どもを育てている方への手当です。")
    draft = make_procedure(org, title="児童手当の未公開手続", published=False)
    search_index_procedure(procedure=published)
    search_index_procedure(procedure=draft)
    results = selectors.site_search(query="児童手当").results
    assert [(r.type, r.title) for r in results] == [("procedure", "児童手当の認定請求")]


def test_procedures_changed_without_the_event_are_picked_up_by_the_beat_sync(org):
    from madoguchi.knowledge.tasks import search_sync_procedures

    make_procedure(org, title="犬の登録", summary="犬を飼い始めたら登録してください。")
    assert titles("犬の登録") == []  # searching never writes the index
    search_sync_procedures.delay()
    assert titles("犬の登録") == ["犬の登録"]
    procedure = make_procedure(org, title="猫の譲渡会の申込")
    search_sync_procedures.delay()
    assert titles("猫の譲渡会") == ["猫の譲渡会の申込"]
    procedure.is_public = False
    procedure.save(update_fields=["is_public", "updated_at"])
    search_sync_procedures.delay()
    assert titles("猫の譲渡会") == []


def test_a_procedure_changed_event_reindexes_the_procedure(org):
    from madoguchi.core import events

    procedure = make_procedure(org, title="犬の登録", summary="犬を飼い始めたら登録してください。")
    assert titles("犬の登録") == []
    assert events.emit("procedure.changed", procedure=procedure) >= 1
    assert titles("犬の登録") == ["犬の登録"]


def test_notices_are_found(org):
    from madoguchi.accounts.constants import Role

    services.notice_create(
        organization=org,
        actor=make_staff(org, role=Role.OWNER),
        title="年末年始の窓口休業",
        body="12月29日から1月3日まで休みます。",
    )
    results = selectors.site_search(query="年末年始 休み").results
    assert results[0].type == "notice" and results[0].url.startswith("/help/notices/")


def test_rebuild_command_indexes_everything_again(city_faqs, org, capsys):
    make_procedure(org, title="転入届", summary="引っ越してきた方の届出です。")
    call_command("faq", "rebuild-index")
    assert "7 FAQ, 1 procedures" in capsys.readouterr().out
    assert {r.type for r in selectors.site_search(query="転入").results} == {"faq", "procedure"}
    call_command("search_rebuild")
    assert titles("ごみの日")[0] == "ごみの日を教えてください。"


def test_snippet_marks_matches_and_escapes_html(faq_factory):
    faq_factory("<b>太字</b>の質問", "回答に <script>alert(1)</script> 保険証 という文字があります。")
    result = selectors.site_search(query="保険証").results[0]
    assert "<mark>保険証</mark>" in result.snippet
    assert "<script>" not in result.snippet and "<b>" not in result.snippet


def test_query_logs_keep_no_digits_emails_or_phone_numbers():
    assert services.scrub_query("taro@example.jp 090-1234-5678 マイナンバー 1234 5678 9012") == "マイナンバー"
    assert services.scrub_query("1歳6か月健診") == "歳か月健診"
