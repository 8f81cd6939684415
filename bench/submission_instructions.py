#!/usr/bin/env python3
"""Instructions, CPU and statements per complete API submission in one web process: the real
WSGI handler with the whole middleware stack (no test client, no HTTP), on PostgreSQL, the
follow-up handed to a Celery broker after commit as in ``bench/submissions.py``.

    python3 bench/submission_instructions.py [--n 60] [--warm 30] [--broker redis://…/N]
        [--shared-cache] [--callgrind] [--src PATH] [--db NAME] [--one-request]

One *complete submission* is ``POST /api/v1/drafts`` with the bench's 15 values, then
``POST /api/v1/drafts/{id}/submit`` with a fresh ``Idempotency-Key`` (the same bodies as
``bench/submissions.py``); with ``--one-request`` it is one ``POST /api/v1/applications`` with
the same values and a fresh key (``bench/submissions.py --one-request``). ``--warm`` submissions
run first (imports, prepared statements,
caches), then ``--n`` are measured:

* without ``--callgrind``: CPU (``time.process_time``) and statements per submission;
* with ``--callgrind``: the script runs itself under ``valgrind --tool=callgrind
  --collect-atstart=no --toggle-collect=functools_reduce`` — only the measured loop, which
  runs inside ``functools.reduce``, is counted — and prints instructions per submission.
  Instructions, not seconds: the same code gives the same count whatever else the shared
  machine runs, so before/after comparisons need no quiet machine. PostgreSQL's and Redis's
  own work is not in it. The output file (``--out``) opens in ``callgrind_annotate``.

``--round-trips`` counts PostgreSQL's answers per submission (``strace -c -e trace=sendto`` on the
backend during the loop: one per round trip, exact); ``--backend`` reads the backend's user and
system CPU from ``/proc`` around the loop (noisy on a loaded machine: report the load average;
not together with ``--round-trips``, whose tracing costs the backend system time).

``--shared-cache`` sets ``REDIS_URL`` to the broker's Redis as production does (the cache is
then shared by every process, and the follow-up's one-task-per-burst gate applies); without it
the cache is the process's own memory, as ``bench/submissions.py`` runs. ``--src`` measures
another checkout's code (e.g. a worktree of the commit before a change) with this script.
The database is copied from a migrated template and dropped at the end.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--db", default="mdg_submission_instructions")
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/14",
        help="a Redis DB for the Celery messages (its queue is emptied at the end)",
    )
    parser.add_argument("--shared-cache", action="store_true", help="REDIS_URL = the broker (production)")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--out", default="/tmp/submission.callgrind")
    parser.add_argument("--src", default="", help="the src/ directory of the checkout to measure")
    parser.add_argument("--profile", default="", help="cProfile the measured loop (CPU time), sorted by this")
    parser.add_argument(
        "--backend",
        action="store_true",
        help="also PostgreSQL's side: the backend's user and system CPU per submission (/proc)",
    )
    parser.add_argument(
        "--round-trips",
        action="store_true",
        help="also the backend's answers per submission (strace -c -e sendto on it: one per round trip)",
    )
    parser.add_argument(
        "--wal",
        action="store_true",
        help="also the WAL written per submission (pg_current_wal_insert_lsn around the loop: the whole "
        "server's, so nothing else may write meanwhile)",
    )
    parser.add_argument(
        "--one-request",
        action="store_true",
        help="each submission is one POST /api/v1/applications (all values and the key)",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.callgrind and not args.inner:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--dump-instr=no",
            f"--callgrind-out-file={args.out}",
            sys.executable,
            *sys.argv,
            "--inner",
        ]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        total = 0
        for line in Path(args.out).read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
        how = "one request" if args.one_request else "draft + submit"
        print(f"instructions per complete submission ({how}): {total / args.n / 1e6:.2f} M ({args.out})")
        return
    if args.src:
        sys.path.insert(0, args.src)
        os.environ["PYTHONPATH"] = args.src
    import madoguchi

    if args.src:  # a namespace package: pin it to --src, whatever _common adds to sys.path later
        madoguchi.__path__ = [os.path.join(args.src, "madoguchi")]

    sys.path.insert(0, str(HERE))
    from _common import drop_database, load_average, server_env, template_database

    if not args.inner:
        print(f"load average at start {load_average()}")
    template_database(args.db)
    extra = {
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_URL": args.broker,
        "DB_CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "MADOGUCHI_DATA_DIR": f"/tmp/{args.db}-data",
    }
    if args.shared_cache:
        extra["REDIS_URL"] = args.broker
    env = server_env(args.db, **extra)
    if args.src:
        env["PYTHONPATH"] = args.src
    os.environ.update(env)
    import redis
    import submissions as sub
    from django.conf import settings

    # keys of their own: runs sharing the Redis DB (or one's leftovers) must not meet in the cache
    settings.CACHES["default"]["KEY_PREFIX"] = f"instructions-{os.getpid()}"
    reference, tokens = sub.create_fixtures(1)
    import json

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    token = tokens[0]
    body = json.dumps({"procedure": reference, "data": sub.DATA}, ensure_ascii=False).encode()

    def environ(path: str, payload: bytes, **extra: str) -> dict:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8201",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
            **extra,
        }

    def start_response(status, headers, exc_info=None):
        return None

    def one(count: int, _i: int) -> int:
        if args.one_request:
            response = handler(
                environ("/api/v1/applications", body, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex), start_response
            )
            assert response.status_code == 201, response.content
            response.close()
            return count + 1
        response = handler(environ("/api/v1/drafts", body), start_response)
        assert response.status_code == 201, response.content
        draft_id = json.loads(response.content)["id"]
        response.close()
        response = handler(
            environ(f"/api/v1/drafts/{draft_id}/submit", b"", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex),
            start_response,
        )
        assert response.status_code == 201, response.content
        response.close()
        return count + 1

    for i in range(args.warm):  # not inside functools.reduce: callgrind counts only the loop below
        one(0, i)
    if args.shared_cache:
        # At hundreds of submissions a second a queued follow-up task has nearly always not
        # started yet, so a submission only finds the gate's key (one cache.add). Under valgrind a
        # submission takes a second or more and the key (5 s) would expire every few of them,
        # each time one Celery message more: hold it for the measured loop.
        from django.core.cache import cache

        from madoguchi.applications.services.follow_up import FOLLOW_UP_QUEUED_KEY

        cache.set(FOLLOW_UP_QUEUED_KEY, "bench", timeout=3600)
    statements = 0

    def counted(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_wal_insert_lsn()")
        backend, wal_before = cursor.fetchone()
    tracer = _strace(backend) if args.round_trips else None
    backend_cpu = _backend_cpu(backend)
    with connection.execute_wrapper(counted):
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        done = functools.reduce(one, range(args.n), 0)  # callgrind counts this call only
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu
    backend_cpu = tuple(
        after - before for after, before in zip(_backend_cpu(backend), backend_cpu, strict=True)
    )
    assert done == args.n
    if args.wal:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_current_wal_insert_lsn(), pg_current_wal_insert_lsn() - %s::pg_lsn", [wal_before]
            )
            wal_after, wal = cursor.fetchone()
        print(f"WAL: {wal / args.n:,.0f} bytes per submission (the whole server's, n {args.n}); by record:")
        with connection.cursor() as cursor:  # the database is dropped at the end, the extension with it
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
            cursor.execute(
                'SELECT "resource_manager/record_type", count, record_size, fpi_size, combined_size '
                "FROM pg_get_wal_stats(%s, %s, true) WHERE count > 0 ORDER BY combined_size DESC",
                [wal_before, wal_after],
            )
            for kind, count, record, fpi, combined in cursor.fetchall():
                print(
                    f"  {kind:<28} {count / args.n:6.2f} records {record / args.n:8,.0f} B "
                    f"+ {fpi / args.n:6,.0f} B full pages = {combined / args.n:8,.0f} B per submission"
                )
    if tracer is not None:
        tracer.send_signal(signal.SIGINT)
        _out, report = tracer.communicate(timeout=30)
        calls = next((int(line.split()[3]) for line in report.splitlines() if line.endswith(" sendto")), 0)
        print(f"PostgreSQL's backend: {calls / args.n:.2f} answers (sendto) per submission, strace -c")
    if args.backend:
        user, system = (1000 * t / args.n for t in backend_cpu)
        print(f"PostgreSQL's backend: {user:.2f} ms user + {system:.2f} ms system CPU per submission (/proc)")
    if not args.inner:
        print(
            f"code {list(madoguchi.__path__)[0]}, cache {'shared (Redis)' if args.shared_cache else 'local'}"
        )
        print(
            f"complete submission ({'one request' if args.one_request else 'draft + submit'}): "
            f"{statements / args.n:.1f} statements, {1000 * cpu / args.n:.2f} ms CPU "
            f"(n={args.n}, load average {load_average()})"
        )
    if profiler:
        import pstats

        profiler.dump_stats("/tmp/submission_instructions.prof")
        pstats.Stats(profiler).sort_stats(args.profile).print_stats(70)
    connection.close()
    # the messages this run queued (nobody consumes them); not a flush: another run may share the DB
    redis.Redis.from_url(args.broker).delete("celery")
    drop_database(args.db)


def _backend_cpu(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a PostgreSQL backend so far (/proc, the same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def _strace(pid: int) -> subprocess.Popen:
    """``strace -c`` counting the backend's ``sendto`` calls: PostgreSQL answers each round trip
    with one (its replies here are far below its 8 kB output buffer), and sends nothing else."""
    tracer = subprocess.Popen(
        ["strace", "-c", "-e", "trace=sendto", "-p", str(pid)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # attached
    return tracer


if __name__ == "__main__":
    main()
