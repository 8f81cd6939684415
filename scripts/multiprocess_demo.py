#!/usr/bin/env python3
"""Two web processes + two Celery workers + beat on PostgreSQL and Redis (loopback only).

What it shows (issue 5): submissions and notifications are driven through *both* web
processes, one worker is killed with SIGKILL (its whole process group, like a crashed
machine) while it is sending, and at the end every outbox notification was delivered
exactly once — every e-mail reached the local SMTP sink (aiosmtpd) once, identified by
its Message-ID, and every mailbox message exists once.

    python3 scripts/multiprocess_demo.py [--applicants 40] [--members 150]

Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust) — the database ``mdg_notif``
is dropped and created again —, Redis on 127.0.0.1:6379 (DB 5 is flushed), ports 8501
and 8502 free. Exits 0 when delivery was exactly once, 1 otherwise. Prints a report.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from madoguchi.core.devvalues import throwaway_keys  # noqa: E402

DB_NAME = "mdg_notif"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/5"
WEB_PORTS = (8501, 8502)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------- SMTP sink


class Sink:
    def __init__(self):
        self.lock = threading.Lock()
        self.message_ids: collections.Counter[str] = collections.Counter()
        self.receipts: collections.Counter[tuple[str, str]] = collections.Counter()  # (to, subject)
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.count = 0
        self.outbox_count = 0  # e-mails sent by the notifications outbox (our Message-IDs)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            now = time.monotonic()
            self.first_at = self.first_at or now
            self.last_at = now
            self.count += 1
            message_id = str(message.get("Message-ID", "")).strip()
            self.message_ids[message_id] += 1
            if message_id.endswith("@madoguchi.invalid>"):
                self.outbox_count += 1
            subject = str(message.get("Subject", "")).strip()
            if subject.startswith("【受付】"):
                for to in envelope.rcpt_tos:
                    self.receipts[(to, subject)] += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------- HTTP helpers


def call(
    port: int, method: str, path: str, token: str, body: dict | None = None, headers: dict | None = None
):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"web process on port {port} did not start")


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=40, help="applications submitted through the web")
    parser.add_argument("--members", type=int, default=150, help="people in the segment push (two pushes)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait for delivery")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mdg-multiprocess-"))
    smtp_port = free_port()
    env = {
        **os.environ,
        **throwaway_keys(),  # DEBUG=0 processes refuse the repository's public keys
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "MADOGUCHI_DATA_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),  # shared storage (S3 in production)
        "SITE_URL": "http://127.0.0.1:8501",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # short recovery times so the demo finishes quickly (production: 120 s / 60 s / 30 s)
        "NOTIFICATION_LEASE_SECONDS": "8",
        "NOTIFICATION_REDISPATCH_SECONDS": "4",
        "NOTIFICATION_SWEEP_SECONDS": "2",
        "NOTIFICATION_PUSH_STEP_SECONDS": "1",
        "LOG_LEVEL": "ERROR",
        "MADOGUCHI_FAST_HASHER": "1",
    }
    os.environ.update(env)

    log(f"recreating database {DB_NAME} and flushing Redis DB 5")
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)

    log("creating an organization, a procedure, applicants and staff")
    import django

    django.setup()
    from madoguchi.accounts.apiauth import api_token_create
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_procedure, make_staff, make_user
    from madoguchi.notifications.services import member_register

    organization = make_organization(slug="demo-notif", name="多重構成テスト組合", reference_prefix="MP")
    procedure = make_procedure(organization, slug="kyufu", title="給付金の申請")
    staff = make_staff(organization, role=Role.CENTRE, email="centre@example.jp")
    _t, staff_token = api_token_create(user=staff, name="demo")
    applicants = []
    for n in range(options.applicants):
        user = make_user(email=f"applicant{n}@example.jp")
        applicants.append((user, api_token_create(user=user, name="demo")[1]))
    for n in range(options.members):
        member_register(
            organization=organization, number=f"{n:05d}", user=make_user(email=f"member{n}@example.jp")
        )
    from django.db import connections

    connections.close_all()

    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    processes: dict[str, subprocess.Popen] = {}

    def start(name: str, argv: list[str]) -> None:
        logfile = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        processes[name] = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )

    celery = [sys.executable, "-m", "celery", "-A", "madoguchi.config"]
    try:
        for port in WEB_PORTS:
            start(
                f"web{port}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "madoguchi.config.wsgi:application",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "2",
                    "--graceful-timeout",
                    "5",
                ],
            )
        for name in ("worker1", "worker2"):
            start(
                name,
                [
                    *celery,
                    "worker",
                    "-l",
                    "WARNING",
                    "-c",
                    "2",
                    "-n",
                    f"{name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "-P",
                    "prefork",
                ],
            )
        start("beat", [*celery, "beat", "-l", "WARNING", "-s", str(workdir / "beat-schedule")])
        for port in WEB_PORTS:
            wait_http(port)
        log(f"up: web on {WEB_PORTS}, worker1, worker2, beat; SMTP sink on {smtp_port}; logs in {workdir}")

        started = time.monotonic()
        application_ids: dict[int, str] = {}
        retried_same: list[bool] = []

        def submit(index: int) -> None:
            user, token = applicants[index]
            first, second = WEB_PORTS[index % 2], WEB_PORTS[(index + 1) % 2]
            status, draft = call(
                first,
                "POST",
                "/api/v1/drafts",
                token,
                {
                    "procedure": f"{organization.slug}/{procedure.slug}",
                    "data": {"name": f"申請者{index}", "kind": "a"},
                },
            )
            assert status == 201, (status, draft)
            key = {"Idempotency-Key": f"demo-{index}"}
            status, application = call(
                first, "POST", f"/api/v1/drafts/{draft['id']}/submit", token, headers=key
            )
            assert status in (200, 201), (status, application)
            # the client did not see the answer and retries through the other web process
            status, again = call(second, "POST", f"/api/v1/drafts/{draft['id']}/submit", token, headers=key)
            retried_same.append(status in (200, 201) and again["id"] == application["id"])
            application_ids[index] = application["id"]

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(submit, range(options.applicants)))
        log(f"submitted {len(application_ids)} applications through both web processes (each retried once)")

        campaigns = []
        for n, port in enumerate(WEB_PORTS):
            status, campaign = call(
                port,
                "POST",
                f"/api/v1/notifications/{organization.slug}/push",
                staff_token,
                {
                    "title": f"特定健診のご案内 {n + 1}",
                    "body": "今年度の特定健診の受診券をお送りします。",
                    "segment": {"kind": "all_members"},
                    "rate_per_minute": 3000,
                },
            )
            assert status == 201, (status, campaign)
            status, campaign = call(
                port,
                "POST",
                f"/api/v1/notifications/{organization.slug}/push/{campaign['id']}/start",
                staff_token,
            )
            assert status == 200, (status, campaign)
            campaigns.append(campaign["id"])
        log(f"started {len(campaigns)} segment pushes of {options.members} people each, one per web process")

        # kill worker1 (the whole process group, like a crashed machine) while it is sending
        threshold = max(10, options.members // 4)
        while sink.outbox_count < threshold and time.monotonic() - started < 60:
            time.sleep(0.05)
        os.killpg(processes["worker1"].pid, signal.SIGKILL)
        killed_at_count = sink.outbox_count
        log(f"SIGKILL worker1 after {killed_at_count} outbox e-mails had arrived")

        from django.db.models import Count

        from madoguchi.notifications.models import MailboxMessage, Notification, PushCampaign

        deadline = time.monotonic() + options.timeout
        while time.monotonic() < deadline:
            pending = Notification.objects.exclude(status__in=["sent", "failed"]).count()
            unfinished = PushCampaign.objects.exclude(status="done").count()
            if not pending and not unfinished:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        time.sleep(1.0)  # let the sink finish writing

        by_status = dict(
            Notification.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        by_channel = dict(
            Notification.objects.values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
        )
        email_ids = {
            f"<{pk}@{os.environ.get('NOTIFICATION_MESSAGE_ID_DOMAIN', 'madoguchi.invalid')}>"
            for pk in Notification.objects.filter(channel="email").values_list("pk", flat=True)
        }
        received = {mid: n for mid, n in sink.message_ids.items() if mid in email_ids}
        missing = email_ids - set(received)
        duplicates = {mid: n for mid, n in received.items() if n > 1}
        mailbox_rows = Notification.objects.filter(channel="mailbox").count()
        mailbox_messages = MailboxMessage.objects.count()
        per_person = (
            Notification.objects.values("recipient_key", "channel", "event", "dedupe_key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        receipt_rows = Notification.objects.filter(event="application.submitted").count()
        recovered = Notification.objects.filter(dispatched_at__isnull=False).count()
        retried = Notification.objects.filter(attempts__gt=1).count()
        legacy_receipts = sum(sink.receipts.values()) if not receipt_rows else 0
        retries_ok = all(retried_same) and len(retried_same) == options.applicants

        print("\n=== multiprocess delivery report ===")
        print(
            f"processes: 2 × gunicorn (ports {WEB_PORTS}), 2 × celery worker (-c 2), 1 × beat; PostgreSQL {DB_NAME}, Redis DB 5"
        )
        print(
            f"applications submitted: {len(application_ids)} (idempotent retry through the other web process: {'ok' if retries_ok else 'FAILED'})"
        )
        print(f"outbox rows by channel: {by_channel}")
        print(f"outbox rows by status:  {by_status}")
        print(
            f"worker1 SIGKILLed after {killed_at_count} outbox e-mails; everything settled {elapsed:.1f} s after the first request"
        )
        print(
            f"e-mail: {len(email_ids)} expected, {len(received)} received, {len(missing)} missing, {len(duplicates)} duplicated"
        )
        print(f"mailbox: {mailbox_rows} notifications, {mailbox_messages} messages")
        print(
            f"re-dispatched by the sweeper: {recovered} rows; claimed more than once (lease expired): {retried}"
        )
        print(f"(recipient, channel, event, key) with more than one row: {per_person}")
        if receipt_rows:
            print(f"receipts went through the outbox: {receipt_rows} rows")
        else:
            per_app = collections.Counter(n for n in sink.receipts.values())
            print(
                "receipts did NOT go through the outbox (applications still call applications.tasks.send_receipt_mail): "
                f"{legacy_receipts} receipt e-mails for {len(application_ids)} applications, copies per application: {dict(per_app)}"
            )
        if duplicates:
            print(f"duplicated Message-IDs: {list(duplicates.items())[:5]}")
        ok = (
            not missing
            and not duplicates
            and not per_person
            and mailbox_rows == mailbox_messages
            and by_status.get("failed", 0) == 0
            and set(by_status) <= {"sent"}
            and retries_ok
        )
        print(
            "RESULT:", "every notification delivered exactly once" if ok else "NOT exactly once (see above)"
        )
        return 0 if ok else 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
