"""The waiting room's settings, read on every use (tests override them)."""

from __future__ import annotations

from django.conf import settings


def config() -> dict[str, float]:
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
