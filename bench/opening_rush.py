#!/usr/bin/env python3
"""Opening rush: 2,000 simulated people race for 200 places through the real server.

What it does (each run starts from scratch; nothing of it is part of the test suite):

1. drops and creates the PostgreSQL database ``mdg_rush`` and migrates it; clears the
   reservation keys (``*resv:*``) in Redis DB 3;
2. creates one 説明会 (briefing) resource with one slot of 200 places, one person per
   booking and a limit of one booking per person, plus N users, each with a signed-in
   session (rows written straight into the session table, and into the cache as a sign-in
   under ``cached_db`` leaves them; ``--cold-sessions``: the table only) and the CSRF cookie a
   sign-in leaves in the browser;
3. starts gunicorn on 127.0.0.1:8301 (DEBUG off, ``REDIS_URL=redis://127.0.0.1:6379/3``)
   with the waiting room at ``--rate`` admissions/s (burst ``--burst``); ``--server granian``
   runs the same application under granian instead, for a comparison;
4. measures a baseline: ``GET /healthz`` throughput with the same client concurrency;
5. releases all N users at once. Each one behaves like a phone:
   ``GET`` the booking form → if queued, wait ``Retry-After`` seconds and ``GET`` again
   (the queue page's script reloads it then; without JavaScript the page asks the person to) → ``POST`` the form (CSRF token, idempotency key) → booked,
   or told the slot is full. At most ``--concurrency`` requests are in flight;
6. stops gunicorn and checks the database: exactly 200 bookings, ``booked_count`` 200,
   no person with two bookings; prints the outcome for every user (counts, one letter per
   user, and a line per user with ``--outcomes``), bookings/s, p50/p95/p99 latency, the
   share of responses answered by the waiting room and the baseline ratios.

Usage (from the repository root)::

    python3 bench/opening_rush.py                   # 2000 users, 200 places, rate 60/s, -w 6 --threads 1
    python3 bench/opening_rush.py --users 500 --rate 30 --workers 3 --threads 8

Keep runs short (the machine is shared); one run takes well under two minutes.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as common  # noqa: E402

ROOT = common.ROOT
PG_URL = common.PG_URL
DB_NAME = "mdg_rush"
REDIS_URL = "redis://127.0.0.1:6379/3"
HOST, PORT = "127.0.0.1", 8301
SESSIONS_IN_CACHE = True  # --cold-sessions: False
SERVER_LOG = Path("/tmp/mdg_opening_rush_server.log")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(r'name="idempotency_key" value="([^"]+)"')


def server_env(args) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from madoguchi.core.devvalues import throwaway_keys

    env = dict(os.environ)
    # DEBUG=0 processes refuse the repository's public keys; the same fresh keys for this
    # process and the server it starts (sessions made here must be valid there)
    for name, value in throwaway_keys().items():
        env.setdefault(name, value)
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
            "REDIS_URL": REDIS_URL,
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            # as in production: the confirmation e-mail is queued for a worker (none runs during
            # the rush; --eager delivers it inside the request, the embedded mode)
            "CELERY_TASK_ALWAYS_EAGER": "1" if args.eager else "0",
            "CELERY_BROKER_URL": args.celery_broker,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RESERVATIONS_WAITING_ROOM_RATE": str(args.rate),
            "RESERVATIONS_WAITING_ROOM_BURST": str(args.burst),
            "RESERVATIONS_WAITING_ROOM_MAX_RETRY": str(args.max_retry),
            # All 2,000 simulated people come from 127.0.0.1: exempt it from the per-address
            # ceiling on waiting tickets (docs/reservations.md, "Fair limits on tickets").
            "RESERVATIONS_WAITING_ROOM_IP_ALLOW": "127.0.0.1",
            "LOG_LEVEL": "ERROR",
            "DB_CONN_MAX_AGE": "600",
        }
    )
    return env


# ----------------------------------------------------------------------------- setup


def create_database(args) -> None:
    """A fresh database, copied from a migrated template (kept between runs, rebuilt when the
    migration files change): migrating from nothing takes minutes on the shared machine."""
    common.template_database(DB_NAME, server_env(args))


def clear_redis(broker: str = "") -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="*resv:*", count=1000))
    if keys:
        client.delete(*keys)
    if broker.startswith("redis://") and broker != REDIS_URL:
        redis.Redis.from_url(broker).flushdb()  # the queued e-mails of an earlier run


def setup_django(args) -> None:
    os.environ.update(server_env(args))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def create_data(users: int, places: int, *, warm: int = 0) -> tuple[str, list[str], str, list[str]]:
    """Resource, slot, users and signed-in sessions. Returns (booking URL, session keys) of the
    rush, and of a second resource with ``warm`` places and people of its own (the warm-up)."""
    from django.core.management import call_command

    from madoguchi.accounts.constants import OrganizationKind
    from madoguchi.accounts.models import Organization

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(
        slug="rush-city", name="ラッシュ市", kind=OrganizationKind.MUNICIPALITY, reference_prefix="RUSH"
    )
    url, keys = _bookable(org, "briefing", places, users, "rush")
    warm_url, warm_keys = _bookable(org, "warm-up", warm, warm, "warm") if warm else ("", [])
    from django.db import connections

    connections.close_all()
    return url, keys, warm_url, warm_keys


def _bookable(org, slug: str, places: int, users: int, prefix: str) -> tuple[str, list[str]]:
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from madoguchi.accounts.models import User
    from madoguchi.reservations.constants import ResourceKind
    from madoguchi.reservations.models import Resource, Slot

    resource = Resource.objects.create(
        organization=org,
        kind=ResourceKind.BRIEFING,
        slug=slug,
        name="障害福祉サービス事業者 指定申請説明会",
        capacity=places,
        max_party_size=1,
        per_person_limit=1,
        opens_days_before=30,
        opens_at_time=dt.time(0, 0),
        closes_hours_before=24,
    )
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=7)
    slot = Slot.objects.create(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=places
    )
    User.objects.bulk_create(
        [User(email=f"{prefix}{n:05d}@example.jp", password="!unusable") for n in range(users)],
        batch_size=1000,
    )
    store = SessionStore()
    sessions, keys = [], []
    expire = timezone.now() + dt.timedelta(hours=2)
    for user in User.objects.filter(email__startswith=prefix).order_by("email"):
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=1000)
    if SESSIONS_IN_CACHE:
        _cache_sessions(sessions, expire)
    return f"/reservations/r/{org.slug}/{resource.slug}/book/{slot.pk}/", keys


def _cache_sessions(sessions: list, expire) -> None:
    """What a sign-in leaves in the cache under ``cached_db`` sessions (the server's setting
    with Redis): each session's data under its cache key until it expires — people sign in
    before an opening, so their sessions are there when it starts. ``--cold-sessions`` leaves
    them in the database only (as after Redis restarted empty: the first request of each
    person reads its row)."""
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore
    from django.core.cache import caches
    from django.utils import timezone

    if not settings.SESSION_ENGINE.endswith("cached_db"):
        return
    cache = caches[settings.SESSION_CACHE_ALIAS]
    timeout = int((expire - timezone.now()).total_seconds())
    store = CachedStore()
    for start in range(0, len(sessions), 1000):
        cache.set_many(
            {
                CachedStore(s.session_key).cache_key: store.decode(s.session_data)
                for s in sessions[start : start + 1000]
            },
            timeout,
        )


# ----------------------------------------------------------------------------- server


def start_server(args) -> subprocess.Popen:
    if args.server == "granian":  # a comparison: keep-alive, the HTTP side in Rust
        command = common.granian_command(PORT, workers=args.workers, threads=args.threads)
        process = common.spawn(command, server_env(args), SERVER_LOG)
        common.wait_healthy(PORT, process, timeout=120)
        return process
    # a busy shared machine boots slowly: up to two minutes
    extra = ["--backlog", "2048"]
    if args.switch_interval:  # how soon a thread waiting for the GIL (a lock holder, say) gets it
        config = Path(f"/tmp/mdg_opening_rush_{PORT}_gunicorn.py")
        config.write_text(
            f"import sys\n\ndef post_fork(server, worker):\n    sys.setswitchinterval({args.switch_interval!r})\n"
        )
        extra += ["-c", str(config)]
    return common.gunicorn(
        PORT,
        server_env(args),
        SERVER_LOG,
        workers=args.workers,
        threads=args.threads,
        keep_alive=10,
        extra=extra,
    )


def stop_server(proc: subprocess.Popen) -> None:
    common.stop(proc)


# ----------------------------------------------------------------------------- clients


@dataclass
class User:
    index: int
    cookies: dict[str, str]
    state: str = "get"  # get → post → done
    outcome: str = ""  # booking / full / queue position N / error
    position: int | None = None
    form: dict[str, str] = field(default_factory=dict)
    tries: int = 0


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    post_latencies: list[float] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    booked_at: list[float] = field(default_factory=list)
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (answered at, kind)


class Connection:
    def __init__(self):
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)

    def request(self, method: str, path: str, headers: dict[str, str], body: str | None = None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _store_cookies(user: User, response) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                user.cookies.pop(name, None)
            else:
                user.cookies[name] = morsel.value


def step(user: User, conn: Connection, url: str, stats: Stats, t0: float) -> float | None:
    """Do the user's next request; return the delay before the next one, or None when done."""
    headers = {"Cookie": _cookie_header(user.cookies), "Host": f"{HOST}:{PORT}"}
    body = None
    method = "GET"
    if user.state == "post":
        method = "POST"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        from urllib.parse import urlencode

        body = urlencode({**user.form, "party_size": "1"})
    started = time.perf_counter()
    try:
        response, data = conn.request(method, url, headers, body)
    except (http.client.HTTPException, OSError):
        with stats.lock:
            stats.kinds["connection_error"] += 1
        user.tries += 1
        if user.tries > 5:
            user.outcome = "error: connection"
            return None
        return 1.0
    elapsed = time.perf_counter() - started
    _store_cookies(user, response)
    outcome = response.headers.get("X-Reservation-Outcome", "")
    with stats.lock:
        stats.latencies.append(elapsed)
        if method == "POST":
            stats.post_latencies.append(elapsed)
        stats.statuses[response.status] += 1
    kind = "form"
    delay: float | None
    if response.status >= 500:
        kind, delay = "server_error", 1.0
        user.tries += 1
        if user.tries > 5:
            user.outcome, delay = "error: 5xx", None
    elif outcome.startswith("queued"):
        kind = "queued"
        user.position = int(re.search(r"position=(\d+)", outcome).group(1))
        user.outcome = f"queue position {user.position}"
        user.state = "get"
        delay = float(response.headers.get("Retry-After", "2"))
    elif outcome == "full":
        kind = "full_gate" if method == "GET" else "full"
        user.outcome, delay = "full", None
    elif outcome == "booked" and response.status == 302:
        kind = "booked"
        user.outcome, delay = "booking", None
        with stats.lock:
            stats.booked_at.append(time.perf_counter() - t0)
    elif method == "GET" and response.status == 200:
        text = data.decode("utf-8", "replace")
        csrf, key = CSRF_INPUT.search(text), KEY_INPUT.search(text)
        if not (csrf and key):
            kind, user.outcome, delay = "unexpected", f"error: form without token ({response.status})", None
        else:
            user.form = {"csrfmiddlewaretoken": csrf.group(1), "idempotency_key": key.group(1)}
            user.state, delay = "post", 0.0
    else:
        kind, user.outcome, delay = "unexpected", f"error: HTTP {response.status} {outcome}", None
    with stats.lock:
        stats.kinds[kind] += 1
        stats.timeline.append((time.perf_counter() - t0, kind))
    return delay


def csrf_secret() -> str:
    """A CSRF cookie's value as Django makes it (32 letters and digits)."""
    import string

    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def run_rush(url: str, session_keys: list[str], concurrency: int, time_limit: float, ramp: float):
    import random

    # what a browser holds after signing in: the session cookie, and the CSRF cookie the sign-in
    # form set (Django rotates it at login; it lasts a year)
    users = [
        User(index=n, cookies={"sessionid": key, "csrftoken": csrf_secret()})
        for n, key in enumerate(session_keys)
    ]
    stats = Stats()
    arrivals = random.Random(6)  # everyone presses reload within ``ramp`` seconds of the opening
    queue: list[tuple[float, int]] = [(arrivals.uniform(0, ramp), u.index) for u in users]
    heapq.heapify(queue)
    qlock = threading.Condition()
    in_flight = [0]
    t0 = time.perf_counter()
    deadline = t0 + time_limit

    def worker():
        conn = Connection()
        while True:
            with qlock:
                while True:
                    if not queue and in_flight[0] == 0:
                        qlock.notify_all()
                        return
                    if time.perf_counter() > deadline:
                        return
                    if queue:
                        due, index = queue[0]
                        wait = t0 + due - time.perf_counter()
                        if wait <= 0:
                            heapq.heappop(queue)
                            in_flight[0] += 1
                            break
                        qlock.wait(min(wait, 0.5))
                    else:
                        qlock.wait(0.5)
            user = users[index]
            delay = step(user, conn, url, stats, t0)
            with qlock:
                in_flight[0] -= 1
                if delay is not None:
                    heapq.heappush(queue, (time.perf_counter() - t0 + delay, index))
                qlock.notify_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=time_limit + 30)
    return users, stats, time.perf_counter() - t0


def run_baseline(concurrency: int, seconds: float) -> float:
    count = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        conn = Connection()
        n = 0
        while time.perf_counter() < stop:
            response, _ = conn.request("GET", "/healthz", {"Host": f"{HOST}:{PORT}"})
            if response.status == 200:
                n += 1
        with lock:
            count[0] += n

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / (time.perf_counter() - started)


class LockSampler:
    """Every 20 ms, what the server's database sessions are doing (pg_stat_activity): running a
    statement, waiting for a lock, or idle inside a transaction (holding its locks while the
    Python side works or waits for its turn to run)."""

    def __init__(self, db: str) -> None:
        import psycopg

        self.conn = psycopg.connect(f"{PG_URL}/postgres", autocommit=True)
        self.db, self.samples, self.counts = db, 0, Counter()
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while self.running:
            rows = self.conn.execute(
                "SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''), "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 40) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'",
                [self.db],
            ).fetchall()
            self.samples += 1
            for state, kind, event, query in rows:
                label = f"{state} {kind}:{event}".strip()
                if kind == "Lock" or state == "idle in transaction":
                    label += f" after {query}"
                self.counts[label] += 1
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        self.conn.close()

    def report(self) -> None:
        print(f"database sessions, average over {self.samples} samples during the rush:")
        for label, n in self.counts.most_common(10):
            print(f"  {n / max(self.samples, 1):5.2f}  {label}")


# ----------------------------------------------------------------------------- checks


def check_database(places: int) -> dict[str, int]:
    from django.db import connections
    from django.db.models import Count

    from madoguchi.reservations.models import Booking, Slot

    connections.close_all()
    active = Booking.objects.filter(status="confirmed", resource__slug="briefing")
    duplicates = active.values("user").annotate(n=Count("id")).filter(n__gt=1).count()
    slot = Slot.objects.get(resource__slug="briefing")
    return {"bookings": active.count(), "booked_count": slot.booked_count, "duplicates": duplicates}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class CpuSampler:
    """Every ``width`` seconds: CPU of the server (gunicorn and its workers), of this bench
    process (the 2,000 people's clients) and of the whole machine (/proc/stat), as cores."""

    def __init__(self, server_pid: int, width: float) -> None:
        self.server_pid, self.width = server_pid, width
        self.samples: list[tuple[float, float, float, float]] = []  # (at, server, bench, machine busy)
        self.running = True
        self.t0 = time.perf_counter()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    @staticmethod
    def _machine_busy() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")

    def _read(self) -> tuple[float, float, float, float]:
        own = os.times()
        return (
            time.perf_counter() - self.t0,
            common.process_tree_cpu_seconds(self.server_pid),
            own.user + own.system,
            self._machine_busy(),
        )

    def loop(self) -> None:
        self.samples.append(self._read())
        while self.running:
            time.sleep(self.width)
            self.samples.append(self._read())

    def stop(self) -> list[tuple[float, float, float, float]]:
        self.running = False
        self.thread.join()
        return self.samples


def print_timeline(
    timeline: list[tuple[float, str]], width: float, cpu: list[tuple[float, float, float, float]]
) -> None:
    """Answers per ``width`` seconds of the rush, by kind (when forms went out, when bookings
    were made, when the crowd was answered), and the cores the server, the bench's clients and
    the whole machine used in that time."""
    kinds = ["queued", "full_gate", "form", "booked", "full", "server_error"]
    buckets: dict[int, Counter] = {}
    for at, kind in timeline:
        buckets.setdefault(int(at / width), Counter())[kind] += 1
    cores: dict[int, tuple[float, float, float]] = {}
    for (t1, s1, b1, m1), (t2, s2, b2, m2) in zip(cpu, cpu[1:], strict=False):
        span = max(t2 - t1, 1e-6)
        cores[int(round(t1 / width))] = ((s2 - s1) / span, (b2 - b1) / span, (m2 - m1) / span)
    print(
        "timeline per {:g} s: answers ({}); cores (server, bench clients, machine)".format(
            width, ", ".join(kinds)
        )
    )
    for index in sorted(buckets):
        counts = buckets[index]
        server, bench, machine = cores.get(index, (0.0, 0.0, 0.0))
        print(
            f"  {index * width:6.2f} s "
            + " ".join(f"{counts[k]:5d}" for k in kinds)
            + f"   {server:4.2f} {bench:4.2f} {machine:4.2f}"
        )


def main() -> int:
    global DB_NAME, REDIS_URL, PORT, SESSIONS_IN_CACHE  # noqa: PLW0603 - set once from the options, before anything uses them
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--rate", type=float, default=60.0, help="waiting-room admissions per second")
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--max-retry", type=int, default=10, help="longest Retry-After in seconds")
    parser.add_argument("--concurrency", type=int, default=48, help="requests in flight at most")
    # the pool docs/deployment.md advises for /reservations/ when an opening is expected (3 × cores
    # processes of one thread); until 2026-12-05 the default was -w 3 --threads 8
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--server",
        choices=["gunicorn", "granian"],
        default="gunicorn",
        help="the WSGI server (production: gunicorn); granian for a comparison (pip install granian)",
    )
    parser.add_argument("--time-limit", type=float, default=75.0)
    parser.add_argument("--ramp", type=float, default=2.0, help="users arrive within this many seconds")
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--outcomes", action="store_true", help="print the outcome of every user")
    parser.add_argument(
        "--timeline", type=float, default=0.0, help="print answers by kind per this many seconds"
    )
    parser.add_argument("--db", default=DB_NAME, help="PostgreSQL database (dropped and created)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="cache and waiting-room bucket")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument(
        "--celery-broker", default="redis://127.0.0.1:6379/4", help="queue of the confirmation e-mails"
    )
    parser.add_argument(
        "--eager",
        action="store_true",
        help="no broker: each e-mail is sent inside its request (embedded mode)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="sys.setswitchinterval in the web workers (0: Python's 5 ms)",
    )
    parser.add_argument(
        "--cold-sessions",
        action="store_true",
        help="sessions in the database only, none in the cache (as after Redis restarted empty)",
    )
    parser.add_argument("--sample-locks", action="store_true", help="sample pg_stat_activity during the rush")
    parser.add_argument(
        "--warm",
        type=int,
        default=100,
        help="people who book another resource before the rush (0: cold server)",
    )
    args = parser.parse_args()
    DB_NAME, REDIS_URL, PORT = args.db, args.redis_url, args.port
    SESSIONS_IN_CACHE = not args.cold_sessions

    t_setup = time.perf_counter()
    create_database(args)
    clear_redis(args.celery_broker)
    setup_django(args)
    url, keys, warm_url, warm_keys = create_data(args.users, args.places, warm=args.warm)
    print(
        f"setup: {args.users} users with sessions, 1 slot × {args.places} places ({time.perf_counter() - t_setup:.1f} s)"
    )
    proc = start_server(args)
    try:
        if warm_keys:  # a server at the opening has served other bookings before: warm code paths
            cpu0 = common.process_tree_cpu_seconds(proc.pid)
            _users, warm_stats, warm_s = run_rush(warm_url, warm_keys, args.concurrency, 30.0, 0.5)
            warm_cpu = common.process_tree_cpu_seconds(proc.pid) - cpu0
            print(
                f"warm-up: {args.warm} people booked another resource in {warm_s:.1f} s "
                f"({dict(warm_stats.kinds)}; server {warm_cpu / warm_s:.2f} cores, "
                f"{1000 * warm_cpu / max(args.warm, 1):.1f} ms CPU per booking journey)"
            )
        baseline = run_baseline(args.concurrency, args.baseline_seconds)
        print(f"baseline: GET /healthz {baseline:.0f} req/s ({args.concurrency} in flight)")
        cpu0 = common.process_tree_cpu_seconds(proc.pid)
        sampler = LockSampler(DB_NAME) if args.sample_locks else None
        cpu_sampler = CpuSampler(proc.pid, args.timeline) if args.timeline else None
        users, stats, elapsed = run_rush(url, keys, args.concurrency, args.time_limit, args.ramp)
        rush_cpu = common.process_tree_cpu_seconds(proc.pid) - cpu0
        cpu_samples = cpu_sampler.stop() if cpu_sampler else []
        if sampler:
            sampler.stop()
    finally:
        stop_server(proc)
    result = check_database(args.places)

    outcomes = Counter(
        "queue position" if u.outcome.startswith("queue") else (u.outcome or "no answer") for u in users
    )
    total = sum(stats.kinds.values())
    answered_by_gate = stats.kinds["queued"] + stats.kinds["full_gate"]
    server_errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    booked_times = sorted(stats.booked_at)
    booking_span = booked_times[-1] - booked_times[0] if len(booked_times) > 1 else 0.0
    requests_per_s = total / elapsed if elapsed else 0.0

    print(
        f"rush: {total} requests in {elapsed:.1f} s ({requests_per_s:.0f} req/s), {args.server} -w {args.workers} --threads {args.threads}"
        + (f" switchinterval {args.switch_interval:g}" if args.switch_interval else "")
        + f", waiting room {args.rate:g}/s burst {args.burst}"
    )
    ok = result["bookings"] == args.places and result["booked_count"] == args.places
    print(
        f"exactly-{args.places} check: {'OK' if ok else 'FAILED'} (bookings {result['bookings']}, booked_count {result['booked_count']})"
    )
    print(f"duplicates: {result['duplicates']}")
    print(
        f"server errors (5xx): {server_errors}; connection errors: {stats.kinds['connection_error']}; unexpected: {stats.kinds['unexpected']}"
    )
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    every = all(u.outcome in ("booking", "full") or u.outcome.startswith("queue position") for u in users)
    print(f"every user got a booking, a full answer or a queue position: {'yes' if every else 'NO'}")
    if booking_span:
        print(
            f"bookings/s: {len(booked_times) / booking_span:.0f} (first at {booked_times[0]:.2f} s, last at {booked_times[-1]:.2f} s)"
        )
    print(
        "latency all requests: p50 {:.0f} ms, p95 {:.0f} ms, p99 {:.0f} ms".format(
            *(1000 * percentile(stats.latencies, p) for p in (50, 95, 99))
        )
    )
    print(
        "latency booking POSTs: p50 {:.0f} ms, p95 {:.0f} ms, p99 {:.0f} ms".format(
            *(1000 * percentile(stats.post_latencies, p) for p in (50, 95, 99))
        )
    )
    print(
        f"answered by the waiting room: {answered_by_gate / total:.0%} of responses "
        f"({stats.kinds['queued']} queue pages, {stats.kinds['full_gate']} cached full pages)"
    )
    print(f"response kinds: {dict(stats.kinds)}")
    if sampler:
        sampler.report()
    print(
        f"server CPU during the rush: {rush_cpu:.1f} s = {rush_cpu / elapsed:.2f} cores, {1000 * rush_cpu / total:.1f} ms per request"
    )
    print(f"server log: {SERVER_LOG}")
    print(
        f"baseline ratio: rush {requests_per_s:.0f} req/s ÷ /healthz {baseline:.0f} req/s = {requests_per_s / baseline:.2f}"
    )
    if booking_span:
        rate = len(booked_times) / booking_span
        print(f"bookings/s ÷ /healthz req/s = {rate:.0f} ÷ {baseline:.0f} = {rate / baseline:.3f}")
    letters = {"booking": "B", "full": "F"}
    line = "".join(letters.get(u.outcome, "Q" if u.outcome.startswith("queue") else "E") for u in users)
    print("every user (B booking, F full, Q still queued at the time limit, E error):")
    for start in range(0, len(line), 100):
        print(f"  {start:5d} {line[start : start + 100]}")
    if args.timeline:
        print_timeline(stats.timeline, args.timeline, cpu_samples)
    if args.outcomes:
        for u in users:
            print(f"user {u.index:05d}: {u.outcome or 'no answer'}")
    failed = not ok or result["duplicates"] or server_errors or not every
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
