"""S10 demo: publish the datasets from the KPI figures the insights demo made, and one table the
DX推進本部 published by hand (two versions), as staff would upload it (idempotent)."""

from __future__ import annotations

from madoguchi.accounts.models import Organization, User
from madoguchi.insights.selectors import InsightsScope
from madoguchi.opendata.models import Dataset
from madoguchi.opendata.services import datasets_publish, staff_dataset_create, staff_dataset_version_add

STAFF_DATASET = "tokyo-digital-counters"
HEADER = "全国地方公共団体コード,窓口,所在地,オンライン申請,開設日\r\n"
VERSION_1 = (
    HEADER
    + "130001,都庁第一本庁舎 総合窓口,東京都新宿区西新宿2-8-1,TRUE,2025-04-01\r\n"
    + "130001,都民情報ルーム,東京都新宿区西新宿2-8-1,TRUE,2025-04-01\r\n"
    + "131041,新宿区役所 本庁舎 区民課,東京都新宿区歌舞伎町1-4-1,TRUE,2025-10-01\r\n"
)
VERSION_2 = VERSION_1 + "131041,新宿区役所 特別出張所,東京都新宿区四谷1-1,FALSE,2026-04-01\r\n"


def load_opendata_demo() -> list[str]:
    lines = [f"{datasets_publish()} datasets published"]
    user = User.objects.filter(email="tokyo-dx@example.jp").first()
    organization = Organization.objects.filter(slug="tokyo").first()
    if user is None or organization is None or Dataset.objects.filter(name=STAFF_DATASET).exists():
        return lines
    dataset = staff_dataset_create(
        actor=user,
        scope=InsightsScope.of(user),
        organization=organization,
        data={
            "title": "デジタル窓口の一覧",
            "notes": "オンライン申請を受け付ける窓口の一覧です。オンライン申請の列は、その窓口の手続を"
            "オンラインで申請できるか（TRUE / FALSE）を表します。",
            "department": "digital",
            "license_id": "gov-std-2.0",
            "tags": "窓口、行政手続、DX",
            "name": "digital-counters",
        },
        content=VERSION_1.encode("utf-8"),
        file_name="digital-counters.csv",
    )
    staff_dataset_version_add(
        actor=user,
        dataset=dataset,
        content=VERSION_2.encode("utf-8"),
        file_name="digital-counters.csv",
        note="特別出張所を追加",
    )
    lines.append(f"staff dataset {dataset.name} (2 versions)")
    return lines
