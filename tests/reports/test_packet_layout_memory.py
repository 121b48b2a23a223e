"""The packet's layout keeps only what it is laying out: block flowables are made when reached and
dropped once placed, so memory does not grow with the size of the clinic; the PDF is unchanged."""

from __future__ import annotations

import gc
from datetime import date

import pytest
from reportlab.platypus import Flowable, Paragraph, Spacer

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
    chart = doc_model.TrendChart(
        title="Unit 1",
        unit="mGy/min",
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        points=(doc_model.TrendPoint(date(2026, 2, 1), 3.0), doc_model.TrendPoint(date(2026, 3, 1), 3.2)),
        limit=10.0,
        note=note,
    )
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


def test_undo_notes_are_kept_only_for_the_storys_own_flowables():
    notes: list[tuple] = []
    story_flowable, piece = Spacer(1, 1), Spacer(1, 1)
    edits = render._StoryEdits(notes.append, {id(story_flowable)})
    edits((delattr, story_flowable, "_postponed"))
    edits((delattr, piece, "_postponed"))
    assert notes == [(delattr, story_flowable, "_postponed")]


def test_laid_out_tables_are_not_kept_across_the_passes(demo_services, monkeypatch):
    """At the end of each pass no table is alive any more: neither the story's (made on demand) nor
    the pieces of split tables (reportlab's undo notes used to keep every postponed piece)."""
    data = gather(demo_services, PacketRequest(generated_at=GENERATED))
    tables_in_data = sum(
        isinstance(b, doc_model.Table) and bool(b.rows) for s in data.sections for b in s.blocks
    )
    assert tables_in_data > 10
    alive: list[int] = []
    original = render._PageTotal.afterBuild

    def after_build(self):  # type: ignore[no-untyped-def]
        gc.collect()
        alive.append(sum(isinstance(o, fl.PacketTable) for o in gc.get_objects()))
        original(self)

    monkeypatch.setattr(render._PageTotal, "afterBuild", after_build)
    result = render.layout(data, Progress(), deterministic=True)
    assert result.passes == len(alive) == 1
    assert alive == [0]


def test_progress_counts_the_flowables_the_deferred_blocks_will_make(demo_services, monkeypatch):
    """Layout progress is the share of flowables placed: the total counts what every deferred
    block will make, as if the whole story had been made up front."""
    data = gather(demo_services, PacketRequest(generated_at=GENERATED))
    seen: dict[str, object] = {}
    original = render.PacketDocTemplate.multiBuild

    def multi_build(self, story, maxPasses=10, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N803
        expanded = []
        for flowable in story:
            expanded.extend(flowable.make() if isinstance(flowable, render._Deferred) else [flowable])
        seen["deferred"] = sum(isinstance(f, render._Deferred) for f in story)
        seen["expanded"] = len(expanded)
        seen["story_length"] = self.story_length
        return original(self, story, maxPasses, **kwargs)

    monkeypatch.setattr(render.PacketDocTemplate, "multiBuild", multi_build)
    render.layout(data, Progress(), deterministic=True)
    assert seen["deferred"] > 20
    assert seen["story_length"] == seen["expanded"]


def _classic_table(block: doc_model.Table, width: float) -> fl.PacketTable:
    """The table as reportlab builds it on its own: a style object per cell, every command applied."""
    from reportlab.platypus import TableStyle

    parts = fl.table_parts(block, width)
    cell_commands = [
        ("FONT", (0, 0), (-1, 0), fl.FONT_BOLD, 8, 10),
        ("FONT", (0, 1), (-1, -1), fl.FONT, 8, 10),
        ("TEXTCOLOR", (0, 0), (-1, -1), fl.INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), fl.CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), fl.CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
    ]
    cell_commands += [
        ("ALIGN", (i, 0), (i, -1), c.align) for i, c in enumerate(block.columns) if c.align != "LEFT"
    ]
    cell_commands += [
        ("TEXTCOLOR", (0, n), (-1, n), fl.TONE_TEXT[row.tone])
        for n, row in enumerate(block.rows, start=1)
        if row.tone in fl.TONE_TEXT
    ]
    table = fl.PacketTable(
        [list(r) for r in parts.data], colWidths=list(parts.widths), repeatRows=1, splitInRow=0, hAlign="LEFT"
    )
    table.setStyle(TableStyle(cell_commands + parts.commands))
    return table


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
            first, *rest = current.split(WIDTH, pieces_height)
            first.wrapOn(canvas, WIDTH, pieces_height)
            current = first
        current.drawOn(canvas, 40, 40)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_shared_cell_styles_give_every_cell_the_style_reportlab_would_give_it():
    register_fonts()
    tones = ["", "bad", "warn", "muted", "ok", ""]
    block = doc_model.Table(
        (
            doc_model.Column("Name", 2),
            doc_model.Column("Count", 0.6, "RIGHT"),
            doc_model.Column("Mid", 1, "CENTER"),
        ),
        tuple(
            doc_model.Row((f"row {i} " + "word " * (i % 7), str(i), "x"), tones[i % len(tones)])  # type: ignore[arg-type]
            for i in range(120)
        ),
        title="Mixed",
    )
    ours = fl.table_flowables(block, WIDTH)[2]
    classic = _classic_table(block, WIDTH)
    sample = ours._cellStyles[0][0]
    attributes = [a for a in dir(sample) if not a.startswith("_") and not callable(getattr(sample, a))]
    attributes.remove("name")  # reportlab's own label, "(row, column)"
    assert {"fontname", "fontsize", "leading", "color", "alignment", "valign", "leftPadding"} <= set(
        attributes
    )
    for ours_row, classic_row in zip(ours._cellStyles, classic._cellStyles, strict=True):
        for mine, theirs in zip(ours_row, classic_row, strict=True):
            assert {a: getattr(mine, a) for a in attributes} == {a: getattr(theirs, a) for a in attributes}
    assert ours._bkgrndcmds == classic._bkgrndcmds and ours._linecmds == classic._linecmds
    assert _pdf_of(ours, 300) == _pdf_of(classic, 300)


def test_a_table_made_again_from_its_parts_is_the_same():
    register_fonts()
    block = _table(40)
    maker = fl.TableMaker(block, WIDTH)
    first, second = maker()[2], maker()[2]
    assert first is not second and maker.parts is not None
    assert _pdf_of(first, 200) == _pdf_of(second, 200) == _pdf_of(fl.table_flowables(block, WIDTH)[2], 200)


def test_row_heights_given_to_a_table_are_the_ones_reportlab_works_out():
    """Rows of one to several lines (long text broken to fit, a bold header of two lines): the
    heights ``table_parts`` gives the table are reportlab's own, so pages split at the same rows."""
    register_fonts()
    block = doc_model.Table(
        (doc_model.Column("Note on the\ncase", 3), doc_model.Column("Count", 0.6, "RIGHT")),
        tuple(
            doc_model.Row(("a long remark " * (i % 25), str(i)), "bad" if i % 5 else "") for i in range(80)
        ),
        title="Notes",
    )
    ours = fl.table_flowables(block, WIDTH)[2]
    classic = _classic_table(block, WIDTH)
    assert ours._argH == fl.table_parts(block, WIDTH).heights and None not in ours._argH
    classic.wrap(WIDTH, 1e9)
    assert ours._argH == classic._rowHeights
    assert len(set(ours._argH)) >= 4  # header, one-line and several-line rows
    assert _pdf_of(ours, 200) == _pdf_of(classic, 200)
