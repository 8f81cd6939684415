"""Search API latency with and without the semantic stage, through gunicorn on PostgreSQL.

    python3 bench/search_server.py --port 18600 [--model use-multilingual] [--rounds 2]

1. PostgreSQL database ``mdg_search_bench`` (kept between runs: ``--fresh`` drops it): migrate,
   import 2,000 FAQs (the faq-kosodate corpus plus FAQs synthesized by combining its texts,
   as bench/search_latency.py) with the real import command, and compute their vectors with
   the model (cached by text hash in ``SearchEmbedding``, so only the first run pays for it;
   that setup is timed and printed apart from the measurement).
2. Starts two gunicorn servers from this checkout, DEBUG off, one sync worker each: lexical
   only (``KNOWLEDGE_SEMANTIC_MODEL=none``) on ``--port`` and with the semantic stage on
   ``--port + 1``. One warm-up query each loads the index, the model and the vectors.
3. Sends every development and held-out query (134) to both servers in turn, alternating which
   goes first, for ``--rounds`` rounds, over keep-alive HTTP (GET /api/v1/search?q=…&limit=10):
   analysis, lexical ranking of 50 candidates, the query embedding, the re-rank, snippets,
   the query log, JSON. The two servers see the same machine load, so the ratio is the figure
   to compare across runs.
4. Prints p50 / p95 / max of each, the ratio of the p95s, and the resident memory (VmRSS, and
   the peak VmHWM) of each web worker after the run: the difference is the model and the vectors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_latency as sl  # noqa: E402
import search_quality as sq  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432"
HOST = "127.0.0.1"


def base_env(db: str, redis_url: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from madoguchi.core.devvalues import throwaway_keys

    env = dict(os.environ)
    env.update(throwaway_keys())  # DEBUG=0 processes refuse the repository's public keys
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{db}",
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "ERROR",
            "DB_CONN_MAX_AGE": "600",
            "KNOWLEDGE_SEMANTIC_MODEL": "none",
        }
    )
    return env


def prepare(args, corpus: list[dict]) -> None:
    """The database with 2,000 FAQs and their vectors (only what is missing is done)."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        if args.fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db}"')
    os.environ.update(base_env(args.db, args.redis))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from madoguchi.knowledge.models import FaqEntry
    from madoguchi.knowledge.semantic import store

    call_command("migrate", interactive=False, verbosity=0)
    if FaqEntry.objects.count() < args.faqs:
        path = Path("/tmp") / f"{args.db}-faqs.json"
        path.write_text(json.dumps(sl.synthesize(corpus, args.faqs), ensure_ascii=False), encoding="utf-8")
        started = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            call_command("faq", "import", str(path), "--keep-placeholders", stdout=devnull)
        print(f"setup: imported {args.faqs} FAQs in {time.perf_counter() - started:.1f} s")
    settings.KNOWLEDGE_SEMANTIC_MODEL = args.model
    started = time.perf_counter()
    count = store.embed_pending()
    print(
        f"setup: {args.model}: embedded {count} items in {time.perf_counter() - started:.1f} s (0 = cached)"
    )


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "madoguchi.config.wsgi:application",
        "-b",
        f"{HOST}:{port}",
        "-w",
        "1",
        "--keep-alive",
        "30",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"gunicorn did not start on port {port} (see {log})")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def worker_memory(master: subprocess.Popen) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB of the master's one worker process."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def search(self, query: str) -> float:
        path = "/api/v1/search?" + urllib.parse.urlencode({"q": query, "limit": 10})
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": "application/json"})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"{self.port}: {response.status} for {query!r}: {body[:200]!r}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(sq.SHARED / "corpus.json"))
    parser.add_argument("--faqs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default="use-multilingual")
    parser.add_argument("--port", type=int, default=8302, help="lexical server; the semantic one is port + 1")
    parser.add_argument("--db", default="mdg_search_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--fresh", action="store_true", help="drop the database first (vectors again)")
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="only import and embed (run it under nice, outside the bench lock), then stop",
    )
    args = parser.parse_args()
    corpus = json.loads(Path(args.corpus).read_text(encoding="utf-8"))
    queries = [q["query"] for q in json.loads((Path(args.corpus).parent / "development.json").read_text())]
    queries += [
        q["query"] for q in json.loads((ROOT / "bench" / "data" / "heldout_colloquial.json").read_text())
    ]
    prepare(args, corpus)
    if args.setup_only:
        return

    env = base_env(args.db, args.redis)
    lexical = start_server(args.port, env, Path(f"/tmp/{args.db}-lexical.log"))
    semantic = start_server(
        args.port + 1, {**env, "KNOWLEDGE_SEMANTIC_MODEL": args.model}, Path(f"/tmp/{args.db}-semantic.log")
    )
    try:
        clients = {"lexical": Client(args.port), "semantic": Client(args.port + 1)}
        for name, client in clients.items():
            started = time.perf_counter()
            client.search("ごみ")
            print(
                f"first query ({name}: loads the index{', model and vectors' if name == 'semantic' else ''}): "
                f"{(time.perf_counter() - started) * 1000:.0f} ms"
            )
        timings: dict[str, list[float]] = {"lexical": [], "semantic": []}
        first_round: dict[str, list[float]] = {"lexical": [], "semantic": []}
        for round_number in range(args.rounds):
            for n, query in enumerate(queries):
                order = ["lexical", "semantic"] if (n + round_number) % 2 == 0 else ["semantic", "lexical"]
                for name in order:
                    elapsed = clients[name].search(query)
                    timings[name].append(elapsed)
                    if round_number == 0:
                        first_round[name].append(elapsed)
        memory = {"lexical": worker_memory(lexical), "semantic": worker_memory(semantic)}
    finally:
        stop_server(lexical)
        stop_server(semantic)

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<44} n={len(values):<4} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {sl.percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms"
        )

    with open("/proc/loadavg") as handle:
        load = handle.read().split()[:3]
    print(f"gunicorn, 1 sync worker each, PostgreSQL, {args.faqs} FAQs, load average {' '.join(load)}")
    print(line("GET /api/v1/search, lexical only (baseline)", timings["lexical"]))
    print(line(f"GET /api/v1/search, with {args.model}", timings["semantic"]))
    ratio = sl.percentile(timings["semantic"], 95) / sl.percentile(timings["lexical"], 95)
    print(f"ratio p95 semantic / lexical (same run): {ratio:.2f}")
    # the first round: every query new to the server (no query vector cached yet)
    print(line("first round only, lexical", first_round["lexical"]))
    print(line(f"first round only, with {args.model} (queries new)", first_round["semantic"]))
    cold = sl.percentile(first_round["semantic"], 95) / sl.percentile(first_round["lexical"], 95)
    print(f"ratio p95 semantic / lexical, first round: {cold:.2f}")
    print(
        f"p95 ≤ 60 ms with the semantic stage: {'yes' if sl.percentile(timings['semantic'], 95) <= 60 else 'NO'}"
    )
    for name, (rss, hwm) in memory.items():
        print(f"web worker memory, {name:<8}: RSS {rss:6.0f} MB   peak {hwm:6.0f} MB")
    print(
        f"the model and its vectors in a worker: {memory['semantic'][0] - memory['lexical'][0]:+.0f} MB RSS"
    )


if __name__ == "__main__":
    main()
