"""Document jobs over HTTP: ``/v1/documents`` (upload a file, poll its progress, fetch the
translated file, delete it) and LibreTranslate's ``/translate_file`` and ``/download_file``, which
map onto the same jobs.

A job belongs to the API key that created it: another key gets 404 (a job's existence is not
revealed), an admin key sees every job. Job ids are random (192 bits), so a ``/download_file`` URL,
like LibreTranslate's, is itself the permission to fetch the file.

:func:`install_documents` adds the routes, the error answers and the background runner (started
and stopped with the app) to an app in one call.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException

from service.api.glossaries import GlossaryService, install_glossaries, stored_glossary
from service.documents import DocumentSettings
from service.documents.runner import DocumentRunner, count_sentences, format_options
from service.documents.store import Job, JobStore
from service.errors import ConfigurationError, MtsError, UnsupportedLanguagePairError
from service.formats import MEDIA_TYPES, check_format, detect_format, parse_document, result_name
from service.formats.base import Block
from service.languages import SOURCE
from service.quality.repair import check_style
from service.schemas import FindingOut
from service.text.glossary import Glossary

if TYPE_CHECKING:
    from service.api.state import ServiceState

log = logging.getLogger("mts.api")
router = APIRouter()
# The routes that take a file upload: their bodies may reach MTS_DOCUMENT_MAX_BYTES plus the
# multipart framing (UPLOAD_OVERHEAD_BYTES), above the other routes' MTS_MAX_BODY_BYTES.
UPLOAD_PATHS = frozenset({"/v1/documents", "/translate_file"})
UPLOAD_OVERHEAD_BYTES = 65_536
# How often a waiting /translate_file request looks at its job.
WAIT_POLL_S = 0.2


class JobNotDoneError(MtsError):
    """The translation asked for is not finished (or the job failed); 409 (the app's error map
    answers it, and TooManyJobsError with 429)."""


# -- response shapes (they make /docs) ---------------------------------------------------------------


class DocumentProgress(BaseModel):
    sentences_done: int = Field(description="Sentences translated so far, over all target languages.")
    sentences_total: int = Field(description="Sentences to translate, over all target languages.")


class DocumentLanguage(BaseModel):
    status: str = Field(description="`queued`, `running` or `done`.", examples=["running"])
    sentences_done: int
    sentences_total: int
    flagged_sentences: int = Field(description="Translated sentences with at least one flag.")
    flags: dict[str, int] = Field(description="How many sentences carry each flag.", examples=[{"number": 1}])
    result: str | None = Field(default=None, description="Where to fetch the translated file once done.")


class DocumentJob(BaseModel):
    id: str = Field(description="The job's id (random; only its owner's key sees the job).")
    status: str = Field(description="`queued`, `running`, `done` or `failed`.", examples=["running"])
    filename: str = Field(examples=["dispatch.html"])
    format: str = Field(description="`text`, `html`, `markdown`, `docx` or `newsml`.", examples=["html"])
    targets: list[str] = Field(examples=[["en", "ko"]])
    created: str = Field(description="When the job was created (ISO 8601, UTC).")
    expires: str = Field(description="When the job and its files are deleted (ISO 8601, UTC).")
    progress: DocumentProgress
    languages: dict[str, DocumentLanguage]
    error: str | None = Field(default=None, description="Why the job failed.")


class DocumentList(BaseModel):
    jobs: list[DocumentJob]


class DocumentSegment(BaseModel):
    block: int = Field(description="Index of the block (paragraph, heading, cell…) in the document.")
    where: str = Field(description="The block's place in the file.", examples=["body/p[3]"])
    source: str
    translation: str
    score: float | None = None
    flags: list[str]
    findings: list[FindingOut] = Field(
        default_factory=list, description="Why the sentence is flagged (as for `/translate`'s segments)."
    )
    aligned: bool = Field(description="Whether inline markup was placed by word alignment.")


class DocumentSegments(BaseModel):
    id: str
    lang: str
    segments: list[DocumentSegment]


DOCUMENT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed file, unsupported format or language"},
    404: {"description": "No such job (or `glossary_id`) for this API key"},
    409: {"description": "The translation is not finished (or the job failed)"},
    413: {"description": "File over MTS_DOCUMENT_MAX_BYTES"},
    429: {"description": "The key holds MTS_DOCUMENT_JOBS_PER_KEY jobs already"},
}


# -- the service --------------------------------------------------------------------------------------


@dataclass
class DocumentService:
    """What the routes use: the settings, the store and this process's runner (both opened when
    the app starts)."""

    settings: DocumentSettings
    state: ServiceState
    glossaries: GlossaryService
    store: JobStore | None = None
    runner: DocumentRunner | None = None
    problem: str = "the service is not started"

    def open(self) -> None:
        """Open the store and start the runner (it removes expired jobs, then takes queued and
        interrupted ones once the models are ready). A folder that cannot be used leaves the rest
        of the service running: the document routes answer 503 and say why."""
        try:
            self.store = JobStore(self.settings.path)
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"cannot use MTS_DOCUMENTS_PATH {str(self.settings.path)!r}: {exc}"
            log.error("document jobs are not available", extra={"error": self.problem})
            return
        state = self.state
        self.runner = DocumentRunner(
            self.store,
            self.settings,
            state.runtime.pipeline.translate_blocks,
            lambda: state.ready,
            glossary=self._glossary,
        )
        self.runner.start()

    def _glossary(self, job: Job) -> Glossary | None:
        """A job's stored glossary, compiled in the runner's thread (cached with the routes' ones);
        one deleted since the upload fails the job with ``glossary_not_found``'s message."""
        if job.glossary_id is None:
            return None
        store, compiled = self.glossaries.open()
        return compiled.glossary(store.owned(job.glossary_id, None))

    def close(self) -> None:
        """Stop the runner: its current job goes back to the queue."""
        if self.runner is not None:
            self.runner.stop()

    @property
    def jobs(self) -> JobStore:
        if self.store is None:
            raise ConfigurationError(f"document jobs are not available: {self.problem}")
        return self.store


def install_documents(
    app: FastAPI, state: ServiceState, settings: DocumentSettings | None = None
) -> DocumentService:
    """Add document jobs to ``app``: the routes and the runner, started
    after the app's own startup and stopped before its shutdown (so before the models close).
    ``settings`` default to those of the service's settings. An app that has them already keeps
    them (its service is returned)."""
    installed = getattr(app.state, "documents", None)
    if isinstance(installed, DocumentService):
        return installed
    service = DocumentService(
        settings or DocumentSettings.from_settings(state.settings), state, install_glossaries(app, state)
    )
    app.state.documents = service
    app.include_router(router)
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as value:
            await asyncio.to_thread(service.open)
            try:
                yield value
            finally:
                await asyncio.to_thread(service.close)

    app.router.lifespan_context = lifespan
    return service


def _service(request: Request) -> DocumentService:
    service: DocumentService = request.app.state.documents
    return service


def _caller(request: Request) -> tuple[str, bool]:
    """The caller's key id and whether it is an admin key."""
    return str(getattr(request.state, "caller", "anonymous")), bool(getattr(request.state, "admin", False))


async def _own_job(request: Request, job_id: str) -> Job:
    """The job if the caller may see it; 404 otherwise (whether it exists or not)."""
    store = _service(request).jobs
    job = await asyncio.to_thread(store.get, job_id)
    caller, admin = _caller(request)
    if job is None or (job.owner != caller and not admin):
        raise HTTPException(404, "no document job with this id")
    return job


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(request: Request, job: Job) -> DocumentJob:
    settings = _service(request).settings
    languages = {}
    for lang in job.targets:
        progress = job.progress[lang]
        languages[lang] = DocumentLanguage(
            status=progress.status,
            sentences_done=progress.sentences_done,
            sentences_total=job.sentences_total,
            flagged_sentences=progress.flagged_sentences,
            flags=dict(progress.flags),
            result=f"/v1/documents/{job.id}/result?lang={lang}" if progress.status == "done" else None,
        )
    return DocumentJob(
        id=job.id,
        status=job.status,
        filename=job.filename,
        format=job.format,
        targets=list(job.targets),
        created=_iso(job.created),
        expires=_iso(job.created + settings.ttl_hours * 3600),
        progress=DocumentProgress(
            sentences_done=job.sentences_done, sentences_total=job.sentences_total * len(job.targets)
        ),
        languages=languages,
        error=job.error,
    )


def _targets(values: list[str], state: ServiceState) -> list[str]:
    """The target languages of a request (``target=en&target=ko`` or ``target=en,ko``)."""
    targets = list(dict.fromkeys(t.strip() for value in values for t in value.split(",") if t.strip()))
    if not targets:
        raise MtsError("no target language given")
    for target in targets:
        state.runtime.plan.check_pair(SOURCE, target)
    return targets


async def _create_job(
    request: Request,
    upload: StarletteUploadFile,
    targets: list[str],
    fmt: str | None,
    glossary_id: str | None = None,
    style: str | None = None,
) -> Job:
    """Check and parse an uploaded file (a malformed one is a 400 here, before any job exists),
    then queue a job for it."""
    from service.api.state import PayloadTooLargeError

    service = _service(request)
    settings = service.settings
    if style is not None:
        check_style(style)
    await stored_glossary(request, glossary_id)  # 404 now when the caller may not use it
    data = await upload.read()
    if len(data) > settings.max_bytes:
        raise PayloadTooLargeError(f"the file has {len(data)} bytes; the limit is {settings.max_bytes}")
    filename = upload.filename or "document"
    fmt = (
        check_format(fmt.strip().lower())
        if fmt and fmt.strip()
        else detect_format(filename, upload.content_type)
    )
    options = format_options(settings, settings.translate_attributes)

    def parse() -> list[Block]:
        return parse_document(data, fmt, options).blocks

    blocks = await asyncio.to_thread(parse)
    if not any(block.text.strip() for block in blocks):
        raise MtsError(f"{filename!r} holds no text to translate")
    sentences = await asyncio.to_thread(count_sentences, blocks)
    caller, _ = _caller(request)
    state = service.state
    await state.store.run(lambda: state.store.add_usage(caller, characters=sum(len(b.text) for b in blocks)))
    store = service.jobs

    def create() -> Job:
        return store.create(
            owner=caller,
            filename=filename,
            fmt=fmt,
            targets=targets,
            translate_attributes=settings.translate_attributes,
            data=data,
            blocks_total=len(blocks),
            sentences_total=sentences,
            max_jobs=settings.jobs_per_key,
            glossary_id=glossary_id,
            style=style,
        )

    job = await asyncio.to_thread(create)
    if service.runner is not None:
        service.runner.wake()
    return job


def _pick_lang(job: Job, lang: str | None) -> str:
    if lang is None:
        if len(job.targets) == 1:
            return job.targets[0]
        raise MtsError(f"this job has several target languages: add ?lang= (one of {', '.join(job.targets)})")
    if lang not in job.targets:
        raise MtsError(f"this job has no target {lang!r}; its targets: {', '.join(job.targets)}")
    return lang


def _content_disposition(name: str) -> str:
    """``attachment`` with the file name, ASCII for old clients and UTF-8 (RFC 6266) for the rest."""
    ascii_name = name.encode("ascii", "replace").decode("ascii")
    fallback = "".join("_" if c in '"?\\' or not c.isprintable() else c for c in ascii_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


async def _result(request: Request, job: Job, lang: str) -> Response:
    if job.progress[lang].status != "done":
        if job.status == "failed":
            raise JobNotDoneError(f"the job failed: {job.error}")
        raise JobNotDoneError(f"the translation into {lang} is not finished; the job is {job.status}")
    store = _service(request).jobs
    try:
        data = await asyncio.to_thread(store.result_path(job.id, lang).read_bytes)
    except FileNotFoundError:  # deleted or expired meanwhile
        raise HTTPException(404, "no document job with this id") from None
    headers = {"Content-Disposition": _content_disposition(result_name(job.filename, job.format, lang))}
    return Response(data, media_type=MEDIA_TYPES[job.format], headers=headers)


# -- /v1/documents ----------------------------------------------------------------------------------


@router.post(
    "/v1/documents",
    status_code=202,
    response_model=DocumentJob,
    responses=DOCUMENT_ERRORS,
    tags=["documents"],
)
async def create_document(
    request: Request,
    file: Annotated[UploadFile, File(description="The file: .txt, .html, .md, .docx or NewsML-G2 .xml.")],
    target: Annotated[list[str], Form(description="Target language(s): repeat the field, or `en,ko`.")],
    format: Annotated[
        str | None,
        Form(description="`text`, `html`, `markdown`, `docx` or `newsml`; default: from the file."),
    ] = None,
    glossary_id: Annotated[
        str | None,
        Form(description="A stored glossary of the caller's key (`POST /v1/glossaries`) to use."),
    ] = None,
    style: Annotated[
        str | None,
        Form(
            description="The register of Korean output: `news` (한다체) or `polite` (합니다체); "
            "default: the server's MTS_KOREAN_STYLE."
        ),
    ] = None,
) -> JSONResponse:
    """Queue a file for translation; answers at once with the job (poll `GET /v1/documents/{id}`).

    The file is parsed first: a malformed one is refused (400) and no job is created."""
    targets = _targets(target, _service(request).state)
    job = await _create_job(request, file, targets, format, glossary_id or None, style or None)
    body = _describe(request, job).model_dump()
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/documents/{job.id}"})


@router.get("/v1/documents", response_model=DocumentList, responses=DOCUMENT_ERRORS, tags=["documents"])
async def list_documents(request: Request) -> DocumentList:
    """The caller's jobs, oldest first (every job for an admin key)."""
    caller, admin = _caller(request)
    store = _service(request).jobs
    jobs = await asyncio.to_thread(store.list_jobs, None if admin else caller)
    return DocumentList(jobs=[_describe(request, job) for job in jobs])


@router.get(
    "/v1/documents/{job_id}", response_model=DocumentJob, responses=DOCUMENT_ERRORS, tags=["documents"]
)
async def get_document(job_id: str, request: Request) -> DocumentJob:
    """A job's status, progress (sentences done of total) and flags per target language."""
    return _describe(request, await _own_job(request, job_id))


@router.get(
    "/v1/documents/{job_id}/result",
    responses={**DOCUMENT_ERRORS, 200: {"description": "The translated file, in the uploaded format"}},
    tags=["documents"],
)
async def get_document_result(
    job_id: str,
    request: Request,
    lang: Annotated[
        str | None, Query(description="Target language; needed when the job has several.")
    ] = None,
) -> Response:
    """The translated file (409 until that language is done)."""
    job = await _own_job(request, job_id)
    return await _result(request, job, _pick_lang(job, lang))


@router.get(
    "/v1/documents/{job_id}/segments",
    response_model=DocumentSegments,
    responses=DOCUMENT_ERRORS,
    tags=["documents"],
)
async def get_document_segments(
    job_id: str,
    request: Request,
    lang: Annotated[
        str | None, Query(description="Target language; needed when the job has several.")
    ] = None,
) -> DocumentSegments:
    """Every translated sentence so far with its place in the file, score and flags."""
    job = await _own_job(request, job_id)
    chosen = _pick_lang(job, lang)
    records = await asyncio.to_thread(_service(request).jobs.slices, job.id, chosen)
    segments = [DocumentSegment.model_validate(s) for record in records for s in record.segments]
    return DocumentSegments(id=job.id, lang=chosen, segments=segments)


@router.delete("/v1/documents/{job_id}", status_code=204, responses=DOCUMENT_ERRORS, tags=["documents"])
async def delete_document(job_id: str, request: Request) -> Response:
    """Delete a job and its files (a running job stops)."""
    job = await _own_job(request, job_id)
    await asyncio.to_thread(_service(request).jobs.delete, job.id)
    return Response(status_code=204)


# -- LibreTranslate ---------------------------------------------------------------------------------


LT_FILE_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "source", "target"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "source": {"type": "string", "example": "fr"},
                        "target": {"type": "string", "example": "en"},
                        "api_key": {"type": "string"},
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post("/translate_file", tags=["LibreTranslate"], openapi_extra=LT_FILE_BODY)
async def lt_translate_file(request: Request) -> dict[str, str]:
    """LibreTranslate `POST /translate_file`: multipart `file`, `source`, `target`; answers
    `{"translatedFileUrl"}` once the file is translated (a document job, waited for up to the
    request timeout)."""
    form = await request.form()
    upload = form.get("file")
    source, target = form.get("source"), form.get("target")
    if not isinstance(upload, StarletteUploadFile):
        raise MtsError("Invalid request: missing file parameter")
    if not isinstance(source, str) or not source:
        raise MtsError("Invalid request: missing source parameter")
    if not isinstance(target, str) or not target:
        raise MtsError("Invalid request: missing target parameter")
    state = _service(request).state
    if source not in (SOURCE, "auto"):
        raise UnsupportedLanguagePairError(
            f"files are translated from French only (source fr or auto), not {source}"
        )
    state.runtime.plan.check_pair(SOURCE, target)
    try:
        job = await _create_job(request, upload, [target], None)
    finally:
        await form.close()
    job = await _wait(request, job, state.settings.request_timeout_s)
    name = urllib.parse.quote(result_name(job.filename, job.format, target), safe="")
    return {"translatedFileUrl": f"{str(request.base_url).rstrip('/')}/download_file/{job.id}/{name}"}


async def _wait(request: Request, job: Job, timeout_s: float) -> Job:
    """Wait for a job to finish; 504 (the job goes on) past ``timeout_s``, 500 when it fails."""
    from service.api.state import RequestTimeoutError

    store = _service(request).jobs
    deadline = time.monotonic() + timeout_s
    while job.status not in ("done", "failed"):
        if time.monotonic() >= deadline:
            raise RequestTimeoutError(
                f"the file is still being translated after {timeout_s:g} s; "
                f"follow its job at /v1/documents/{job.id}"
            )
        await asyncio.sleep(WAIT_POLL_S)
        found = await asyncio.to_thread(store.get, job.id)
        if found is None:
            raise HTTPException(404, "the job was deleted")
        job = found
    if job.status == "failed":
        raise HTTPException(500, f"cannot translate the file: {job.error}")
    return job


@router.get("/download_file/{job_id}/{filename}", tags=["LibreTranslate"])
async def lt_download_file(job_id: str, filename: str, request: Request) -> Response:
    """LibreTranslate `GET /download_file/...`: the file a `/translate_file` answer points to."""
    store = _service(request).jobs
    job = await asyncio.to_thread(store.get, job_id)
    if job is not None:
        for lang in job.targets:
            if result_name(job.filename, job.format, lang) == filename:
                return await _result(request, job, lang)
    raise HTTPException(404, "no such file")
