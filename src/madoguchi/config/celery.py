"""The Celery application. Tasks run eagerly unless REDIS_URL/CELERY_BROKER_URL is set."""

import os
import sys

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

app = Celery("madoguchi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_in_requests(sender=None, **_kwargs) -> None:
    """Keep worker database connections as web requests do: reuse them for DB_CONN_MAX_AGE and
    drop broken ones. (Celery's own Django fixup closes every connection around every task
    unless CELERY_DB_REUSE_MAX is set, which costs a new PostgreSQL backend per task — about
    three times the work of a follow-up; docs/performance.md.)"""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside the caller's request or transaction: leave it be
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
@beat_init.connect
def refuse_unsafe_start(**_kwargs) -> None:
    """A worker or beat with DEBUG=0 on development values stops at once (core/checks.py).
    Celery logs and swallows exceptions raised by signal handlers, so this exits instead."""
    from madoguchi.core.checks import UnsafeProductionError
    from madoguchi.core.checks import refuse_unsafe_start as check

    try:
        check()
    except UnsafeProductionError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(1) from None


@worker_init.connect
def _freeze_what_the_worker_keeps(**_kwargs) -> None:
    """The tasks and everything they import leave the garbage collector's walks, before the
    prefork pool forks (core/startup.py)."""
    from madoguchi.core.startup import load_and_freeze

    load_and_freeze(urls=False)
