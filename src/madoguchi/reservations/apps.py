from django.apps import AppConfig
from django.core import checks


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"

    def ready(self):
        checks.register(check_waiting_room_settings)


def check_waiting_room_settings(app_configs=None, **kwargs):
    """An allow-list entry that is not an address or a range would silently protect nobody."""
    from madoguchi.reservations.waiting_room import allowlist_errors

    return [
        checks.Error(
            f"RESERVATIONS_WAITING_ROOM_IP_ALLOW: {entry!r} is not an IP address or a CIDR range.",
            id="reservations.E001",
        )
        for entry in allowlist_errors()
    ]
