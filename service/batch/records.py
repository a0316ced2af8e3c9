"""Batch input records and output lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.errors import MtsError
from service.formats import FORMATS
from service.languages import TARGETS
from service.quality.repair import check_style

#: The formats a batch record can be: text formats only (a record is a string).
BATCH_FORMATS = tuple(fmt for fmt in FORMATS if fmt != "docx")


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
    #: What each record's text is: ``text``, or a document (``html``, ``markdown``, ``newsml``)
    #: translated with its markup; the translation field of an output line is then the document.
    format: str = "text"
    #: Check each translated NewsML-G2 item against the shipped schema; a failure is a record error.
    validate: bool = False
    #: A stored glossary (``mts glossary add``) added to the configured one for every record.
    glossary_id: str | None = None
    #: The register of Korean output (``news``, ``polite``); None: the configured one.
    style: str | None = None


def check_options(options: BatchOptions) -> None:
    """Refuse a format a batch record cannot be, a validation the format does not have, and an
    unknown Korean style."""
    if options.style is not None:
        check_style(options.style)
    if options.format == "docx":
        raise MtsError(
            "Word (.docx) files are not a batch format (a record is text); translate them one by one "
            "with `mts translate FILE.docx -o OUT.docx` or through POST /v1/documents"
        )
    if options.format not in BATCH_FORMATS:
        raise MtsError(f"unknown batch format {options.format!r}; choose one of: {', '.join(BATCH_FORMATS)}")
    if options.validate and options.format != "newsml":
        raise MtsError("--validate checks NewsML-G2 items: use it with --format newsml")


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
