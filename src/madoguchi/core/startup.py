"""What a server process does once, when its application is loaded (config/wsgi.py, config/asgi.py,
the Celery worker's start)."""

from __future__ import annotations

import gc


def load_and_freeze(*, urls: bool = True) -> int:
    """Import every view now (the URL patterns, with the API schemas they build) instead of at the
    first request, then move everything loaded so far out of the garbage collector's generations.

    A process keeps these objects until it ends, yet every full collection walked them all
    (≈ 225,000 in a web process): frozen, a collection walks only what requests and tasks made.
    Under the submissions bench a web worker's collections took 0.27–0.34 ms of CPU per
    submission before, 0.11–0.12 ms after (docs/performance.md, issue 19, twelfth session).
    Under gunicorn ``--preload`` or Celery's prefork pool this runs in the parent, before the
    fork, so the children share the frozen objects' pages instead of each copying them when a
    collection first touches them. Returns how many objects are frozen.
    """
    if urls:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view)
    gc.freeze()
    return gc.get_freeze_count()
