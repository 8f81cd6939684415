"""File storage that never leaves a half-written file behind.

Django's ``FileSystemStorage`` writes an upload straight to its final name: when the disk fills
up (or the process dies) in the middle, a truncated file stays there, and the next attempt can
leave a 0-byte one — with no row pointing at either. ``AtomicFileSystemStorage`` writes to a
hidden temporary file in the same directory, flushes it to disk, and only then gives it its name
with ``os.link`` (which, like Django's ``O_EXCL``, refuses to replace an existing file, so two
uploads of the same name still get different names). Whatever fails, the temporary file is
removed and the error (an ``OSError``) goes to the caller. It is the default ``STORAGES``
backend (``FILE_STORAGE`` overrides it; docs/deployment.md).
"""

from __future__ import annotations

import os
import tempfile

from django.core.files.storage import FileSystemStorage

PARTIAL_PREFIX = ".partial-"


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                handle.flush()
                os.fsync(handle.fileno())  # on disk before any row may point at it
            mode = self.file_permissions_mode
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(partial, mode)
            while True:
                try:
                    os.link(partial, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            try:
                os.unlink(partial)
            except FileNotFoundError:
                pass
        name = os.path.relpath(full_path, self.location)
        self._ensure_location_group_id(full_path)
        return str(name).replace("\\", "/")
