"""The Celery application. Tasks run eagerly unless REDIS_URL/CELERY_BROKER_URL is set."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
