"""Card payments per second through gunicorn on PostgreSQL, as a ratio to /healthz in the same
run, with exactly-once checks on what the database holds afterwards.

    python3 bench/payments.py                        # 8 clients, 12 s per phase
    python3 bench/payments.py --clients 16 --duration 20 --per-client 120

What it does (database ``madoguchi_payments_bench`` — dropped and created, dropped again at the
end unless --keep-db; gunicorn on 127.0.0.1:18510, --workers 2 --threads 4, sandbox PSP):

1. makes one procedure with a fixed fee (300円, paid at submission), ``--clients`` applicants
   with an API token each, and ``--per-client`` submitted applications per applicant (through
   the real submission services, so each has its Payment);
2. **baseline**: the clients GET ``/healthz`` as fast as they can for ``--duration`` seconds;
3. **payments**: each client pays its own fees one after the other, as an app and a browser
   would: ``POST /api/v1/payments/{id}/checkout`` (Idempotency-Key), the same request again (a
   retry: must give the same attempt), GET the sandbox's hosted page, POST the test card
   (the server applies the PSP's first webhook after that commit), then POST the same signed
   webhook to ``/payments/webhooks/sandbox/`` again (a PSP's redelivery, must change nothing);
4. prints complete payments/s, requests/s, the ratio to /healthz, latency of one complete
   payment p50/p95/p99, errors; then checks in the database: every completed payment is paid
   once (one ``succeeded`` ledger row, one ``payment.paid`` audit entry, one attempt), the
   redelivered webhooks are recorded and ignored, and nothing was paid that the bench did not pay.

Each client is a thread with its own keep-alive connection, on the same two cores as the
server: compare the ratio, not the absolute figures. Figures go to docs/performance.md
("Payments").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    HOST,
    PG_URL,
    ROOT,
    drop_database,
    gunicorn,
    healthz_baseline,
    load_average,
    migrate,
    percentile,
    psql,
    recreate_database,
    stop,
)

STEPS = ("checkout", "checkout again", "hosted page", "card", "webhook again")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _ms(values: list[float], p: float) -> float:
    """The ``p``-th percentile of durations in seconds, in ms (0 for none)."""
    return percentile(values, p) * 1000 if values else 0.0


def payment_phase(port: int, work: list[tuple[str, list[str]]], seconds: float, sign) -> dict:
    """``work``: per client (bearer token, payment ids). Returns rates, latencies, errors and
    the ids paid (completed within the time)."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    paid: list[str] = []
    errors: list[str] = []
    requests = [0]
    steps: dict[str, list[float]] = {name: [] for name in STEPS}

    def client(token: str, payment_ids: list[str]) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        mine: list[float] = []
        done: list[str] = []
        bad: list[str] = []
        n = 0

        timing: dict[str, list[float]] = {name: [] for name in STEPS}
        step = [iter(STEPS)]

        def call(
            method: str, path: str, body=None, headers=None
        ) -> tuple[int, bytes, http.client.HTTPResponse]:
            began = time.perf_counter()
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            raw = response.read()
            name = next(step[0], None)
            if name:
                timing[name].append(time.perf_counter() - began)
            return response.status, raw, response

        for payment_id in payment_ids:
            if time.monotonic() >= stop_at:
                break
            started = time.perf_counter()
            step[0] = iter(STEPS)
            try:
                body = json.dumps({"provider": "sandbox", "idempotency_key": f"bench-{payment_id}"})
                status, raw, _r = call("POST", f"/api/v1/payments/{payment_id}/checkout", body, auth)
                again_status, again_raw, _r = call(
                    "POST", f"/api/v1/payments/{payment_id}/checkout", body, auth
                )
                n += 2
                if status != 201 or again_status != 201:
                    bad.append(f"checkout {status}/{again_status}")
                    continue
                first, again = json.loads(raw), json.loads(again_raw)
                if first["attempt"] != again["attempt"]:
                    bad.append("retry made a second attempt")
                    continue
                url = first["redirect_url"]
                hosted = url if url.startswith("/") else "/" + url.split("/", 3)[3]
                status, page, response = call("GET", hosted)
                n += 1
                cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
                token_match = TOKEN_RE.search(page.decode())
                if status != 200 or not token_match:
                    bad.append(f"hosted page {status}")
                    continue
                form = f"csrfmiddlewaretoken={token_match.group(1)}&card=4242424242424242"
                status, _b, _r = call(
                    "POST",
                    hosted,
                    form,
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": cookie,
                        "Referer": f"http://{HOST}:{port}{hosted}",
                    },
                )
                n += 1
                if status != 302:
                    bad.append(f"card {status}")
                    continue
                checkout_id = hosted.rstrip("/").split("/")[-1]
                event = {
                    "id": f"evt_{checkout_id}_succeeded",  # the sandbox's own event id
                    "type": "succeeded",
                    "session": checkout_id,
                    "reference": first["attempt"],
                    "amount": first["amount"],
                    "method": "card",
                    "refund": "",
                }
                raw_event = json.dumps(event, sort_keys=True).encode()
                status, _b, _r = call(
                    "POST",
                    "/payments/webhooks/sandbox/",
                    raw_event,
                    {"Content-Type": "application/json", "Sandbox-Signature": sign(raw_event)},
                )
                n += 1
                if status != 200:
                    bad.append(f"redelivery {status}")
                    continue
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                bad.append(type(exc).__name__)
                continue
            if time.monotonic() < stop_at:
                mine.append(time.perf_counter() - started)
                done.append(payment_id)
        conn.close()
        with lock:
            for name, values in timing.items():
                steps[name].extend(values)
            latencies.extend(mine)
            paid.extend(done)
            errors.extend(bad)
            requests[0] += n

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=w) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "payments": len(paid),
        "rate": len(paid) / elapsed,
        "request_rate": requests[0] / elapsed,
        "p50": _ms(latencies, 50),
        "p95": _ms(latencies, 95),
        "p99": _ms(latencies, 99),
        "errors": errors,
        "paid_ids": paid,
        "steps": {name: _ms(values, 50) for name, values in steps.items()},
        "ran_out": sum(1 for _t, ids in work if len(ids) and ids[-1] in paid),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=40)
    parser.add_argument("--duration", type=float, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default="madoguchi_payments_bench")
    parser.add_argument("--port", type=int, default=18510)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep a migrated database from an earlier --keep-db run (quicker)",
    )
    args = parser.parse_args()

    print(f"load average before: {load_average()}")
    if not args.reuse_db:
        recreate_database(args.db)
    elif not psql(f"SELECT 1 FROM pg_database WHERE datname = '{args.db}'"):
        psql(f'CREATE DATABASE "{args.db}"')
    tmp = tempfile.mkdtemp(prefix="payments-bench-")
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{args.db}",
            "DEBUG": "1",  # development keys (the production refusal is not what is measured)
            "MADOGUCHI_DATA_DIR": tmp,
            "LOG_LEVEL": "ERROR",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "PAYMENT_PROVIDERS": "sandbox,slip",
            "PAYMENT_SANDBOX_DELIVER_ON_COMMIT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # no console output
            "SITE_URL": f"http://{HOST}:{args.port}",
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
        }
    )
    for key in (
        "DATABASE_URL",
        "DEBUG",
        "MADOGUCHI_DATA_DIR",
        "CELERY_TASK_ALWAYS_EAGER",
        "DJANGO_SETTINGS_MODULE",
    ):
        os.environ[key] = env[key]
    migrate(env)
    import django

    django.setup()
    from django.db import connections

    from madoguchi.audit.models import AuditEntry
    from madoguchi.core.testing import make_api_token, make_organization, make_procedure, make_user
    from madoguchi.payments.models import FeeSetting, Payment, PaymentAttempt, PaymentEvent
    from madoguchi.payments.providers.sandbox import sign
    from madoguchi.payments.services import fee_schedule_sync
    from madoguchi.review.testing import make_application

    setup_started = time.monotonic()
    stamp = int(time.time())
    organization = make_organization(f"bench-pay-{stamp}")
    procedure = make_procedure(organization, fee_kind="fixed", fee_amount=300)
    FeeSetting.objects.create(procedure=procedure, revenue_code="1401", revenue_name="証明手数料")
    fee_schedule_sync(procedure=procedure)
    work: list[tuple[str, list[str]]] = []
    for index in range(args.clients):
        user, token = make_api_token(make_user(f"bench-{stamp}-{index}@example.jp"))
        ids = [
            str(Payment.objects.get(application=make_application(procedure, applicant=user)).pk)
            for _ in range(args.per_client)
        ]
        work.append((token, ids))
    setup_seconds = time.monotonic() - setup_started
    connections.close_all()
    server = gunicorn(
        args.port,
        env,
        os.path.join(tmp, "gunicorn.log"),
        workers=args.workers,
        threads=args.threads,
        extra=["--preload"],
    )
    try:
        health_rate = healthz_baseline(args.port, concurrency=args.clients, seconds=args.duration)
        result = payment_phase(args.port, work, args.duration, sign)
    finally:
        stop(server)
    print(f"load average after: {load_average()}")
    print(
        f"settings: {args.clients} clients (threads, keep-alive), {args.per_client} fees each "
        f"({args.clients * args.per_client} made in {setup_seconds:.0f} s), {args.duration:.0f} s per phase, "
        f"gunicorn --workers {args.workers} --threads {args.threads}, PostgreSQL, sandbox PSP, "
        "first webhook applied after the hosted page's commit"
    )
    print(f"/healthz  {health_rate:8.1f} req/s")
    print(
        f"payments  {result['rate']:8.1f} complete payments/s ({result['request_rate']:.1f} req/s, 5 requests each)  "
        f"p50 {result['p50']:6.0f} ms  p95 {result['p95']:6.0f} ms  p99 {result['p99']:6.0f} ms  "
        f"errors {len(result['errors'])} {sorted(set(result['errors']))[:5]}"
    )
    print("p50 per request: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in result["steps"].items()))
    if result["ran_out"]:
        print(f"note: {result['ran_out']} clients ran out of fees before the end (raise --per-client)")
    print(f"ratio payments/s ÷ /healthz req/s = {result['rate'] / health_rate:.4f}")
    print(
        f"ratio requests/s in the payment flow ÷ /healthz req/s = {result['request_rate'] / health_rate:.3f}"
    )

    ids = result["paid_ids"]
    # The PSP still owes copies of its webhooks (late, newest first): deliver them all now.
    from madoguchi.payments.providers.sandbox import deliver_due

    late = 0
    while True:
        delivered = deliver_due(force=True, limit=500)
        late += delivered
        if not delivered:
            break
    mine = Payment.objects.filter(organization=organization)
    paid_ids = {str(pk) for pk in mine.filter(status="paid").values_list("pk", flat=True)}
    per_payment: dict[str, int] = {}
    for payment_id in PaymentEvent.objects.filter(kind="succeeded", payment__in=mine).values_list(
        "payment_id", flat=True
    ):
        per_payment[str(payment_id)] = per_payment.get(str(payment_id), 0) + 1
    audits = AuditEntry.objects.filter(action="payment.paid", target_id__in=list(paid_ids)).count()
    attempts = PaymentAttempt.objects.filter(payment__in=mine).count()
    problems = []
    if not set(ids) <= paid_ids:
        problems.append(f"{len(set(ids) - paid_ids)} completed payments not paid")
    if any(count != 1 for count in per_payment.values()) or set(per_payment) != paid_ids:
        problems.append("a paid payment without exactly one succeeded ledger row")
    if audits != len(paid_ids):
        problems.append(f"{audits} payment.paid audit entries for {len(paid_ids)} paid payments")
    if attempts != len(paid_ids) + len(result["errors"]) and attempts < len(paid_ids):
        problems.append(f"{attempts} attempts for {len(paid_ids)} paid payments")
    print(
        f"database: {len(paid_ids)} paid ({len(ids)} completed within the time, the rest finished after it), "
        f"{sum(per_payment.values())} succeeded ledger rows, {audits} payment.paid audit entries, "
        f"{attempts} attempts (one per fee although every checkout was sent twice); "
        f"{late} late webhook copies delivered afterwards (each fee still paid once); "
        f"exactly once: {'yes' if not problems else 'NO: ' + '; '.join(problems)}"
    )
    connections.close_all()
    if not args.keep_db:
        drop_database(args.db)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
