"""The waiting room's settings, read once and again after a change (tests override them)."""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed

PREFIX = "RESERVATIONS_WAITING_ROOM_"
_read: dict[str, float] | None = None


def config() -> dict[str, float]:
    """The settings as numbers (a copy: the caller may change it). Read once per process and again
    after a ``RESERVATIONS_WAITING_ROOM_*`` setting changed (``setting_changed``: every
    ``override_settings`` sends it); each admission asks for them (≈ 1 % of a queue page)."""
    global _read
    read = _read
    if read is None:
        read = _read = _from_settings()
    return dict(read)


def _forget(*, setting: str, **kwargs) -> None:
    global _read
    if setting.startswith(PREFIX):
        _read = None


setting_changed.connect(_forget)


def _from_settings() -> dict[str, float]:
    return {
        "rate": float(settings.RESERVATIONS_WAITING_ROOM_RATE),
        "burst": int(settings.RESERVATIONS_WAITING_ROOM_BURST),
        "max_burst": int(settings.RESERVATIONS_WAITING_ROOM_MAX_BURST),
        "pass_ttl": int(settings.RESERVATIONS_WAITING_ROOM_PASS_TTL),
        "max_retry": int(settings.RESERVATIONS_WAITING_ROOM_MAX_RETRY),
        "per_ip": int(settings.RESERVATIONS_WAITING_ROOM_IP_LIMIT),
        "adaptive": bool(settings.RESERVATIONS_WAITING_ROOM_ADAPTIVE),
        "target_ms": float(settings.RESERVATIONS_WAITING_ROOM_TARGET_MS),
        "max_rate": float(settings.RESERVATIONS_WAITING_ROOM_MAX_RATE),
        "hold": float(settings.RESERVATIONS_WAITING_ROOM_HOLD_SECONDS),
    }
