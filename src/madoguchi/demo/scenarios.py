"""The scenarios of PRODUCT.md as the demo loads them: who plays each role and what to do next.

``madoguchi demo`` prints them after the logins (demo/banner.py). Each step names a page by
its URL name, so a page that is not there yet (an app still being built) is left out rather
than printed as a dead link; tests/test_demo.py checks that every demo e-mail named here is a
demo user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Step:
    text: str
    url_name: str = ""
    args: tuple = ()
    path: str = ""  # a page addressed by its path (a procedure: "/kyosai/kogaku-ryoyohi/")

    def url(self, base: str) -> str | None:
        if self.path:
            return base + self.path
        if not self.url_name:
            return ""
        try:
            return base + reverse(self.url_name, args=self.args)
        except NoReverseMatch:
            return None


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    people: tuple[str, ...]
    steps: tuple[Step, ...] = field(default_factory=tuple)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "S1",
        "高額療養費の支給申請（スマートフォン）",
        ("hanako@example.jp", "kyosai-hoken@example.jp", "kyosai-kacho@example.jp"),
        (
            Step("hanako が申請（領収書の写真を添付）", path="/kyosai/kogaku-ryoyohi/"),
            Step(
                "kyosai-hoken が審査 → kyosai-kacho が決裁（職員メニュー「作業一覧」）",
                "review:queue",
                ("mine",),
            ),
            Step(
                "hanako のメールボックスに審査結果のお知らせ → 申請の状況から決定通知書（電子署名付き PDF）",
                "notifications:mailbox",
            ),
        ),
    ),
    Scenario(
        "S2",
        "所属所が組合員資格取得届を一括提出",
        ("shozoku@example.jp", "kyosai-hoken@example.jp"),
        (
            Step(
                "shozoku が「一括提出」でひな形をダウンロードし、一覧表を提出（誤りのある行は理由が表示されます）",
                "bulk:index",
            ),
            Step("受付のお知らせは組合員それぞれに届きます", "core:dev_mail"),
            Step("kyosai-hoken が1件ずつ審査", "review:queue", ("mine",)),
        ),
    ),
    Scenario(
        "S3",
        "職員の研修申込",
        ("hanako@example.jp", "tokyo-kacho@example.jp", "tokyo-jinzai@example.jp"),
        (
            Step("hanako が申込", path="/tokyo/kenshu-moshikomi/"),
            Step("tokyo-kacho（所属長）が承認 → tokyo-jinzai（人材育成課）が決定", "review:queue", ("mine",)),
        ),
    ),
    Scenario(
        "S4",
        "扶養手当の認定（総務事務センター）",
        (
            "hanako@example.jp",
            "tokyo-center@example.jp",
            "tokyo-center2@example.jp",
            "tokyo-center3@example.jp",
        ),
        (
            Step("hanako が認定請求（扶養親族の年間収入を入力）", path="/tokyo/fuyo-teate/"),
            Step("tokyo-center が審査（自動チェック: 同居・収入130万円未満）", "review:queue", ("mine",)),
            Step(
                "tokyo-center2 が認定 → tokyo-center3 が給与システムへ入力して決定", "review:queue", ("mine",)
            ),
        ),
    ),
    Scenario(
        "S5",
        "保養施設の宿泊予約（繁忙期は抽選）",
        ("hanako@example.jp", "counter@shinjuku.example.jp"),
        (
            Step("hanako が空いている夜を予約、または抽選に申込", "reservations:resource_list"),
            Step("counter@shinjuku が抽選を実施（予約の管理）", "reservations:staff_home"),
        ),
    ),
    Scenario(
        "S6",
        "来庁予約 → 書かない窓口",
        (
            "hanako@example.jp",
            "counter@shinjuku.example.jp",
            "shinjuku-madoguchi@example.jp",
            "shinjuku-koseki@example.jp",
            "shinjuku-koseki-kacho@example.jp",
        ),
        (
            Step("hanako が来庁予約", "reservations:resource_list"),
            Step(
                "counter@shinjuku がチェックイン（受付コード）→「書かない窓口で入力を始める」で、"
                "shinjuku-madoguchi が来庁者の代わりに入力",
                "reservations:staff_home",
            ),
            Step(
                "受付票の QR コードから利用者アンケート → shinjuku-koseki が審査 → shinjuku-koseki-kacho が決裁",
                "review:work",
            ),
        ),
    ),
    Scenario(
        "S7",
        "障害福祉サービス事業者の指定申請",
        ("gyosei@example.jp", "shinjuku-fukushi@example.jp", "shinjuku-kacho@example.jp"),
        (
            Step("gyosei（代理人）が説明会を予約し、指定申請", path="/shinjuku/shogai-fukushi-shitei/"),
            Step("shinjuku-fukushi が審査（補正の依頼）→ shinjuku-kacho が決裁", "review:queue", ("mine",)),
        ),
    ),
    Scenario(
        "S8",
        "FAQ チャットボット「保険証をなくした」",
        (),
        (Step("どの画面の検索欄でも、またはチャットで質問", "knowledge:chat"),),
    ),
    Scenario(
        "S9",
        "デジタル提案箱+ と SHIN-QA",
        ("tokyo-shokuin@example.jp", "tokyo-digital@example.jp"),
        (
            Step("tokyo-shokuin が提案・質問する", "ideas:index"),
            Step("tokyo-digital（モデレーター）が確認・回答する", "ideas:work"),
        ),
    ),
    Scenario(
        "S10",
        "DX推進本部のダッシュボードとオープンデータ",
        ("tokyo-dx@example.jp",),
        (
            Step(
                "tokyo-dx が KPI ダッシュボードで部署・手続まで掘り下げ、CSV/Excel で書き出す",
                "insights:dashboard",
                ("tokyo",),
            ),
            Step("紙で受け付けている手続と件数を登録する", "insights:paper", ("tokyo",)),
            Step(
                "CSV・Excel の表をオープンデータとして公開し、新しい版を出す（機械判読のルールで確かめる）",
                "opendata_staff:datasets",
                ("tokyo",),
            ),
            Step(
                "オープンデータのカタログを訪問者として見る（検索、絞り込み、ダウンロード）",
                "opendata:catalog",
            ),
            Step("オープンデータ（CKAN 互換 API、小さな件数は秘匿）", "ckan_action", ("package_list",)),
        ),
    ),
    Scenario(
        "S11",
        "起案 → 合議 → 決裁（電子署名）",
        (
            "tokyo-soumu@example.jp",
            "tokyo-jinzai@example.jp",
            "tokyo-center@example.jp",
            "tokyo-kacho@example.jp",
        ),
        (
            # The drafter is not one of the 合議 people: nobody may agree to their own 起案, and
            # tokyo-jinzai is the only one who can agree for 人材育成課.
            Step("tokyo-soumu（総務課）が起案", "review:proposal_new"),
            Step("tokyo-jinzai・tokyo-center が合議 → tokyo-kacho が決裁", "review:work"),
        ),
    ),
    Scenario(
        "S12",
        "給与明細を職員のメールボックスへ",
        ("tokyo-jinji@example.jp", "hanako@example.jp"),
        (
            Step(
                "tokyo-jinji が職員名簿（CSV）を取り込み、明細（ZIP＋CSV）を一括配信",
                "notifications:staff_home",
            ),
            Step("hanako がメールボックスで明細を見る", "notifications:mailbox"),
        ),
    ),
    Scenario(
        "S13",
        "採用試験の受験申込（受験手数料）・受験票・合否",
        ("hanako@example.jp", "tokyo-jinji@example.jp", "tokyo-jinji-kacho@example.jp"),
        (
            Step(
                "hanako が受験申込し、受験手数料をカードで納付（テスト用 4242 4242 4242 4242）",
                path="/tokyo/saiyo-shiken/",
            ),
            Step("tokyo-jinji が自分の仕事から受付（書類と納付の確認）", "review:work"),
            Step("hanako のメールボックスに受験票（受験番号・QRコード付きPDF）", "notifications:mailbox"),
            Step("tokyo-jinji-kacho が合否を決定 → hanako に合格通知書", "review:work"),
        ),
    ),
    Scenario(
        "S14",
        "災害時都民台帳",
        (
            "tokyo-daicho@example.jp",
            "shinjuku-daicho@example.jp",
            "nakano-daicho@example.jp",
            "suginami-daicho@example.jp",
        ),
        (Step("各区が台帳を送り、都が名寄せと集計を確認", "ledger:home"),),
    ),
)


def scenario_lines(base: str) -> list[str]:
    """The banner's lines: each scenario, who plays it, and its steps with links."""
    lines = []
    for scenario in SCENARIOS:
        lines.append(f"  {scenario.code} {scenario.title}")
        if scenario.people:
            lines.append(f"      {'、'.join(scenario.people)}")
        for step in scenario.steps:
            url = step.url(base)
            if url is None:
                continue  # that page is not there yet
            lines.append(f"      → {step.text}" + (f"  {url}" if url else ""))
    return lines
