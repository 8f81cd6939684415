"""Settings for the test suite: production's settings plus the suite's explicit test values.

The suite runs with DEBUG unset, as production does, so it needs keys of its own. They are
public, labelled test-only values (core/devvalues.py) that production refuses
(core/checks.py); they are put into the environment before the settings are read, so
subprocesses started by tests inherit them. The tests that exercise the refusal override the
settings themselves. pytest selects this module (pyproject.toml, DJANGO_SETTINGS_MODULE).
"""

import os

from madoguchi.core.devvalues import TEST_ENVIRONMENT

os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)


def _redis_url_of_worker(url: str, worker: str) -> str:
    """pytest-xdist runs the suite in several processes (``gw0``, ``gw1`` …). Each gets a
    Redis database of its own — the run's number minus the worker's index (15, 14 … in CI) —
    so one worker's cache, throttle counts and waiting room never meet another's."""
    base, _, number = url.rpartition("/")
    if not worker.startswith("gw") or not number.isdigit():
        return url
    index = int(worker[2:] or 0)
    database = int(number) - index if int(number) >= index else int(number) + index
    return f"{base}/{database}"


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_of_worker(os.environ["REDIS_URL"], _worker)
if _worker:
    # Uploaded files of each worker in a folder of its own.
    os.environ.setdefault("MEDIA_ROOT", os.path.join(os.getcwd(), "var", f"test-media-{_worker}"))

from madoguchi.config.settings import *  # noqa: E402,F403

# The dashboards' refresh after events (insights/hooks.py) is off in the suite — with eager
# Celery it would recompute a month inside unrelated tests; insights/tests/test_hooks.py turns it on.
INSIGHTS_EVENT_REFRESH_SECONDS = 0

# The follow-up tasks of the suite run one after another in one process: no pause between their
# batches (applications/tests/test_follow_up_run.py turns it on).
APPLICATION_FOLLOW_UP_PACE_SECONDS = 0
# Nor do their batches keep a procedure's configuration for the next (a test that commits would
# leave it to the next test); core/tests/test_memo.py and test_follow_up_run.py turn it on.
APPLICATION_FOLLOW_UP_CONFIG_SECONDS = 0
