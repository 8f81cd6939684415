#!/usr/bin/env python3
"""Benchmark: notifications delivered per second through the Celery worker to a local
SMTP server, and the end-to-end delay from the committed event to the e-mail received.

Same-run baseline: raw ``smtplib`` sends per second to the same SMTP sink (a new
connection per message, like the e-mail channel; and one kept-open connection as the
upper bound). Everything runs on loopback: PostgreSQL (database ``mdg_notif``, recreated),
Redis DB 5 (flushed), one Celery worker, an aiosmtpd sink in this process.

    python3 bench/notifications.py [--burst 400] [--paced 200] [--rate 20] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from madoguchi.core.devvalues import throwaway_keys  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Sink, free_port, percentile  # noqa: E402

DB_NAME = "mdg_notif"
REDIS_URL = "redis://127.0.0.1:6379/5"


def raw_smtplib(port: int, n: int, persistent: bool) -> float:
    message = EmailMessage()
    message["From"], message["To"] = "madoguchi@example.jp", "hanako@example.jp"
    message["Subject"] = "【受付】高額療養費の支給申請"
    message.set_content("山田 花子 様\n\n申請を受け付けました。\n受付番号: KYO-2026-000123\n")
    start = time.perf_counter()
    if persistent:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for _ in range(n):
                smtp.send_message(message)
    else:
        for _ in range(n):
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.send_message(message)
    return n / (time.perf_counter() - start)


def main() -> int:
    global DB_NAME, REDIS_URL
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=400, help="notifications enqueued as fast as possible")
    parser.add_argument("--paced", type=int, default=200, help="notifications enqueued at --rate per second")
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (-c)")
    parser.add_argument("--baseline", type=int, default=400, help="raw smtplib messages")
    parser.add_argument("--db", default=DB_NAME, help="PostgreSQL database (dropped and created)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="a Redis DB of its own (flushed)")
    options = parser.parse_args()
    DB_NAME, REDIS_URL = options.db, options.redis_url

    workdir = Path(tempfile.mkdtemp(prefix="mdg-bench-notif-"))
    smtp_port = free_port()
    env = {
        **os.environ,
        **throwaway_keys(),  # DEBUG=0 processes refuse the repository's public keys
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "MADOGUCHI_DATA_DIR": str(workdir),
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)

    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)

    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    worker = None
    try:
        # ---- baseline, same run, same sink
        raw_new = raw_smtplib(smtp_port, options.baseline, persistent=False)
        raw_kept = raw_smtplib(smtp_port, options.baseline, persistent=True)

        import django

        django.setup()
        from django.db import transaction

        from madoguchi.core.testing import make_organization, make_user
        from madoguchi.notifications.models import Notification
        from madoguchi.notifications.services import notification_enqueue

        organization = make_organization(slug="bench", name="ベンチマーク組合")
        users = [make_user(email=f"b{n}@example.jp") for n in range(options.burst + options.paced)]
        committed: dict[str, float] = {}
        domain = "madoguchi.invalid"

        def enqueue(user, key: str) -> None:
            with transaction.atomic():
                rows = notification_enqueue(
                    recipient=user,
                    event="application.submitted",
                    organization=organization,
                    context={
                        "reference_number": key,
                        "procedure_title": "高額療養費の支給申請",
                        "application_url": "http://x/",
                    },
                    dedupe_key=key,
                    channels=["email"],
                )
            committed[f"<{rows[0].pk}@{domain}>"] = time.perf_counter()  # on_commit already handed it over

        def wait_for(ids: set[str], timeout: float = 300) -> None:
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline and not ids <= set(sink.received):
                time.sleep(0.02)

        # ---- burst: enqueue a backlog while no worker runs, then measure how fast one drains it
        start = time.perf_counter()
        for n, user in enumerate(users[: options.burst]):
            enqueue(user, f"burst-{n}")
        enqueue_rate = options.burst / (time.perf_counter() - start)
        burst_ids = set(committed)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "madoguchi.config",
                "worker",
                "-l",
                "WARNING",
                "-c",
                str(options.concurrency),
                "--without-gossip",
                "--without-mingle",
                "-P",
                "prefork",
            ],
            env=env,
            cwd=ROOT,
            stdout=open(workdir / "worker.log", "wb"),
            stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )

        wait_for(burst_ids)
        arrivals = sorted(sink.received[i] for i in burst_ids)
        throughput = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])

        time.sleep(1)
        # ---- paced: latency under a steady load (worker idle and warm)
        committed.clear()
        interval = 1.0 / options.rate
        next_at = time.perf_counter()
        for n, user in enumerate(users[options.burst :]):
            time.sleep(max(0.0, next_at - time.perf_counter()))
            enqueue(user, f"paced-{n}")
            next_at += interval
        paced_ids = set(committed)
        wait_for(paced_ids)
        paced_delays = [sink.received[i] - committed[i] for i in paced_ids if i in sink.received]
        sent = Notification.objects.filter(status="sent").count()

        print("\n=== bench/notifications.py ===")
        print(
            f"machine: {os.cpu_count()} cores; PostgreSQL 127.0.0.1 ({DB_NAME}), {REDIS_URL}, 1 worker -c {options.concurrency}"
        )
        print(f"baseline raw smtplib, new connection per message: {raw_new:8.1f} msg/s")
        print(f"baseline raw smtplib, one kept-open connection:   {raw_kept:8.1f} msg/s")
        print(f"outbox enqueue (one transaction per event):         {enqueue_rate:8.1f} events/s")
        print(
            f"backlog of {options.burst} drained by the worker to SMTP: {throughput:8.1f} notifications/s "
            f"(ratio to raw new-connection smtplib: {throughput / raw_new:.2f}, to kept-open: {throughput / raw_kept:.2f})"
        )
        print(
            f"paced {options.paced} at {options.rate:.0f}/s: end-to-end delay p50 {percentile(paced_delays, 50) * 1000:.0f} ms, "
            f"p95 {percentile(paced_delays, 95) * 1000:.0f} ms, max {max(paced_delays) * 1000:.0f} ms, "
            f"mean {statistics.mean(paced_delays) * 1000:.0f} ms"
        )
        print(
            f"rows sent: {sent} of {options.burst + options.paced}; e-mails received: {sink.count - 2 * options.baseline}"
        )
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
