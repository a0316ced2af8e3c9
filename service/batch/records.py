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


#: ``error.kind`` of a record that is wrong in itself (bad JSON, no text, a text the pipeline
#: refuses as input): processing it again gives the same error, so a resumed run keeps the line.
RECORD = "record"
#: ``error.kind`` of a record on which the pipeline failed unexpectedly (a bug the text triggers):
#: a resumed run retries it, like an error line of any kind other than ``record``.
PIPELINE = "pipeline"


def error_line(record_id: str, error_type: str, message: str, kind: str = RECORD) -> dict[str, Any]:
    """The output line of a record that failed: ``{"id", "error": {"type", "message", "kind"}}``."""
    return {"id": record_id, "error": {"type": error_type, "message": message, "kind": kind}}


def is_final(line: dict[str, Any]) -> bool:
    """Whether an output line settles its record: a result, or an error of kind ``record``.

    Any other error line (another kind, or an old line without a kind) is retried on resume."""
    error = line.get("error")
    if error is None:
        return True
    return isinstance(error, dict) and error.get("kind") == RECORD
