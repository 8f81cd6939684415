"""The waiting room's settings and address groups are remembered, and read again after a change."""

from django.test import override_settings

from madoguchi.reservations.waiting_room import address_group


def test_the_settings_are_read_again_after_a_change(settings):
    from madoguchi.reservations.waiting_room.conf import config

    before = config()
    with override_settings(
        RESERVATIONS_WAITING_ROOM_RATE=before["rate"] + 7, RESERVATIONS_WAITING_ROOM_IP_LIMIT=3
    ):
        assert config()["rate"] == before["rate"] + 7 and config()["per_ip"] == 3
        config()["rate"] = -1.0  # a copy: the caller may change it
        assert config()["rate"] == before["rate"] + 7
    assert config() == before
    settings.RESERVATIONS_WAITING_ROOM_MAX_RETRY = before["max_retry"] + 1
    assert config()["max_retry"] == before["max_retry"] + 1


def test_the_address_groups_follow_a_changed_allow_list(settings):
    settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW = []
    assert address_group("192.0.2.10") == "192.0.2.10"
    settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW = ["192.0.2.0/28"]
    assert address_group("192.0.2.10") == "" and address_group("192.0.2.99") == "192.0.2.99"
