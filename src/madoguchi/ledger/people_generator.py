"""Fictional people for the demo and the benchmark, made from lists of name parts.

No real person is listed anywhere: a family name and a given name are drawn separately from
common parts, with a date of birth, a street and a house number drawn at random from a seeded
generator, so the same seed always gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

import jaconv

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("斉藤", "サイトウ"), ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("金子", "カネコ"), ("岡本", "オカモト"), ("藤原", "フジワラ"), ("中野", "ナカノ"), ("三浦", "ミウラ"),
    ("原田", "ハラダ"), ("中川", "ナカガワ"), ("松田", "マツダ"), ("竹内", "タケウチ"), ("小野", "オノ"),
    ("田村", "タムラ"), ("中山", "ナカヤマ"), ("和田", "ワダ"), ("石田", "イシダ"), ("森田", "モリタ"),
    ("上田", "ウエダ"), ("原", "ハラ"), ("内田", "ウチダ"), ("柴田", "シバタ"), ("酒井", "サカイ"),
    ("宮崎", "ミヤザキ"), ("横山", "ヨコヤマ"), ("高木", "タカギ"), ("安藤", "アンドウ"), ("宮本", "ミヤモト"),
    ("大野", "オオノ"), ("小島", "コジマ"), ("谷口", "タニグチ"), ("今井", "イマイ"), ("工藤", "クドウ"),
    ("高田", "タカダ"), ("増田", "マスダ"), ("丸山", "マルヤマ"), ("杉山", "スギヤマ"), ("村田", "ムラタ"),
    ("大塚", "オオツカ"), ("新井", "アライ"), ("小山", "コヤマ"), ("平野", "ヒラノ"), ("藤本", "フジモト"),
    ("河野", "コウノ"), ("上野", "ウエノ"), ("野口", "ノグチ"), ("武田", "タケダ"), ("松井", "マツイ"),
    ("千葉", "チバ"), ("岩崎", "イワサキ"), ("菅原", "スガワラ"), ("木下", "キノシタ"), ("久保", "クボ"),
    ("佐野", "サノ"), ("野村", "ノムラ"), ("松尾", "マツオ"), ("市川", "イチカワ"), ("菊地", "キクチ"),
    ("杉本", "スギモト"), ("古川", "フルカワ"), ("大西", "オオニシ"), ("島田", "シマダ"), ("水野", "ミズノ"),
    ("桜井", "サクライ"), ("高野", "タカノ"), ("渡部", "ワタナベ"), ("吉川", "ヨシカワ"), ("山内", "ヤマウチ"),
    ("西田", "ニシダ"), ("飯田", "イイダ"), ("菊池", "キクチ"), ("西川", "ニシカワ"), ("小松", "コマツ"),
    ("北村", "キタムラ"), ("安田", "ヤスダ"), ("五十嵐", "イガラシ"), ("川口", "カワグチ"), ("平田", "ヒラタ"),
    ("関", "セキ"), ("中田", "ナカタ"), ("久保田", "クボタ"), ("服部", "ハットリ"), ("東", "ヒガシ"),
    ("岩田", "イワタ"), ("土屋", "ツチヤ"), ("川崎", "カワサキ"), ("福島", "フクシマ"), ("本田", "ホンダ"),
    ("辻", "ツジ"), ("樋口", "ヒグチ"), ("秋山", "アキヤマ"), ("田口", "タグチ"), ("永井", "ナガイ"),
    ("山中", "ヤマナカ"), ("中西", "ナカニシ"), ("吉村", "ヨシムラ"), ("川上", "カワカミ"), ("大橋", "オオハシ"),
    ("石原", "イシハラ"), ("松岡", "マツオカ"), ("浜田", "ハマダ"), ("馬場", "ババ"), ("森本", "モリモト"),
    ("矢野", "ヤノ"), ("浅野", "アサノ"), ("松下", "マツシタ"), ("星野", "ホシノ"), ("大久保", "オオクボ"),
    ("吉岡", "ヨシオカ"), ("小池", "コイケ"), ("野田", "ノダ"), ("荒井", "アライ"), ("大島", "オオシマ"),
    ("松浦", "マツウラ"), ("熊谷", "クマガイ"), ("内藤", "ナイトウ"), ("黒田", "クロダ"), ("尾崎", "オザキ"),
    ("永田", "ナガタ"), ("川村", "カワムラ"), ("望月", "モチヅキ"), ("田辺", "タナベ"), ("松村", "マツムラ"),
    ("荒木", "アラキ"), ("堀", "ホリ"), ("大谷", "オオタニ"), ("平井", "ヒライ"), ("西山", "ニシヤマ"),
    ("早川", "ハヤカワ"), ("岡崎", "オカザキ"), ("関口", "セキグチ"), ("片山", "カタヤマ"), ("大石", "オオイシ"),
]  # fmt: skip
GIVEN_MALE = [
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健", "ケン"), ("誠", "マコト"), ("大輔", "ダイスケ"),
    ("翔", "ショウ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"), ("浩", "ヒロシ"), ("学", "マナブ"),
    ("隆", "タカシ"), ("剛", "ツヨシ"), ("修", "オサム"), ("亮", "リョウ"), ("悠真", "ユウマ"),
    ("蓮", "レン"), ("陽翔", "ハルト"), ("湊", "ミナト"), ("大和", "ヤマト"), ("和也", "カズヤ"),
    ("達也", "タツヤ"), ("雄一", "ユウイチ"), ("茂", "シゲル"), ("勝", "マサル"), ("清", "キヨシ"),
    ("実", "ミノル"), ("進", "ススム"), ("豊", "ユタカ"), ("博", "ヒロシ"), ("昭", "アキラ"),
    ("光", "ヒカル"), ("智", "サトシ"), ("聡", "サトシ"), ("哲也", "テツヤ"), ("康弘", "ヤスヒロ"),
    ("正人", "マサト"), ("俊", "シュン"), ("樹", "イツキ"), ("颯太", "ソウタ"), ("蒼", "アオイ"),
]  # fmt: skip
GIVEN_FEMALE = [
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("恵", "メグミ"), ("裕子", "ユウコ"), ("美咲", "ミサキ"),
    ("愛", "アイ"), ("結衣", "ユイ"), ("陽菜", "ヒナ"), ("さくら", "サクラ"), ("真由美", "マユミ"),
    ("久美子", "クミコ"), ("智子", "トモコ"), ("幸子", "サチコ"), ("和子", "カズコ"), ("洋子", "ヨウコ"),
    ("京子", "キョウコ"), ("明美", "アケミ"), ("直美", "ナオミ"), ("由美", "ユミ"), ("香織", "カオリ"),
    ("彩", "アヤ"), ("葵", "アオイ"), ("凛", "リン"), ("芽依", "メイ"), ("紬", "ツムギ"),
    ("美穂", "ミホ"), ("千尋", "チヒロ"), ("麻衣", "マイ"), ("綾香", "アヤカ"), ("舞", "マイ"),
    ("静香", "シズカ"), ("文子", "フミコ"), ("節子", "セツコ"), ("春香", "ハルカ"), ("優子", "ユウコ"),
    ("純子", "ジュンコ"), ("典子", "ノリコ"), ("順子", "ジュンコ"), ("弘美", "ヒロミ"), ("菜々子", "ナナコ"),
]  # fmt: skip
TOWNS = ["本町", "中央", "東町", "西町", "南町", "北町", "緑町", "栄町", "旭町", "若葉", "桜台", "松が丘"]
DAMAGE = ["全壊", "大規模半壊", "中規模半壊", "半壊", "準半壊", "一部損壊", "被害なし", ""]
DAMAGE_WEIGHTS = [6, 5, 6, 12, 12, 30, 14, 15]
SUPPORT = ["", "申請中", "実施済", "対象外"]
SUPPORT_WEIGHTS = [55, 20, 15, 10]


@dataclass(frozen=True)
class FakePerson:
    key: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    birth: dt.date
    sex: str  # 男 / 女
    address: str
    phone: str
    damage: str
    support: tuple[str, str, str, str, str]
    needs_care: bool
    current: str = ""
    shelter: str = ""
    birth_text: str = ""  # the date of birth as written, when not ISO (和暦)

    @property
    def name(self) -> str:
        return f"{self.family} {self.given}"

    @property
    def kana(self) -> str:
        return f"{self.family_kana} {self.given_kana}"

    def row(self) -> list[str]:
        """The person as a row of the standard layout (core.testing.LEDGER_HEADER order)."""
        return [
            self.key, self.name, self.kana, self.birth_text or self.birth.isoformat(), self.sex, self.address, self.current,
            self.damage, "", "", self.shelter, self.phone, "はい" if self.needs_care else "", *self.support,
        ]  # fmt: skip


def people(municipality: str, count: int, *, seed: int, prefix: str, start: int = 1) -> Iterator[FakePerson]:
    """``count`` fictional residents of ``municipality`` (its name starts every address)."""
    rng = random.Random(f"{seed}:{municipality}")
    for number in range(start, start + count):
        family, family_kana = rng.choice(FAMILY)
        male = rng.random() < 0.5
        given, given_kana = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 98))
        yield FakePerson(
            key=f"{prefix}{number:06d}",
            family=family,
            given=given,
            family_kana=family_kana,
            given_kana=given_kana,
            birth=birth,
            sex="男" if male else "女",
            address=f"東京都{municipality}{rng.choice(TOWNS)}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
            phone=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            damage=rng.choices(DAMAGE, DAMAGE_WEIGHTS)[0],
            support=tuple(rng.choices(SUPPORT, SUPPORT_WEIGHTS)[0] for _ in range(5)),  # type: ignore[arg-type]
            needs_care=rng.random() < 0.08,
        )


def as_written_elsewhere(person: FakePerson, *, key: str, current: str, variant: int) -> FakePerson:
    """The same person in another municipality's file, written as that office writes:
    異体字 in the name, a reading in ひらがな, the date of birth in 和暦, the address in 漢数字."""
    from madoguchi.procedures.wareki import to_wareki

    family = person.family
    for plain, variant_form in (("高", "髙"), ("崎", "﨑"), ("斎", "齋"), ("辺", "邊"), ("沢", "澤")):
        family = family.replace(plain, variant_form)
    return replace(
        person,
        key=key,
        family=family if variant % 2 == 0 else person.family,
        family_kana=person.family_kana if variant % 3 else jaconv.kata2hira(person.family_kana),
        given_kana=person.given_kana if variant % 3 else jaconv.kata2hira(person.given_kana),
        birth_text=to_wareki(person.birth) if variant % 2 else "",
        address=_kanji_numbers(person.address) if variant % 4 == 1 else person.address,
        current=current,
        shelter="",
    )


def uncertain(person: FakePerson, *, key: str, current: str, variant: int) -> FakePerson:
    """The same person written with a mistake that leaves a match uncertain: the year of birth
    one off, or one kana of the given name wrong and no address in common."""
    if variant % 2 == 0:
        birth = person.birth.replace(year=person.birth.year + 1, day=min(person.birth.day, 28))
        return replace(person, key=key, birth=birth, current=current, shelter="", phone="")
    given = person.given_kana
    wrong = given[:-1] + ("ミ" if given[-1] != "ミ" else "コ")
    return replace(person, key=key, given_kana=wrong, current=current, shelter="", phone="")


_KANJI = "〇一二三四五六七八九"


def _kanji_numbers(address: str) -> str:
    """東京都新宿区本町1-2-3 → 東京都新宿区本町一丁目2番3号 (as some offices write)."""
    import re

    match = re.search(r"(\d+)-(\d+)-(\d+)$", address)
    if not match:
        return address
    chome = "".join(_KANJI[int(d)] for d in match.group(1))
    return f"{address[: match.start()]}{chome}丁目{match.group(2)}番{match.group(3)}号"
