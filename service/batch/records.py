"""Batch input records and output lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.languages import TARGETS


@dataclass(frozen=True)
class BatchOptions:
    """What the batch job does with each record."""

    langs: tuple[str, ...] = TARGETS
    summaries: bool = True
    bullets: int | None = None
    summarizer: str | None = None
    batch_tokens: int | None = None
    records_per_batch: int = 16
    cache: bool = True


@dataclass(frozen=True)
class Record:
    """One input dispatch, or the reason it cannot be processed."""

    id: str
    text: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    error: dict[str, str] | None = None

    def as_row(self) -> dict[str, Any]:
        """A plain dict (for datasets that ship records between processes)."""
        return {"id": self.id, "text": self.text, "extra": self.extra, "error": self.error}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Record:
        """The inverse of :meth:`as_row`."""
        return cls(row["id"], row.get("text"), dict(row.get("extra") or {}), row.get("error"))


def error_line(record_id: str, kind: str, message: str) -> dict[str, Any]:
    """The output line of a record that failed."""
    return {"id": record_id, "error": {"type": kind, "message": message}}
