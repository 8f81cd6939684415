#!/usr/bin/env python3
"""Submission benchmark: complete API submissions per second, compared with raw pgbench.

What it does (each run starts from scratch, nothing of it is part of the test suite):

1. drops and creates the PostgreSQL database ``mdg_bench`` and migrates it;
2. creates one organization, a 15-field procedure and one user + API token per client;
3. starts gunicorn on 127.0.0.1:8201 (DEBUG off) with the given workers/threads, and a
   Redis broker (DB 14) for the work that follows each submission;
4. runs N concurrent clients (keep-alive HTTP, http.client) for a fixed duration; each
   client loops over a *complete submission*: ``POST /api/v1/drafts`` with all 15 values,
   then ``POST /api/v1/drafts/{id}/submit`` with a fresh Idempotency-Key — or, with
   ``--one-request``, ``POST /api/v1/applications`` with all 15 values and a fresh key;
5. stops gunicorn, then lets a Celery worker do the follow-up of every submission (open the
   review case, write and deliver the receipt notice) and times it — or, with
   ``--follow-up during``, runs that worker on the same two cores during the load;
6. checks the result in the database (one application per 201, gap-free 受付番号, intact
   audit chain, one case and a delivered receipt notice per application), then runs raw
   ``pgbench`` with a one-row INSERT script, the same client count and duration, and prints
   submissions/s ÷ pgbench TPS.

Usage (from the repository root)::

    python3 bench/submissions.py                       # 32 clients, 20 s, -w 3 --threads 2
    python3 bench/submissions.py --follow-up during    # the worker competes for the cores
    python3 bench/submissions.py --eager               # follow-up inside the request (embedded mode)
    python3 bench/submissions.py --one-request         # each submission one request (POST /applications)

Keep runs short: the machine is shared. See bench/README.md and docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _loadclient  # noqa: E402
from _common import (  # noqa: E402
    HOST,
    PG_URL,
    ROOT,
    SmtpSink,
    celery_worker,
    granian_command,
    load_average,
    percentile,
    process_tree_cpu_seconds,
    psql,
    sh,
    spawn,
    wait_healthy,
)
from _common import stop as stop_server  # noqa: E402

DB_NAME = "mdg_bench"

DEFINITION = {
    "steps": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True},
                {"key": "birth_date", "type": "date", "label": "生年月日", "required": True},
                {"key": "email", "type": "email", "label": "メールアドレス", "required": True},
                {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
                {"key": "address", "type": "address", "label": "住所", "required": True},
                {
                    "key": "member_number",
                    "type": "text",
                    "label": "組合員番号",
                    "required": True,
                    "validation": {"pattern": "[0-9]{8}"},
                },
            ],
        },
        {
            "key": "claim",
            "title": "申請内容",
            "fields": [
                {
                    "key": "patient",
                    "type": "select",
                    "label": "受診した方",
                    "required": True,
                    "options": [{"value": "self", "label": "本人"}, {"value": "family", "label": "家族"}],
                },
                {
                    "key": "care",
                    "type": "radio",
                    "label": "受診の種類",
                    "required": True,
                    "options": [
                        {"value": "inpatient", "label": "入院"},
                        {"value": "outpatient", "label": "外来"},
                    ],
                },
                {
                    "key": "months",
                    "type": "checkboxes",
                    "label": "受診した月",
                    "required": True,
                    "options": [{"value": f"2026-{m:02d}", "label": f"{m}月"} for m in range(1, 13)],
                },
                {"key": "hospital", "type": "text", "label": "医療機関名", "required": True},
                {"key": "amount", "type": "money", "label": "支払った金額", "required": True},
                {"key": "days", "type": "integer", "label": "受診日数", "required": True},
                {"key": "bank_note", "type": "text", "label": "振込先の補足"},
                {"key": "note", "type": "textarea", "label": "備考"},
                {"key": "consent", "type": "consent", "label": "申請内容の確認", "required": True},
            ],
        },
    ]
}

DATA = {
    "name": {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"},
    "birth_date": "1980-04-01",
    "email": "taro.yamada@example.jp",
    "phone": "090-1234-5678",
    "address": {
        "postal_code": "160-0023",
        "prefecture": "東京都",
        "city": "新宿区",
        "street": "西新宿2-8-1",
        "building": "",
    },
    "member_number": "12345678",
    "patient": "self",
    "care": "outpatient",
    "months": ["2026-01", "2026-02"],
    "hospital": "新宿中央病院",
    "amount": "85,000円",
    "days": 3,
    "bank_note": "",
    "note": "領収書は後日郵送します。",
    "consent": True,
}


# ---------------------------------------------------------------------------- setup


def server_env(args, data_dir: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from madoguchi.core.devvalues import throwaway_keys

    env = dict(os.environ)
    env.update(throwaway_keys())  # DEBUG=0 processes refuse the repository's public keys
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
            "DEBUG": "0",
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "MADOGUCHI_DATA_DIR": data_dir,
            "LOG_LEVEL": "ERROR",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    if args.celery_broker:
        env.update({"CELERY_BROKER_URL": args.celery_broker, "CELERY_TASK_ALWAYS_EAGER": "0"})
        if args.cache == "redis":  # as production runs: REDIS_URL is the cache and the broker
            env["REDIS_URL"] = args.celery_broker
    return env


def setup_database(env: dict[str, str]) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    sh([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env, cwd=ROOT)


def create_fixtures(clients: int) -> tuple[str, list[str]]:
    """Organization, procedure and one user + token per client (through the real services)."""
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from madoguchi.accounts.apiauth import api_token_create
    from madoguchi.accounts.constants import OrganizationKind
    from madoguchi.accounts.models import Organization, User
    from madoguchi.procedures.constants import Category, VersionStatus
    from madoguchi.procedures.models import Procedure, ProcedureVersion

    organization = Organization.objects.create(
        slug="bench-kyosai", name="ベンチ共済組合", kind=OrganizationKind.MUNICIPALITY, reference_prefix="BEN"
    )
    procedure = Procedure.objects.create(
        organization=organization, slug="kogaku", title="高額療養費の支給申請", category=Category.HEALTH
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        definition=DEFINITION,
        status=VersionStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    procedure.current_version = version
    procedure.save(update_fields=["current_version"])
    tokens = []
    for n in range(clients):
        user = User.objects.create_user(f"bench{n}@example.jp")
        _api_token, token = api_token_create(user=user, name="bench")
        tokens.append(token)
    connections.close_all()
    return f"{organization.slug}/{procedure.slug}", tokens


def gunicorn_command(args, config_path: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "madoguchi.config.wsgi",
        "--bind",
        f"{HOST}:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--worker-connections",
        str(args.worker_connections),
        "--preload",
        "--no-control-socket",
        "--config",
        config_path,
    ]


GUNICORN_CONFIG = """
import sys

def post_fork(server, worker):
    if {interval!r}:
        sys.setswitchinterval({interval!r})
"""


def start_server(args, env: dict[str, str], tmp: str) -> subprocess.Popen:
    if args.server == "granian":
        process = spawn(
            granian_command(args.port, workers=args.workers, threads=args.threads),
            env,
            os.path.join(tmp, "granian.log"),
        )
        wait_healthy(args.port, process, timeout=60)
        return process
    config_path = os.path.join(tmp, "gunicorn_conf.py")
    Path(config_path).write_text(GUNICORN_CONFIG.format(interval=args.switch_interval))
    process = spawn(gunicorn_command(args, config_path), env, os.path.join(tmp, "gunicorn.log"))
    wait_healthy(args.port, process, timeout=60)
    return process


# ---------------------------------------------------------------------------- load


def one_submission(
    conn: http.client.HTTPConnection, token: str, body: bytes, one_request: bool = False
) -> tuple[float, float, int]:
    """Create a filled draft and submit it. Returns (create seconds, submit seconds, status).

    ``one_request``: ``POST /api/v1/applications`` with the same body and a fresh key instead
    (then 0.0 for the create and the one request's seconds as the submit's)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    if one_request:
        conn.request("POST", "/api/v1/applications", body, {**headers, "Idempotency-Key": uuid.uuid4().hex})
        response = conn.getresponse()
        response.read()
        return 0.0, time.perf_counter() - t0, response.status
    conn.request("POST", "/api/v1/drafts", body, headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status != 201:
        return time.perf_counter() - t0, 0.0, response.status
    draft_id = json.loads(payload)["id"]
    t1 = time.perf_counter()
    conn.request(
        "POST",
        f"/api/v1/drafts/{draft_id}/submit",
        b"",
        {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    response = conn.getresponse()
    response.read()
    return t1 - t0, time.perf_counter() - t1, response.status


def client_thread(
    port, token, body, start_at, measure_from, stop_at, out: list, errors: list, one_request: bool = False
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        began = time.time()
        if began >= stop_at:
            break
        try:
            create_s, submit_s, status = one_submission(conn, token, body, one_request)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        ended = time.time()
        if status != 201:
            errors.append(str(status))
        elif began >= measure_from and ended <= stop_at:
            out.append((create_s, submit_s))
    conn.close()


def submission_flow(port: int, token: str, body: bytes, one_request: bool = False):
    """A complete submission for ``_loadclient``: the draft with every value, then its submit —
    or, ``one_request``, ``POST /api/v1/applications`` with every value and a fresh key."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    create = _loadclient.request("POST", "/api/v1/drafts", headers, body)

    def flow():
        status, payload = yield create
        if status != 201:
            return status
        draft_id = json.loads(payload)["id"]
        status, _payload = yield _loadclient.request(
            "POST",
            f"/api/v1/drafts/{draft_id}/submit",
            {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        )
        return status

    # the one request's bytes built once, a fresh key put in per submission
    before, after = _loadclient.request(
        "POST", "/api/v1/applications", {**headers, "Idempotency-Key": "\0"}, body
    ).split(b"\0", 1)

    def one():
        status, _payload = yield before + uuid.uuid4().hex.encode() + after
        return status

    return one if one_request else flow


def client_process(
    port, tokens, body, start_at, measure_from, stop_at, queue, kind="events", one_request=False
) -> None:
    if kind == "events":
        factories = [submission_flow(port, token, body, one_request) for token in tokens]
        samples, errors, _cpu = _loadclient.run(port, factories, start_at, measure_from, stop_at, host=HOST)
        if one_request:  # (create, submit) as the two requests' samples: the one request as the submit
            samples = [(0.0, *sample) for sample in samples]
        usage = resource.getrusage(resource.RUSAGE_SELF)  # the whole process, as for threads
        queue.put((samples, errors, usage.ru_utime + usage.ru_stime))
        return
    out: list = []
    errors = []
    threads = [
        threading.Thread(
            target=client_thread,
            args=(port, token, body, start_at, measure_from, stop_at, out, errors, one_request),
        )
        for token in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put((out, errors, usage.ru_utime + usage.ru_stime))


def run_load(args, reference: str, tokens: list[str]) -> tuple[list, list, float, float]:
    body = json.dumps({"procedure": reference, "data": DATA}, ensure_ascii=False).encode()
    start_at = time.time() + 1.0
    measure_from = start_at + args.warmup
    stop_at = measure_from + args.duration
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    groups = [tokens[i :: args.client_procs] for i in range(args.client_procs)]
    procs = [
        ctx.Process(
            target=client_process,
            args=(
                args.port,
                group,
                body,
                start_at,
                measure_from,
                stop_at,
                queue,
                args.client,
                args.one_request,
            ),
        )
        for group in groups
        if group
    ]
    for proc in procs:
        proc.start()
    samples: list = []
    errors: list = []
    client_cpu = 0.0
    for _ in procs:
        out, errs, cpu = queue.get()
        samples += out
        errors += errs
        client_cpu += cpu
    for proc in procs:
        proc.join()
    return samples, errors, args.duration, client_cpu


def smoke_test(args, reference: str, token: str) -> None:
    conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if args.one_request:
        body = json.dumps({"procedure": reference, "data": DATA})
        conn.request("POST", "/api/v1/applications", body, {**headers, "Idempotency-Key": "smoke"})
        response = conn.getresponse()
        payload = response.read()
        if response.status != 201:
            raise SystemExit(f"one-request submission failed ({response.status}): {payload.decode()}")
        conn.close()
        return
    conn.request("POST", "/api/v1/drafts", json.dumps({"procedure": reference, "data": DATA}), headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status != 201:
        raise SystemExit(f"draft creation failed ({response.status}): {payload.decode()}")
    draft_id = json.loads(payload)["id"]
    conn.request("POST", f"/api/v1/drafts/{draft_id}/submit", b"", {**headers, "Idempotency-Key": "smoke"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 201:
        raise SystemExit(f"submission failed ({response.status}): {payload.decode()}")
    conn.close()


# ---------------------------------------------------------------------------- checks and pgbench


def check_database(expected_min: int) -> dict[str, object]:
    from django.db import connections

    from madoguchi.applications.models import Application, ReferenceSequence
    from madoguchi.audit.services import audit_verify

    applications = Application.objects.count()
    last_value = ReferenceSequence.objects.get().last_value
    numbers = set(Application.objects.values_list("reference_number", flat=True))
    from madoguchi.notifications.constants import NotificationStatus
    from madoguchi.notifications.models import Notification
    from madoguchi.review.models import Case

    ok, checked, message = audit_verify()
    pending = Application.objects.filter(followed_up_at__isnull=True).count()
    cases = Case.objects.filter(application__isnull=False).values("application").distinct().count()
    receipts = Notification.objects.filter(event="application.submitted")
    unsent = receipts.exclude(status=NotificationStatus.SENT).count()
    receipted = receipts.values("recipient_key", "dedupe_key").distinct().count()
    connections.close_all()
    return {
        "applications": applications,
        "reference_last_value": last_value,
        "gap_free": applications == last_value == len(numbers),
        "at_least_measured": applications >= expected_min,
        "audit_chain": f"{'ok' if ok else 'BROKEN'} ({checked} entries; {message})",
        "all_followed_up": pending == 0 and cases == applications and receipted == applications,
        "cases": cases,
        "receipt_notices_not_sent": unsent,
    }


def start_worker(args, env: dict[str, str], tmp: str) -> subprocess.Popen:
    """A Celery worker for the follow-ups and the notices they send."""
    return celery_worker(
        env, os.path.join(tmp, "celery.log"), concurrency=args.follow_up_concurrency, nice=args.worker_nice
    )


def wait_for_follow_ups(timeout: float = 240) -> dict[str, float]:
    """Wait until every application is followed up and every receipt notice is out."""
    from django.db import connections

    from madoguchi.applications.models import Application
    from madoguchi.notifications.constants import NotificationStatus
    from madoguchi.notifications.models import Notification

    started, started_at = time.perf_counter(), time.time()
    load_ended = dt.datetime.fromtimestamp(started_at, dt.UTC)
    applications = Application.objects.count()
    pending_at_start = Application.objects.filter(followed_up_at__isnull=True).count()
    deadline = started + timeout
    followed_up_after = None
    while time.perf_counter() < deadline:
        pending = Application.objects.filter(followed_up_at__isnull=True).count()
        unsent = Notification.objects.exclude(status=NotificationStatus.SENT).count()
        if pending == 0 and followed_up_after is None:
            followed_up_after = time.perf_counter() - started
        if os.environ.get("BENCH_VERBOSE"):
            print(
                f"  {time.perf_counter() - started:5.1f} s: {pending} to follow up, {unsent} notices not sent"
            )
        if pending == 0 and unsent == 0:
            break
        time.sleep(0.25 if not os.environ.get("BENCH_VERBOSE") else 2)
    seconds = time.perf_counter() - started
    # The worker's own pace: from its first follow-up (the worker started after the load takes
    # a few seconds to boot — more on a slow machine — before it takes anything) to the end.
    first = (
        Application.objects.filter(followed_up_at__gte=load_ended)
        .order_by("followed_up_at")
        .values_list("followed_up_at", flat=True)
        .first()
    )
    working = seconds - (first.timestamp() - started_at) if first is not None else 0.0
    connections.close_all()
    return {
        "applications": applications,
        "pending_at_end_of_load": pending_at_start,
        "seconds_after_load": seconds,
        "rate": pending_at_start / seconds if pending_at_start and seconds > 1 else 0.0,
        "rate_working": pending_at_start / working if pending_at_start and working > 1 else 0.0,
    }


def run_pgbench(clients: int, duration: int, tmp: str) -> float:
    psql(
        "CREATE TABLE IF NOT EXISTS bench_scratch (id bigserial PRIMARY KEY, v integer, at timestamptz DEFAULT now())",
        DB_NAME,
    )
    script = os.path.join(tmp, "insert.sql")
    Path(script).write_text("\\set r random(1, 1000000)\nINSERT INTO bench_scratch (v) VALUES (:r);\n")
    jobs = max(1, min(clients, os.cpu_count() or 1))
    output = sh(
        ["pgbench", "-h", HOST, "-U", "postgres", "-n", "-c", str(clients), "-j", str(jobs)]
        + ["-T", str(duration), "-f", script, DB_NAME]
    )
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    if not match:
        raise SystemExit("could not read pgbench output:\n" + output)
    return float(match.group(1))


def main() -> None:
    global DB_NAME
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--client-procs", type=int, default=2, help="client processes sharing the clients")
    parser.add_argument(
        "--client",
        choices=["events", "threads"],
        default="events",
        help="events: one selectors loop per process, requests as prebuilt bytes (bench/_loadclient.py); "
        "threads: http.client in a thread per client (the runs before 2026-12-05 evening)",
    )
    parser.add_argument("--duration", type=int, default=20, help="measured seconds (≤ 60)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--worker-connections",
        type=int,
        default=0,
        help="gthread: connections one worker holds at most (default: clients ÷ workers + 1; "
        "gunicorn's own default of 1000 lets one worker take nearly all of them)",
    )
    parser.add_argument(
        "--worker-class", default="gthread", help="gthread keeps connections alive; sync does not"
    )
    parser.add_argument(
        "--server",
        choices=["gunicorn", "granian"],
        default="gunicorn",
        help="the WSGI server (production: gunicorn); granian for a comparison (pip install granian)",
    )
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--conn-max-age", type=int, default=600, help="DB_CONN_MAX_AGE for gunicorn")
    parser.add_argument("--switch-interval", type=float, default=0.0, help="sys.setswitchinterval in workers")
    parser.add_argument(
        "--celery-broker",
        default="redis://127.0.0.1:6379/14",
        help="a Redis DB of its own: it is flushed at the start and the end",
    )
    parser.add_argument(
        "--eager",
        action="store_true",
        help="no broker: the follow-up runs in the web process right after each commit (embedded mode)",
    )
    parser.add_argument(
        "--follow-up",
        choices=["after", "during"],
        default="after",
        help="when the Celery worker doing the follow-ups runs: after the load (default) or during it",
    )
    parser.add_argument(
        "--cache",
        choices=["redis", "local"],
        default="redis",
        help="redis: the broker's Redis DB is also the cache, as in production (REDIS_URL); "
        "local: each process its own (the runs before 2026-12-04 afternoon)",
    )
    parser.add_argument("--follow-up-concurrency", type=int, default=2)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=3,
        help="the Celery worker's CPU priority below the web's (nice -n N, and its autogroup's): "
        "3 ≈ systemd CPUWeight=50 against the web's 100, as docs/deployment.md advises where they "
        "share a machine; 0 for equal shares",
    )
    parser.add_argument(
        "--one-request",
        action="store_true",
        help="each submission is one POST /api/v1/applications (all values and the key) instead of two",
    )
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--db", default=DB_NAME, help="PostgreSQL database (dropped and created)")
    args = parser.parse_args()
    DB_NAME = args.db
    if args.duration > 60:
        parser.error("keep runs at 60 s or less (the machine is shared)")
    if args.eager:
        args.celery_broker = ""
    if args.worker_connections <= 0:
        args.worker_connections = -(-args.clients // args.workers) + 1

    tmp = tempfile.mkdtemp(prefix="mdg-bench-")
    env = server_env(args, tmp)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "MADOGUCHI_DATA_DIR", "LOG_LEVEL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")
    sys.path.insert(0, str(ROOT / "src"))

    print(f"date            {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"commit          {sh(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD']).strip()}")
    print(f"machine         {os.cpu_count()} CPUs, load average at start {load_average()}")
    print(
        (
            f"server          gunicorn -k {args.worker_class} -w {args.workers} --threads {args.threads} "
            f"--worker-connections {args.worker_connections}, "
            if args.server == "gunicorn"
            else f"server          granian --interface wsgi --workers {args.workers} "
            f"--blocking-threads {args.threads}, "
        )
        + f"DEBUG off, CONN_MAX_AGE {args.conn_max_age}, "
        + (
            f"follow-up by a Celery worker (-c {args.follow_up_concurrency}"
            f"{f', nice {args.worker_nice}' if args.worker_nice else ''}) {args.follow_up} the load, "
            f"broker {args.celery_broker}, cache {'the same Redis DB' if args.cache == 'redis' else 'per process'}"
            if args.celery_broker
            else "follow-up eager (in the web process after each commit)"
        )
        + (f", switchinterval {args.switch_interval}" if args.switch_interval else "")
    )
    print(
        f"load            {args.clients} clients in {args.client_procs} processes ({args.client}), keep-alive, "
        f"{args.warmup:.0f} s warm-up + {args.duration} s measured, "
        + ("one request per submission (POST /applications)" if args.one_request else "draft + submit")
    )

    sink = SmtpSink().__enter__()  # the receipt e-mails go somewhere on loopback
    env.update(sink.env())
    setup_database(env)
    reference, tokens = create_fixtures(args.clients)
    if args.celery_broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(args.celery_broker).flushdb()
    server = start_server(args, env, tmp)
    worker = None
    try:
        smoke_test(args, reference, tokens[0])
        if args.celery_broker and args.follow_up == "during":
            worker = start_worker(args, env, tmp)
        cpu_before = process_tree_cpu_seconds(server.pid)
        started = time.perf_counter()
        samples, errors, seconds, client_cpu = run_load(args, reference, tokens)
        elapsed = time.perf_counter() - started
        server_cpu = process_tree_cpu_seconds(server.pid) - cpu_before
        load_end = load_average()
    except BaseException:
        stop_server(worker)
        raise
    finally:
        stop_server(server)

    totals = [c + s for c, s in samples]
    submits = [s for _c, s in samples]
    rate = len(samples) / seconds
    print()
    print(
        f"completed       {len(samples)} submissions in {seconds} s → {rate:.1f} submissions/s "
        f"({(1 if args.one_request else 2) * rate:.0f} HTTP requests/s)"
    )
    print(
        "latency (ms)    complete submission "
        + ("(one request):          " if args.one_request else "(draft + submit): ")
        + "  ".join(f"p{p} {1000 * percentile(totals, p):.0f}" for p in (50, 95, 99))
        + f"  max {1000 * max(totals, default=float('nan')):.0f}"
    )
    if not args.one_request:
        print(
            "                submit request only:                  "
            + "  ".join(f"p{p} {1000 * percentile(submits, p):.0f}" for p in (50, 95, 99))
        )
    if totals:
        print(f"                mean {1000 * statistics.fmean(totals):.0f}")
    print(
        f"server CPU      {server_cpu:.1f} s in {elapsed:.0f} s of load "
        f"({server_cpu / elapsed:.2f} cores; ≈{1000 * server_cpu / max(1, len(samples)) * seconds / elapsed:.1f} ms "
        "per submission incl. warm-up share)"
    )
    print(
        f"client CPU      {client_cpu:.1f} s ({client_cpu / elapsed:.2f} cores; "
        f"≈{1000 * client_cpu / max(1, len(samples)) * seconds / elapsed:.2f} ms per submission)"
    )
    print(f"errors          {len(errors)}" + (f" {sorted(set(errors))}" if errors else ""))
    print(f"load average    at end of the HTTP run {load_end}", flush=True)

    follow_up = None
    if args.celery_broker:
        if worker is None:
            worker = start_worker(args, env, tmp)
        try:
            follow_up = wait_for_follow_ups()
        finally:
            stop_server(worker)
    sink.__exit__(None, None, None)
    if follow_up is not None:
        print(
            f"follow-up       {follow_up['pending_at_end_of_load']} of {follow_up['applications']} applications "
            f"still to follow up when the load ended; the worker ({args.follow_up} the load) finished them "
            f"{follow_up['seconds_after_load']:.1f} s after it"
            + (
                f" → {follow_up['rate']:.0f} follow-ups/s (case + receipt notice, delivered); "
                f"{follow_up['rate_working']:.0f}/s from the worker's first follow-up"
                if follow_up["rate"]
                else ""
            )
        )
        print(f"receipt e-mails {sink.handler.count} received by the SMTP sink")
    checks = check_database(len(samples))
    print(f"database        {checks}")

    if not args.no_pgbench:
        tps = run_pgbench(args.clients, args.duration, tmp)
        print(f"pgbench         {tps:.0f} TPS (one-row INSERT, {args.clients} clients, {args.duration} s)")
        print(f"ratio           submissions/s ÷ pgbench TPS = {rate / tps:.4f}")
    target = (
        rate >= 200 and percentile(totals, 99) <= 0.5 and not errors and checks["all_followed_up"] is True
    )
    print(f"target          ≥ 200 submissions/s with p99 ≤ 500 ms: {'met' if target else 'NOT met'}")

    if args.celery_broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(args.celery_broker).flushdb()
    if not args.keep_db:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
