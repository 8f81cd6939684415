"""Where the time of one booking goes, in process on PostgreSQL: statements and CPU per
booking-form GET and per booking POST of the opening rush (bench/opening_rush.py's data: one
slot, signed-in people), plus the waiting room's own answers (queue page, cached "full" page);
optionally a cProfile of one of them.

    python3 bench/rush_profile.py [--n 200] [--profile form|book|queued|full] [--db NAME]
        [--redis-url URL] [--broker-url URL]

Django's test client (no HTTP, no gunicorn); the cache is Redis (``--redis-url``) as on the
server, the notice tasks' broker ``--broker-url`` (by default the same Redis database; both
are flushed). The figures are the application's own cost; opening_rush.py measures the journey.
The POSTs are urlencoded, as a browser sends the form (no ``enctype``) and opening_rush.py does
(until 2026-12-05 they were the test client's multipart: ≈ 0.5 M instructions more per POST).

``--callgrind``: only the booking POSTs are collected (a client request toggles callgrind's
collection around their loop), so the instruction count per POST is not blurred by the other
work on a shared machine, nor by the set-up::

    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/tmp/cg.%p \\
        python3 bench/rush_profile.py --db mdg_NAME_rush --redis-url redis://127.0.0.1:6379/N --callgrind

(then ``callgrind_annotate /tmp/cg.PID | head``: the total divided by ``--n``).
``--callgrind-kind form|full|queued`` collects that kind's loop instead (``book`` is the default).

``--redis-commands``: count the Redis round trips and commands of each kind (redis-py's
``Redis.execute_command`` and ``Pipeline.execute`` wrapped, so the CPU figures of that run
include the counting; the broker's commands are counted too, labelled by their key).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load_average  # noqa: E402
from hotpaths_profile import measure  # noqa: E402

FORM_TYPE = "application/x-www-form-urlencoded"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(r'name="idempotency_key" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="people who book (the slot has as many places)")
    parser.add_argument("--db", default="mdg_rush_profile")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--broker-url", default="", help="the notices' broker (default: --redis-url)")
    parser.add_argument("--profile", choices=["form", "book", "full", "queued"], default=None)
    parser.add_argument("--eager", action="store_true", help="send each e-mail inside its request")
    parser.add_argument(
        "--callgrind", action="store_true", help="collect only the booking POSTs (under valgrind)"
    )
    parser.add_argument(
        "--callgrind-kind",
        choices=["form", "book", "full", "queued"],
        default="book",
        help="with --callgrind: the kind whose loop is collected",
    )
    parser.add_argument(
        "--redis-commands", action="store_true", help="count Redis round trips and commands per op"
    )
    args = parser.parse_args()
    counting = RedisCommands() if args.redis_commands else None
    toggle = None
    if args.callgrind:
        from follow_up_profile import callgrind_toggle

        toggle = callgrind_toggle()

    import opening_rush as rush

    rush.DB_NAME, rush.REDIS_URL = args.db, args.redis_url
    broker = args.broker_url or args.redis_url
    ns = argparse.Namespace(rate=100000.0, burst=100000, max_retry=10, eager=args.eager, celery_broker=broker)
    print(f"load average at start {load_average()}")
    rush.create_database(ns)
    rush.clear_redis(broker)
    os.environ.update(rush.server_env(ns))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    # per-request costs, not admissions (opening_rush.py measures those): the person who only
    # looks would otherwise hold one of the n places back from the n who book
    os.environ["RESERVATIONS_WAITING_ROOM_HOLD_SECONDS"] = "0"
    rush.setup_django(ns)
    url, keys, _warm_url, _warm_keys = rush.create_data(args.n + 1, args.n)

    from django.conf import settings
    from django.test import Client

    # one client (one handler, as in a server process), each request with that person's cookies
    client = Client()
    jars: list = []
    for key in keys:
        client.cookies.clear()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        jars.append(client.cookies)
        client.cookies = type(client.cookies)()
    forms: list[dict[str, str]] = []

    def as_person(index: int) -> Client:
        client.cookies = jars[index]
        return client

    # warm: templates, prepared statements, imports (the last person only looks)
    assert as_person(len(keys) - 1).get(url).status_code == 200

    def form_all() -> None:
        for index in range(args.n):
            response = as_person(index).get(url)
            assert response.status_code == 200, response.status_code
            text = response.content.decode()
            forms.append(
                {
                    "csrfmiddlewaretoken": CSRF_INPUT.search(text).group(1),
                    "idempotency_key": KEY_INPUT.search(text).group(1),
                    "party_size": "1",
                }
            )

    def book_all() -> None:
        for index, form in enumerate(forms):
            # as a browser sends this form (and opening_rush.py): urlencoded, not multipart
            body = urlencode(form)
            response = as_person(index).post(url, body, content_type=FORM_TYPE)
            assert response.status_code == 302, response.status_code

    def run(label: str, kind: str, fn) -> None:
        if toggle is not None and args.callgrind_kind == kind:
            # the set-up's garbage collected first: else the full collection it is due for falls
            # inside the counted loop (≈ 0.6 M instructions per form GET at n=200 on 2026-12-05)
            gc.collect()
            toggle()
            fn()
            toggle()
            print(f"{label}: n={args.n} collected under callgrind (instructions / n = per request)")
        elif counting is not None:
            with counting:
                measure(label, args.n, fn, profile=args.profile == kind)
            counting.report(args.n)
        else:
            measure(label, args.n, fn, profile=args.profile == kind)

    run("booking form GET", "form", form_all)
    if toggle is not None and args.callgrind_kind == "form":
        return finish(args)
    if toggle is not None and args.callgrind_kind == "book":
        # as under callgrind the rest is not wanted: the POSTs alone, then the clean-up
        run("booking POST", "book", book_all)
        return finish(args)
    run("booking POST", "book", book_all)

    def full_all() -> None:
        for _ in range(args.n):
            client.cookies = type(client.cookies)()
            response = client.get(url)
            assert response["X-Reservation-Outcome"] == "full", response.status_code

    run("full page (gate, cached flag)", "full", full_all)

    # the queue page: another resource's slot (its own scope), and a waiting room that admits nobody
    from django.test import override_settings

    from madoguchi.reservations.models import Resource, Slot

    first = Slot.objects.get(resource__slug="briefing")
    other = Resource.objects.get(pk=first.resource_id)
    other.pk, other.slug = None, "queue"
    other.save()
    second = Slot.objects.create(
        resource=other, starts_at=first.starts_at, ends_at=first.ends_at, capacity=10
    )
    queue_url = url.replace(f"/briefing/book/{first.pk}/", f"/queue/book/{second.pk}/")

    def queued_all() -> None:  # a visitor without a pass (the pass of the slot above is per resource)
        for _ in range(args.n):
            client.cookies = type(client.cookies)()
            response = client.get(queue_url)
            assert response["X-Reservation-Outcome"].startswith("queued"), response.status_code

    with override_settings(
        RESERVATIONS_WAITING_ROOM_RATE=0.001,
        RESERVATIONS_WAITING_ROOM_BURST=0,
        RESERVATIONS_WAITING_ROOM_MAX_BURST=0,  # not the slot's places either: everyone queues
        RESERVATIONS_WAITING_ROOM_ADAPTIVE=False,
    ):
        rush.clear_redis(broker)
        run("queue page (a new visitor each)", "queued", queued_all)
    print(f"load average at end {load_average()}")
    finish(args)


def finish(args) -> None:
    from django.db import connections

    connections.close_all()
    from _common import drop_database

    drop_database(args.db)


class RedisCommands:
    """Counts redis-py's round trips (a command, or a pipeline sent at once) and commands, by
    command name and key (digits dropped), while entered."""

    def __init__(self) -> None:
        self.trips = 0
        self.commands: Counter[str] = Counter()

    def _label(self, args) -> str:
        name = str(args[0]).upper()
        if name in ("EVALSHA", "EVAL") and len(args) > 3:
            return f"{name} {re.sub(r'[0-9]+', '#', str(args[3]))}"
        key = re.sub(r"cached_db\w+", "cached_db<session>", str(args[1])) if len(args) > 1 else ""
        return f"{name} {re.sub(r'[0-9]+', '#', key)}"[:70]

    def __enter__(self):
        import redis.client

        self.trips, self.commands = 0, Counter()
        counter = self
        self._saved = (redis.client.Redis.execute_command, redis.client.Pipeline.execute)
        single, pipelined = self._saved

        def execute_command(client, *args, **options):
            counter.trips += 1
            counter.commands[counter._label(args)] += 1
            return single(client, *args, **options)

        def execute(pipe, *args, **kwargs):
            if pipe.command_stack:
                counter.trips += 1
                for command in pipe.command_stack:
                    counter.commands[
                        "(pipelined) "
                        + counter._label(command[0] if isinstance(command, tuple) else command.args)
                    ] += 1
            return pipelined(pipe, *args, **kwargs)

        redis.client.Redis.execute_command = execute_command
        redis.client.Pipeline.execute = execute
        return self

    def __exit__(self, *exc) -> None:
        import redis.client

        redis.client.Redis.execute_command, redis.client.Pipeline.execute = self._saved

    def report(self, n: int) -> None:
        total = sum(self.commands.values())
        print(f"    Redis: round trips/op {self.trips / n:5.2f}   commands/op {total / n:5.2f}")
        for label, count in self.commands.most_common(20):
            print(f"    {count / n:5.2f}  {label}")


if __name__ == "__main__":
    main()
