"""Every state change of reservations goes through these functions (HackSoft-style services).

Split by entity: ``slots`` (generation, blocks, closures), ``bookings`` (book, change,
cancel, confirm, check-in, no-show, reminders) and ``lotteries`` (entries, draw, waiting list).
"""

from madoguchi.reservations.services.bookings import (
    booking_cancel,
    booking_change,
    booking_check_in,
    booking_confirm,
    booking_create,
    booking_link_application,
    booking_mark_no_show,
    booking_reminders_send,
    normalize_code,
)
from madoguchi.reservations.services.lotteries import (
    lottery_create,
    lottery_draw,
    lottery_enter,
    lottery_entry_withdraw,
    lottery_expire_offers,
)
from madoguchi.reservations.services.notices import (
    booking_notice_confirmed,
    booking_notices_pending,
    booking_notices_sweep,
)
from madoguchi.reservations.services.personal import reservations_close_account, reservations_purge
from madoguchi.reservations.services.slots import closure_add, slot_block, slot_unblock, slots_generate

__all__ = [
    "booking_cancel",
    "booking_change",
    "booking_check_in",
    "booking_confirm",
    "booking_create",
    "booking_link_application",
    "booking_mark_no_show",
    "booking_notice_confirmed",
    "booking_notices_pending",
    "booking_notices_sweep",
    "booking_reminders_send",
    "closure_add",
    "lottery_create",
    "lottery_draw",
    "lottery_enter",
    "lottery_entry_withdraw",
    "lottery_expire_offers",
    "normalize_code",
    "reservations_close_account",
    "reservations_purge",
    "slot_block",
    "slot_unblock",
    "slots_generate",
]
