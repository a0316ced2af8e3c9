"""The embedded job store: one SQLite database (WAL mode, so several serving processes share it)
and a data folder with one sub-folder per job.

A job's folder holds the uploaded file (``source``), one JSON file per translated slice of blocks
per language (``<lang>/<first block>.json``: the translated blocks with their inline spans, and the
per-sentence segments with their flags), and each finished translation (``result.<lang>``). Every
file is written to a temporary name and renamed, so a reader (or a restarted worker) never sees half
a file.

A job's row says who owns it (an API key's id), its state (``queued``, ``running``, ``done``,
``failed``) and, per target language, how many blocks and sentences are done. A worker takes a job
by an atomic compare-and-set on the row (:meth:`JobStore.claim`); while it runs the job it renews a
heartbeat, and every write it makes checks that the job is still its own, so a job deleted or taken
over meanwhile is simply dropped by the worker that lost it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import MtsError

STATUSES = ("queued", "running", "done", "failed")
# A job interrupted this many times (its worker killed each time) fails instead of being retried
# for ever: a file that crashes its worker must not take every worker down in turn.
MAX_ATTEMPTS = 5
# Folders in the data folder without a row (a crash between writing the upload and recording
# the job) are removed once this old.
ORPHAN_AGE_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    format TEXT NOT NULL,
    targets TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    worker TEXT,
    heartbeat REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    blocks_total INTEGER NOT NULL,
    sentences_total INTEGER NOT NULL,
    progress TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created);
"""


class TooManyJobsError(MtsError):
    """The caller's key already holds as many jobs as it may (429): delete some or wait for them
    to expire."""


@dataclass(frozen=True)
class LanguageProgress:
    """How far a job is in one target language."""

    status: str = "queued"  # queued, running or done
    blocks_done: int = 0
    sentences_done: int = 0
    flagged_sentences: int = 0  # sentences with at least one flag
    flags: Mapping[str, int] = field(default_factory=dict)  # flag -> sentences carrying it

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "blocks_done": self.blocks_done,
            "sentences_done": self.sentences_done,
            "flagged_sentences": self.flagged_sentences,
            "flags": dict(self.flags),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LanguageProgress:
        return cls(
            status=str(data.get("status", "queued")),
            blocks_done=int(data.get("blocks_done", 0)),
            sentences_done=int(data.get("sentences_done", 0)),
            flagged_sentences=int(data.get("flagged_sentences", 0)),
            flags={str(k): int(v) for k, v in dict(data.get("flags", {})).items()},
        )


@dataclass(frozen=True)
class Job:
    """One document job as recorded (a snapshot: the runner moves it on)."""

    id: str
    owner: str
    filename: str
    format: str
    targets: tuple[str, ...]
    translate_attributes: bool
    status: str
    error: str | None
    created: float
    blocks_total: int
    sentences_total: int  # per target language
    progress: Mapping[str, LanguageProgress]
    worker: str | None = None
    heartbeat: float | None = None
    attempts: int = 0
    glossary_id: str | None = None  # a stored glossary the job's translations use
    style: str | None = None  # the register of Korean output (None: the configured one)

    @property
    def sentences_done(self) -> int:
        """Sentences translated over all target languages."""
        return sum(p.sentences_done for p in self.progress.values())


@dataclass(frozen=True)
class SliceRecord:
    """One translated slice of a job's blocks in one language, as saved."""

    start: int  # index of its first block in the document
    blocks: list[dict[str, Any]]  # {"text", "spans": [[start, end, open, close, point], ...]}
    segments: list[dict[str, Any]]  # {"block", "where", "source", "translation", "score", "flags", "aligned"}


def worker_name() -> str:
    """This process's name as a job's worker: ``host:pid:token``. The token tells this process from
    an earlier one that had the same pid (a restarted container's server is often pid 1)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def worker_gone(worker: str, me: str) -> bool:
    """Whether ``worker`` is known to be dead: an earlier process on this host whose pid is no
    longer running, or that had this process's pid. Workers on other hosts are never known dead
    (their heartbeat says when they stopped)."""
    host, _, rest = worker.partition(":")
    pid_text, _, _token = rest.partition(":")
    my_host, _, my_rest = me.partition(":")
    if host != my_host or not pid_text.isdigit():
        return False
    if worker == me:
        return False
    if pid_text == my_rest.partition(":")[0]:
        return True  # our pid, another token: a predecessor
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class JobStore:
    """Document jobs in ``root/jobs.sqlite3`` and their files in ``root/<id>/``.

    Every method opens its own connection, so the store may be used from any thread, and by every
    process that shares the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.database = root / "jobs.sqlite3"
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.database, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE), so read-then-write is atomic
        across processes."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def job_dir(self, job_id: str) -> Path:
        """The folder of a job's files."""
        return self.root / job_id

    def result_path(self, job_id: str, lang: str) -> Path:
        """Where a job's finished translation into ``lang`` is stored."""
        return self.job_dir(job_id) / f"result.{lang}"

    # -- creating and reading jobs ------------------------------------------------------------------

    def create(
        self,
        *,
        owner: str,
        filename: str,
        fmt: str,
        targets: Sequence[str],
        translate_attributes: bool,
        data: bytes,
        blocks_total: int,
        sentences_total: int,
        max_jobs: int,
        glossary_id: str | None = None,
        style: str | None = None,
        now: float | None = None,
    ) -> Job:
        """Record a new queued job with its uploaded file; TooManyJobsError when ``owner``
        already has ``max_jobs`` jobs."""
        job_id = secrets.token_urlsafe(24)
        now = time.time() if now is None else now
        folder = self.job_dir(job_id)
        folder.mkdir()
        try:
            _write_atomic(folder / "source", data)
            with self._transaction() as db:
                (count,) = db.execute("SELECT COUNT(*) FROM jobs WHERE owner = ?", (owner,)).fetchone()
                if count >= max_jobs:
                    raise TooManyJobsError(
                        f"this API key already has {count} document jobs (the limit is {max_jobs}); "
                        "delete finished ones (DELETE /v1/documents/{id}) or wait for them to expire"
                    )
                progress = {lang: LanguageProgress().to_json() for lang in targets}
                db.execute(
                    "INSERT INTO jobs (id, owner, filename, format, targets, options, status, created, "
                    "updated, blocks_total, sentences_total, progress) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        owner,
                        filename,
                        fmt,
                        json.dumps(list(targets)),
                        json.dumps(
                            {
                                "translate_attributes": translate_attributes,
                                "glossary_id": glossary_id,
                                "style": style,
                            }
                        ),
                        now,
                        now,
                        blocks_total,
                        sentences_total,
                        json.dumps(progress),
                    ),
                )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        """The job, or None when there is none with that id."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def list_jobs(self, owner: str | None = None) -> list[Job]:
        """The jobs of ``owner`` (every job when None), oldest first."""
        with self._connect() as db:
            if owner is None:
                rows = db.execute("SELECT * FROM jobs ORDER BY created").fetchall()
            else:
                rows = db.execute("SELECT * FROM jobs WHERE owner = ? ORDER BY created", (owner,)).fetchall()
        return [_job(row) for row in rows]

    def read_source(self, job_id: str) -> bytes:
        """The uploaded file."""
        return (self.job_dir(job_id) / "source").read_bytes()

    def slices(self, job_id: str, lang: str) -> list[SliceRecord]:
        """The saved slices of a job in one language, in document order."""
        folder = self.job_dir(job_id) / lang
        if not folder.is_dir():
            return []
        records = []
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            records.append(SliceRecord(int(path.stem), data["blocks"], data["segments"]))
        return records

    def delete(self, job_id: str) -> bool:
        """Remove a job and its files; False when there was none."""
        with self._connect() as db:
            deleted = db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
        if deleted:
            shutil.rmtree(self.job_dir(job_id), ignore_errors=True)
        return deleted > 0

    def expire(self, created_before: float, now: float | None = None) -> int:
        """Delete every job created before ``created_before`` (and folders left without a job);
        the number of jobs deleted."""
        now = time.time() if now is None else now
        with self._connect() as db:
            old = [row[0] for row in db.execute("SELECT id FROM jobs WHERE created < ?", (created_before,))]
        deleted = sum(self.delete(job_id) for job_id in old)
        with self._connect() as db:
            known = {row[0] for row in db.execute("SELECT id FROM jobs")}
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name not in known:
                with contextlib.suppress(OSError):
                    if folder.stat().st_mtime < now - ORPHAN_AGE_S:
                        shutil.rmtree(folder, ignore_errors=True)
        return deleted

    # -- what a worker does -------------------------------------------------------------------------

    def claim(
        self, worker: str, stale_s: float, gone: Callable[[str], bool], now: float | None = None
    ) -> Job | None:
        """Take the oldest job that needs a worker: a queued one, or a running one whose worker
        stopped (its heartbeat older than ``stale_s``, or ``gone(worker)`` says it is dead).

        The take is a compare-and-set on the job's row, so of several workers reaching for one job
        exactly one gets it. A job interrupted MAX_ATTEMPTS times fails instead."""
        now = time.time() if now is None else now
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, status, worker, heartbeat, attempts FROM jobs "
                "WHERE status IN ('queued', 'running') ORDER BY created"
            ).fetchall()
        for row in rows:
            if row["status"] == "running":
                stale = row["heartbeat"] is None or row["heartbeat"] < now - stale_s
                if not stale and not (row["worker"] and gone(row["worker"])):
                    continue
            with self._connect() as db:
                if row["attempts"] >= MAX_ATTEMPTS:
                    db.execute(
                        "UPDATE jobs SET status = 'failed', error = ?, worker = NULL, updated = ? "
                        "WHERE id = ? AND status = ? AND worker IS ? AND heartbeat IS ?",
                        (
                            f"the job was interrupted {row['attempts']} times; it is not retried",
                            now,
                            row["id"],
                            row["status"],
                            row["worker"],
                            row["heartbeat"],
                        ),
                    )
                    continue
                taken = db.execute(
                    "UPDATE jobs SET status = 'running', worker = ?, heartbeat = ?, "
                    "attempts = attempts + 1, updated = ? "
                    "WHERE id = ? AND status = ? AND worker IS ? AND heartbeat IS ?",
                    (worker, now, now, row["id"], row["status"], row["worker"], row["heartbeat"]),
                ).rowcount
            if taken:
                return self.get(row["id"])
        return None

    def heartbeat(self, job_id: str, worker: str, now: float | None = None) -> bool:
        """Renew ``worker``'s hold on a running job; False when the job is gone or no longer its."""
        now = time.time() if now is None else now
        with self._connect() as db:
            renewed = db.execute(
                "UPDATE jobs SET heartbeat = ? WHERE id = ? AND worker = ? AND status = 'running'",
                (now, job_id, worker),
            ).rowcount
        return renewed > 0

    def save_slice(
        self,
        job_id: str,
        worker: str,
        lang: str,
        record: SliceRecord,
        progress: LanguageProgress,
    ) -> bool:
        """Save a translated slice, then move the language's progress to ``progress``; False (and
        nothing recorded) when the job is gone or no longer ``worker``'s."""
        if not self._holds(job_id, worker):
            return False
        folder = self.job_dir(job_id) / lang
        try:
            folder.mkdir(exist_ok=True)  # never parents: a deleted job's folder is not recreated
            payload = json.dumps({"blocks": record.blocks, "segments": record.segments}, ensure_ascii=False)
            _write_atomic(folder / f"{record.start:09d}.json", payload.encode("utf-8"))
        except FileNotFoundError:
            return False
        return self._set_progress(job_id, worker, lang, progress)

    def save_result(
        self, job_id: str, worker: str, lang: str, data: bytes, progress: LanguageProgress
    ) -> bool:
        """Save the translation into ``lang``; once every language is done, the job is done. False
        when the job is gone or no longer ``worker``'s."""
        if not self._holds(job_id, worker):
            return False
        try:
            _write_atomic(self.result_path(job_id, lang), data)
        except FileNotFoundError:
            return False
        return self._set_progress(job_id, worker, lang, progress)

    def release(self, job_id: str, worker: str) -> None:
        """Give a running job back to the queue (the worker is stopping): any worker, or this
        service after a restart, resumes it at once."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET status = 'queued', worker = NULL, heartbeat = NULL, "
                "attempts = MAX(attempts - 1, 0), updated = ? "
                "WHERE id = ? AND worker = ? AND status = 'running'",
                (time.time(), job_id, worker),
            )

    def fail(self, job_id: str, worker: str, error: str) -> None:
        """Mark a job failed with a short reason for its owner."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, worker = NULL, updated = ? "
                "WHERE id = ? AND worker = ? AND status = 'running'",
                (error, time.time(), job_id, worker),
            )

    def _holds(self, job_id: str, worker: str) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT 1 FROM jobs WHERE id = ? AND worker = ? AND status = 'running'", (job_id, worker)
            ).fetchone()
        return row is not None

    def _set_progress(self, job_id: str, worker: str, lang: str, progress: LanguageProgress) -> bool:
        now = time.time()
        with self._transaction() as db:
            row = db.execute(
                "SELECT progress FROM jobs WHERE id = ? AND worker = ? AND status = 'running'",
                (job_id, worker),
            ).fetchone()
            if row is None:
                return False
            languages = json.loads(row["progress"])
            languages[lang] = progress.to_json()
            finished = all(entry.get("status") == "done" for entry in languages.values())
            db.execute(
                "UPDATE jobs SET progress = ?, heartbeat = ?, updated = ?, status = ?, "
                "worker = CASE WHEN ? THEN NULL ELSE worker END WHERE id = ?",
                (json.dumps(languages), now, now, "done" if finished else "running", finished, job_id),
            )
        return True


def _job(row: sqlite3.Row) -> Job:
    options = json.loads(row["options"])
    progress = {lang: LanguageProgress.from_json(p) for lang, p in json.loads(row["progress"]).items()}
    return Job(
        id=row["id"],
        owner=row["owner"],
        filename=row["filename"],
        format=row["format"],
        targets=tuple(json.loads(row["targets"])),
        translate_attributes=bool(options.get("translate_attributes", True)),
        status=row["status"],
        error=row["error"],
        created=row["created"],
        blocks_total=row["blocks_total"],
        sentences_total=row["sentences_total"],
        progress=progress,
        worker=row["worker"],
        heartbeat=row["heartbeat"],
        attempts=row["attempts"],
        glossary_id=options.get("glossary_id"),
        style=options.get("style"),
    )
