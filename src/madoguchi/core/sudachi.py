"""The one SudachiPy dictionary of a process, shared by the site search (knowledge's analyzer)
and the masking of people's names (``core/person_names.py``), so its memory is paid once.

The dictionary is ``SUDACHI_DICT`` when set, else SudachiDict-small (measured as good as -core
for the search, docs/search.md), or -core where only that one is installed. It is loaded on
first use (about a third of a second), once per process under a lock; tokenizers (split mode C)
are per thread, since a Sudachi tokenizer is not safe to share between threads.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_local = threading.local()
_dictionary: Any = None
_dictionary_lock = threading.Lock()


def dictionary_name() -> str:
    name = os.environ.get("SUDACHI_DICT", "")
    if name:
        return name
    from importlib.util import find_spec

    return "small" if find_spec("sudachidict_small") else "core"


def dictionary() -> Any:
    """The process's ``sudachipy.Dictionary`` (loaded once)."""
    global _dictionary
    if _dictionary is None:
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict=dictionary_name())
    return _dictionary


def tokenizer() -> Any:
    """This thread's tokenizer (split mode C) over the shared dictionary."""
    found = getattr(_local, "tokenizer", None)
    if found is None:
        from sudachipy import SplitMode

        found = dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = found
    return found
