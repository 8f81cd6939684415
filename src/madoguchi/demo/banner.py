"""What ``madoguchi demo`` prints after loading: who can sign in, and where to look."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from madoguchi.demo.loader import DemoResult, staff_password
from madoguchi.demo.scenarios import scenario_lines


def _url(base: str, name: str, *args: object, fallback: str | None = None) -> str | None:
    try:
        return base + reverse(name, args=args)
    except NoReverseMatch:
        return base + fallback if fallback else None


def _pad(text: str, width: int) -> str:
    """Left-justify counting 全角 characters as two columns, so the columns line up."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def banner_lines(result: DemoResult, *, base_url: str, samples: Sequence[Any] = ()) -> Iterator[str]:
    base = base_url.rstrip("/")
    yield ""
    yield "=" * 72
    yield " 窓口 Madoguchi デモ / demo"
    yield "=" * 72
    yield ""
    yield "URL"
    links = [
        ("手続をさがす (catalog)", _url(base, "procedures:catalog", fallback="/")),
        ("届いたメール (dev mail: sign-in links)", _url(base, "core:dev_mail")),
        ("API ドキュメント (Swagger UI)", _url(base, "api:openapi-view")),
        ("API の定義 (OpenAPI JSON)", _url(base, "api:openapi-json")),
        ("職員ログイン (staff sign-in)", _url(base, "staff_auth:login")),
        ("Django 管理画面 (admin)", _url(base, "admin:index")),
    ]
    for label, url in links:
        if url:
            yield f"  {_pad(label, 42)}{url}"
    yield ""
    yield "申請者 (applicants) — メールのリンクでログインします（パスワードなし）:"
    yield f"  {base}/accounts/login/ でメールアドレスを入力し、{base}/dev/mail/ に届いたリンクを開いてください。"
    for login in result.logins:
        if login.kind == "applicant":
            yield f"  {login.email:<32} {login.display_name} — {login.note}"
    yield ""
    staff_login = _url(base, "staff_auth:login")
    where = f" — {staff_login} でログイン" if staff_login else ""
    yield f"職員 (staff){where} — パスワード: {staff_password()}  （デモ専用です）"
    if settings.DEMO_TOTP_SECRET:
        yield (
            f"  2段階認証 (second step): 確認コードは画面に表示されます。認証アプリで試す場合のキー: "
            f"{settings.DEMO_TOTP_SECRET}"
        )
    for login in result.logins:
        if login.kind != "applicant":
            yield f"  {login.email:<32} {login.display_name}"
            for role in login.roles:
                yield f"  {'':<32}   {role}"
            if login.note:
                yield f"  {'':<32}   → {login.note}"
    yield ""
    yield "シナリオ (scenarios) — だれで、なにをするか / who does what next:"
    yield from scenario_lines(base)
    yield ""
    yield "手続 (procedures)"
    for procedure in result.procedures:
        yield f"  {_pad(procedure.title, 34)}{base}/{procedure.organization.slug}/{procedure.slug}/"
    if samples:
        yield ""
        yield "申請の例 (sample applications, by hanako@example.jp)"
        for application in samples:
            yield f"  {application.reference_number:<18}{application.procedure.title}"
    yield ""
