"""What the Celery worker spends per application when it keeps pace with the submissions
(``bench/submissions.py --follow-up during``), in process on PostgreSQL.

n applications are submitted through the API (Django's test client, not measured) ``--per-task``
at a time; after each group the follow-up tasks those submissions queued run as the worker runs
them (``applications.follow_up``'s body: the claim, the batch, the receipts delivered inline over
SMTP to a sink in another process) — the first task of a group takes the whole group, the
others find their application taken. Only the tasks are measured: statements, CPU per
application, and optionally a cProfile (``--profile``) or, under callgrind, the instruction
count (``--callgrind``: only the tasks are collected, through a client request)::

    python3 bench/follow_up_profile.py --db mdg_NAME_fup [--n 300] [--per-task 2] [--profile]
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/tmp/cg.%p \\
        python3 bench/follow_up_profile.py --db mdg_NAME_fup --n 60 --warm 30 --callgrind

``--worker REDIS_URL`` measures a real Celery worker instead (``-c 2``, as bench/submissions.py
starts it, this checkout's code): the n submissions are paced at ``--rate`` per second in this
process, each queueing its task through the broker as the web tier does, and the worker's CPU
(main process and pool, less its idle CPU) per application is printed with the checks — every
application followed up with one case, every receipt e-mail received once::

    python3 bench/follow_up_profile.py --db mdg_NAME_fup --worker redis://127.0.0.1:6379/N --n 1000 --rate 60

The database is copied from a migrated template (kept between runs) and dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    complete_submission,
    drop_database,
    free_port,
    load_average,
    server_env,
    template_database,
)
from hotpaths_profile import Statements as _Statements  # noqa: E402


class Statements(_Statements):
    """As hotpaths_profile's, with the savepoints' generated names left out."""

    def __call__(self, execute, sql, params, many, context):
        words = sql.split()[:3]
        if words and words[0] in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            self.count += 1
            self.kinds[" ".join(w for w in words if not w.startswith('"'))] += 1
            return execute(sql, params, many, context)
        return super().__call__(execute, sql, params, many, context)


SINK = """
import sys, time
sys.path.insert(0, {bench!r})
from _common import SmtpSink
sink = SmtpSink({port}).__enter__()
out = {out!r}
while True:
    with open(out + ".tmp", "w") as f:
        f.write(str(sink.handler.count))
    import os; os.replace(out + ".tmp", out)
    time.sleep(0.2)
"""

SHIM = r"""
#include <valgrind/callgrind.h>
void toggle_collect(void) { CALLGRIND_TOGGLE_COLLECT; }
"""


def callgrind_toggle():
    """A function that toggles callgrind's collection (a no-op outside valgrind)."""
    directory = tempfile.mkdtemp(prefix="fu-cg-")
    source, library = os.path.join(directory, "t.c"), os.path.join(directory, "t.so")
    Path(source).write_text(SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", library, source], check=True)
    return ctypes.CDLL(library).toggle_collect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="applications measured")
    parser.add_argument("--warm", type=int, default=20, help="applications followed up first, not measured")
    parser.add_argument("--per-task", type=int, default=2, help="applications submitted between the tasks")
    parser.add_argument("--db", required=True)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callgrind", action="store_true", help="collect only the tasks (under valgrind)")
    parser.add_argument("--worker", default="", help="a Redis broker URL: measure a real Celery worker")
    parser.add_argument("--rate", type=float, default=60.0, help="--worker: submissions per second")
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return

    print(f"load average at start {load_average()}")
    template_database(args.db)
    port = free_port()
    count_file = os.path.join(tempfile.mkdtemp(prefix="fu-sink-"), "count")
    bench = str(Path(__file__).resolve().parent)
    sink = subprocess.Popen([sys.executable, "-c", SINK.format(bench=bench, port=port, out=count_file)])
    os.environ.update(
        server_env(
            args.db,
            CELERY_TASK_ALWAYS_EAGER="0",
            CELERY_BROKER_URL="memory://",
            DB_CONN_MAX_AGE="600",
            ALLOWED_HOSTS="testserver,127.0.0.1",
            MADOGUCHI_DATA_DIR=f"/tmp/{args.db}-data",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(port),
            # no pause between batches: the groups stand for what the pace gathers
            APPLICATION_FOLLOW_UP_PACE_SECONDS="0",
            # valgrind runs the code ~50× slower: a procedure's configuration is kept 50× longer
            # so that as many batches use it as at full speed (the setting's 2 s)
            **({"APPLICATION_FOLLOW_UP_CONFIG_SECONDS": "100"} if args.callgrind else {}),
        )
    )
    toggle = callgrind_toggle() if args.callgrind else None
    import json
    from unittest import mock

    import submissions as sub

    reference, tokens = sub.create_fixtures(1)
    from django.db import connection
    from django.test import Client

    from madoguchi.applications import tasks
    from madoguchi.applications.models import Application
    from madoguchi.notifications.models import Notification

    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    body = json.dumps({"procedure": reference, "data": sub.DATA})
    queued: list[tuple[tuple, dict]] = []  # (args, kwargs) of each task message

    def submit(count: int, prefix: str) -> None:
        for i in range(count):
            complete_submission(client, body, f"{prefix}{i}")

    def run_tasks(messages: list[tuple[tuple, dict]]) -> None:
        for args, kwargs in messages:
            tasks.application_follow_up_task.run(*args, **kwargs)

    # the tasks the submissions queue are noted, not sent: they run below as the worker runs them
    with mock.patch.object(
        tasks.application_follow_up_task,
        "apply_async",
        side_effect=lambda args=(), kwargs=None, **options: queued.append((tuple(args), kwargs or {})),
    ):
        for group in range(0, args.warm, args.per_task):
            submit(args.per_task, f"w{group}-")
            run_tasks(queued)
            queued.clear()
        counter = Statements()
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu = wall = 0.0
        tasks_run = 0
        for group in range(0, args.n, args.per_task):
            submit(min(args.per_task, args.n - group), f"m{group}-")
            ids, queued[:] = list(queued), []
            time.sleep(0.06)  # the group's last message queued longer ago than the clocks' margin
            tasks_run += len(ids)
            with connection.execute_wrapper(counter):
                if toggle:
                    toggle()
                if profiler:
                    profiler.enable()
                cpu0, wall0 = time.process_time(), time.perf_counter()
                run_tasks(ids)
                cpu += time.process_time() - cpu0
                wall += time.perf_counter() - wall0
                if profiler:
                    profiler.disable()
                if toggle:
                    toggle()
    n = args.n
    print(
        f"follow-up task, {args.per_task} per task: n={n} tasks={tasks_run}  statements/app "
        f"{counter.count / n:5.2f}   CPU/app {1000 * cpu / n:6.3f} ms   wall/app {1000 * wall / n:6.3f} ms"
    )
    for kind, count in counter.kinds.most_common(40):
        print(f"    {count / n:5.2f}  {kind}")
    if profiler:
        out = io.StringIO()
        profiler.dump_stats(f"/tmp/{args.db}_follow_up.prof")
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(70)
        print(out.getvalue())
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert not Notification.objects.exclude(status="sent").exists()
    expected = Notification.objects.filter(channel="email").count()
    time.sleep(0.5)
    received = int(Path(count_file).read_text() or 0)
    print(f"e-mails received by the sink: {received} (e-mail rows sent: {expected})")
    sink.terminate()
    sink.wait()
    from django.db import connections

    connections.close_all()
    drop_database(args.db)
    print(f"load average at end {load_average()}")


def run_worker(args) -> None:
    """Submissions paced at ``args.rate`` in this process, a real Celery worker following them up."""
    import json

    import redis
    from _common import SmtpSink, celery_worker, process_tree_cpu_seconds, stop

    print(f"load average at start {load_average()}")
    template_database(args.db)
    sink = SmtpSink().__enter__()
    redis.Redis.from_url(args.worker).flushdb()
    env = server_env(
        args.db,
        CELERY_TASK_ALWAYS_EAGER="0",
        CELERY_BROKER_URL=args.worker,
        DB_CONN_MAX_AGE="600",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        MADOGUCHI_DATA_DIR=f"/tmp/{args.db}-data",
        **sink.env(),
    )
    os.environ.update(env)
    import submissions as sub

    reference, tokens = sub.create_fixtures(1)
    from django.db import connections
    from django.test import Client

    from madoguchi.applications.models import Application
    from madoguchi.notifications.models import Notification
    from madoguchi.review.models import Case

    log = os.path.join(tempfile.mkdtemp(prefix="fu-worker-"), "celery.log")
    worker = celery_worker(env, log, concurrency=2)
    try:
        time.sleep(8)  # the worker starts
        idle0, idle_t0 = process_tree_cpu_seconds(worker.pid), time.monotonic()
        time.sleep(3)
        idle_rate = (process_tree_cpu_seconds(worker.pid) - idle0) / (time.monotonic() - idle_t0)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
        body = json.dumps({"procedure": reference, "data": sub.DATA})
        cpu0, started = process_tree_cpu_seconds(worker.pid), time.monotonic()
        for i in range(args.n):
            due = started + i / args.rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            complete_submission(client, body, f"w{i}")
        load_seconds = time.monotonic() - started
        left_at_end = Application.objects.filter(followed_up_at__isnull=True).count()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (
                not Application.objects.filter(followed_up_at__isnull=True).exists()
                and not Notification.objects.exclude(status="sent").exists()
                and sink.handler.count >= Notification.objects.filter(channel="email").count()
            ):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        cpu = process_tree_cpu_seconds(worker.pid) - cpu0 - idle_rate * elapsed
    finally:
        stop(worker)
    n = args.n
    print(
        f"worker -c 2 at {n / load_seconds:.1f} submissions/s: {1000 * cpu / n:.2f} ms worker CPU per application "
        f"(idle {1000 * idle_rate:.1f} ms/s taken out); {left_at_end} waiting when the submissions ended, "
        f"all done {elapsed - load_seconds:.1f} s after"
    )
    applications = Application.objects.count()
    waiting = Application.objects.filter(followed_up_at__isnull=True).count()
    cases = Case.objects.count()
    emails = Notification.objects.filter(channel="email", status="sent").count()
    from madoguchi.audit.services import audit_verify

    print(
        f"checks: {applications} applications, {waiting} waiting, {cases} cases, {emails} e-mails sent, "
        f"{sink.handler.count} received, {len(sink.handler.received)} distinct Message-IDs, "
        f"audit chain intact: {audit_verify()[0]}"
    )
    sink.__exit__(None, None, None)
    connections.close_all()
    redis.Redis.from_url(args.worker).flushdb()
    drop_database(args.db)
    print(f"load average at end {load_average()}")


if __name__ == "__main__":
    main()
