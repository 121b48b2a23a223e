"""Gather the packet as plain data: validate the request, open ONE read transaction (a consistent
snapshot even while someone keeps working), check every document on file, run each section."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from fluorodesk import __version__
from fluorodesk.domain.dates import add_months, parse_date
from fluorodesk.domain.enums import Severity
from fluorodesk.errors import ValidationError
from fluorodesk.reports.context import PacketContext
from fluorodesk.reports.document import AttachmentInfo, ClinicInfo, PacketData
from fluorodesk.reports.progress import Progress
from fluorodesk.services import compliance, packet_data
from fluorodesk.services.registry import Services
from fluorodesk.services.settings import load_settings

PAGE_SIZES = ("letter", "a4")


@dataclass(frozen=True)
class PacketRequest:
    """What the user asked for.  Dates may be typed text (ISO or US); blanks take the defaults:
    as-of today (or the period's end), period the twelve months ending on the as-of date."""

    as_of: date | str | None = None
    period_from: date | str | None = None
    period_to: date | str | None = None
    sections: str | tuple[str, ...] | None = None  # None: every section; "a,b" or ("a", "b")
    prepared_by: str = ""
    page_size: str | None = None  # None: the clinic's setting
    generated_at: datetime | None = None  # fixed in tests for byte-stable output


@dataclass(frozen=True)
class ResolvedRequest:
    as_of: date
    period_from: date
    period_to: date
    sections: tuple[str, ...]
    prepared_by: str
    page_size: str | None
    generated_at: datetime


def parse_sections(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """ "exceptions, technicians" → ("exceptions", "technicians"); unknown names raise ValidationError."""
    from fluorodesk.reports.sections import SECTION_KEYS

    if value is None:
        return SECTION_KEYS
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = [n.strip().lower() for n in names if n and n.strip()]
    unknown = [n for n in wanted if n not in SECTION_KEYS]
    if unknown:
        raise ValidationError(
            fields={
                "sections": f"Unknown section{'s' if len(unknown) > 1 else ''} "
                + ", ".join(f"“{n}”" for n in unknown)
                + f"; choose from {', '.join(SECTION_KEYS)}."
            }
        )
    if not wanted:
        raise ValidationError(fields={"sections": "Choose at least one section."})
    return tuple(k for k in SECTION_KEYS if k in wanted)  # print order, no duplicates


def resolve(request: PacketRequest, today: date) -> ResolvedRequest:
    """Fill in the defaults and check the dates; every problem is reported at once."""
    errors: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for name in ("as_of", "period_from", "period_to"):
        try:
            parsed[name] = parse_date(getattr(request, name), field=name)
        except ValidationError as exc:
            errors.update(exc.fields)
            parsed[name] = None
    try:
        sections = parse_sections(request.sections)
    except ValidationError as exc:
        errors.update(exc.fields)
        sections = ()
    page_size = (request.page_size or "").strip().lower() or None
    if page_size is not None and page_size not in PAGE_SIZES:
        errors["page_size"] = "Paper size must be letter or A4."
    if errors:
        raise ValidationError(fields=errors)
    as_of = parsed["as_of"] or parsed["period_to"] or today
    period_to = parsed["period_to"] or as_of
    period_from = parsed["period_from"] or add_months(period_to, -12) + timedelta(days=1)
    if as_of > today:
        errors["as_of"] = (
            f"The as-of date {as_of.isoformat()} is in the future; use today or an earlier date."
        )
    if period_to > as_of:
        errors["period_to"] = (
            f"The period cannot end ({period_to.isoformat()}) after the as-of date ({as_of.isoformat()})."
        )
    if period_from > period_to:
        errors["period_from"] = (
            f"The period starts ({period_from.isoformat()}) after it ends ({period_to.isoformat()})."
        )
    if errors:
        raise ValidationError(fields=errors)
    return ResolvedRequest(
        as_of=as_of,
        period_from=period_from,
        period_to=period_to,
        sections=sections,
        prepared_by=request.prepared_by.strip(),
        page_size=page_size,
        generated_at=request.generated_at or datetime.now().replace(microsecond=0),
    )


def inspect_document(doc: packet_data.DocumentOnFile, label: str) -> AttachmentInfo:
    """Turn a checked document into packet data; a PDF or image that cannot be opened is a problem too."""
    problem = doc.problem
    pages = 0
    if problem is None:
        try:
            if doc.media_type == "application/pdf":
                from pypdf import PdfReader

                reader = PdfReader(doc.path)
                if reader.is_encrypted and not reader.decrypt(""):
                    raise ValueError("password-protected")
                pages = len(reader.pages)
                if pages == 0:
                    raise ValueError("no pages")
            else:
                from PIL import Image

                with Image.open(doc.path) as image:
                    image.verify()
                pages = 1
        except Exception as exc:  # any damage: say so in the packet, never skip silently
            reason = (
                "password-protected"
                if "password" in str(exc).lower() or "encrypt" in str(exc).lower()
                else ""
            )
            problem = (
                "cannot be opened (password-protected); not reproduced"
                if reason
                else "cannot be opened (the file is damaged or not what its name says); not reproduced"
            )
    return AttachmentInfo(
        id=doc.id,
        owner_type=doc.owner_type,
        owner_id=doc.owner_id,
        name=doc.name,
        media_type=doc.media_type,
        path=doc.path,
        sha256=doc.sha256,
        added_at=doc.added_at,
        added_by=doc.added_by,
        problem=problem,
        pages=pages,
        owner_label=label,
    )


def gather(services: Services, request: PacketRequest, progress: Progress | None = None) -> PacketData:
    """Everything the packet shows, as frozen data, from one consistent read of the database."""
    from fluorodesk.reports.sections import SECTIONS

    progress = progress or Progress()
    resolved = resolve(request, services.compliance.today())
    root: Path = services.db.data_dir.root
    chosen = [spec for spec in SECTIONS if spec.key in resolved.sections]
    progress.step(0.01, "Reading the records")
    with services.db.read() as session:
        settings = load_settings(session)
        findings = compliance.collect(session, resolved.as_of)
        progress.step(0.03, "Checking attached documents")
        raw_docs = packet_data.documents_on_file(session, root, resolved.as_of)
        labels = packet_data.owner_labels(session, raw_docs)
        documents = []
        for index, doc in enumerate(raw_docs):
            documents.append(inspect_document(doc, labels[(doc.owner_type, doc.owner_id)]))
            if index % 10 == 0:
                progress.step(0.03 + 0.07 * index / max(1, len(raw_docs)))
        ctx = PacketContext(
            session=session,
            settings=settings,
            as_of=resolved.as_of,
            period_from=resolved.period_from,
            period_to=resolved.period_to,
            data_root=root,
            findings=findings,
            documents=documents,
        )
        sections = []
        for index, spec in enumerate(chosen):
            progress.step(0.10 + 0.15 * index / len(chosen), f"Gathering {spec.title.lower()}")
            sections.append(spec.gather(ctx))
    severities = Counter(f.severity for f in findings)
    director = str(settings["clinic.director"]).strip()
    page_size = resolved.page_size or str(settings["packet.page_size"]).strip().lower()
    return PacketData(
        clinic=ClinicInfo(str(settings["clinic.name"]), str(settings["clinic.address"]), director),
        period_from=resolved.period_from,
        period_to=resolved.period_to,
        as_of=resolved.as_of,
        prepared_by=resolved.prepared_by or director or services.actor,
        generated_at=resolved.generated_at,
        app_version=__version__,
        page_size=page_size if page_size in PAGE_SIZES else "letter",
        sections=tuple(sections),
        counts={
            "critical": severities[Severity.CRITICAL],
            "warning": severities[Severity.WARNING],
            "info": severities[Severity.INFO],
            "documents": len(documents),
            "documents_with_problems": sum(1 for d in documents if d.problem),
        },
    )
