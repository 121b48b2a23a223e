"""`fluorodesk packet`: writes a PDF; bad sections, dates and paths are usage errors in one sentence."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from fluorodesk.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_packet_is_written(capsys, demo_dir, tmp_path):
    out = tmp_path / "packet.pdf"
    code, stdout, _ = run(
        capsys,
        "packet",
        "--data-dir",
        str(demo_dir.root),
        "--out",
        str(out),
        "--as-of",
        "2026-11-26",
        "--sections",
        "exceptions,attestation",
        "--prepared-by",
        "L. Ortiz",
    )
    assert code == 0 and "Packet written" in stdout
    assert re.search(r"\(\d+ pages; [1-9]\d* critical and [1-9]\d* warning findings?\)", stdout), stdout
    reader = PdfReader(out)
    text = " ".join((p.extract_text() or "") for p in reader.pages)
    assert "L. Ortiz" in text and "Attestation" in text and "Kevin Brooks" in text
    assert "Technicians and credentials" not in text


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--sections", "exceptions,aprons"], "Unknown section “aprons”"),
        (["--sections", ","], "Choose at least one section."),
        (["--from", "2026-05-02", "--to", "2026-05-01"], "starts (2026-05-02) after it ends"),
        (["--as-of", "2026-06-30", "--to", "2026-07-31"], "cannot end"),
    ],
)
def test_usage_errors_are_one_sentence(capsys, demo_dir, tmp_path, extra, words):
    out = tmp_path / "p.pdf"
    code, _, err = run(capsys, "packet", "--data-dir", str(demo_dir.root), "--out", str(out), *extra)
    assert code == 2 and words in err
    assert err.startswith("fluorodesk: ") and err.count("\n") == 1
    assert not out.exists()


def test_output_must_be_a_pdf_in_an_existing_folder(capsys, demo_dir, tmp_path):
    code, _, err = run(
        capsys, "packet", "--data-dir", str(demo_dir.root), "--out", str(tmp_path / "x" / "p.pdf")
    )
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "packet", "--data-dir", str(demo_dir.root), "--out", str(tmp_path / "p.txt"))
    assert code == 2 and "must end in .pdf" in err


def test_bad_date_and_missing_out_are_argparse_usage_errors(capsys, demo_dir, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(
            [
                "packet",
                "--data-dir",
                str(demo_dir.root),
                "--out",
                str(tmp_path / "p.pdf"),
                "--as-of",
                "2026-02-30",
            ]
        )
    assert info.value.code == 2 and "is not a date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["packet", "--data-dir", str(demo_dir.root)])
    assert info.value.code == 2


def test_missing_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(
        capsys, "packet", "--data-dir", str(tmp_path / "none"), "--out", str(tmp_path / "p.pdf")
    )
    assert code == 1 and "does not exist" in err
