"""The background worker of document jobs: one thread per serving process takes queued jobs from
the shared store and translates them through the pipeline, slice by slice.

Each slice (``slice_blocks`` blocks in one target language) is saved before the next one starts, so a
restart (or another worker taking over a killed worker's job) redoes at most one slice. When every
slice of a language is done the file is rendered in that language and saved; when every language
is done the job is done. On shutdown the current slice is abandoned and the job goes back to the
queue, to resume where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

from service.documents import DocumentSettings
from service.documents.store import Job, JobStore, LanguageProgress, SliceRecord, worker_gone, worker_name
from service.errors import MtsError
from service.formats import parse_document
from service.formats.base import Block, FormatOptions, Span, TranslatedBlock
from service.quality.flags import Finding
from service.text.glossary import Glossary
from service.text.segment import segment
from service.work import Ticket, working_for

log = logging.getLogger("mts.documents")

INTERNAL_ERROR = "internal error while translating the document; see the server log"


class TranslatedSegment(Protocol):
    """One sentence of a translated slice, with its checks (what the pipeline reports)."""

    @property
    def block(self) -> int: ...
    @property
    def where(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def translation(self) -> str: ...
    @property
    def score(self) -> float | None: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def aligned(self) -> bool: ...


class BlocksTranslation(Protocol):
    """The translation of a list of blocks: one translated block per block, and the sentences."""

    @property
    def blocks(self) -> list[TranslatedBlock]: ...
    @property
    def segments(self) -> Sequence[TranslatedSegment]: ...


#: How the runner translates blocks into a target language (the pipeline's ``translate_blocks``).
class TranslateBlocks(Protocol):
    """Translates blocks into a language, with a glossary laid over the configured one and Korean
    written in a style (the pipeline's ``translate_blocks``)."""

    def __call__(
        self, blocks: list[Block], lang: str, /, glossary: Glossary | None = None, style: str | None = None
    ) -> BlocksTranslation: ...


class _JobLostError(Exception):
    """The job was deleted, expired or taken over by another worker while this one ran it."""


class _StoppingError(Exception):
    """The runner is stopping: the job goes back to the queue."""


def format_options(settings: DocumentSettings, translate_attributes: bool) -> FormatOptions:
    """How a job's file is parsed: the same at upload and at every resume, so block numbers match."""
    return FormatOptions(translate_attributes=translate_attributes, limits=settings.limits)


def count_sentences(blocks: Sequence[Block]) -> int:
    """The sentences the pipeline will translate in ``blocks`` (the unit of a job's progress)."""
    return sum(len(segment(block.text)) for block in blocks)


class DocumentRunner:
    """Takes jobs from ``store`` and runs them with ``translate`` once ``ready()`` says the models
    are loaded; removes expired jobs on start and every ``cleanup_s``."""

    def __init__(
        self,
        store: JobStore,
        settings: DocumentSettings,
        translate: TranslateBlocks,
        ready: Callable[[], bool],
        glossary: Callable[[Job], Glossary | None] = lambda job: None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.translate = translate
        self.ready = ready
        self.glossary = glossary  # the job's stored glossary, compiled (an MtsError fails the job)
        self.worker = worker_name()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ticket: Ticket | None = None
        self._last_cleanup = 0.0

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(target=self._loop, name="mts-documents", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a job was just queued in this process)."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop: the current slice is abandoned (its model work withdrawn) and its job queued again."""
        self._stop.set()
        self._wake.set()
        ticket = self._ticket
        if ticket is not None:
            ticket.cancel("the service is stopping")
        if self._thread is not None:
            self._thread.join(timeout_s)

    def cleanup(self) -> int:
        """Delete jobs older than the time to live; the number deleted."""
        self._last_cleanup = time.monotonic()
        deleted = self.store.expire(time.time() - self.settings.ttl_hours * 3600)
        if deleted:
            log.info("document jobs expired", extra={"jobs": deleted})
        return deleted

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._last_cleanup >= self.settings.cleanup_s:
                    self.cleanup()
                job = self._claim() if self.ready() else None
            except Exception:  # a store error must not end the worker; it retries after a pause
                log.exception("document store error")
                job = None
            if job is not None:
                self.run(job)
                continue
            self._wake.wait(self.settings.poll_s)
            self._wake.clear()

    def _claim(self) -> Job | None:
        return self.store.claim(self.worker, self.settings.stale_s, lambda w: worker_gone(w, self.worker))

    # -- one job ------------------------------------------------------------------------------------

    def run(self, job: Job) -> None:
        """Run a claimed job until it is done, fails, is lost, or the runner stops."""
        ticket = Ticket()
        self._ticket = ticket
        if self._stop.is_set():
            ticket.cancel("the service is stopping")
        beating = threading.Event()
        beat = threading.Thread(target=self._beat, args=(job.id, ticket, beating), daemon=True)
        beat.start()
        log.info("document job started", extra={"job": job.id, "targets": list(job.targets)})
        try:
            with working_for(ticket):
                self._translate_job(job)
            log.info("document job done", extra={"job": job.id})
        except _JobLostError:
            log.info("document job dropped: deleted or taken over", extra={"job": job.id})
        except Exception as exc:
            if self._stop.is_set():
                self.store.release(job.id, self.worker)
                log.info("document job queued again: the service is stopping", extra={"job": job.id})
            elif ticket.dead:  # the heartbeat found the job deleted or taken over
                log.info("document job dropped: deleted or taken over", extra={"job": job.id})
            elif isinstance(exc, MtsError):
                self.store.fail(job.id, self.worker, str(exc))
                log.warning("document job failed", extra={"job": job.id, "error": str(exc)})
            else:
                log.exception("document job failed", extra={"job": job.id})
                self.store.fail(job.id, self.worker, INTERNAL_ERROR)
        finally:
            beating.set()
            beat.join()
            self._ticket = None

    def _beat(self, job_id: str, ticket: Ticket, done: threading.Event) -> None:
        """Renew the job's heartbeat while it runs; cancel its work when the job is lost."""
        while not done.wait(self.settings.heartbeat_s):
            try:
                held = self.store.heartbeat(job_id, self.worker)
            except Exception:
                log.exception("document store error")
                continue
            if not held:
                ticket.cancel("the job was deleted or taken over")
                return

    def _translate_job(self, job: Job) -> None:
        document = parse_document(
            self.store.read_source(job.id),
            job.format,
            format_options(self.settings, job.translate_attributes),
        )
        blocks = document.blocks
        if len(blocks) != job.blocks_total:
            raise MtsError("the stored file no longer parses as it did at upload")
        glossary = self.glossary(job)
        for lang in job.targets:
            progress = job.progress.get(lang, LanguageProgress())
            if progress.status == "done":
                continue
            progress = LanguageProgress(
                "running",
                progress.blocks_done,
                progress.sentences_done,
                progress.flagged_sentences,
                progress.flags,
            )
            while progress.blocks_done < len(blocks):
                if self._stop.is_set():
                    raise _StoppingError
                progress = self._translate_slice(job.id, blocks, lang, progress, glossary, job.style)
            translated = self._assemble(job.id, lang, len(blocks))
            data = document.render(translated, lang)
            done = LanguageProgress(
                "done", len(blocks), progress.sentences_done, progress.flagged_sentences, progress.flags
            )
            if not self.store.save_result(job.id, self.worker, lang, data, done):
                raise _JobLostError

    def _translate_slice(
        self,
        job_id: str,
        blocks: list[Block],
        lang: str,
        progress: LanguageProgress,
        glossary: Glossary | None = None,
        style: str | None = None,
    ) -> LanguageProgress:
        """Translate and save the next slice; the language's progress after it."""
        start = progress.blocks_done
        chunk = blocks[start : start + self.settings.slice_blocks]
        result = self.translate(chunk, lang, glossary=glossary, style=style)
        if len(result.blocks) != len(chunk):
            raise RuntimeError(f"{len(result.blocks)} translated blocks for {len(chunk)} blocks")
        flags: Counter[str] = Counter(progress.flags)
        flagged = progress.flagged_sentences
        for seg in result.segments:
            if seg.flags:
                flagged += 1
                flags.update(seg.flags)
        record = SliceRecord(
            start,
            [_block_json(b) for b in result.blocks],
            [
                {
                    "block": start + seg.block,
                    "where": seg.where,
                    "source": seg.source,
                    "translation": seg.translation,
                    "score": seg.score,
                    "flags": list(seg.flags),
                    "findings": [{"flag": f.flag, "note": f.note} for f in seg.findings],
                    "aligned": seg.aligned,
                }
                for seg in result.segments
            ],
        )
        after = LanguageProgress(
            "running",
            start + len(chunk),
            progress.sentences_done + count_sentences(chunk),
            flagged,
            dict(flags),
        )
        if not self.store.save_slice(job_id, self.worker, lang, record, after):
            raise _JobLostError
        return after

    def _assemble(self, job_id: str, lang: str, count: int) -> list[TranslatedBlock]:
        """The translated blocks of every saved slice, in order, checked to cover the document."""
        translated: list[TranslatedBlock] = []
        for record in self.store.slices(job_id, lang):
            if record.start != len(translated):
                raise RuntimeError(f"slice at block {record.start} follows {len(translated)} blocks")
            translated += [_block_of(b) for b in record.blocks]
        if len(translated) != count:
            raise RuntimeError(f"{len(translated)} translated blocks saved for {count} blocks")
        return translated


def _block_json(block: TranslatedBlock) -> dict[str, object]:
    return {"text": block.text, "spans": [[s.start, s.end, s.open, s.close, s.point] for s in block.spans]}


def _block_of(data: dict[str, object]) -> TranslatedBlock:
    spans = data["spans"]
    assert isinstance(spans, list)
    return TranslatedBlock(
        str(data["text"]),
        tuple(Span(int(s[0]), int(s[1]), str(s[2]), str(s[3]), bool(s[4])) for s in spans),
    )
