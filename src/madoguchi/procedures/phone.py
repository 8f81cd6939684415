"""Japanese telephone numbers: normalize what people type and store the hyphenated form.

Accepted: fixed lines (10 digits, e.g. 03-1234-5678, 045-123-4567, 0422-12-3456,
01267-1-2345), mobile 070/080/090 (11 digits), 050 IP phones (11 digits), free dial
0120 (10 digits) and 0800 (11 digits), navi dial 0570 (10 digits). 全角 digits, hyphens of
any kind, spaces, parentheses and a leading +81 are accepted.

The length of the area code (市外局番, 2–5 digits) decides where the hyphens go. The
prefix table below was derived once from the formatting metadata of Google's
libphonenumber (Apache License 2.0) by formatting every 6-digit fixed-line prefix and
keeping the shortest prefixes that decide the length (longest prefix wins). It is not a
run-time dependency. Numbers whose area code changes later still validate; only the
hyphen positions could then differ.
"""

from __future__ import annotations

import re

from madoguchi.procedures.normalize import digits_only

# area-code length → prefixes (of the full number, with the leading 0)
_AREA_CODE_PREFIXES: dict[int, str] = {
    2: ("03 0420 0429 04700 04701 04709 0471 06 "),
    3: (
        "011 01540 01541 01548 01550 01551 01557 0177 0188 0196 0199 0221 0222 0223 0227 023 0245 0249 "
        "025 02500 02501 02540 02541 02560 02561 02580 02581 025917 025999 0262 0264 0271 0272 0273 0275 "
        "02780 02781 02788 02789 0281 02830 02831 02833 02834 0286 0289 0290 02917 0292 0293 0298 04 "
        "04220 04221 04291 04297 04298 0462 0464 0468 04750 04751 04759 04790 04791 04799 0492 0499 052 "
        "0530 0534 0535 0539 054 0552 0559 058 0590 0591 0592 0593 05980 05981 05989 05990 05991 05999 07 "
        "0734 0760 0762 0764 0769 0775 0777 0792 0793 0794 0795 07960 07961 07966 07967 082 082941 082942 "
        "082943 0832 08360 0837 083766 083767 083768 08380 08381 0839 083960 083961 083963 083966 0849 "
        "08510 08511 086 08636 086552 086553 08660 08661 086691 086697 086698 086722 086723 086724 086726 "
        "086728 086737 086738 08680 08681 08689 08690 08691 08694 08695 08699 087 0886 0888 0890 0891 "
        "0899 092 093 0941 0945 0951 0953 0958 0961 0962 0963 0971 0975 0976 0981 0988 0989 0991 0992 "
        "099331 099343 099345 099347 09940 09941 09947 09948 0998 0999 "
    ),
    4: (
        "0 02232 02233 0233 0234 0235 0237 0238 0250 0254 02557 02558 0256 02572 02573 02574 0258 0259 "
        "02642 02643 02644 02645 02896 02897 02898 02899 02932 02933 02934 0422 04282 04283 04287 04288 "
        "04289 0436 0438 0439 046 0470 0475 0476 0478 0479 0480 049 053960 053961 053962 053963 053974 "
        "053977 05399 0544 0545 0547 0548 0581 0584 0585 0586 0587 059790 059791 059797 059798 0721 0725 "
        "073 074 076 077 079 07946 07947 07948 07952 07953 07954 07957 07958 0820 0823 08244 08245 08246 "
        "08247 08248 0826 0827 082920 08293 08294 08295 08297 08298 08372 08373 08374 08375 08376 0863 "
        "086360 086361 086366 08654 08655 08656 08657 0866 0867 0868 0869 086992 086993 0875 0877 0879 "
        "0920 0930 "
    ),
    5: (
        "01267 01372 01374 01377 01392 01397 01398 01456 01457 01466 01547 01558 01564 01586 01587 01632 "
        "01634 01635 01648 01654 01655 01656 01658 04992 04994 04996 04998 05769 05979 07468 08387 08388 "
        "08389 08396 08477 0851 09802 09912 09913 09969 "
    ),
}
_AREA_LENGTH: dict[str, int] = {
    prefix: length for length, prefixes in _AREA_CODE_PREFIXES.items() for prefix in prefixes.split()
}
_LONGEST = max(len(p) for p in _AREA_LENGTH)

KIND_MOBILE = "mobile"
KIND_FIXED = "fixed"
KIND_IP = "ip"
KIND_FREE = "free"
KIND_NAVI = "navi"


def _area_code_length(digits: str) -> int:
    for size in range(min(_LONGEST, len(digits)), 0, -1):
        length = _AREA_LENGTH.get(digits[:size])
        if length:
            return length
    return 4


def classify(digits: str) -> str | None:
    """Kind of a national number given as digits, or None if it is not a valid number."""
    if not re.fullmatch(r"0\d{9,10}", digits):
        return None
    if digits.startswith("010"):
        return None  # international call prefix
    if len(digits) == 11:
        if digits[:4] == "0800":
            return KIND_FREE
        if digits[:3] in {"070", "080", "090"}:
            return KIND_MOBILE
        if digits[:3] == "050":
            return KIND_IP
        return None
    # 10 digits
    if digits.startswith("0120"):
        return KIND_FREE
    if digits.startswith("0570"):
        return KIND_NAVI
    if digits[1] == "0" or digits[:3] in {"020", "060", "070", "080", "090", "050"}:
        return None  # 00x carrier codes; mobile/IP/M2M prefixes need 11 digits
    return KIND_FIXED


def format_phone(digits: str) -> str:
    """Hyphenate a valid national number: 09012345678 → 090-1234-5678."""
    kind = classify(digits)
    if kind in (KIND_MOBILE, KIND_IP):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if kind == KIND_FREE and len(digits) == 11:  # 0800-123-4567
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if kind in (KIND_FREE, KIND_NAVI):  # 0120-123-456, 0570-123-456
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    area = _area_code_length(digits)
    return f"{digits[:area]}-{digits[area:6]}-{digits[6:]}"


def normalize_phone(text: str) -> str | None:
    """What a person typed → "090-1234-5678" / "03-1234-5678"; None if not a Japanese number."""
    value = (text or "").strip()
    value = value.replace("＋", "+")
    digits = digits_only(value, drop="()（）+.")
    if digits is None:
        return None
    if value.lstrip().startswith(("+81", "＋81")) or (
        digits.startswith("81") and value.lstrip().startswith("+")
    ):
        digits = "0" + digits[2:].lstrip("0")
    if classify(digits) is None:
        return None
    return format_phone(digits)
