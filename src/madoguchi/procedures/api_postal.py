"""GET /api/v1/postal-codes/{code}: 郵便番号 → 住所 for fields.js (offline data, no login).

Mounted at the API root (``api.add_router("/", router)``), so the path reads naturally.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import postal

router = Router(tags=["postal-codes"])


class PostalAddressOut(Schema):
    prefecture: str
    city: str
    town: str


class PostalCodeOut(Schema):
    postal_code: str
    addresses: list[PostalAddressOut]


@router.get(
    "/postal-codes/{code}",
    response=PostalCodeOut,
    url_name="postal_code_lookup",
    summary="郵便番号から住所を調べる / Look up an address by postal code",
)
def postal_code_lookup(request, code: str):
    """``code`` may be written 1600022, 160-0022 or 〒１６０－００２２. 404 when unknown."""
    normalized = postal.normalize_postal_code(code)
    if normalized is None:
        raise FieldErrors({"code": [_("郵便番号は7桁の数字で入力してください（例: 160-0022）。")]})
    addresses = postal.lookup(normalized)
    if not addresses:
        raise Http404
    return {"postal_code": normalized, "addresses": addresses}
