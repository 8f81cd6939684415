"""S12 demo: the employee rosters (職員番号・組合員番号) payslips are delivered by.

Loaded by ``madoguchi demo`` (demo/extras.py) through the same import as the roster page
(``member_import``), so the demo shows what an organization's CSV does. Idempotent.
"""

from __future__ import annotations

from madoguchi.accounts.models import Organization, User
from madoguchi.notifications.services import member_import

ROSTERS = {
    # 東京都 職員番号 (S12 給与明細): hanako is a Tokyo employee in the demo (S3, S4 too)
    "tokyo": "職員番号,氏名,メールアドレス,生年月日\n"
    "1234567,山田 花子,hanako@example.jp,1985-04-01\n"
    "1234568,佐藤 次郎,jiro@example.jp,1988-10-12\n"
    "1234569,高橋 三郎,saburo@example.jp,1995-01-23\n",
    # 共済組合 組合員番号 (S1, S2: the 資格取得届 finds members by it)
    "kyosai": "組合員番号,氏名,メールアドレス\n12345678,山田 花子,hanako@example.jp\n",
}


def load_members_demo() -> list[str]:
    actor = User.objects.filter(email="admin@example.jp").first()
    lines = []
    for slug, roster in ROSTERS.items():
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None or actor is None:
            continue
        report = member_import(actor=actor, organization=organization, data=roster.encode())
        lines.append(f"{slug} roster: {report.created} new, {report.unchanged + report.updated} kept")
    return lines
