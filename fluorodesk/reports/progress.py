"""Progress reporting and cancellation for long packet runs (the GUI's bar and Cancel button)."""

from __future__ import annotations

from collections.abc import Callable


class PacketCancelled(Exception):
    """The user cancelled; nothing was written under the target name."""


class Progress:
    """``report(fraction 0..1, text)``; ``cancelled()`` is polled often and stops the run."""

    def __init__(
        self,
        report: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self._report = report
        self._cancelled = cancelled
        self.text = ""

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise PacketCancelled("The packet was cancelled; no file was written.")

    def step(self, fraction: float, text: str | None = None) -> None:
        self.check()
        if text is not None:
            self.text = text
        if self._report is not None:
            self._report(max(0.0, min(1.0, fraction)), self.text)
