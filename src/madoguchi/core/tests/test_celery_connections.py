"""Worker tasks reuse database connections like requests; eager tasks leave the caller's alone."""

from types import SimpleNamespace
from unittest import mock

from madoguchi.config.celery import _database_connections_as_in_requests, app


def test_worker_tasks_close_only_old_or_broken_connections():
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    with mock.patch("django.db.close_old_connections") as close_old:
        _database_connections_as_in_requests(sender=task)
    close_old.assert_called_once_with()


def test_eager_tasks_do_not_touch_the_callers_connection():
    task = SimpleNamespace(request=SimpleNamespace(is_eager=True))
    with mock.patch("django.db.close_old_connections") as close_old:
        _database_connections_as_in_requests(sender=task)
    close_old.assert_not_called()


def test_celerys_own_close_every_task_is_switched_off():
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 100
