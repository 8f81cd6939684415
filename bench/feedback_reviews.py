"""Reviews per second through gunicorn on PostgreSQL, as a ratio to /healthz in the same run.

    python3 bench/feedback_reviews.py                      # 16 clients, 200 counters, 15 s each phase
    python3 bench/feedback_reviews.py --clients 32 --points 1000 --duration 20

What it does (database ``madoguchi_voice_bench`` — dropped and created, dropped again at the end
unless --keep-db; gunicorn on 127.0.0.1:18500, --workers 2 --threads 4):

1. makes ``--points`` counters (review points) of one organization;
2. **baseline**: the clients GET ``/healthz`` as fast as they can for ``--duration`` seconds;
3. **reviews**: the same clients ``POST /api/v1/feedback/points/{code}/reviews`` (satisfaction,
   NPS, two "what was hard" choices, a comment with a person's name and a phone number to mask, a fresh
   Idempotency-Key), each request to the next counter in turn, for the same time;
4. prints requests/s of both, the ratio, latency p50/p95/p99, errors, and checks that the
   database holds exactly the answered reviews with every phone number masked.

Each client is a thread with its own keep-alive connection; the clients run on the same two
cores as the server, so compare the ratio, not the absolute figures. Figures go to
docs/performance.md ("Reviews").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
import _common as common  # noqa: E402
from _common import HOST, gunicorn, load_average  # noqa: E402
from _common import stop as stop_server  # noqa: E402


def start_server(env: dict[str, str], port: int, tmp: str, workers: int, threads: int) -> subprocess.Popen:
    return gunicorn(
        port, env, os.path.join(tmp, "gunicorn.log"), workers=workers, threads=threads, extra=["--preload"]
    )


BODY = {
    "satisfaction": 4,
    "nps": 9,
    "difficulties": ["waiting", "unclear"],
    "comment": "待ち時間が少し長かったです。窓口の山田さんは親切でした。折り返しは 090-1234-5678 へお願いします。",
}


def run_phase(port: int, clients: int, seconds: float, make_request) -> dict:
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        bad: list[int] = []
        n = 0
        while time.monotonic() < stop_at:
            method, path, body, headers = make_request(index, n)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - started)
            if status not in (200, 201):
                bad.append(status)
            n += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": len(errors),
        "statuses": sorted(set(errors)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default="madoguchi_voice_bench")
    parser.add_argument("--port", type=int, default=18500)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    print(f"load average before: {load_average()}")
    common.recreate_database(args.db)
    tmp = tempfile.mkdtemp(prefix="feedback-bench-")
    env = common.server_env(
        args.db,
        DEBUG="1",  # development keys (the production refusal is not what is measured)
        MADOGUCHI_DATA_DIR=tmp,
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    for key in (
        "DATABASE_URL",
        "DEBUG",
        "MADOGUCHI_DATA_DIR",
        "CELERY_TASK_ALWAYS_EAGER",
        "DJANGO_SETTINGS_MODULE",
    ):
        os.environ[key] = env[key]
    common.migrate(env)
    import django

    django.setup()
    from django.db import connections

    from madoguchi.core.testing import make_organization
    from madoguchi.feedback.models import Review
    from madoguchi.feedback.services import review_point_create

    organization = make_organization("bench-city")
    codes = [
        review_point_create(actor=None, organization=organization, kind="counter", name=f"窓口{i}").code
        for i in range(args.points)
    ]
    connections.close_all()
    server = start_server(env, args.port, tmp, args.workers, args.threads)
    try:
        health = run_phase(args.port, args.clients, args.duration, lambda i, n: ("GET", "/healthz", None, {}))
        body = json.dumps(BODY, ensure_ascii=False).encode()

        def review_request(i: int, n: int):
            code = codes[(i * 7919 + n) % len(codes)]
            headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            return "POST", f"/api/v1/feedback/points/{code}/reviews", body, headers

        reviews = run_phase(args.port, args.clients, args.duration, review_request)
    finally:
        stop_server(server)
    print(f"load average after: {load_average()}")
    print(
        f"settings: {args.clients} clients (threads, keep-alive), {args.points} counters, {args.duration:.0f} s per phase, "
        f"gunicorn --workers {args.workers} --threads {args.threads}, PostgreSQL, no Redis (limits in process memory)"
    )
    for name, r in (("/healthz", health), ("reviews", reviews)):
        print(
            f"{name:9} {r['rate']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
            f"errors {r['errors']} {r['statuses'] or ''}"
        )
    print(f"ratio reviews/s ÷ /healthz req/s = {reviews['rate'] / health['rate']:.3f}")
    stored = Review.objects.count()
    unmasked = (
        Review.objects.filter(comment__contains="090-1234-5678").count()
        + Review.objects.filter(comment__contains="山田").count()
    )
    expected = reviews["requests"] - reviews["errors"]
    print(
        f"database: {stored} reviews stored for {expected} answered requests; unmasked phone numbers or names: {unmasked}"
    )
    connections.close_all()
    if not args.keep_db:
        common.drop_database(args.db)


if __name__ == "__main__":
    main()
