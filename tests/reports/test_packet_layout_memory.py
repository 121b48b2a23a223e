"""The packet's layout keeps only what it is laying out: block flowables are made when reached and
dropped once placed, so memory does not grow with the size of the clinic; progress still counts
them, and a table made again from its parts is the same."""

from __future__ import annotations

import gc
from datetime import date

import pytest
from reportlab.platypus import Flowable, Paragraph, Spacer

from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit
from fluorodesk.domain.exposure import TrendPoint, TrendSeries
from fluorodesk.reports import document as doc_model
from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.reports.pdf import flowables as fl
from fluorodesk.reports.pdf import render
from fluorodesk.reports.pdf.styles import register_fonts, styles
from fluorodesk.reports.progress import Progress
from tests.reports.conftest import GENERATED

WIDTH = 500.0


def _table(rows: int, title: str = "T") -> doc_model.Table:
    return doc_model.Table(
        (doc_model.Column("A"), doc_model.Column("B", align="RIGHT")),
        tuple(doc_model.Row((f"a{i}", str(i))) for i in range(rows)),
        title=title,
    )


@pytest.mark.parametrize(
    "block",
    [_table(0), _table(3), _table(0, title=""), _table(3, title="")],
    ids=["empty", "rows", "empty-untitled", "rows-untitled"],
)
def test_table_flowable_count_matches_what_is_made(block):
    register_fonts()
    assert fl.table_flowable_count(block) == len(fl.table_flowables(block, WIDTH))


@pytest.mark.parametrize("note", ["", "Missed weeks are shaded."])
def test_chart_flowable_count_matches_what_is_made(note):
    register_fonts()
    series = TrendSeries(
        "Unit 1",
        ExposureMode.NORMAL,
        RateUnit.MGY_PER_MIN,
        date(2026, 1, 1),
        date(2026, 6, 30),
        (
            TrendPoint(date(2026, 2, 1), 3.0, ExposureVerdict.PASS),
            TrendPoint(date(2026, 3, 1), 3.2, ExposureVerdict.PASS),
        ),
        limit=10.0,
    )
    chart = doc_model.TrendChart(series, note=note)
    assert fl.chart_flowable_count(chart) == len(fl.chart_flowable(chart, WIDTH))


class _Keep(Spacer):
    def getKeepWithNext(self) -> bool:  # noqa: N802
        return True


def _doc(demo_services, tmp_path) -> render.PacketDocTemplate:
    import io

    data = gather(demo_services, PacketRequest(generated_at=GENERATED, sections="attestation"))
    return render.PacketDocTemplate(io.BytesIO(), data, Progress(), deterministic=True)


def test_deferred_blocks_are_expanded_at_the_front_and_behind_keep_with_next(demo_services, tmp_path):
    doc = _doc(demo_services, tmp_path)
    made: list[str] = []

    def make(name: str, count: int = 1) -> render._Deferred:
        def build() -> list[Flowable]:
            made.append(name)
            return [Paragraph(f"{name} {i}", styles()["body"]) for i in range(count)]

        return render._Deferred(build, count)

    keep = _Keep(1, 1)
    later = make("later")
    flowables: list[Flowable] = [make("first", 2), keep, make("kept"), later]
    doc.filterFlowables(flowables)
    assert made == ["first"]  # a plain paragraph at the front: nothing else to look at
    assert [f.text for f in flowables[:2]] == ["first 0", "first 1"]

    del flowables[:2]
    doc.filterFlowables(flowables)
    # reportlab groups a keep-with-next flowable with the one after it: that one must be real
    assert made == ["first", "kept"]
    assert flowables[0] is keep and flowables[1].text == "kept 0" and flowables[2] is later

    empty = render._Deferred(list, 0)
    flowables = [empty, later]
    doc.filterFlowables(flowables)
    assert [f.text for f in flowables] == ["later 0"]


def test_a_deferred_block_is_never_laid_out_as_it_is():
    with pytest.raises(AssertionError):
        render._Deferred(list, 0).wrap(100, 100)


def test_laid_out_tables_are_not_kept_until_the_layout_ends(demo_services, monkeypatch):
    """When the layout ends no table is alive any more: neither the story's (made on demand) nor
    the pieces of split tables (reportlab remembers a postponed flowable until the layout ends, so
    a split table's rest must not be postponed)."""
    data = gather(demo_services, PacketRequest(generated_at=GENERATED))
    split_tables = 0
    original_split = fl.PacketTable.split

    def split(self, availWidth, availHeight):  # type: ignore[no-untyped-def]  # noqa: N803
        nonlocal split_tables
        pieces = original_split(self, availWidth, availHeight)
        split_tables += len(pieces) > 1
        return pieces

    alive: list[int] = []
    original_save = render.PacketCanvas.save

    def save(self):  # type: ignore[no-untyped-def]
        gc.collect()
        alive.append(sum(isinstance(o, fl.PacketTable) for o in gc.get_objects()))
        original_save(self)

    monkeypatch.setattr(fl.PacketTable, "split", split)
    monkeypatch.setattr(render.PacketCanvas, "save", save)
    render.layout(data, Progress(), deterministic=True)
    assert split_tables > 10  # tables long enough to run over a page
    assert alive == [0]


def test_progress_counts_the_flowables_the_deferred_blocks_will_make(demo_services, monkeypatch):
    """Layout progress is the share of flowables placed: the total counts what every deferred
    block will make, as if the whole story had been made up front."""
    data = gather(demo_services, PacketRequest(generated_at=GENERATED))
    seen: dict[str, object] = {}
    original = render.PacketDocTemplate.build

    def build(self, story, **kwargs):  # type: ignore[no-untyped-def]
        expanded = []
        for flowable in story:
            expanded.extend(flowable.make() if isinstance(flowable, render._Deferred) else [flowable])
        seen["deferred"] = sum(isinstance(f, render._Deferred) for f in story)
        seen["expanded"] = len(expanded)
        seen["story_length"] = self.story_length
        return original(self, story, **kwargs)

    monkeypatch.setattr(render.PacketDocTemplate, "build", build)
    render.layout(data, Progress(), deterministic=True)
    assert seen["deferred"] > 20
    assert seen["story_length"] == seen["expanded"]


def _pdf_of(table, pieces_height: float) -> bytes:  # type: ignore[no-untyped-def]
    """Draw the table split into pages of ``pieces_height`` the way a frame would."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    rest = [table]
    while rest:
        current = rest.pop(0)
        _w, h = current.wrapOn(canvas, WIDTH, pieces_height)
        if h > pieces_height:
            first, _frame_break, *rest = current.split(WIDTH, pieces_height)
            first.wrapOn(canvas, WIDTH, pieces_height)
            current = first
        current.drawOn(canvas, 40, 40)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_a_table_made_again_from_its_parts_is_the_same():
    register_fonts()
    block = _table(40)
    maker = fl.TableMaker(block, WIDTH)
    first, second = maker()[2], maker()[2]
    assert first is not second and maker.parts is not None
    assert _pdf_of(first, 200) == _pdf_of(second, 200) == _pdf_of(fl.table_flowables(block, WIDTH)[2], 200)
