"""Only the director makes packets once the clinic has accounts (issue 9's roles)."""

from __future__ import annotations

import pytest

from fluorodesk.cli import main
from fluorodesk.errors import PermissionDeniedError
from fluorodesk.reports.packet import make_packet
from fluorodesk.reports.packet_data import PacketRequest
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services


@pytest.fixture
def accounts(demo_services):
    demo_services.auth.create_first_director(
        UserDraft("hpark", "Helen Park", "director", "s3cret-pass!", "s3cret-pass!")
    )
    director = Services(demo_services.db, "hpark", today=demo_services.technicians.today())
    director.auth.create_user(
        UserDraft("lortiz", "Luz Ortiz", "front_desk", "desk-pass-123", "desk-pass-123")
    )
    return demo_services


def test_front_desk_cannot_make_a_packet_and_no_file_is_written(accounts, tmp_path):
    desk = Services(accounts.db, "lortiz")
    with pytest.raises(PermissionDeniedError):
        make_packet(desk, PacketRequest(sections="attestation"), tmp_path / "p.pdf")
    assert not (tmp_path / "p.pdf").exists()


def test_the_director_can(accounts, tmp_path):
    director = Services(accounts.db, "hpark")
    result = make_packet(director, PacketRequest(sections="attestation"), tmp_path / "p.pdf")
    assert result.path.exists()


def test_cli_names_the_account_with_user(accounts, demo_dir, tmp_path, capsys):
    out = tmp_path / "cli.pdf"
    assert (
        main(["packet", "--data-dir", str(demo_dir.root), "--out", str(out), "--sections", "attestation"])
        == 1
    )
    assert "--user" in capsys.readouterr().err and not out.exists()
    code = main(
        [
            "packet",
            "--data-dir",
            str(demo_dir.root),
            "--out",
            str(out),
            "--sections",
            "attestation",
            "--user",
            "hpark",
        ]
    )
    assert code == 0 and out.exists()
