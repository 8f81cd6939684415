"""名寄せ: find records of the same person across sources, score them, and group them into persons.

**Blocking.** Comparing every record with every other would be quadratic (12 million rows at
full scale). Records are compared only within a *block* of records that share a pair of keys;
four passes, each a sorted scan of the event's records in the database:

1. date of birth + family-name reading    (catches a given name written differently)
2. date of birth + given-name reading     (catches a family name changed or misread)
3. full reading + month and day of birth  (catches a wrong year: 昭和/平成 mix-ups)
4. full reading + year of birth           (catches a wrong month or day)

Readings are the *loose* form (normalize.kana_loose). A block larger than ``LEDGER_MAX_BLOCK``
is skipped and counted, so one very common combination cannot make a run quadratic; the work
grows with the number of records (docs/performance.md).

**Scoring.** Each feature that agrees adds points, each that clearly disagrees takes some away
(Fellegi–Sunter in spirit, with hand-set weights: ``WEIGHTS``). Only keyed hashes are compared
(protect.py). A pair at or above ``LEDGER_MATCH_AUTO`` is merged automatically; from
``LEDGER_MATCH_REVIEW`` it goes to the review queue; below, it is not proposed.

Two records of the same source (one municipality's own file) are never paired: duplicates within
a file are the municipality's to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

FIELDS = (
    "id",
    "uid",
    "municipality_id",
    "source",
    "sex",
    "k_dob",
    "k_dob_y",
    "k_dob_md",
    "k_kana",
    "k_kana_loose",
    "k_family_kana",
    "k_given_kana",
    "k_name",
    "k_family",
    "k_given",
    "k_address",
    "k_town",
    "k_phone",
    "k_certificate",
)
(
    ID,
    UID,
    MUNI,
    SOURCE,
    SEX,
    DOB,
    DOB_Y,
    DOB_MD,
    KANA,
    KANA_LOOSE,
    FAMILY_KANA,
    GIVEN_KANA,
    NAME,
    FAMILY,
    GIVEN,
    ADDRESS,
    TOWN,
    PHONE,
    CERTIFICATE,
) = range(len(FIELDS))

PASSES: tuple[tuple[str, str], ...] = (
    ("k_dob", "k_family_kana"),
    ("k_dob", "k_given_kana"),
    ("k_kana_loose", "k_dob_md"),
    ("k_kana_loose", "k_dob_y"),
)

# reason code → (points, label shown to the reviewer)
WEIGHTS: dict[str, tuple[float, Any]] = {
    "dob_same": (5.0, _("生年月日が一致")),
    "dob_partial": (1.0, _("生年月日の年、または月日だけが一致")),
    "dob_differs": (-5.0, _("生年月日が違う")),
    "kana_same": (5.0, _("フリガナが一致")),
    "kana_alike": (4.0, _("フリガナが同じ読み（長音・小書き文字の違いのみ）")),
    "given_kana_same": (2.0, _("名のフリガナだけが一致")),
    "family_kana_same": (1.5, _("姓のフリガナだけが一致")),
    "kana_differs": (-4.0, _("フリガナが違う")),
    "name_same": (4.0, _("氏名（漢字・異体字を同一視）が一致")),
    "given_same": (1.5, _("名（漢字）だけが一致")),
    "family_same": (1.0, _("姓（漢字）だけが一致")),
    "name_differs": (-1.0, _("氏名（漢字）が違う")),
    "sex_same": (0.5, _("性別が一致")),
    "sex_differs": (-5.0, _("性別が違う")),
    "address_same": (3.0, _("住民票上の住所が一致")),
    "town_same": (1.0, _("住民票上の住所の町名まで一致")),
    "phone_same": (3.0, _("連絡先が一致")),
    "certificate_same": (4.0, _("罹災証明書番号が一致")),
}
MAX_SCORE = 5 + 5 + 4 + 0.5 + 3 + 3 + 4


def score(a: tuple, b: tuple) -> tuple[float, list[str]]:
    """Points and the reasons (codes of ``WEIGHTS``) for two records' feature tuples."""
    reasons: list[str] = []
    add = reasons.append
    if a[DOB] == b[DOB]:
        add("dob_same")
    elif a[DOB_MD] == b[DOB_MD] or a[DOB_Y] == b[DOB_Y]:
        add("dob_partial")
    else:
        add("dob_differs")
    if a[KANA] == b[KANA]:
        add("kana_same")
    elif a[KANA_LOOSE] == b[KANA_LOOSE]:
        add("kana_alike")
    elif a[GIVEN_KANA] is not None and a[GIVEN_KANA] == b[GIVEN_KANA]:
        add("given_kana_same")
    elif a[FAMILY_KANA] is not None and a[FAMILY_KANA] == b[FAMILY_KANA]:
        add("family_kana_same")
    else:
        add("kana_differs")
    if a[NAME] == b[NAME]:
        add("name_same")
    elif a[GIVEN] is not None and a[GIVEN] == b[GIVEN]:
        add("given_same")
    elif a[FAMILY] is not None and a[FAMILY] == b[FAMILY]:
        add("family_same")
    else:
        add("name_differs")
    if a[SEX] and b[SEX]:
        add("sex_same" if a[SEX] == b[SEX] else "sex_differs")
    if a[ADDRESS] is not None and a[ADDRESS] == b[ADDRESS]:
        add("address_same")
    elif a[TOWN] is not None and a[TOWN] == b[TOWN]:
        add("town_same")
    if a[PHONE] is not None and a[PHONE] == b[PHONE]:
        add("phone_same")
    if a[CERTIFICATE] is not None and a[CERTIFICATE] == b[CERTIFICATE]:
        add("certificate_same")
    return sum(WEIGHTS[r][0] for r in reasons), reasons


@dataclass
class Candidate:
    a: tuple
    b: tuple
    score: float
    reasons: list[str]


@dataclass
class BlockStats:
    rows: int = 0
    blocks: int = 0
    skipped_blocks: int = 0
    comparisons: int = 0


def _blocks(rows: Iterator[tuple], k1: int, k2: int) -> Iterator[list[tuple]]:
    block: list[tuple] = []
    key = None
    for row in rows:
        row_key = (row[k1], row[k2])
        if row_key != key:
            if len(block) > 1:
                yield block
            block = [row]
            key = row_key
        else:
            block.append(row)
    if len(block) > 1:
        yield block


def find_candidates(
    scan: Callable[[str, str], Iterator[tuple]],
    *,
    review_at: float,
    max_block: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[tuple[int, int], Candidate], BlockStats]:
    """Run the four passes. ``scan(k1, k2)`` yields feature tuples (``FIELDS`` order) sorted by
    the two keys, rows with a missing key left out."""
    candidates: dict[tuple[int, int], Candidate] = {}
    seen: set[tuple[int, int]] = set()
    stats = BlockStats()
    index = {name: i for i, name in enumerate(FIELDS)}
    for k1, k2 in PASSES:
        counter = _Counter(progress)
        for block in _blocks(counter.wrap(scan(k1, k2)), index[k1], index[k2]):
            stats.blocks += 1
            if len(block) > max_block:
                stats.skipped_blocks += 1
                continue
            for i, a in enumerate(block):
                for b in block[i + 1 :]:
                    if a[MUNI] == b[MUNI] and a[SOURCE] == b[SOURCE]:
                        continue
                    pair = (a[ID], b[ID]) if a[ID] < b[ID] else (b[ID], a[ID])
                    if pair in seen:
                        continue
                    seen.add(pair)
                    stats.comparisons += 1
                    points, reasons = score(a, b)
                    if points >= review_at:
                        candidates[pair] = Candidate(a, b, points, reasons)
        stats.rows += counter.count
        counter.flush()
    return candidates, stats


class _Counter:
    """Counts rows as they stream past and reports every 5,000 (the progress page)."""

    def __init__(self, progress: Callable[[int], None] | None):
        self.progress = progress
        self.count = 0
        self.reported = 0

    def wrap(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        for row in rows:
            self.count += 1
            if self.progress and self.count - self.reported >= 5000:
                self.progress(self.count - self.reported)
                self.reported = self.count
            yield row

    def flush(self) -> None:
        if self.progress and self.count > self.reported:
            self.progress(self.count - self.reported)
            self.reported = self.count


class Clusters:
    """Union–find over record ids that never joins two records decided to be different people."""

    def __init__(self, apart: dict[int, set[int]]):
        self.parent: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.apart = apart

    def find(self, x: int) -> int:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.members[x] = {x}
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        small, big = (ra, rb) if len(self.members[ra]) < len(self.members[rb]) else (rb, ra)
        big_members = self.members[big]
        for member in self.members[small]:
            if self.apart.get(member, set()) & big_members:
                return False  # a rejected pair would end up in one person
        self.parent[small] = big
        big_members |= self.members.pop(small)
        return True

    def groups(self) -> list[set[int]]:
        return [
            members
            for root, members in self.members.items()
            if len(members) > 1 and self.parent[root] == root
        ]
