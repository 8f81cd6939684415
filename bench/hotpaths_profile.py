"""Where the time of one hot-path operation goes, in process on PostgreSQL: statements and
CPU per complete API submission (draft + submit), per follow-up (case + receipt notice) in
batches, and per delivered notification; then, for another n submissions, per follow-up as the
worker's task does it (the receipt delivered inline after each batch commits); optionally a
cProfile of each.

    python3 bench/hotpaths_profile.py [--n 200] [--profile submit|follow_up|deliver|task] [--db NAME]

The database is copied from a migrated template (kept between runs, like opening_rush.py) and
dropped at the end. Django's test client is used (no HTTP, no gunicorn), so the figures are
the application's own cost; the benches measure the same paths through a server.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    SmtpSink,
    complete_submission,
    drop_database,
    load_average,
    server_env,
    template_database,
)


class Statements:
    """Counts the statements run on the default connection (by their first words)."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.kinds[" ".join(sql.split()[:3])[:60]] += 1
        return execute(sql, params, many, context)


SORT = "cumulative"


def measure(label: str, n: int, fn, *, profile: bool) -> None:
    from django.db import connection

    counter = Statements()
    # CPU time, not wall time: waiting for PostgreSQL is not this process's cost
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        fn()
        if profiler:
            profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        f"{label:<34} n={n:<5} statements/op {counter.count / n:5.1f}   CPU/op {1000 * cpu / n:6.2f} ms   "
        f"wall/op {1000 * wall / n:6.2f} ms"
    )
    for kind, count in counter.kinds.most_common(40):
        print(f"    {count / n:5.2f}  {kind}")
    if profiler:
        out = io.StringIO()
        profiler.dump_stats(f"/tmp/hotpaths_{label.split()[0]}.prof")  # for pstats' callers/callees
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(SORT).print_stats(60)
        print(out.getvalue())


def fixed_cost(n: int, token: str, draft_id: str, *, profile: bool) -> None:
    """What every API request pays before and after its own work: the WSGI handler with the
    whole middleware stack against one without middleware, for a request that reaches no
    endpoint code (an unknown path under /api/v1/: ninja's JSON 404, no statement) and for a
    small one that authenticates with the token (GET the user's draft: token, draft, 200)."""
    import logging

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory, override_settings

    def environ(path: str, **extra: str) -> dict:
        return RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", **extra)

    def start_response(status, headers, exc_info=None):
        return None

    logging.getLogger("django.request").setLevel(logging.ERROR)  # not a line per 404
    cases = [
        ("GET unknown API path (404)", "/api/v1/no-such-thing", {}, 404),
        (
            "GET own draft, token",
            f"/api/v1/drafts/{draft_id}",
            {"HTTP_AUTHORIZATION": f"Bearer {token}"},
            200,
        ),
    ]
    for stack in ("middleware", "none"):
        with override_settings(**({"MIDDLEWARE": []} if stack == "none" else {})):
            handler = WSGIHandler()
            for label, path, extra, status in cases:

                def run(handler=handler, path=path, extra=extra, status=status) -> None:
                    for _ in range(n):
                        response = handler(environ(path, **extra), start_response)
                        assert response.status_code == status, response.content
                        response.close()

                run()  # warm
                measure(f"{label}, {stack}", n, run, profile=profile and stack == "middleware")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--db", default="mdg_hotpaths_profile")
    parser.add_argument(
        "--profile", choices=["request", "submit", "follow_up", "deliver", "task"], default=None
    )
    parser.add_argument("--batch", type=int, default=20, help="applications per follow-up batch")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (cumulative, tottime, …)")
    args = parser.parse_args()
    global SORT
    SORT = args.sort

    print(f"load average at start {load_average()}")
    template_database(args.db)
    sink = SmtpSink().__enter__()
    os.environ.update(
        server_env(
            args.db,
            CELERY_TASK_ALWAYS_EAGER="0",
            CELERY_BROKER_URL="memory://",
            DB_CONN_MAX_AGE="600",
            ALLOWED_HOSTS="testserver,127.0.0.1",
            MADOGUCHI_DATA_DIR=f"/tmp/{args.db}-data",
            **sink.env(),
        )
    )
    import submissions as sub

    _ref, tokens = sub.create_fixtures(1)
    import json

    from django.test import Client

    from madoguchi.applications.models import Application
    from madoguchi.applications.services import applications_follow_up_batch
    from madoguchi.notifications.models import Notification

    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    body = json.dumps({"procedure": _ref, "data": sub.DATA})

    def submit_all(prefix: str = "k") -> None:
        for i in range(args.n):
            complete_submission(client, body, f"{prefix}{i}")

    # warm: prepared statements, caches, imports
    warm = client.post("/api/v1/drafts", body, content_type="application/json")
    fixed_cost(args.n, tokens[0], warm.json()["id"], profile=args.profile == "request")
    measure("complete submission (API)", args.n, submit_all, profile=args.profile == "submit")

    def follow_up_all() -> None:
        while applications_follow_up_batch(limit=args.batch)["claimed"]:
            pass

    measure(
        f"follow-up (batches of {args.batch})",
        args.n,
        follow_up_all,
        profile=args.profile == "follow_up",
    )
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()

    from madoguchi.notifications.services import notification_deliver

    pending = list(Notification.objects.exclude(status="sent").values_list("pk", flat=True))

    def deliver_all() -> None:
        for pk in pending:
            notification_deliver(notification_id=pk)

    if pending:
        measure(
            "notification delivery (one by one)", len(pending), deliver_all, profile=args.profile == "deliver"
        )
    # the worker's way: the task follows up batch after batch and delivers each batch's
    # receipts itself once the batch has committed (applications.tasks.application_follow_up_task)
    from madoguchi.notifications.services import notifications_delivered_inline

    submit_all("again")

    def follow_up_as_the_task() -> None:
        with notifications_delivered_inline():
            follow_up_all()

    measure(
        f"follow-up + delivery (task, {args.batch})",
        args.n,
        follow_up_as_the_task,
        profile=args.profile == "task",
    )
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert not Notification.objects.exclude(status="sent").exists()
    print(f"e-mails received by the sink: {sink.handler.count}")
    sink.__exit__(None, None, None)
    from django.db import connections

    connections.close_all()
    drop_database(args.db)
    print(f"load average at end {load_average()}")


if __name__ == "__main__":
    main()
