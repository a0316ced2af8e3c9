"""Document jobs: a file handed over HTTP is translated in the background, its progress can be
polled, and the translated file fetched later.

Jobs and their files live in an embedded store (:mod:`service.documents.store`: SQLite plus a data
folder) that every serving process of one machine shares; a background runner in each process
(:mod:`service.documents.runner`) claims queued jobs and translates them slice by slice, so a
restarted service resumes a job where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from service.config import Settings
from service.formats.base import Limits


@dataclass(frozen=True)
class DocumentSettings:
    """What the document jobs are configured with (built from the service's settings).

    ``slice_blocks`` bounds the work lost to a crash: a job's translated blocks are saved every
    ``slice_blocks`` blocks per language, and a restart redoes at most one slice. A worker writes a
    heartbeat every ``heartbeat_s`` while it runs a job; a job whose heartbeat is older than
    ``stale_s`` (its worker was killed) is taken over by another worker."""

    path: Path
    ttl_hours: float = 24.0
    max_bytes: int = 10_000_000
    jobs_per_key: int = 20
    translate_attributes: bool = True
    limits: Limits = field(default_factory=Limits)  # what a file may hold, checked while parsing
    slice_blocks: int = 16
    heartbeat_s: float = 10.0
    stale_s: float = 60.0
    poll_s: float = 1.0
    cleanup_s: float = 60.0

    def __post_init__(self) -> None:
        if self.ttl_hours <= 0:
            raise ValueError("ttl_hours must be positive")
        if self.max_bytes < 1 or self.jobs_per_key < 1 or self.slice_blocks < 1:
            raise ValueError("max_bytes, jobs_per_key and slice_blocks must be at least 1")
        if not 0 < self.heartbeat_s < self.stale_s:
            raise ValueError("heartbeat_s must be positive and below stale_s")

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentSettings:
        """The document settings of the service's settings (MTS_DOCUMENTS_PATH, MTS_DOCUMENT_*)."""
        return cls(
            path=settings.documents_path,
            ttl_hours=settings.document_ttl_hours,
            max_bytes=settings.document_max_bytes,
            jobs_per_key=settings.document_jobs_per_key,
            translate_attributes=settings.translate_attributes,
            limits=Limits(
                max_bytes=settings.document_max_bytes,
                max_elements=settings.max_elements,
                max_depth=settings.max_depth,
            ),
        )
