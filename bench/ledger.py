"""災害時都民台帳: upload rows/s against PostgreSQL COPY of the same file, and matching time by size.

    python3 bench/ledger.py                                   # 200,000-row file; matching at 25k/50k/100k/200k
    python3 bench/ledger.py --rows 50000 --sizes 10000,20000,40000
    python3 bench/ledger.py --skip-upload                     # matching only
    python3 bench/ledger.py --skip-matching --skip-again      # one new 200,000-row snapshot

What it does (PostgreSQL database ``madoguchi_ledger`` by default — dropped and created, dropped
again at the end unless --keep-db; gunicorn on 127.0.0.1:18800):

1. writes a 被災者台帳 CSV (UTF-8, standard layout) of ``--rows`` fictional people;
2. **baseline**: ``COPY … FROM STDIN (FORMAT csv)`` of that same file into a plain table of 18
   text columns — the fastest a database can take these bytes;
3. **upload**: ``POST /api/v1/ledger/events/{id}/uploads`` of the file to gunicorn, as a
   municipality's ledger user in a staff session (password and second factor). Tasks are eager (no worker), so the request
   returns when every row has been read, checked, normalized, sealed (AES-GCM), keyed (HMAC),
   staged and the snapshot replaced; rows/s and the ratio to COPY are printed. Then a re-upload
   of the same file with 1 % of rows changed (the diff path);
4. **matching**: for each size in ``--sizes`` a new event whose records are spread over four
   municipalities with 3 % evacuees listed twice (written differently), loaded through the same
   row reader; the event-wide matching run is timed. Time per row at each size, relative to the
   smallest, shows whether it grows linearly.

Figures go to docs/performance.md ("災害時都民台帳").
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
HOST = "127.0.0.1"
PG_URL = f"postgres://postgres@{HOST}:5432"


def sh(cmd: list[str], **kwargs) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout


def psql(sql: str, db: str = "postgres") -> str:
    return sh(["psql", "-h", HOST, "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]).strip()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def generate(rows: int, *, municipality: str, prefix: str, seed: int = 7) -> list[list[str]]:
    from madoguchi.ledger.people_generator import people

    return [p.row() for p in people(municipality, rows, seed=seed, prefix=prefix)]


def copy_baseline(db: str, data: bytes) -> float:
    import psycopg

    with psycopg.connect(f"{PG_URL}/{db}", autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (" + ", ".join(f"c{i} text" for i in range(18)) + ")")
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            view = memoryview(data)
            for start in range(0, len(data), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_copy")
    return seconds


def fixtures(municipalities: int = 4):
    """A prefecture, municipalities, an event and a municipality ledger user with a token."""
    import datetime as dt

    import pyotp
    from django.utils import timezone

    from madoguchi.accounts.constants import OrganizationKind
    from madoguchi.accounts.models import Organization, TotpDevice, User
    from madoguchi.core.crypto import encrypt_text
    from madoguchi.ledger.models import DisasterEvent, EventMunicipality, LedgerRole

    tag = uuid.uuid4().hex[:6]
    pref = Organization.objects.create(
        slug=f"pref-{tag}", name="ベンチ都", kind=OrganizationKind.PREFECTURE, reference_prefix="BP"
    )
    orgs = [
        Organization.objects.create(
            slug=f"m{i}-{tag}",
            name=f"ベンチ{i}市",
            kind=OrganizationKind.MUNICIPALITY,
            reference_prefix=f"B{i}",
        )
        for i in range(municipalities)
    ]
    event = DisasterEvent.objects.create(
        prefecture=pref, name=f"ベンチ地震 {tag}", occurred_on=dt.date(2026, 9, 1)
    )
    EventMunicipality.objects.bulk_create([EventMunicipality(event=event, organization=o) for o in orgs])
    user = User.objects.create_user(f"bench-{tag}@example.jp")
    LedgerRole.objects.create(user=user, organization=orgs[0], kind="municipality", event=event)
    prefecture_user = User.objects.create_user(f"bench-pref-{tag}@example.jp")
    LedgerRole.objects.create(user=prefecture_user, organization=pref, kind="prefecture")
    for u in (user, prefecture_user):
        TotpDevice.objects.create(
            user=u, secret=encrypt_text(pyotp.random_base32(), purpose="totp"), confirmed_at=timezone.now()
        )
    return event, orgs, user, prefecture_user, staff_session_cookie(user)


def staff_session_cookie(user) -> str:
    """A staff session for ``user`` (as after password + second factor) and a CSRF token:
    the ledger API is used from a staff session (staff get no API tokens)."""
    import secrets

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SESSION_AUTH_KEY] = {"level": "staff", "method": "password+totp", "at": int(time.time())}
    store.create()
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret as Django's cookie holds it
    return f"sessionid={store.session_key}; csrftoken={csrf}"


def start_server(env: dict[str, str], port: int, tmp: str) -> subprocess.Popen:
    log = open(os.path.join(tmp, "gunicorn.log"), "w")  # noqa: SIM115 - closed with the process
    command = [
        sys.executable, "-m", "gunicorn", "madoguchi.config.wsgi", "--bind", f"{HOST}:{port}",
        "--workers", "1", "--threads", "2", "--timeout", "1800", "--preload",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit("gunicorn did not start; see " + os.path.join(tmp, "gunicorn.log"))


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def post_file(port: int, cookie: str, event_id: int, data: bytes, name: str) -> tuple[float, dict]:
    import json

    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode())
    body.write(b"Content-Type: text/csv\r\n\r\n")
    body.write(data)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    payload = body.getvalue()
    conn = http.client.HTTPConnection(HOST, port, timeout=3600)
    started = time.perf_counter()
    conn.request(
        "POST",
        f"/api/v1/ledger/events/{event_id}/uploads",
        body=payload,
        headers={
            "Cookie": cookie,
            "X-CSRFToken": cookie.rsplit("csrftoken=", 1)[1],
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    response = conn.getresponse()
    text = response.read()
    seconds = time.perf_counter() - started
    if response.status != 202:
        raise SystemExit(f"upload answered {response.status}: {text[:500]!r}")
    return seconds, json.loads(text)


def load_records(event, organization, rows: list[list[str]]) -> None:
    """Stage and apply rows in-process (the same reader and snapshot code as an upload)."""
    from madoguchi.ledger.constants import JobKind
    from madoguchi.ledger.layout import STANDARD_COLUMNS
    from madoguchi.ledger.models import Job, Upload
    from madoguchi.ledger.rows import RowReader
    from madoguchi.ledger.selectors import municipality_names
    from madoguchi.ledger.services.uploads import stage_rows, upload_apply

    job = Job.objects.create(event=event, kind=JobKind.UPLOAD, organization=organization)
    upload = Upload.objects.create(event=event, organization=organization, job=job, original_name="bench")
    reader = RowReader(
        event_id=event.pk,
        salt=event.key_salt,
        municipality_id=organization.pk,
        municipality_names=municipality_names(event.pk),
    )
    keys = [c.key for c in STANDARD_COLUMNS]
    valid, errors = stage_rows(
        upload=upload,
        reader=reader,
        rows=((n, dict(zip(keys, r, strict=False))) for n, r in enumerate(rows, 2)),
        job_id=None,
    )
    if errors:
        raise SystemExit(f"{errors} errors in generated rows")
    upload_apply(upload=upload, rows_total=valid)


def matching_at(size: int, seed: int) -> dict[str, float]:
    from django.db import connection

    from madoguchi.ledger.models import Job
    from madoguchi.ledger.people_generator import as_written_elsewhere, people
    from madoguchi.ledger.services.matching import matching_process

    event, orgs, _user, prefecture_user, _token = fixtures(4)
    share = size // 4
    evacuees = int(size * 0.03)
    for index, org in enumerate(orgs):
        count = share - (evacuees // 4 if index else 0)
        residents = list(people(org.name, count, seed=seed + index, prefix=f"M{index}-"))
        rows = [p.row() for p in residents]
        if index == 0:
            moved = residents[:evacuees]
        else:
            rows += [
                as_written_elsewhere(p, key=f"E{index}-{n}", current=f"{org.name}中央1-1", variant=n).row()
                for n, p in enumerate(moved[(index - 1) * (evacuees // 4) : index * (evacuees // 4)])
            ]
        load_records(event, org, rows)
    job = Job.objects.create(event=event, kind="matching", created_by=prefecture_user)
    with connection.cursor() as cur:
        cur.execute("ANALYZE ledger_record")
    started = time.perf_counter()
    result = matching_process(job_id=job.pk)
    seconds = time.perf_counter() - started
    records = event.records.count()
    return {
        "records": records,
        "seconds": seconds,
        **{k: result.get(k, 0) for k in ("auto", "pending", "comparisons", "skipped_blocks")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sizes", default="25000,50000,100000,200000")
    parser.add_argument("--db", default="madoguchi_ledger")
    parser.add_argument("--port", type=int, default=18800)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-matching", action="store_true")
    parser.add_argument(
        "--skip-again", action="store_true", help="no re-upload (a 200,000-row run then fits in 3 minutes)"
    )
    args = parser.parse_args()

    print(f"load average before: {load_average()}")
    psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
    psql(f"CREATE DATABASE {args.db}")
    tmp = tempfile.mkdtemp(prefix="ledger-bench-")
    from madoguchi.core.devvalues import throwaway_keys

    env = {**throwaway_keys(), **os.environ}  # keys of one's own win; else fresh ones for this run
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{args.db}",
            "DEBUG": "0",
            "MADOGUCHI_DATA_DIR": tmp,
            "LOG_LEVEL": "ERROR",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "MADOGUCHI_DATA_DIR",
                "CELERY_TASK_ALWAYS_EAGER",
                "DJANGO_SETTINGS_MODULE",
                "EMAIL_BACKEND",
                "SECRET_KEY",
                "FIELD_ENCRYPTION_KEYS",
                "AUDIT_ANCHOR_KEY",
            )
        }
    )
    sh([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env, cwd=ROOT)
    import django

    django.setup()
    from django.db import connections

    from madoguchi.ledger.writers import csv_bytes

    try:
        if not args.skip_upload:
            event, orgs, _user, _pref, token = fixtures(4)
            connections.close_all()
            rows = generate(args.rows, municipality=orgs[0].name, prefix="B")
            data = csv_bytes(rows)
            print(f"file: {args.rows:,} rows, {len(data) / 2**20:.1f} MB (UTF-8 CSV, standard layout)")
            copy_seconds = copy_baseline(args.db, data)
            copy_rate = args.rows / copy_seconds
            print(f"COPY baseline:   {copy_seconds:7.2f} s  {copy_rate:10,.0f} rows/s")
            server = start_server(env, args.port, tmp)
            try:
                seconds, body = post_file(args.port, token, event.pk, data, "bench.csv")
                rate = args.rows / seconds
                print(
                    f"upload (new):    {seconds:7.2f} s  {rate:10,.0f} rows/s  = {rate / copy_rate:.3f} × COPY  "
                    f"[{body['status']}, added {body['added']:,}]"
                )
                if not args.skip_again:
                    for row in rows[::100]:
                        row[7] = "全壊"  # 1 % of the rows change
                    seconds, body = post_file(args.port, token, event.pk, csv_bytes(rows), "bench-2.csv")
                    rate = args.rows / seconds
                    print(
                        f"upload (again):  {seconds:7.2f} s  {rate:10,.0f} rows/s  = {rate / copy_rate:.3f} × COPY  "
                        f"[{body['status']}, changed {body['changed']:,}, added {body['added']:,}, removed {body['removed']:,}]"
                    )
            finally:
                stop_server(server)
        if not args.skip_matching:
            sizes = [int(s) for s in args.sizes.split(",") if s]
            results = []
            for n, size in enumerate(sizes):
                result = matching_at(size, seed=100 + n)
                results.append(result)
                per_row = result["seconds"] / result["records"] * 1e6
                base = results[0]["seconds"] / results[0]["records"] * 1e6
                print(
                    f"matching {result['records']:>8,} records: {result['seconds']:7.2f} s  {per_row:6.1f} µs/record "
                    f"(× {per_row / base:.2f} of the smallest)  auto {result['auto']:,}, review {result['pending']:,}, "
                    f"comparisons {result['comparisons']:,}, skipped blocks {result['skipped_blocks']}"
                )
    finally:
        connections.close_all()
        print(f"load average after: {load_average()}")
        if not args.keep_db:
            psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")


if __name__ == "__main__":
    main()
