"""Scanned documents for the demo clinic, so the file panels and the audit packet show real attachments.

The files are made here (small PDFs drawn with reportlab, one PNG written byte by byte) and attached
through the same code path as a user's scans: copied into the data folder, hashed, audited.
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import (
    Contract,
    Credential,
    FluoroUnit,
    Garment,
    GarmentInspection,
    MeterCalibration,
    PhysicistSurvey,
    Technician,
)
from fluorodesk.domain.enums import CredentialType, InspectionResult
from fluorodesk.services.attachments import attach_in_session


def _pdf(path: Path, title: str, lines: list[str], *, pages: int = 1) -> Path:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from fluorodesk.paths import font_path

    font = "FluoroDeskDemo"
    pdfmetrics.registerFont(TTFont(font, str(font_path())))
    # The bundled font from the first operator on: no base-14 font leaks into the merged packet.
    pdf = canvas.Canvas(str(path), pagesize=letter, invariant=1, initialFontName=font, initialFontSize=11)
    for page in range(1, pages + 1):
        pdf.setFont(font, 16)
        pdf.drawString(72, 720, title)
        pdf.setFont(font, 11)
        y = 690
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 18
        pdf.setFont(font, 8)
        pdf.drawString(72, 40, f"Demo document (not a real record) - page {page} of {pages}")
        pdf.showPage()
    pdf.save()
    return path


def _png(path: Path, width: int = 360, height: int = 220) -> Path:
    """A small card-like image: a coloured band and a frame (a stand-in for a phone photo of a card)."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            border = x < 4 or y < 4 or x >= width - 4 or y >= height - 4
            band = 20 <= y < 60
            if border:
                pixel = (40, 40, 40)
            elif band:
                pixel = (180, 30, 40)
            elif 90 <= y < 98 and 30 <= x < 300 or 120 <= y < 128 and 30 <= x < 220:
                pixel = (90, 90, 90)
            else:
                pixel = (245, 245, 240)
            row.extend(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
    return path


def attach_demo_documents(session: Session, root: Path, actor: str, written: list[Path]) -> int:
    """Attach a handful of demo scans; returns how many files were attached."""
    count = 0
    with tempfile.TemporaryDirectory(prefix="fluorodesk-demo-docs-") as tmp:
        folder = Path(tmp)

        def attach(
            owner_type: str, owner_id: int, make: Callable[[Path], Path], name: str, purpose: str
        ) -> None:
            nonlocal count
            source = make(folder / name)
            attach_in_session(
                session, root, actor, owner_type, owner_id, source, purpose=purpose, written=written
            )
            count += 1

        maria = session.scalar(select(Technician).where(Technician.last_name == "Alvarez"))
        if maria is not None:
            arrt = session.scalars(
                select(Credential).where(
                    Credential.technician_id == maria.id, Credential.type == CredentialType.ARRT
                )
            ).first()
            bls = session.scalars(
                select(Credential).where(
                    Credential.technician_id == maria.id, Credential.type == CredentialType.BLS
                )
            ).first()
            if arrt is not None:
                attach(
                    "credential",
                    arrt.id,
                    lambda p: _pdf(
                        p,
                        "ARRT - Verify Credentials",
                        [
                            f"Name: {maria.full_name}",
                            f"ARRT ID: {maria.arrt_id}",
                            "Status: Registered, in good standing",
                            "Disciplines: Radiography (R)",
                            f"Registered through: {arrt.expires_on}",
                            f"Looked up on {arrt.verified_on} by the front desk (printout saved as evidence)",
                        ],
                    ),
                    "arrt-verification.pdf",
                    "evidence",
                )
            if bls is not None:
                attach("credential", bls.id, _png, "bls-ecard.png", "document")

        contract = session.scalars(
            select(Contract).where(Contract.agency_id.is_not(None)).order_by(Contract.id)
        ).first()
        if contract is not None and contract.signed_on is not None:
            attach(
                "contract",
                contract.id,
                lambda p: _pdf(
                    p,
                    "Staffing Services Agreement (signed)",
                    [
                        f"Effective {contract.effective_on}; signed {contract.signed_on}",
                        "Scope: per diem radiologic technologists for fluoroscopy-guided procedures",
                        "Duties: weekly exposure-rate QC, radiation safety, fault reporting, HIPAA",
                        f"Clinic signatory: {contract.clinic_signatory}",
                        f"Agency signatory: {contract.party_signatory}",
                    ],
                    pages=2,
                ),
                "signed-agreement.pdf",
                "signed_contract",
            )

        unit = session.scalar(select(FluoroUnit).where(FluoroUnit.code == "CA-1"))
        if unit is not None:
            survey = session.scalars(
                select(PhysicistSurvey)
                .where(PhysicistSurvey.unit_id == unit.id)
                .order_by(PhysicistSurvey.surveyed_on.desc())
            ).first()
            if survey is not None:
                attach(
                    "survey",
                    survey.id,
                    lambda p: _pdf(
                        p,
                        "Fluoroscopy Performance Evaluation",
                        [
                            f"Unit: {unit.name} ({unit.manufacturer} {unit.model}), room {unit.room}",
                            f"Date: {survey.surveyed_on}; physicist: {survey.physicist}",
                            "Maximum air kerma rate (fluoro mode): within 21 CFR 1020.32 limits",
                            "Beam alignment, kVp accuracy, HVL, resolution, displayed AKR: pass",
                        ],
                        pages=2,
                    ),
                    "physicist-report.pdf",
                    "report",
                )

        calibration = session.scalars(
            select(MeterCalibration).order_by(MeterCalibration.calibrated_on.desc())
        ).first()
        if calibration is not None:
            attach(
                "meter_calibration",
                calibration.id,
                lambda p: _pdf(
                    p,
                    "Certificate of Calibration",
                    [
                        f"Calibrated on {calibration.calibrated_on}; due {calibration.due_on}",
                        f"Laboratory: {calibration.laboratory}",
                        f"Certificate: {calibration.certificate_number}",
                    ],
                ),
                "calibration-certificate.pdf",
                "certificate",
            )

        failed = session.scalars(
            select(GarmentInspection)
            .join(Garment)
            .where(GarmentInspection.result == InspectionResult.FAIL, GarmentInspection.voided_at.is_(None))
            .order_by(GarmentInspection.inspected_on.desc())
        ).first()
        if failed is not None:
            attach("inspection", failed.id, _png, "fluoro-image-of-crack.png", "image")
    return count
