"""Search latency over 2,000 FAQs (the corpus plus FAQs synthesized by combining its text).

    python3 bench/search_latency.py [--faqs 2000] [--rounds 3]

Imports the FAQs through the real import command into a fresh SQLite database, then times
GET /api/v1/search?q=…&limit=10 through Django's test client (analysis, ranking, snippets,
query logging, JSON) for the development and held-out queries. Prints p50/p95/max, the same
for the engine alone, and for a plain character-bigram BM25 scan over the same 2,000 FAQs
measured in the same run (the baseline), with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_quality as sq  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def synthesize(corpus: list[dict], total: int) -> list[dict]:
    rows = [dict(r) for r in corpus]
    k = 0
    while len(rows) < total:
        a = corpus[k % len(corpus)]
        b = corpus[(k * 7 + 3) % len(corpus)]
        rows.append(
            {
                "faq_id": f"synth-{k}",
                "question": f"{a['question']}（{b['category2'] or b['category1']}の場合）",
                "answer": a["answer"] + "\n" + b["answer"],
                "category1": a["category1"],
                "category2": b["category2"],
                "service_name": b.get("service_name", ""),
            }
        )
        k += 1
    return rows


def summary(label: str, times_ms: list[float]) -> str:
    return (
        f"{label:<40} n={len(times_ms):<5} p50 {statistics.median(times_ms):6.2f} ms   "
        f"p95 {percentile(times_ms, 95):6.2f} ms   max {max(times_ms):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(sq.SHARED / "corpus.json"))
    parser.add_argument("--faqs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--semantic",
        help="also time the search with this semantic model (vectors computed first), ratio to lexical",
    )
    args = parser.parse_args()
    os.environ["KNOWLEDGE_SEMANTIC_MODEL"] = "none"  # vectors are computed explicitly below
    corpus = json.loads(Path(args.corpus).read_text(encoding="utf-8"))
    rows = synthesize(corpus, args.faqs)
    queries = [q["query"] for q in json.loads((Path(args.corpus).parent / "development.json").read_text())]
    queries += [
        q["query"] for q in json.loads((sq.ROOT / "bench" / "data" / "heldout_colloquial.json").read_text())
    ]

    with tempfile.TemporaryDirectory() as tmp:
        sq.setup_django(tmp)
        from django.core.management import call_command
        from django.test import Client

        from madoguchi.knowledge.search.engine import search_documents

        path = Path(tmp) / "faqs.json"
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        started = time.perf_counter()
        call_command("faq", "import", str(path), "--keep-placeholders", stdout=open(os.devnull, "w"))
        print(f"imported {len(rows)} FAQs in {time.perf_counter() - started:.1f} s (analysis + index rows)")

        client = Client()
        started = time.perf_counter()
        client.get("/api/v1/search", {"q": "ごみ", "limit": 10})  # first query loads the index
        print(
            f"first query (loads the index into this process): {(time.perf_counter() - started) * 1000:.0f} ms"
        )

        api_ms, engine_ms, base_ms = [], [], []
        baseline = sq.BigramBaseline(rows)
        for _ in range(args.rounds):
            for q in queries:
                t = time.perf_counter()
                response = client.get("/api/v1/search", {"q": q, "limit": 10})
                api_ms.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
                t = time.perf_counter()
                search_documents(q, limit=10)
                engine_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                baseline.search(q)
                base_ms.append((time.perf_counter() - t) * 1000)

        print(summary("API GET /api/v1/search (end to end)", api_ms))
        print(summary("engine only (rank, no snippets)", engine_ms))
        print(summary("baseline: plain bigram BM25 scan", base_ms))
        print(
            f"ratio p95 API / baseline: {percentile(api_ms, 95) / percentile(base_ms, 95):.2f}   "
            f"engine / baseline: {percentile(engine_ms, 95) / percentile(base_ms, 95):.2f}"
        )
        budget = percentile(api_ms, 95) <= 50
        print(f"p95 ≤ 50 ms: {'yes' if budget else 'NO'}")
        if args.semantic:
            semantic_timings(args, client, queries, api_ms)


def semantic_timings(args, client, queries: list[str], lexical_ms: list[float]) -> None:
    """The same API with the semantic stage on: vectors first, then the same queries."""
    import resource

    from django.conf import settings

    from madoguchi.knowledge.semantic import store

    settings.KNOWLEDGE_SEMANTIC_MODEL = args.semantic
    started = time.perf_counter()
    count = store.embed_pending()
    print(f"{args.semantic}: embedded {count} items in {time.perf_counter() - started:.1f} s")
    client.get("/api/v1/search", {"q": "ごみ", "limit": 10})  # loads the vectors into this process
    fused_ms = []
    for _ in range(args.rounds):
        for q in queries:
            t = time.perf_counter()
            response = client.get("/api/v1/search", {"q": q, "limit": 10})
            fused_ms.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
    print(summary(f"API with {args.semantic} (fused)", fused_ms))
    print(
        f"ratio p95 fused / lexical (same run): {percentile(fused_ms, 95) / percentile(lexical_ms, 95):.2f}"
    )
    print(f"p95 ≤ 60 ms with the semantic stage: {'yes' if percentile(fused_ms, 95) <= 60 else 'NO'}")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
