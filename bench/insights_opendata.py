"""The KPI dashboard with 1,000,000 applications and ``package_search`` over 10,000 datasets,
through gunicorn on PostgreSQL, as a ratio to ``/healthz`` (and to an ORM primary-key lookup)
measured in the same run.

    python3 bench/insights_opendata.py                    # 1,000,000 applications, 10,000 datasets
    python3 bench/insights_opendata.py --rows 200000 --datasets 2000 --keep-db
    python3 bench/insights_opendata.py --prepare          # generate and keep the data (≤ 3 min) …
    python3 bench/insights_opendata.py --reuse            # … then measure on it (≤ 3 min)

What it does (database ``madoguchi_opendata_bench`` — dropped and created unless --reuse, dropped
at the end unless --keep-db; gunicorn on 127.0.0.1:18550, --workers 2 --threads 2):

1. one organization (10 departments × 5 procedures), ``--rows`` applications submitted over the
   last 365 days (online 70 %, 窓口 20 %, 一括提出 10 %, 3 % withdrawn) and a review case for
   each (80 % decided, 90 % of them electronically), generated inside PostgreSQL with
   ``generate_series``; paper procedures and targets as the demo has them;
2. the aggregates: ``figures_refresh_month`` for each of the 13 months (``--reuse``: the current
   and the previous month only), timed — this is what the beat task does per changed month; the
   pages never read applications;
3. the open data: ``datasets_publish`` from those aggregates (timed), then synthetic datasets
   up to ``--datasets`` in all (40 organizations, the five kinds, 10 years, tags);
4. over HTTP, one client at a time on a keep-alive connection (latency, not throughput):
   ``/healthz`` (baseline), the dashboard of the whole organization, of a department, of a
   procedure, one chart, the CSV export, and ``package_search`` (no query, a word, ``fq``
   organization + tag, facets, a deep page) and ``package_show``;
5. prints p50/p95/max per request, the ratio of each p95 to the p95 of ``/healthz`` and to an ORM
   primary-key lookup of one application in this process, and whether the dashboard met
   p95 ≤ 200 ms.

The client runs on the same two cores as the server: compare the ratios. Figures go to
docs/performance.md ("Insights and open data").
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    HOST,
    PG_URL,
    ROOT,
    drop_database,
    gunicorn,
    load_average,
    migrate,
    percentile,
    recreate_database,
    stop,
)
from staff_queue import insert_select  # noqa: E402

DEPARTMENTS = 10
PROCEDURES_PER_DEPARTMENT = 5
TARGET_MS = 200.0


def generate(rows: int) -> dict:
    import pyotp
    from django.db import connection
    from django.utils import timezone

    from madoguchi.accounts.constants import Role
    from madoguchi.accounts.models import TotpDevice
    from madoguchi.applications.models import Application
    from madoguchi.core.crypto import encrypt_text
    from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff
    from madoguchi.insights.constants import Kpi
    from madoguchi.insights.models import KpiTarget, PaperProcedure
    from madoguchi.insights.selectors import fiscal_year_of
    from madoguchi.review import services
    from madoguchi.review.models import Case

    started = time.perf_counter()
    org = make_organization("bench", name="ベンチ県", reference_prefix="BEN")
    departments = [make_department(org, slug=f"d{i}", name=f"第{i}部") for i in range(DEPARTMENTS)]
    procedures = [
        make_procedure(org, department=d, slug=f"p{i}-{j}", title=f"手続{i}-{j}", standard_processing_days=10)
        for i, d in enumerate(departments)
        for j in range(PROCEDURES_PER_DEPARTMENT)
    ]
    routes = [services.route_for_procedure(procedure=p) for p in procedures]
    manager = make_staff(org, Role.AUDITOR, None, email="dx@bench.example")
    reviewer = make_staff(org, Role.REVIEWER, departments[1], email="reviewer@bench.example")
    for user in (manager, reviewer):
        TotpDevice.objects.create(
            user=user, secret=encrypt_text(pyotp.random_base32(), purpose="totp"), confirmed_at=timezone.now()
        )
    year = fiscal_year_of(timezone.localdate())
    for i, d in enumerate(departments):
        PaperProcedure.objects.create(
            organization=org, department=d, title=f"紙の手続{i}", fiscal_year=year, paper_count=1200
        )
    KpiTarget.objects.create(organization=org, kpi=Kpi.SATISFACTION, value=0.7)
    KpiTarget.objects.create(organization=org, kpi=Kpi.ONLINE_PROCEDURE_RATE, fiscal_year=year, value=0.9)
    n = len(procedures)
    proc_ids = "ARRAY[" + ",".join(str(p.pk) for p in procedures) + "]"
    ver_ids = "ARRAY[" + ",".join(str(p.current_version_id) for p in procedures) + "]"
    dept_ids = "ARRAY[" + ",".join(str(p.department_id) for p in procedures) + "]"
    route_ids = "ARRAY[" + ",".join(str(r.pk) for r in routes) + "]"
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        # generated rows reference rows that exist: skip the per-row foreign-key triggers
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "CREATE TEMP TABLE g AS SELECT g, md5('bench' || g)::uuid AS app_id, md5('case' || g)::uuid AS case_id, "
            f"(g % {n}) + 1 AS p, now() - ((g::bigint * 7919) % (365 * 1440)) * interval '1 minute' AS at "
            f"FROM generate_series(1, {rows}) g"
        )
        cur.execute(
            insert_select(
                Application,
                {
                    "id": "app_id",
                    "organization_id": str(org.pk),
                    "procedure_id": f"({proc_ids})[p]",
                    "version_id": f"({ver_ids})[p]",
                    "applicant_id": str(reviewer.pk),
                    "reference_number": "'BEN-' || lpad(g::text, 8, '0')",
                    "status": "CASE WHEN g % 33 = 0 THEN 'withdrawn' WHEN g % 5 = 0 THEN 'in_review' "
                    "ELSE 'approved' END",
                    "data": "'{}'::jsonb",
                    "submitted_at": "at",
                    "decided_at": "CASE WHEN g % 5 <> 0 THEN at + (g % 20) * interval '1 day' END",
                    "idempotency_key": "'bench-' || g",
                    "channel": "CASE WHEN g % 10 < 7 THEN 'online' WHEN g % 10 < 9 THEN 'counter' "
                    "ELSE 'bulk' END",
                    "created_at": "at",
                    "updated_at": "at",
                    "followed_up_at": "at",
                },
                "g",
            )
        )
        cur.execute(
            insert_select(
                Case,
                {
                    "id": "case_id",
                    "organization_id": str(org.pk),
                    "department_id": f"({dept_ids})[p]",
                    "kind": "'application'",
                    "application_id": "app_id",
                    "procedure_id": f"({proc_ids})[p]",
                    "route_id": f"({route_ids})[p]",
                    "current_position": "NULL",
                    "current_step_name": "''",
                    "step_round": "1",
                    "status": "CASE WHEN g % 5 = 0 THEN 'open' ELSE 'approved' END",
                    "title": "'ベンチ手続'",
                    "reference_number": "'BEN-' || lpad(g::text, 8, '0')",
                    "applicant_label": "''",
                    "opened_at": "at",
                    "due_date": "(at + interval '14 days')::date",
                    "suspended_days": "0",
                    "decided_at": "CASE WHEN g % 5 <> 0 THEN at + (g % 20) * interval '1 day' END",
                    "outcome": "CASE WHEN g % 5 = 0 THEN '' ELSE 'approved' END",
                    "is_electronic": "g % 10 <> 1",
                    "business_key": "''",
                    "updated_at": "at",
                },
                "g",
            )
        )
        cur.execute("SET session_replication_role = DEFAULT")
        for table in (Application._meta.db_table, Case._meta.db_table):
            cur.execute(f'ANALYZE "{table}"')
    return {
        "seconds": time.perf_counter() - started,
        "organization": org,
        "manager": manager,
        "reviewer": reviewer,
        "department": departments[3],
        "procedure": procedures[17],
    }


def refresh_all(organization, count: int = 13) -> tuple[float, list[float]]:
    from django.utils import timezone

    from madoguchi.insights.services import figures_refresh_month, month_start

    month = month_start(timezone.localdate())
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    timings = []
    for m in months:
        started = time.perf_counter()
        figures_refresh_month(organization=organization, month=m)
        timings.append(time.perf_counter() - started)
    return sum(timings), timings


def make_datasets(total: int) -> tuple[int, float]:
    """Synthetic datasets up to ``total`` (the published ones kept): 40 organizations, the five
    kinds, ten fiscal years, and more copies (``-vN``) until the count is reached."""
    from django.utils import timezone

    from madoguchi.accounts.models import Organization
    from madoguchi.opendata.kinds import KINDS
    from madoguchi.opendata.models import Dataset, DatasetTag

    started = time.perf_counter()
    existing = Dataset.objects.count()
    organizations = [
        Organization.objects.get_or_create(
            slug=f"city{i:02d}", defaults={"name": f"ベンチ市{i:02d}", "reference_prefix": f"C{i:02d}"}
        )[0]
        for i in range(40)
    ]
    kinds = list(KINDS.values())
    header = [f.name for f in kinds[0].fields]
    rows = [
        header,
        *[[2020, f"手続{i}", f"2020-{(i % 12) + 1:02d}", "オンライン", 10 + i] for i in range(20)],
    ]
    now = timezone.now()
    batch: list[Dataset] = []
    i = 0
    while existing + len(batch) < total:
        org = organizations[i % len(organizations)]
        kind = kinds[(i // len(organizations)) % len(kinds)]
        year = 2015 + (i // (len(organizations) * len(kinds))) % 10
        copy = i // (len(organizations) * len(kinds) * 10)
        batch.append(
            Dataset(
                name=f"{org.slug}-{kind.key}-fy{year}" + (f"-v{copy}" if copy else ""),
                organization=org,
                kind=kind.key,
                fiscal_year=year,
                title=f"{org.name} {kind.title}（{year}年度）",
                notes=kind.description,
                rows=rows,
                row_count=len(rows) - 1,
                content_hash=str(i),
                metadata_created=now - dt.timedelta(minutes=i),
                metadata_modified=now - dt.timedelta(minutes=i),
            )
        )
        i += 1
    created = Dataset.objects.bulk_create(batch, batch_size=1000)
    DatasetTag.objects.bulk_create(
        [DatasetTag(dataset=d, name=tag) for d in created for tag in KINDS[d.kind].tags], batch_size=5000
    )
    return Dataset.objects.count(), time.perf_counter() - started


def staff_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SESSION_AUTH_KEY] = {"level": "staff", "method": "password+totp", "at": int(time.time())}
    store.create()
    return f"sessionid={store.session_key}"


def timed_gets(port: int, path: str, runs: int, cookie: str = "", before=None) -> list[float]:
    """``before``: called (untimed) before each request — e.g. a refresh that changes the figures."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    out = []
    for i in range(runs + 2):
        if before is not None:
            before()
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
        if i >= 2:  # two warm-up requests
            out.append(elapsed)
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--db", default="madoguchi_opendata_bench")
    parser.add_argument("--port", type=int, default=18550)
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier --keep-db run")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only generate the data and keep the database (then run with --reuse)",
    )
    args = parser.parse_args()
    args.keep_db |= args.prepare
    began = time.perf_counter()

    print(f"load average before: {load_average()}", flush=True)
    if not args.reuse:
        recreate_database(args.db)
    tmp = tempfile.mkdtemp(prefix="insights-bench-")
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{args.db}",
            "DEBUG": "1",  # development keys (the production refusal is not what is measured)
            "MADOGUCHI_DATA_DIR": tmp,
            "LOG_LEVEL": "ERROR",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "DB_CONN_MAX_AGE": "600",
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
    from django.db import connection, connections

    from madoguchi.accounts.models import Department, Organization, User
    from madoguchi.applications.models import Application
    from madoguchi.insights.selectors import fiscal_year_of
    from madoguchi.opendata.services import datasets_publish
    from madoguchi.procedures.models import Procedure

    print(f"migrated at {time.perf_counter() - began:.0f} s", flush=True)
    if args.reuse and Organization.objects.filter(slug="bench").exists():
        org = Organization.objects.get(slug="bench")
        info = {
            "seconds": 0.0,
            "organization": org,
            "manager": User.objects.get(email="dx@bench.example"),
            "department": Department.objects.get(organization=org, slug="d3"),
            "procedure": Procedure.objects.get(organization=org, slug="p3-2"),
        }
        print("reusing the data of an earlier run", flush=True)
    else:
        print(f"generating {args.rows:,} applications and their cases …", flush=True)
        info = generate(args.rows)
        print(f"  generated in {info['seconds']:.1f} s", flush=True)
    org = info["organization"]
    if args.prepare:
        refresh_all(org)
        datasets_publish()
        make_datasets(args.datasets)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(f"prepared in {time.perf_counter() - began:.0f} s; now run with --reuse")
        return
    applications = Application.objects.filter(organization=org).count()
    count = (
        2 if args.reuse else 13
    )  # --prepare refreshed all 13; a run on its data times the beat's usual work
    refresh_seconds, per_month = refresh_all(org, count)
    print(
        f"aggregates: {count} months refreshed in {refresh_seconds:.1f} s "
        f"(one month: median {statistics.median(per_month):.2f} s, max {max(per_month):.2f} s)",
        flush=True,
    )
    started = time.perf_counter()
    published = datasets_publish()
    publish_seconds = time.perf_counter() - started
    print(
        f"open data: {published} datasets published from the aggregates in {publish_seconds:.1f} s",
        flush=True,
    )
    datasets, synthetic_seconds = make_datasets(args.datasets)
    print(
        f"  {datasets:,} datasets in the catalog ({synthetic_seconds:.1f} s to add the synthetic ones)",
        flush=True,
    )

    # baseline in this process: an ORM primary-key lookup of one application
    some = Application.objects.filter(reference_number="BEN-00500001").values_list("pk", flat=True).first()
    some = some or Application.objects.values_list("pk", flat=True).first()
    lookups = []
    for _ in range(200):
        t = time.perf_counter()
        Application.objects.get(pk=some)
        lookups.append((time.perf_counter() - t) * 1000)

    from django.utils import timezone

    from madoguchi.insights.models import MonthRefresh

    def touch() -> None:
        """What a refresh of the current month does to the cache: a new "as of", so the next page
        view computes the dashboard again (measured: the first view after each refresh)."""
        MonthRefresh.objects.filter(organization=org).update(refreshed_at=timezone.now())

    cookie = staff_cookie(info["manager"])
    year = fiscal_year_of(dt.date.today())
    department, procedure = info["department"], info["procedure"]
    connections.close_all()
    server = gunicorn(
        args.port, env, os.path.join(tmp, "gunicorn.log"), workers=2, threads=2, extra=["--preload"]
    )
    base = "/insights/bench/"
    pages = [
        ("/healthz (baseline)", "/healthz", ""),
        ("dashboard: organization", f"{base}?year={year}", cookie),
        ("dashboard: org, after refresh", f"{base}?year={year}", cookie, touch),
        ("dashboard: department", f"{base}?year={year}&department={department.pk}", cookie),
        ("dashboard: procedure", f"{base}?year={year}&procedure={procedure.pk}", cookie),
        ("chart: online use (SVG)", f"{base}chart/use.svg?year={year}", cookie),
        ("export: monthly CSV", f"{base}export/monthly.csv?year={year}", cookie),
        ("package_search (all)", "/api/3/action/package_search", ""),
        (
            "package_search q=申請件数",
            "/api/3/action/package_search?q=%E7%94%B3%E8%AB%8B%E4%BB%B6%E6%95%B0",
            "",
        ),
        (
            "package_search fq org+tag",
            "/api/3/action/package_search?fq=organization:city07+tags:KPI&rows=20",
            "",
        ),
        (
            "package_search facets",
            "/api/3/action/package_search?facet.field=%5B%22organization%22,%22groups%22,%22tags%22%5D&rows=20",
            "",
        ),
        ("package_search start=9000", "/api/3/action/package_search?start=9000&rows=100", ""),
        ("package_show", "/api/3/action/package_show?id=city00-applications-monthly-fy2015", ""),
        ("catalog page /opendata/", "/opendata/", ""),
    ]
    results = []
    try:
        for name, path, c, *before in pages:
            times = timed_gets(args.port, path, args.runs, c, *before)
            results.append((name, times))
    finally:
        stop(server)
    print(f"load average after: {load_average()}")
    health_p95 = percentile(results[0][1], 95)
    lookup_p95 = percentile(lookups, 95)
    print(
        f"\nInsights and open data — {applications:,} applications, {datasets:,} datasets, PostgreSQL, "
        f"gunicorn --workers 2 --threads 2, one client, {args.runs} requests each (after 2 warm-up)"
    )
    print(
        f"baseline ORM pk lookup (in process): p50 {statistics.median(lookups):.2f} ms  p95 {lookup_p95:.2f} ms"
    )
    print(f"{'request':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/healthz':>12} {'p95/pk':>8}")
    for name, times in results:
        p95 = percentile(times, 95)
        print(
            f"{name:<28} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} "
            f"{p95 / health_p95:11.1f}x {p95 / lookup_p95:7.0f}x"
        )
    dashboard_p95 = max(percentile(t, 95) for n, t in results if n.startswith("dashboard"))
    print(
        f"\nresult: dashboard p95 (worst of the views, first view after a refresh included) {dashboard_p95:.1f} ms — "
        + ("OK (≤ 200 ms)" if dashboard_p95 <= TARGET_MS else "TARGET MISSED")
    )
    print(f"total time {time.perf_counter() - began:.0f} s")
    connection.close()
    connections.close_all()
    if not args.keep_db:
        drop_database(args.db)


if __name__ == "__main__":
    main()
