"""Timestamps of the hot statements loaded by psycopg's own loader instead of Django's.

On PostgreSQL Django registers a ``timestamptz`` loader of its own on every cursor
(``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): psycopg's *Python* loader, whose
result then gets Django's time zone put in place of the one read. It runs in Python for every
timestamp of every row, ≈ 3 µs each against ≈ 0.2 µs for psycopg's C loader (psycopg-binary);
a complete API submission reads 22 of them, all through ``core.hotpath.cursor``.

psycopg's loader gives the same value when the session's time zone is UTC and Django's is too
(``USE_TZ``, the database's ``TIME_ZONE`` unset: Django sets the session to UTC when it
connects): the text read then ends in ``+00``, and psycopg gives the same instant with the same
``tzinfo`` object, ``datetime.timezone.utc``. Only then is it used, and only on the cursor
``core.hotpath.cursor`` keeps; every other statement keeps Django's loader.
"""

from __future__ import annotations

import datetime
from typing import Any


def use_psycopg_timestamps(kept: Any, connection: Any) -> None:
    """Load ``timestamptz`` on ``kept`` (Django's cursor wrapper) with psycopg's default loader
    when it gives what Django's gives: PostgreSQL with psycopg 3, and UTC as the session's time
    zone and as the ``tzinfo`` Django's loader puts in. Otherwise nothing changes."""
    if connection.vendor != "postgresql":
        return
    try:
        from psycopg import adapters
        from psycopg.pq import Format
    except ImportError:  # psycopg2: Django's own handling
        return
    raw = getattr(kept, "cursor", None)
    oid = adapters.types["timestamptz"].oid
    own = getattr(raw, "adapters", None)
    if own is None:
        return
    djangos = own.get_loader(oid, Format.TEXT)
    psycopgs = adapters.get_loader(oid, Format.TEXT)
    if psycopgs is None or djangos is psycopgs:
        return
    utc = datetime.UTC
    if not (connection.connection.info.timezone is utc and getattr(djangos, "timezone", None) is utc):
        return
    own.register_loader(oid, psycopgs)
