"""Datasets built from the aggregates: every kind, totals as rows, suppression over the whole table."""

from __future__ import annotations

import csv
import io

import pytest

from madoguchi.opendata.models import Dataset
from madoguchi.opendata.services import datasets_publish
from madoguchi.opendata.suppression import Relation
from madoguchi.opendata.tests.conftest import FY, name
from madoguchi.opendata.tests.test_suppression import recoverable

pytestmark = pytest.mark.django_db


def rows_of(client, dataset: str) -> list[dict]:
    response = client.get(f"/opendata/{dataset}/{dataset}-csv.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_every_kind_with_figures_is_published_once(published):
    assert sorted(Dataset.objects.values_list("name", flat=True)) == sorted(
        name(k)
        for k in (
            "applications-monthly",
            "processing-times",
            "satisfaction-monthly",
            "e-decisions-monthly",
            "reservations-monthly",
        )
    )


def test_publishing_again_without_changes_keeps_metadata_modified(published):
    before = dict(Dataset.objects.values_list("name", "metadata_modified"))
    datasets_publish()
    assert dict(Dataset.objects.values_list("name", "metadata_modified")) == before


def test_applications_hide_small_cells_small_totals_and_what_reveals_them(client, published):
    rows = rows_of(client, name("applications-monthly"))
    assert list(rows[0]) == ["年度", "手続", "年月", "経路", "件数"]
    cell = {(r["手続"], r["年月"], r["経路"]): r["件数"] for r in rows}
    months = sorted({r["年月"] for r in rows} - {"年度計"})
    assert cell[("小さな手続", months[0], "オンライン")] == "x"  # 3
    assert cell[("合計", months[3], "合計")] == "x"  # the month's total is 4: a total row, hidden too
    assert cell[("合計", months[3], "窓口")] == "x"
    assert cell[("大きな手続", months[2], "オンライン")] == "60"
    for value in cell.values():
        assert value == "x" or not (0 < int(value) < 10)
    # nothing hidden can be computed back through any total (same rank test as the property test)
    procedures, channels = ["小さな手続", "大きな手続"], ["オンライン", "窓口", "一括提出"]
    dims = [procedures, months, channels]
    labels = [("合計",), ("年度計",), ("合計",)]
    relations = []
    for axis, members in enumerate(dims):
        others = [[*m, *labels[a]] for a, m in enumerate(dims) if a != axis]
        for fixed in __import__("itertools").product(*others):
            at = lambda m, fixed=fixed, axis=axis: (*fixed[:axis], m, *fixed[axis:])  # noqa: E731
            relations.append(Relation(parts=tuple(at(m) for m in members), total=at(labels[axis][0])))
    out = {key: None if v == "x" else int(v) for key, v in cell.items()}
    assert recoverable(out, relations) == set()


def test_rates_are_shown_only_for_counts_that_reach_the_threshold(client, published):
    satisfaction = {(r["部署"], r["年月"]): r for r in rows_of(client, name("satisfaction-monthly"))}
    first = f"{FY}-04"
    assert satisfaction[("保険課", first)]["評価件数"] == "40"
    assert satisfaction[("保険課", first)]["高評価の割合"] == "75.0"
    assert satisfaction[("福祉課", first)]["評価件数"] == "x"
    assert satisfaction[("福祉課", first)]["高評価の割合"] == ""
    processing = {(r["手続"], r["年月"]): r for r in rows_of(client, name("processing-times"))}
    assert processing[("大きな手続", first)]["処理日数の中央値"] == "5.0"
    assert processing[("大きな手続", first)]["処理日数の90パーセンタイル"] == "20.0"
    assert processing[("大きな手続", first)]["標準処理期間内の割合"] == "90.0"
    decisions = {(r["部署"], r["年月"]): r for r in rows_of(client, name("e-decisions-monthly"))}
    assert decisions[("保険課", first)]["電子決定率"] == "90.0"
    bookings = {(r["部署"], r["年月"]): r for r in rows_of(client, name("reservations-monthly"))}
    assert bookings[("福祉課", f"{FY}-05")]["無断キャンセル率"] == "10.0"


def test_an_unknown_resource_answers_404(client, published):
    assert client.get(f"/opendata/{name('applications-monthly')}/other-csv.csv").status_code == 404


def test_paper_applications_are_yearly_rows_of_their_own_suppressed_with_their_total(client, published):
    from madoguchi.insights.models import PaperProcedure
    from madoguchi.procedures.models import Procedure

    small = Procedure.objects.get(organization=published, title="小さな手続")
    PaperProcedure.objects.create(
        organization=published, procedure=small, title="小さな手続（紙）", fiscal_year=FY, paper_count=120
    )
    PaperProcedure.objects.create(organization=published, title="犬の登録", fiscal_year=FY, paper_count=5)
    PaperProcedure.objects.create(
        organization=published, title="古い年度", fiscal_year=FY - 1, paper_count=50
    )
    datasets_publish()
    rows = rows_of(client, name("applications-monthly"))
    paper = {r["手続"]: r["件数"] for r in rows if r["経路"] == "紙"}
    assert {r["年月"] for r in rows if r["経路"] == "紙"} == {"年度計"}
    # 5 is hidden, and so is 120 (else 125 − 120 gives it back); the total is shown
    assert paper == {"小さな手続": "x", "犬の登録": "x", "合計": "125"}
    # the channel 合計 stays the sum of the monthly channels, without paper
    year_total = next(r for r in rows if (r["手続"], r["年月"], r["経路"]) == ("合計", "年度計", "合計"))
    assert year_total["件数"] == str(3 + 40 + 12 + 25 + 50 + 0 + 30 + 60 + 15 + 4)
