"""What the benchmarks share: PostgreSQL set-up (and rows generated inside it: ``insert_select``),
the server processes (start, wait until healthy, stop the whole process group), an SMTP sink on
loopback, a `/healthz` baseline, percentiles, the load average and a process tree's CPU time.

Only loopback addresses are used; every loop here is bounded in count or time.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PG_URL = "postgres://postgres@127.0.0.1:5432"
HOST = "127.0.0.1"


# ---------------------------------------------------------------------------- figures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for child in pids:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def worker_memory(master_pid: int) -> list[tuple[float, float]]:
    """(VmRSS, VmHWM) in MB of each child process of a gunicorn master."""
    out = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        out.append((int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024))
    return out


# ---------------------------------------------------------------------------- PostgreSQL


def sh(cmd: list[str], **kwargs) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout


def psql(sql: str, db: str = "postgres") -> str:
    return sh(["psql", "-h", HOST, "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]).strip()


def recreate_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def template_database(name: str, env: dict[str, str] | None = None) -> None:
    """``name`` (dropped first) copied from a migrated template database, which is kept between
    runs and rebuilt when the migration files change: migrating from nothing takes minutes on
    the shared machine, copying a template a second."""
    import hashlib

    import psycopg

    files = sorted(SRC.glob("madoguchi/*/migrations/*.py"))
    digest = hashlib.sha256(
        "".join(f"{f.relative_to(ROOT)}:{f.stat().st_size}" for f in files).encode()
    ).hexdigest()[:10]
    template = f"{name}_tpl_{digest}"
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone() is None:
            for (stale,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}_tpl_%"]
            ).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{template}"')
            migrate({**(env or server_env(template)), "DATABASE_URL": f"{PG_URL}/{template}"})
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def server_env(db: str, **extra: str) -> dict[str, str]:
    """Environment for a DEBUG-off process of this checkout on database ``db``."""
    sys.path.insert(0, str(SRC))
    from madoguchi.core.devvalues import throwaway_keys

    env = dict(os.environ)
    env.update(throwaway_keys())  # DEBUG=0 processes refuse the repository's public keys
    env.update(
        {
            "DATABASE_URL": f"{PG_URL}/{db}",
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
            "LOG_LEVEL": "ERROR",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(SRC),
        }
    )
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    sh([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env, cwd=ROOT)


def sql_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model, exprs: dict[str, str], source: str) -> str:
    """INSERT INTO <model> (...) SELECT ... FROM <source>, filling unknown columns with defaults.

    Built from the model's fields, so columns added later by other apps do not break the bench.
    """
    from django.db.models import NOT_PROVIDED

    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if (
            field.primary_key
            and field.get_internal_type() in ("AutoField", "BigAutoField")
            and column not in exprs
        ):
            continue
        if column in exprs:
            expr = exprs[column]
        elif field.null:
            expr = "NULL"
        elif field.default is not NOT_PROVIDED and not callable(field.default):
            expr = sql_literal(field.default)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expr = "now()"
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
            expr = "''"
        else:
            raise SystemExit(f"bench: no value for {model._meta.db_table}.{column}; add it to exprs")
        columns.append(f'"{column}"')
        values.append(expr)
    return f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}'


# ---------------------------------------------------------------------------- processes


def spawn(
    command: list[str], env: dict[str, str], log_path: str | Path, *, append: bool = False
) -> subprocess.Popen:
    """A process in its own session (so stop() ends it and its children), output to a log."""
    log = open(log_path, "a" if append else "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)


def wait_healthy(
    port: int, process: subprocess.Popen, *, timeout: float = 120, path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({process.returncode})")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"no answer from port {port} within {timeout:.0f} s")


def gunicorn(
    port: int,
    env: dict[str, str],
    log_path: str | Path,
    *,
    workers: int = 1,
    threads: int = 1,
    extra: list[str] | None = None,
    timeout: float = 120,
    keep_alive: int = 30,
) -> subprocess.Popen:
    """gunicorn serving this checkout on 127.0.0.1:port, returned once /healthz answers."""
    command = [sys.executable, "-m", "gunicorn", "madoguchi.config.wsgi:application"]
    command += ["-b", f"{HOST}:{port}", "-w", str(workers), "--keep-alive", str(keep_alive)]
    command += ["--timeout", "120"]
    command += ["--log-level", "warning", "--no-control-socket"]
    if threads > 1:
        command += ["-k", "gthread", "--threads", str(threads)]
    command += extra or []
    process = spawn(command, env, log_path)
    wait_healthy(port, process, timeout=timeout)
    return process


def granian_command(port: int, *, workers: int, threads: int, backlog: int = 2048) -> list[str]:
    """The application under granian (a WSGI server written in Rust, not a dependency:
    ``pip install granian``) for a comparison with gunicorn: ``workers`` processes with
    ``threads`` blocking threads each, HTTP/1.1 with keep-alive."""
    return [
        os.path.join(os.path.dirname(sys.executable), "granian"),
        "--interface",
        "wsgi",
        "--http",
        "1",
        "--no-ws",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--backlog",
        str(backlog),
        "madoguchi.config.wsgi:application",
    ]


def celery_worker(
    env: dict[str, str], log_path: str | Path, *, concurrency: int = 2, nice: int = 0
) -> subprocess.Popen:
    """A Celery worker; ``nice`` > 0 gives it a lower CPU priority than the web's, as
    docs/deployment.md advises where both share a machine (``CPUWeight=`` of its systemd unit).

    Here that is ``nice -n`` and, where the kernel schedules by autogroup (one group per
    session, ``/proc/sys/kernel/sched_autogroup_enabled``; nice alone then only ranks the
    processes inside the worker's own session), the autogroup's nice as well — the nearest
    thing to a unit's CPU weight (each service its own group) on a bench machine."""
    command = ["nice", "-n", str(nice)] if nice else []
    command += [sys.executable, "-m", "celery", "-A", "madoguchi.config", "worker", "-l", "WARNING"]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
    process = spawn(command, env, log_path)
    if nice:
        try:
            Path(f"/proc/{process.pid}/autogroup").write_text(str(nice))
        except OSError:
            pass  # no autogroup scheduling here: nice alone does it
    return process


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, *, timeout: float = 15) -> None:
    """``sig`` (SIGTERM) to the process group, SIGKILL if it has not ended within ``timeout``."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait()


# ---------------------------------------------------------------------------- load


def healthz_baseline(port: int, *, concurrency: int, seconds: float) -> float:
    """GET /healthz req/s with ``concurrency`` keep-alive clients for ``seconds`` (same run)."""
    count = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        done = 0
        while time.monotonic() < deadline:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            done += 1
        conn.close()
        with lock:
            count[0] += done

    run_threads(client, concurrency)
    return count[0] / seconds


def run_threads(target: Callable[[], None], n: int) -> None:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# ---------------------------------------------------------------------------- SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Sink:
    """aiosmtpd handler that notes when each Message-ID first arrived, and how many came."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: dict[str, float] = {}
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        now = time.perf_counter()
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.count += 1
            self.received.setdefault(str(message.get("Message-ID", "")).strip(), now)
        return "250 OK"


class SmtpSink:
    """An SMTP server on 127.0.0.1 in this process: ``with SmtpSink() as sink: sink.port``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.handler = Sink()
        self._controller = None

    def env(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(self.port),
        }

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.handler, hostname=HOST, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._controller is not None:
            self._controller.stop()


def complete_submission(client, body: str, key: str) -> None:
    """One complete API submission through Django's test client (draft create, then submit with
    ``key`` as its Idempotency-Key); both must answer 201."""
    created = client.post("/api/v1/drafts", body, content_type="application/json")
    assert created.status_code == 201, created.content
    done = client.post(
        f"/api/v1/drafts/{created.json()['id']}/submit",
        b"",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert done.status_code == 201, done.content
