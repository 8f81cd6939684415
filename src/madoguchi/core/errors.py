"""Errors raised by services. Views and the API translate them; nothing else knows HTTP."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the action (e.g. withdrawing a decided application)."""

    status = 409
    code = "conflict"

    def __init__(self, message, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


class StorageUnavailable(Exception):
    """A file could not be stored (the disk full, the storage unreachable). Nothing of it is
    left behind (core/storage.py); the same request may well succeed a little later, so the API
    answers 503 with a retry hint and a form step keeps what was typed (docs/api.md)."""


class FieldErrors(DomainError):
    """Per-field validation errors: ``{"field_key": ["message", ...]}``."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]], message=None):
        super().__init__(message or _("入力内容に誤りがあります。"))
        self.errors = errors

    def as_dict(self) -> dict[str, list[str]]:
        return {key: [str(m) for m in msgs] for key, msgs in self.errors.items()}


def is_transient(exc: BaseException) -> bool:
    """True for failures that the same request may not meet a little later: the database or
    Redis unreachable or restarting, a dropped connection, a serialization failure or deadlock
    (PostgreSQL reports those as ``OperationalError``), the task broker down, the file storage
    full or unreachable."""
    from django.db import InterfaceError, OperationalError

    transient: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, StorageUnavailable)
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        transient += (RedisConnectionError, RedisTimeoutError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        from kombu.exceptions import OperationalError as BrokerError

        transient += (BrokerError,)
    except ImportError:  # pragma: no cover - kombu comes with celery
        pass
    return isinstance(exc, transient)


def multipart_file_required(request: Any, file: Any, *, missing: Any = None) -> Any:
    """For an API endpoint that takes an upload: 415 unless the request is
    ``multipart/form-data``, 422 on ``file`` when no file came; else the file."""
    if not (getattr(request, "content_type", "") or "").startswith("multipart/form-data"):
        raise DomainError(
            _("ファイルは multipart/form-data の file で送ってください。"),
            code="unsupported_media_type",
            status=415,
        )
    if file is None:
        raise FieldErrors({"file": [str(missing or _("ファイルを選んでください。"))]})
    return file
