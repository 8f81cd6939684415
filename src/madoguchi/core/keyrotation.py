"""Re-encryption of stored tokens with the current field-encryption key (key rotation).

Apps register where their tokens live (``register_encrypted_field`` in their ``AppConfig.ready``):
a text field holding one token, or a JSON field with tokens anywhere inside it (a マイナンバー
field stores ``{"token": "v2:…", "last4": "…"}`` in an application's data). ``keys_rotate``
walks each field in primary-key order, in batches of one transaction each, and rewrites every
token not made with the current key (``core/crypto.py``). Progress is kept per field and key
in ``KeyRotationProgress``, so an interrupted run resumes where it stopped, and a finished field
is not walked again until the current key changes. Tokens no configured key opens are counted
and left as they are.

Rotating: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
restart the processes, run ``madoguchi crypto rotate``; when ``madoguchi crypto status`` shows
no token of an old key, remove that key. See docs/deployment.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from madoguchi.core import crypto


@dataclass(frozen=True)
class PurposeOf:
    """A purpose read from the row itself, for tokens bound to something the row names
    (the ledger binds a record's token to its event: ``"ledger-record:<event id>"``).
    ``fields`` are ``values()`` lookups (``"event_id"``, ``"upload__event_id"``), passed in
    that order to ``make``."""

    fields: tuple[str, ...]
    make: Callable[..., str]

    def __call__(self, row: dict[str, Any]) -> str:
        return self.make(*(row[name] for name in self.fields))


@dataclass(frozen=True)
class EncryptedField:
    model: str  # "applications.Draft"
    field: str  # "data"
    purposes: tuple[str, ...]  # the purposes its tokens were made for, tried in turn
    purpose_of: PurposeOf | None = None  # or the one purpose of each row, read from the row

    @property
    def name(self) -> str:
        return f"{self.model}.{self.field}"


_REGISTRY: dict[str, EncryptedField] = {}


# Emitted when every row of one encrypted field carries the current key (see audit.apps).
KEYS_ROTATED = "crypto.rotated"


def register_encrypted_field(
    model: str, field_name: str, *, purposes: Iterable[str] = (), purpose_of: PurposeOf | None = None
) -> None:
    """Declare that ``model.field_name`` (text or JSON) holds tokens made for ``purposes``, or
    for the purpose ``purpose_of`` reads from each row."""
    entry = EncryptedField(model=model, field=field_name, purposes=tuple(purposes), purpose_of=purpose_of)
    _REGISTRY[entry.name] = entry


def encrypted_fields() -> list[EncryptedField]:
    return sorted(_REGISTRY.values(), key=lambda f: f.name)


@dataclass
class _Walk:
    purposes: tuple[str, ...]
    rewrite: bool
    by_key: Counter = field(default_factory=Counter)  # key id ("" = first format) → tokens seen
    rewritten: int = 0
    unreadable: int = 0

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.token(value) if crypto.is_token(value) else value
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def token(self, token: str) -> str:
        self.by_key[crypto.token_key_id(token) or ""] += 1
        if not crypto.needs_rotation(token):
            return token
        for purpose in self.purposes:
            try:
                plain = crypto.decrypt_text(token, purpose=purpose)
            except crypto.DecryptionError:
                continue
            self.rewritten += 1
            return crypto.encrypt_text(plain, purpose=purpose) if self.rewrite else token
        self.unreadable += 1
        return token


@dataclass
class FieldReport:
    store: str
    key_id: str
    resumed_from: str = ""
    rows_scanned: int = 0
    rows_rewritten: int = 0
    tokens_rewritten: int = 0
    tokens_unreadable: int = 0
    tokens_by_key: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    skipped: bool = False  # already finished for this key in an earlier run


def keys_rotate(
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    restart: bool = False,
    max_batches: int | None = None,
    only: Iterable[str] = (),
) -> list[FieldReport]:
    """Rewrite every token of the registered fields with the current key; one report per field.

    ``dry_run`` counts what would change (and every token by key id) without writing or
    moving the checkpoint. ``max_batches`` stops after that many batches in all (the next run
    resumes); ``restart`` forgets the checkpoints of the current key.
    """
    from madoguchi.core import events
    from madoguchi.core.models import KeyRotationProgress

    key_id = crypto.current_key_id()
    wanted = set(only)
    reports: list[FieldReport] = []
    batches_left = max_batches
    for entry in encrypted_fields():
        if wanted and entry.name not in wanted:
            continue
        report = FieldReport(store=entry.name, key_id=key_id)
        reports.append(report)
        progress = None
        if not dry_run:
            progress, _ = KeyRotationProgress.objects.get_or_create(store=entry.name, key_id=key_id)
            if restart:
                KeyRotationProgress.objects.filter(pk=progress.pk).update(
                    last_pk="",
                    finished_at=None,
                    rows_scanned=0,
                    rows_rewritten=0,
                    tokens_rewritten=0,
                    tokens_unreadable=0,
                )
                progress.refresh_from_db()
            if progress.finished_at is not None:
                report.skipped = report.finished = True
                continue
            report.resumed_from = progress.last_pk
        model = apps.get_model(entry.model)
        last_pk = report.resumed_from
        walk_all = _Walk(purposes=entry.purposes, rewrite=not dry_run)
        while batches_left is None or batches_left > 0:
            with transaction.atomic():
                extra = entry.purpose_of.fields if entry.purpose_of else ()
                queryset = model._default_manager.order_by("pk")
                if last_pk:
                    queryset = queryset.filter(pk__gt=last_pk)
                if not dry_run:
                    queryset = queryset.select_for_update(of=("self",))
                rows = list(queryset.values("pk", entry.field, *extra)[:batch_size])
                if not rows:
                    report.finished = True
                    if progress is not None:
                        KeyRotationProgress.objects.filter(pk=progress.pk).update(finished_at=timezone.now())
                        # The audit app records it (audit subscribes; core may not import audit).
                        events.emit(
                            KEYS_ROTATED,
                            progress=progress,
                            summary={
                                "store": entry.name,
                                "key_id": key_id,
                                "rows_rewritten": report.rows_rewritten,
                                "tokens_rewritten": report.tokens_rewritten,
                                "tokens_unreadable": report.tokens_unreadable,
                            },
                        )
                    break
                batch = _Walk(purposes=entry.purposes, rewrite=not dry_run)
                for row in rows:
                    if entry.purpose_of is not None:
                        batch.purposes = (entry.purpose_of(row),)
                    before = row[entry.field]
                    rewritten_before = batch.rewritten
                    after = batch.value(before)
                    if batch.rewritten > rewritten_before:
                        report.rows_rewritten += 1
                        if not dry_run:
                            model._default_manager.filter(pk=row["pk"]).update(**{entry.field: after})
                last_pk = str(rows[-1]["pk"])
                report.rows_scanned += len(rows)
                report.tokens_rewritten += batch.rewritten
                report.tokens_unreadable += batch.unreadable
                walk_all.by_key.update(batch.by_key)
                if progress is not None:
                    KeyRotationProgress.objects.filter(pk=progress.pk).update(
                        last_pk=last_pk,
                        rows_scanned=progress.rows_scanned + report.rows_scanned,
                        rows_rewritten=progress.rows_rewritten + report.rows_rewritten,
                        tokens_rewritten=progress.tokens_rewritten + report.tokens_rewritten,
                        tokens_unreadable=progress.tokens_unreadable + report.tokens_unreadable,
                        updated_at=timezone.now(),
                    )
            if batches_left is not None:
                batches_left -= 1
        report.tokens_by_key = dict(walk_all.by_key)
    return reports


def keys_status() -> list[FieldReport]:
    """Tokens per key id in every registered field (reads everything; writes nothing)."""
    return keys_rotate(dry_run=True, batch_size=2000)
