"""The per-process batch worker: one pipeline (models loaded once) turning records into output lines.

The local engine runs it in-process or in worker processes; the Ray engine runs it in actors.

What goes wrong with a record is sorted by whose fault it is. A record that is wrong in itself
(the reader's bad records, a text the pipeline refuses as input, a document that is malformed or
not of the job's format, a NewsML-G2 translation that fails the schema with ``validate``) gets an
error line of kind ``record``; an unexpected exception of the pipeline on one record's text gets one of kind
``pipeline`` (retried on resume). An environmental failure (a full disk, a model or runtime crash,
any other :class:`MtsError`) is never written as a record's result: it raises
:class:`BatchEnvironmentError`, which stops the job with nothing written for that record.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from service.batch.records import PIPELINE, RECORD, BatchOptions, Record, error_line
from service.config import Settings
from service.errors import MtsError
from service.formats import parse_document
from service.formats.base import DocumentFormatError
from service.glossaries import CompiledGlossaries, open_store
from service.pipeline import DispatchRequest, DispatchResult, format_options
from service.runtime import Runtime
from service.runtime.executor import JobTooLargeError
from service.schemas import DispatchOut
from service.text.glossary import Glossary
from service.translation.base import Translator
from service.translation.cache import CachingTranslator, TranslationCache

log = logging.getLogger("mts.batch")

#: Exceptions of the pipeline that reject a record's own input: an error line of kind ``record``.
INPUT_ERRORS: tuple[type[BaseException], ...] = (JobTooLargeError, DocumentFormatError)
#: Exceptions that say the environment failed (disk, database, memory, model runtime, any other
#: :class:`MtsError`): the job stops, nothing is written for the record.
ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    sqlite3.Error,
    MemoryError,
    RuntimeError,
    MtsError,
)


class BatchEnvironmentError(MtsError):
    """Processing stopped for a reason that is not the record's: nothing was written for it."""


class BatchWorker:
    """Loads the models once and processes records in groups that share translation batches."""

    def __init__(
        self,
        settings: Settings,
        options: BatchOptions,
        on_cache_problem: Callable[[str], None] | None = None,
    ) -> None:
        if options.batch_tokens:
            settings = settings.model_copy(update={"batch_tokens": options.batch_tokens})
        self.settings = settings
        self.options = options
        # An unusable cache reports itself once (``on_cache_problem``) and turns itself off.
        self.cache = TranslationCache(settings.cache_path, on_cache_problem) if options.cache else None
        self.runtime = Runtime(settings, wrap_translator=self._cached)
        self.pipeline = self.runtime.pipeline
        self.glossary = self._stored_glossary()

    def _stored_glossary(self) -> Glossary | None:
        """The job's stored glossary (``--glossary-id``), compiled once for every record."""
        if self.options.glossary_id is None:
            return None
        store = open_store(self.settings)
        return CompiledGlossaries(store).glossary(store.owned(self.options.glossary_id, None))

    def _cached(self, translator: Translator) -> Translator:
        # Cache hits never queue for the model.
        return CachingTranslator(translator, self.cache) if self.cache is not None else translator

    @staticmethod
    def check_available(settings: Settings, options: BatchOptions) -> None:
        """Fail now, with one clear message, if a model the job needs is missing (loads nothing)."""
        runtime = Runtime(settings)
        try:
            runtime.check_available(options.langs, options.summarizer, summaries=options.summaries)
        finally:
            runtime.close()

    def preload(self) -> None:
        """Load every model the job needs now, so a missing model stops the job before any work."""
        self.runtime.warm(self.options.langs, self.options.summarizer, summaries=self.options.summaries)

    def _request(self, record: Record) -> DispatchRequest:
        assert record.text is not None
        return DispatchRequest(
            text=record.text,
            id=record.id,
            langs=self.options.langs,
            bullets=self.options.bullets,
            summarizer=self.options.summarizer,
            summaries=self.options.summaries,
            format=self.options.format,
            glossary=self.glossary,
            style=self.options.style,
        )

    def _document_error(self, record: Record) -> dict[str, Any] | None:
        """The error line of a record whose text is not a document of the job's format (None when
        it is, and for plain text): it fails alone, before its group shares translation batches."""
        if self.options.format == "text" or record.text is None:
            return None
        try:
            parse_document(record.text.encode("utf-8"), self.options.format, format_options(self.settings))
        except DocumentFormatError as exc:
            return error_line(record.id, "invalid_document", str(exc), RECORD)
        return None

    def _invalid_item(self, record_id: str, result: DispatchResult) -> dict[str, Any] | None:
        """With ``validate``, the error line of a result whose NewsML-G2 items fail the schema."""
        if not self.options.validate:
            return None
        from service.formats.newsml import validate_newsml

        for lang, translation in result.translations.items():
            problems = validate_newsml(translation.translation.encode("utf-8"))
            if problems:
                shown = "; ".join(problems[:3]) + (
                    f"; … ({len(problems) - 3} more)" if len(problems) > 3 else ""
                )
                message = f"the {lang} item does not validate against the NewsML-G2 schema: {shown}"
                return error_line(record_id, "invalid_newsml", message, RECORD)
        return None

    def _line(self, record: Record, result: DispatchResult) -> dict[str, Any]:
        invalid = self._invalid_item(record.id, result)
        if invalid is not None:
            return invalid
        line = DispatchOut.of(result).model_dump(mode="json")
        # Input fields other than id and text are carried through, unless they would hide ours.
        carried = {k: v for k, v in record.extra.items() if k not in line and k != "error"}
        return {"id": line.pop("id"), **carried, **line}

    def process(self, records: list[Record]) -> list[dict[str, Any]]:
        """One output line per record, in order: the pipeline result, or an error line.

        Raises :class:`BatchEnvironmentError` (and returns nothing) on an environmental failure."""
        lines: dict[int, dict[str, Any]] = {}
        good: list[tuple[int, Record]] = []
        for i, record in enumerate(records):
            if record.error is not None:
                lines[i] = error_line(record.id, record.error["type"], record.error["message"])
            elif (refused := self._document_error(record)) is not None:
                lines[i] = refused
            else:
                good.append((i, record))
        if good:
            try:
                results = self.pipeline.process_many([self._request(r) for _, r in good])
                for (i, record), result in zip(good, results, strict=True):
                    lines[i] = self._line(record, result)
            except Exception:
                # One bad record must not fail its neighbours: redo them one by one.
                for i, record in good:
                    lines[i] = self._process_one(record)
        return [lines[i] for i in range(len(records))]

    def _process_one(self, record: Record) -> dict[str, Any]:
        try:
            return self._line(record, self.pipeline.process(self._request(record)))
        except INPUT_ERRORS as exc:
            return error_line(record.id, type(exc).__name__, str(exc), RECORD)
        except ENVIRONMENT_ERRORS as exc:
            message = str(exc) or type(exc).__name__
            raise BatchEnvironmentError(
                f"record {record.id!r} could not be processed ({type(exc).__name__}: {message}); "
                "nothing was written for it — fix the cause and rerun the same command to resume"
            ) from exc
        except Exception as exc:  # a bug the record's text triggers: an error line, retried on resume
            log.debug("record %s failed", record.id, exc_info=True)
            return error_line(record.id, type(exc).__name__, str(exc) or type(exc).__name__, PIPELINE)

    def close(self) -> None:
        """Stop the worker's inference thread."""
        self.runtime.close()

    @property
    def cache_problem(self) -> str | None:
        """Why the translation cache turned itself off in this worker (None while it works)."""
        return self.cache.problem if self.cache is not None else None

    def cache_stats(self) -> tuple[int, int]:
        """(hits, misses) of the translation cache in this worker so far."""
        return (self.cache.hits, self.cache.misses) if self.cache is not None else (0, 0)
