"""A finding: one thing that needs attention, as of a date.

The Overview tab, ``fluorodesk status`` and the audit packet's exceptions page all read the same
list of findings, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from fluorodesk.domain.enums import Area, Severity


@dataclass(frozen=True)
class Finding:
    area: Area
    severity: Severity
    code: str  # stable, machine-readable, e.g. "credential.expired"
    subject: str  # who or what: "Jane Doe", "Apron A-014", "C-arm OR 2"
    message: str  # what is wrong, in words
    action: str = ""  # what to do about it
    due: date | None = None
    entity: str = ""  # table the finding points at, for navigation
    entity_id: int | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.severity.rank, self.due or date.max, self.area.value, self.subject, self.code)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["area"] = self.area.value
        data["severity"] = self.severity.value
        data["due"] = self.due.isoformat() if self.due else None
        return data


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most urgent first: critical before warning before info, then the earliest due date."""
    return sorted(findings, key=Finding.sort_key)
