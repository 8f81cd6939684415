#!/usr/bin/env python3
"""Fault injection: submissions under load while the pieces behind them fail one at a time.

Everything runs on loopback and stops by itself (bounded load, bounded waits):

1. recreates the PostgreSQL database ``madoguchi_hotpaths_faults`` and migrates it; starts a
   Redis server of its own (port 18710, no persistence: a restart comes back **empty**), an
   SMTP sink in this process (port 18711), gunicorn (port 18701), one Celery worker and beat —
   all with the production defaults for the sweepers (grace 30 s, beat every 30 s) unless told;
2. runs ``--clients`` clients for ``--duration`` seconds; each creates a draft with 15 values and
   submits it with an Idempotency-Key, and retries the same key after a connection error, a
   5xx or a 429 until it is acknowledged (201/200 with a 受付番号) — as a careful app would;
3. during the load, one fault at a time: a gunicorn worker SIGKILLed, the Celery worker
   SIGKILLed and restarted, Redis killed and restarted empty (queued follow-up tasks are lost),
   every PostgreSQL connection of the database terminated;
4. then waits (at most ``--recovery-timeout`` s) with **no hand action** until every
   acknowledged submission is followed up (review case + receipt notice) and every receipt
   e-mail has reached the sink, and prints how long that took after the last fault;
5. checks: nothing acknowledged lost, no key answered with two applications, gap-free 受付番号,
   the audit chain intact, one case per application, each receipt e-mail delivered once; and
   every 5xx the clients saw answered the JSON error shape (``retryable`` + ``Retry-After``
   on 503), never an HTML page.

Usage (from the repository root; ≈ 2–3 minutes)::

    python3 bench/faults.py                        # 12 clients, 40 s of load
    python3 bench/faults.py --sweep-seconds 10     # a shorter beat interval

Results go to docs/performance.md ("Recovery without hands").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import _common as common  # noqa: E402
import submissions as sub  # noqa: E402 - the submission benchmark's set-up and checks
from _common import stop  # noqa: E402

ROOT = sub.ROOT
HOST = "127.0.0.1"
sub.DB_NAME = DB_NAME = "madoguchi_hotpaths_faults"


class Sink:
    """SMTP sink counting receipts by Message-ID (= notification id)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, int] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        key = str(message.get("Message-ID", "")).strip()
        with self.lock:
            self.by_id[key] = self.by_id.get(key, 0) + 1
        return "250 OK"


# ---------------------------------------------------------------------------- processes


def spawn(command: list[str], env: dict[str, str], log_path: str) -> subprocess.Popen:
    return common.spawn(command, env, log_path, append=True)  # restarted processes add to their log


def start_redis(port: int, tmp: str) -> subprocess.Popen:
    process = spawn(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tmp,
        ],
        dict(os.environ),
        os.path.join(tmp, "redis.log"),
    )
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(host=HOST, port=port).ping()
            return process
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def start_web(sargs, env, tmp) -> subprocess.Popen:
    """gunicorn, waiting up to two minutes for /healthz (a busy shared machine is slow to boot)."""
    config_path = os.path.join(tmp, "gunicorn_conf.py")
    Path(config_path).write_text(sub.GUNICORN_CONFIG.format(interval=0))
    process = spawn(sub.gunicorn_command(sargs, config_path), env, os.path.join(tmp, "gunicorn.log"))
    common.wait_healthy(sargs.port, process, timeout=120)
    return process


def celery_worker(env, tmp, concurrency: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "madoguchi.config", "worker", "-l", "WARNING"]
    command += [
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return spawn(command, env, os.path.join(tmp, "celery.log"))


def celery_beat(env, tmp) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "madoguchi.config", "beat", "-l", "WARNING"]
    command += ["-s", os.path.join(tmp, "celerybeat-schedule")]
    return spawn(command, env, os.path.join(tmp, "beat.log"))


# ---------------------------------------------------------------------------- clients


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: dict[str, str] = {}  # idempotency key → 受付番号
        self.server_errors = {
            "json": 0,
            "json_retryable": 0,
            "html_or_other": 0,
            "503_without_retry_after": 0,
        }
        self.statuses: dict[str, int] = {}
        self.retries = 0
        self.given_up = 0

    def seen(self, status: str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def server_error(self, response: http.client.HTTPResponse, payload: bytes) -> None:
        with self.lock:
            try:
                error = json.loads(payload)["error"]
                self.server_errors["json"] += 1
                if error.get("retryable"):
                    self.server_errors["json_retryable"] += 1
                if response.status == 503 and not response.getheader("Retry-After"):
                    self.server_errors["503_without_retry_after"] += 1
            except (ValueError, KeyError, TypeError):
                self.server_errors["html_or_other"] += 1


def request(port: int, conn, method: str, path: str, body: bytes, headers: dict, tally: Tally):
    """One request; a new connection after a broken one. Returns (status, payload, conn)."""
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as exc:
        tally.seen(type(exc).__name__)
        conn.close()
        return None, b"", http.client.HTTPConnection(HOST, port, timeout=20)
    tally.seen(str(response.status))
    if response.status >= 500:
        tally.server_error(response, payload)
    return response.status, payload, conn


def client(port: int, token: str, body: bytes, stop_at: float, give_up_at: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    auth = {"Authorization": f"Bearer {token}"}
    while time.time() < stop_at:
        status, payload, conn = request(
            port, conn, "POST", "/api/v1/drafts", body, {**auth, "Content-Type": "application/json"}, tally
        )
        if status != 201:
            time.sleep(0.2)
            continue
        draft_id = json.loads(payload)["id"]
        key = uuid.uuid4().hex
        while True:  # the same key until acknowledged: a careful client
            status, payload, conn = request(
                port,
                conn,
                "POST",
                f"/api/v1/drafts/{draft_id}/submit",
                b"",
                {**auth, "Idempotency-Key": key},
                tally,
            )
            if status in (200, 201):
                with tally.lock:
                    tally.acknowledged[key] = json.loads(payload)["reference_number"]
                break
            if time.time() > give_up_at:
                with tally.lock:
                    tally.given_up += 1
                break
            with tally.lock:
                tally.retries += 1
            time.sleep(0.5 if status is None else 1.0)
    conn.close()


# ---------------------------------------------------------------------------- faults


def terminate_connections() -> int:
    return int(
        sub.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()"
        )
        or 0
    )


def follow_up_state(sink: Sink) -> dict[str, int]:
    from django.db import connections

    from madoguchi.applications.models import Application
    from madoguchi.notifications.constants import NotificationStatus
    from madoguchi.notifications.models import Notification

    try:
        waiting = Application.objects.filter(followed_up_at__isnull=True).count()
        email_ids = [
            str(pk)
            for pk in Notification.objects.filter(event="application.submitted", channel="email").values_list(
                "pk", flat=True
            )
        ]
        unsent = Notification.objects.exclude(status=NotificationStatus.SENT).count()
    finally:
        connections.close_all()
    with sink.lock:
        received = {k.strip("<>").split("@")[0] for k in sink.by_id}
    missing = sum(1 for pk in email_ids if pk not in received)
    return {"waiting": waiting, "unsent": unsent, "emails_missing": missing}


def setup_database(env: dict[str, str]) -> None:
    """The database from a migrated template (kept between runs, rebuilt when the migrations
    change): migrating from nothing takes minutes on the shared machine."""
    import hashlib

    files = sorted((ROOT / "src").glob("madoguchi/*/migrations/*.py"))
    digest = hashlib.sha256(
        "".join(f"{f.relative_to(ROOT)}:{f.stat().st_size}" for f in files).encode()
    ).hexdigest()[:10]
    template = f"{DB_NAME}_tpl_{digest}"
    sub.psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    if not sub.psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        for old in sub.psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{DB_NAME}_tpl_%'").split():
            sub.psql(f"DROP DATABASE IF EXISTS {old} WITH (FORCE)")
        sub.psql(f"CREATE DATABASE {template}")
        sub.sh(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
            env={**env, "DATABASE_URL": f"{sub.PG_URL}/{template}"},
            cwd=ROOT,
        )
    sub.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {template}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    # a SIGTERM (timeout, ^C from a wrapper) still stops every process this script started
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--duration", type=int, default=40, help="seconds of load (≤ 60)")
    parser.add_argument("--port", type=int, default=18701)
    parser.add_argument("--redis-port", type=int, default=18710)
    parser.add_argument("--smtp-port", type=int, default=18711)
    parser.add_argument(
        "--sweep-seconds", type=float, default=30, help="beat interval of the follow-up sweep"
    )
    parser.add_argument("--grace-seconds", type=float, default=30, help="APPLICATION_FOLLOW_UP_GRACE_SECONDS")
    parser.add_argument("--recovery-timeout", type=float, default=150)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary directory with the logs")
    args = parser.parse_args()
    if args.duration > 60:
        parser.error("keep the load at 60 s or less (the machine is shared)")

    tmp = tempfile.mkdtemp(prefix="mdg-faults-")
    broker = f"redis://{HOST}:{args.redis_port}/0"
    ns = argparse.Namespace(conn_max_age=600, celery_broker=broker, cache="redis")
    env = sub.server_env(ns, tmp)
    env.update(
        {
            "REDIS_URL": broker,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(args.smtp_port),
            "APPLICATION_FOLLOW_UP_SWEEP_SECONDS": str(args.sweep_seconds),
            "APPLICATION_FOLLOW_UP_GRACE_SECONDS": str(args.grace_seconds),
            "LOG_LEVEL": "CRITICAL",
        }
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

    print(f"date            {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    try:
        commit = sub.sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    except (OSError, subprocess.CalledProcessError):
        commit = f"(not a checkout: {ROOT})"
    print(f"commit          {commit}")
    print(f"machine         {os.cpu_count()} CPUs, load average at start {sub.load_average()}")
    print(
        f"set-up          gunicorn -w 2 --threads 2 on :{args.port}, Celery worker -c 2 + beat (sweep every "
        f"{args.sweep_seconds:.0f} s, grace {args.grace_seconds:.0f} s), own Redis :{args.redis_port} "
        f"(no persistence), SMTP sink :{args.smtp_port}; {args.clients} clients for {args.duration} s"
    )

    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp = Controller(sink, hostname=HOST, port=args.smtp_port)
    smtp.start()
    redis_server = start_redis(args.redis_port, tmp)
    setup_database(env)
    reference, tokens = sub.create_fixtures(args.clients)
    sargs = argparse.Namespace(
        port=args.port,
        workers=2,
        worker_class="gthread",
        threads=2,
        worker_connections=args.clients,
        switch_interval=0,
    )
    web = worker = beat = None
    faults: list[tuple[float, str]] = []
    tally = Tally()
    state = at_end = {"waiting": -1, "unsent": -1, "emails_missing": -1}
    followed_up_at = delivered_at = None
    last_fault = load_ended = time.time()
    try:
        web = start_web(sargs, env, tmp)
        worker = celery_worker(env, tmp, 2)
        beat = celery_beat(env, tmp)
        time.sleep(3)
        body = json.dumps({"procedure": reference, "data": sub.DATA}, ensure_ascii=False).encode()
        started = time.time()
        stop_at = started + args.duration
        give_up_at = stop_at + 60
        threads = [
            threading.Thread(
                target=client, args=(args.port, token, body, stop_at, give_up_at, tally), daemon=True
            )
            for token in tokens
        ]
        for thread in threads:
            thread.start()

        def at(second: float) -> None:
            time.sleep(max(0.0, started + second - time.time()))

        span = args.duration
        at(span * 0.15)
        victims = children(web.pid)
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            faults.append((time.time() - started, f"gunicorn worker {victims[0]} SIGKILLed"))
        at(span * 0.3)
        stop(worker, signal.SIGKILL)
        faults.append((time.time() - started, "Celery worker SIGKILLed"))
        time.sleep(2)
        worker = celery_worker(env, tmp, 2)
        faults.append((time.time() - started, "Celery worker restarted"))
        at(span * 0.5)
        stop(redis_server, signal.SIGKILL)
        faults.append((time.time() - started, "Redis SIGKILLed (queued tasks lost)"))
        time.sleep(2)
        redis_server = start_redis(args.redis_port, tmp)
        faults.append((time.time() - started, "Redis restarted empty"))
        at(span * 0.7)
        terminated = terminate_connections()
        faults.append((time.time() - started, f"{terminated} PostgreSQL connections terminated"))
        last_fault = time.time()
        for thread in threads:
            thread.join()
        load_ended = time.time()

        # Recovery: no hand action, only watching.
        state = follow_up_state(sink)
        at_end = dict(state)
        deadline = time.time() + args.recovery_timeout
        while time.time() < deadline:
            state = follow_up_state(sink)
            now = time.time()
            if state["waiting"] == 0 and followed_up_at is None:
                followed_up_at = now
            if state["waiting"] == 0 and state["emails_missing"] == 0 and state["unsent"] == 0:
                delivered_at = now
                break
            if os.environ.get("BENCH_VERBOSE"):
                print(f"  +{now - load_ended:5.1f} s after the load: {state}")
            time.sleep(1)
    finally:
        stop(web)
        stop(worker)
        stop(beat)
        if sys.exc_info()[0] is not None:
            stop(redis_server)
            smtp.stop()

    print()
    for second, what in faults:
        print(f"fault           t = {second:5.1f} s  {what}")
    print(
        f"load            {len(tally.acknowledged)} submissions acknowledged in {args.duration} s; "
        f"{tally.retries} retries with the same key; {tally.given_up} given up; answers {dict(sorted(tally.statuses.items()))}"
    )
    print(f"server errors   {tally.server_errors}")
    print(
        f"at load end     {at_end['waiting']} applications waiting for their follow-up, "
        f"{at_end['emails_missing']} receipt e-mails not yet received"
    )
    if followed_up_at is not None:
        print(
            f"recovered       every application followed up {followed_up_at - last_fault:.1f} s after the last fault "
            f"({followed_up_at - load_ended:.1f} s after the load)"
        )
    else:
        print(f"recovered       NOT within {args.recovery_timeout:.0f} s: {state}")
    if delivered_at is not None:
        print(
            f"                every receipt e-mail received {delivered_at - last_fault:.1f} s after the last fault"
        )
    else:
        print(f"                receipts NOT all delivered within {args.recovery_timeout:.0f} s: {state}")

    import django

    django.setup()
    from django.db import connections

    from madoguchi.applications.models import Application

    numbers = dict(Application.objects.values_list("idempotency_key", "reference_number"))
    connections.close_all()
    lost = [k for k in tally.acknowledged if k not in numbers]
    mismatched = [k for k, n in tally.acknowledged.items() if k in numbers and numbers[k] != n]
    checks = sub.check_database(len(tally.acknowledged))
    with sink.lock:
        duplicates = sum(1 for n in sink.by_id.values() if n > 1)
        received = len(sink.by_id)
    print(
        f"checks          acknowledged lost {len(lost)}, answered with another 受付番号 {len(mismatched)}, "
        f"applications {checks['applications']} (unacknowledged but stored: {checks['applications'] - len(tally.acknowledged)}), "
        f"gap-free {checks['gap_free']}, audit {checks['audit_chain']}, cases {checks['cases']}, "
        f"receipt e-mails received {received} (twice: {duplicates})"
    )
    within = followed_up_at is not None and followed_up_at - last_fault <= 120
    print(
        "target          everything acknowledged followed up within 120 s of the last fault, no hand action: "
        + ("met" if within and not lost and checks["gap_free"] else "NOT met")
    )
    smtp.stop()
    stop(redis_server)
    if not args.keep_db:
        sub.psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    if args.keep_logs:
        print(f"logs            {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    main()
