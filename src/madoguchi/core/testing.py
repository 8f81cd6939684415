"""All test-data helpers in one module (GOV.UK Notify style). Import from tests only."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

from django.utils import timezone

from madoguchi.accounts.constants import OrganizationKind, Role
from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.procedures.constants import Category, VersionStatus
from madoguchi.procedures.models import Procedure, ProcedureVersion

_seq = itertools.count(1)


def make_user(email: str | None = None, **extra: Any) -> User:
    return User.objects.create_user(email or f"user{next(_seq)}@example.jp", **extra)


def make_organization(slug: str | None = None, **extra: Any) -> Organization:
    n = next(_seq)
    slug = slug or f"org{n}"
    defaults = {
        "name": f"テスト団体{n}",
        "kind": OrganizationKind.MUNICIPALITY,
        "reference_prefix": f"T{n}"[:8],
    }
    defaults.update(extra)
    return Organization.objects.create(slug=slug, **defaults)


def make_department(organization: Organization | None = None, **extra: Any) -> Department:
    organization = organization or make_organization()
    n = next(_seq)
    return Department.objects.create(
        organization=organization,
        slug=extra.pop("slug", f"dept{n}"),
        name=extra.pop("name", f"部署{n}"),
        **extra,
    )


def make_staff(
    organization: Organization, role: str = Role.REVIEWER, department: Department | None = None, **extra: Any
) -> User:
    user = make_user(**extra)
    Membership.objects.create(user=user, organization=organization, department=department, role=role)
    return user


SIMPLE_DEFINITION: dict[str, Any] = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": "氏名",
                    "required": True,
                    "validation": {"max_length": 50},
                },
                {"key": "note", "type": "textarea", "label": "備考"},
            ],
        },
        {
            "key": "detail",
            "title": "内容",
            "fields": [
                {
                    "key": "kind",
                    "type": "select",
                    "label": "種別",
                    "required": True,
                    "options": [{"value": "a", "label": "種別A"}, {"value": "other", "label": "その他"}],
                },
                {
                    "key": "kind_other",
                    "type": "text",
                    "label": "その他の内容",
                    "show_if": {"field": "kind", "equals": "other"},
                    "required_if": {"field": "kind", "equals": "other"},
                },
            ],
        },
    ]
}


def make_procedure(
    organization: Organization | None = None,
    definition: dict[str, Any] | None = None,
    *,
    published: bool = True,
    **extra: Any,
) -> Procedure:
    organization = organization or make_organization()
    n = next(_seq)
    procedure = Procedure.objects.create(
        organization=organization,
        slug=extra.pop("slug", f"proc{n}"),
        title=extra.pop("title", f"テスト手続{n}"),
        category=extra.pop("category", Category.OTHER),
        **extra,
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        definition=definition or SIMPLE_DEFINITION,
        status=VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
        published_at=timezone.now() if published else None,
    )
    if published:
        procedure.current_version = version
        procedure.save(update_fields=["current_version"])
    return procedure


def make_api_token(user: User | None = None, **extra: Any) -> tuple[User, str]:
    """A user with a personal API token; returns (user, token in clear)."""
    from madoguchi.accounts.apiauth import api_token_create

    user = user or make_user()
    _api_token, token = api_token_create(user=user, **extra)
    return user, token


def bearer(token: str) -> dict[str, str]:
    """Django test-client kwargs for ``Authorization: Bearer <token>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class ApiClient:
    """Django's test client speaking JSON to ``/api/v1`` with a bearer token (or anonymous).

    ``api.post("/drafts", {"procedure": "org/slug"})`` → response; ``response.json()`` works.
    """

    prefix = "/api/v1"

    def __init__(self, token: str | None = None, client: Any = None) -> None:
        from django.test import Client

        self.client = client or Client()
        self.auth = bearer(token) if token else {}

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else self.prefix + path

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: Any):
        return self.client.get(self._url(path), params or {}, **self.auth, **headers)

    def post(self, path: str, data: Any = None, **headers: Any):
        return self.client.post(
            self._url(path),
            data if data is not None else {},
            content_type="application/json",
            **self.auth,
            **headers,
        )

    def patch(self, path: str, data: Any = None, **headers: Any):
        return self.client.patch(
            self._url(path),
            data if data is not None else {},
            content_type="application/json",
            **self.auth,
            **headers,
        )

    def delete(self, path: str, **headers: Any):
        return self.client.delete(self._url(path), **self.auth, **headers)

    def raw(self, method: str, path: str, body: bytes, content_type: str, **headers: Any):
        return self.client.generic(
            method, self._url(path), body, content_type=content_type, **self.auth, **headers
        )

    def upload(self, path: str, name: str, content: bytes, **headers: Any):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            self._url(path), {"file": SimpleUploadedFile(name, content)}, **self.auth, **headers
        )


# --- reservations -------------------------------------------------------------------------


def make_resource(organization: Organization | None = None, **extra: Any):
    """A first-come resource open every day 09:00–17:00 in 30-minute slots, booking always open."""
    import datetime as dt

    from madoguchi.reservations.constants import ResourceKind
    from madoguchi.reservations.models import Resource

    organization = organization or make_organization()
    n = next(_seq)
    every_day = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    defaults: dict[str, Any] = {
        "kind": ResourceKind.COUNTER,
        "slug": f"res{n}",
        "name": f"テスト窓口{n}",
        "opening_hours": every_day,
        "slot_minutes": 30,
        "capacity": 2,
        "max_party_size": 4,
        "per_person_limit": 2,
        "opens_days_before": 365,
        "opens_at_time": dt.time(0, 0),
        "closes_hours_before": 0,
        "closed_on_holidays": False,
        "closed_year_end": False,
    }
    defaults.update(extra)
    return Resource.objects.create(organization=organization, **defaults)


def make_slot(resource=None, *, starts_in_hours: float = 48, capacity: int | None = None, **extra: Any):
    """A slot of ``resource`` starting ``starts_in_hours`` from now (30 minutes long)."""
    import datetime as dt

    from madoguchi.reservations.models import Slot

    resource = resource or make_resource()
    starts_at = extra.pop("starts_at", None) or timezone.now().replace(microsecond=0) + dt.timedelta(
        hours=starts_in_hours
    )
    return Slot.objects.create(
        resource=resource,
        starts_at=starts_at,
        ends_at=extra.pop("ends_at", None) or starts_at + dt.timedelta(minutes=30),
        capacity=resource.capacity if capacity is None else capacity,
        **extra,
    )


# Sample file contents: upload types are sniffed from the bytes (procedures.uploads).
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def make_attachment(owner: User, *, name: str = "receipt.jpg", content: bytes = JPEG_BYTES, spec=None):
    """Store an upload through the real service (type sniffed from ``content``)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.applications.services import attachment_create

    return attachment_create(owner=owner, uploaded=SimpleUploadedFile(name, content), spec=spec or {})


@contextlib.contextmanager
def wsgi_in_test_transaction():
    """Call the WSGI application in-process (schemathesis, werkzeug) inside a test's transaction.

    Around each request Django closes "old" database connections (``request_started`` and
    ``request_finished``); the test client switches that off, a plain WSGI call does not — and
    on PostgreSQL the test's own connection (with its transaction) would be closed."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# --- ledger (災害時都民台帳) ------------------------------------------------------------------


def make_mfa_staff(organization: Organization, role: str = Role.REVIEWER, **extra: Any) -> User:
    """A staff member who enrolled a TOTP authenticator (the ledger requires a second factor)."""
    import pyotp

    from madoguchi.accounts.models import TotpDevice
    from madoguchi.core.crypto import encrypt_text

    user = make_staff(organization, role, **extra)
    TotpDevice.objects.create(
        user=user, secret=encrypt_text(pyotp.random_base32(), purpose="totp"), confirmed_at=timezone.now()
    )
    return user


def make_ledger_user(
    organization: Organization, kind: str, *, event: Any = None, mfa: bool = True, **extra: Any
) -> User:
    """A staff member with a ledger role: for ``event`` (municipality roles always are), or the
    prefecture office's standing role when ``event`` is None."""
    from madoguchi.ledger.models import LedgerRole

    user = make_mfa_staff(organization, **extra) if mfa else make_staff(organization, **extra)
    LedgerRole.objects.create(user=user, organization=organization, kind=kind, event=event)
    return user


def make_ledger_event(*, municipalities: int = 2, names: tuple[str, ...] = ()) -> dict[str, Any]:
    """A prefecture, N municipalities (named 架空市1… unless ``names``), an open event and one
    ledger user per organization: {"event", "prefecture", "municipalities", "pref_user", "users"}."""
    import datetime as dt

    from madoguchi.ledger.models import DisasterEvent, EventMunicipality

    prefecture = make_organization(kind=OrganizationKind.PREFECTURE, name=f"テスト県{next(_seq)}")
    orgs = [
        make_organization(name=names[i] if i < len(names) else f"架空市{next(_seq)}")
        for i in range(max(municipalities, len(names)))
    ]
    event = DisasterEvent.objects.create(
        prefecture=prefecture, name="テスト地震", occurred_on=dt.date(2026, 9, 1)
    )
    for org in orgs:
        EventMunicipality.objects.create(event=event, organization=org)
    return {
        "event": event,
        "prefecture": prefecture,
        "municipalities": orgs,
        "pref_user": make_ledger_user(prefecture, "prefecture"),
        "users": [make_ledger_user(org, "municipality", event=event) for org in orgs],
    }


LEDGER_HEADER = [
    "台帳番号", "氏名", "フリガナ", "生年月日", "性別", "住所(住民票上)", "現在地", "住家の被害状況",
    "罹災証明書番号", "罹災証明書交付日", "避難先", "連絡先", "要配慮者",
    "援護:被災者生活再建支援金", "援護:災害弔慰金", "援護:住宅の応急修理", "援護:義援金", "援護:応急仮設住宅",
]  # fmt: skip


def ledger_row(key: str = "1", **values: str) -> list[str]:
    """One row of the standard layout; keyword names are the standard keys (name=, kana= …)."""
    row = {
        "source_key": key, "name": "架空 太郎", "kana": "カクウ タロウ", "birth_date": "1980-01-02",
        "sex": "男", "address": "東京都架空市本町1-2-3", "current_address": "", "damage_level": "半壊",
        "certificate_number": "", "certificate_date": "", "shelter": "", "phone": "", "needs_care": "",
        "support_rebuilding": "", "support_condolence": "", "support_repair": "", "support_donation": "",
        "support_housing": "",
    }  # fmt: skip
    row.update(values)
    return list(row.values())


def ledger_csv(rows: list[list[str]], *, encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    from madoguchi.ledger.writers import csv_bytes

    return csv_bytes(rows, encoding=encoding, header=header or LEDGER_HEADER)


def ledger_xlsx(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    from madoguchi.ledger.writers import xlsx_bytes

    return xlsx_bytes(rows, header=header or LEDGER_HEADER)


def record_middleware_entries(monkeypatch: Any, paths: Any) -> list[str]:
    """Wrap ``__call__`` of each middleware class named in ``paths`` (dotted paths) so that a
    request entering it appends its path to the returned list (for tests of which middleware a
    request goes through or round)."""
    from django.utils.module_loading import import_string

    entered: list[str] = []
    for path in paths:
        cls = import_string(path)
        original = cls.__call__

        def recorded(self: Any, request: Any, _original: Any = original, _path: str = path) -> Any:
            entered.append(_path)
            return _original(self, request)

        monkeypatch.setattr(cls, "__call__", recorded)
    return entered
