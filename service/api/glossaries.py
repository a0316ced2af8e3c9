"""Stored glossaries over HTTP: ``/v1/glossaries`` (create, list, read, download, delete), and the
``glossary_id`` that the translation routes and document jobs resolve.

A glossary belongs to the API key that created it: another key gets 404 ``glossary_not_found``
(whether it exists is not revealed) and cannot use its id; an admin key sees and uses every
glossary. Without configured keys every caller is ``anonymous``, the owner ``mts glossary add``
gives its glossaries then. All database work and all parsing and compiling of entries run off the
event loop.

:func:`install_glossaries` adds the routes; the store opens at its first use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from service.api.schemas import GlossaryItem
from service.config import Settings
from service.errors import ConfigurationError, MtsError
from service.glossaries import CompiledGlossaries, GlossaryStore, StoredGlossary, open_store
from service.glossaries.store import check_name
from service.text.glossary import (
    Glossary,
    GlossaryEntry,
    entries_from_items,
    entry_item,
    format_entries,
    parse_entries,
)

if TYPE_CHECKING:
    from service.api.state import ServiceState

log = logging.getLogger("mts.api")
router = APIRouter()
UPLOAD_PATH = "/v1/glossaries"
# Entries in one page of GET /v1/glossaries/{id}.
DEFAULT_PAGE = 1000
MAX_PAGE = 10_000
MEDIA_TYPES = {
    "tsv": "text/tab-separated-values; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
_ENTRY_FIELDS = {"entries": "json", "entries_tsv": "tsv", "entries_csv": "csv"}
# Returns a stored glossary compiled: call it in a work thread (see stored_glossary).
StoredGlossaryLoader = Callable[[], Glossary]


# -- shapes (they make /docs) -----------------------------------------------------------------------


class GlossaryUpload(BaseModel):
    name: str = Field(description="A name for people (need not be unique).", examples=["Politique"])
    entries: list[GlossaryItem] | None = Field(
        default=None, description="The entries as objects, like a request's `glossary`."
    )
    entries_tsv: str | None = Field(
        default=None,
        description="Or the entries as TSV: a header line `kind<TAB>fr<TAB>en<TAB>ko<TAB>note`, one a line.",
    )
    entries_csv: str | None = Field(
        default=None, description="Or the entries as CSV with the same columns (RFC 4180 quoting)."
    )


class GlossaryInfo(BaseModel):
    id: str = Field(description="The glossary's id: pass it as `glossary_id`.")
    name: str
    entries: int = Field(description="How many entries it holds.")
    counts: dict[str, int] = Field(
        description="Entries with a form in each language (`fr`, `en`, `ko`), and per kind.",
        examples=[{"fr": 2, "en": 2, "ko": 1, "person": 1, "term": 1}],
    )
    created: str = Field(description="When it was created (ISO 8601, UTC).")
    owner: str = Field(description="The id of the API key that owns it (`anonymous` without keys).")


class GlossaryList(BaseModel):
    glossaries: list[GlossaryInfo]


class GlossaryPage(GlossaryInfo):
    offset: int = Field(description="Index of the first entry of this page.")
    limit: int = Field(description="Most entries a page holds.")
    items: list[dict[str, str]] = Field(
        description="The entries of this page: `kind`, `fr`, `en`, `ko`, `note` (variants joined by `|`)."
    )


GLOSSARY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid entries (the message names the line or item) or name"},
    404: {"description": "No such glossary for this API key (`glossary_not_found`)"},
    413: {"description": "Upload over MTS_GLOSSARY_MAX_BYTES or MTS_GLOSSARY_MAX_ENTRIES"},
    429: {"description": "The key holds MTS_GLOSSARIES_PER_KEY glossaries already"},
}


def _upload_schema() -> dict[str, Any]:
    """The upload body's schema for the OpenAPI document: its entries refer to the document's own
    `GlossaryItem` component (the translate routes' `glossary` items), not to nested `$defs`, which
    OpenAPI viewers such as ReDoc cannot resolve."""
    schema = GlossaryUpload.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


UPLOAD_BODY = {
    "requestBody": {"content": {"application/json": {"schema": _upload_schema()}}, "required": True}
}


# -- the service ------------------------------------------------------------------------------------


class GlossaryService:
    """What the routes use: the settings, and the store with its compiled glossaries, opened at the
    first use (so an app whose clients never use glossaries never creates the database)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._opened: tuple[GlossaryStore, CompiledGlossaries] | None = None
        self._lock = threading.Lock()

    def open(self) -> tuple[GlossaryStore, CompiledGlossaries]:
        """The store and its compiled glossaries (blocking: call it in a thread). A path that cannot
        be used is a ConfigurationError (503) that says why; the rest of the service runs on."""
        with self._lock:
            if self._opened is None:
                try:
                    store = open_store(self.settings)
                except ConfigurationError as exc:
                    log.error("stored glossaries are not available", extra={"error": str(exc)})
                    raise
                self._opened = (store, CompiledGlossaries(store))
            return self._opened


def install_glossaries(app: FastAPI, state: ServiceState) -> GlossaryService:
    """Add ``/v1/glossaries`` to ``app``. An app that has them already keeps them (its service is
    returned)."""
    installed = getattr(app.state, "glossaries", None)
    if isinstance(installed, GlossaryService):
        return installed
    service = GlossaryService(state.settings)
    app.state.glossaries = service
    app.include_router(router)
    return service


def _service(request: Request) -> GlossaryService:
    service: GlossaryService = request.app.state.glossaries
    return service


async def _store(request: Request) -> tuple[GlossaryStore, CompiledGlossaries]:
    return await asyncio.to_thread(_service(request).open)


def _caller(request: Request) -> tuple[str, bool]:
    """The caller's key id and whether it is an admin key."""
    return str(getattr(request.state, "caller", "anonymous")), bool(getattr(request.state, "admin", False))


async def stored_glossary(request: Request, glossary_id: str | None) -> StoredGlossaryLoader | None:
    """What a request's ``glossary_id`` names: None without one; otherwise, once the caller is known
    to own it (404 ``glossary_not_found`` if not), a function that returns it compiled. Call that
    function in the request's work thread: it reads and compiles the glossary unless cached."""
    if glossary_id is None:
        return None
    store, compiled = await _store(request)
    caller, admin = _caller(request)
    stored = await asyncio.to_thread(store.owned, glossary_id, None if admin else caller)
    return lambda: compiled.glossary(stored)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _info(stored: StoredGlossary) -> dict[str, Any]:
    return {
        "id": stored.id,
        "name": stored.name,
        "entries": stored.entries,
        "counts": dict(stored.counts),
        "created": _iso(stored.created),
        "owner": stored.owner,
    }


def parse_upload(body: bytes, max_entries: int) -> tuple[str, list[GlossaryEntry]]:
    """The name and entries of a ``POST /v1/glossaries`` body (see :class:`GlossaryUpload`); an
    MtsError names what is wrong (the line or item of a bad entry)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise MtsError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise MtsError(
            "the body must be a JSON object with `name` and `entries`, `entries_tsv` or `entries_csv`"
        )
    unknown = sorted(set(data) - {"name", *_ENTRY_FIELDS})
    if unknown:
        raise MtsError(f"unknown field {unknown[0]!r} (expected: name, {', '.join(_ENTRY_FIELDS)})")
    given = [field for field in _ENTRY_FIELDS if data.get(field) is not None]
    if len(given) != 1:
        raise MtsError(f"give the entries in exactly one of: {', '.join(_ENTRY_FIELDS)}")
    name = check_name(data.get("name"))
    field = given[0]
    value = data[field]
    if field == "entries":
        entries = entries_from_items(value, where="entries", max_entries=max_entries)
    else:
        if not isinstance(value, str):
            raise MtsError(f"{field} must be a string")
        entries = parse_entries(value, _ENTRY_FIELDS[field], where=field, max_entries=max_entries)
    return name, entries


# -- /v1/glossaries ---------------------------------------------------------------------------------


@router.post(
    "/v1/glossaries",
    status_code=201,
    response_model=GlossaryInfo,
    responses=GLOSSARY_ERRORS,
    tags=["glossaries"],
    openapi_extra=UPLOAD_BODY,
)
async def create_glossary(request: Request) -> JSONResponse:
    """Store a glossary: a JSON body with `name` and its entries in one of `entries` (objects),
    `entries_tsv` or `entries_csv`. Answers its id, to pass as `glossary_id`."""
    from service.api.state import PayloadTooLargeError

    settings = _service(request).settings
    body = await request.body()
    if len(body) > settings.glossary_max_bytes:
        raise PayloadTooLargeError(
            f"the glossary upload has {len(body)} bytes; the limit is {settings.glossary_max_bytes}"
        )
    caller, _ = _caller(request)
    store, _ = await _store(request)

    def create() -> StoredGlossary:
        name, entries = parse_upload(body, settings.glossary_max_entries)
        return store.create(
            owner=caller,
            name=name,
            entries=entries,
            max_entries=settings.glossary_max_entries,
            max_glossaries=settings.glossaries_per_key,
        )

    stored = await asyncio.to_thread(create)
    return JSONResponse(_info(stored), status_code=201, headers={"Location": f"/v1/glossaries/{stored.id}"})


@router.get("/v1/glossaries", response_model=GlossaryList, responses=GLOSSARY_ERRORS, tags=["glossaries"])
async def list_glossaries(request: Request) -> dict[str, Any]:
    """The caller's glossaries, oldest first (every glossary for an admin key)."""
    caller, admin = _caller(request)
    store, _ = await _store(request)
    found = await asyncio.to_thread(store.list_glossaries, None if admin else caller)
    return {"glossaries": [_info(stored) for stored in found]}


async def _own(request: Request, glossary_id: str) -> StoredGlossary:
    caller, admin = _caller(request)
    store, _ = await _store(request)
    return await asyncio.to_thread(store.owned, glossary_id, None if admin else caller)


@router.get(
    "/v1/glossaries/{glossary_id}",
    response_model=GlossaryPage,
    responses=GLOSSARY_ERRORS,
    tags=["glossaries"],
)
async def get_glossary(
    glossary_id: str,
    request: Request,
    offset: Annotated[int, Query(ge=0, description="Index of the first entry to return.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Most entries to return.")] = DEFAULT_PAGE,
) -> dict[str, Any]:
    """A glossary's name, counts and creation time, and one page of its entries."""
    stored = await _own(request, glossary_id)
    store, _ = await _store(request)
    entries = await asyncio.to_thread(store.entries, stored.id, offset, limit)
    items = [entry_item(entry) for entry in entries]
    return _info(stored) | {"offset": offset, "limit": limit, "items": items}


@router.get(
    "/v1/glossaries/{glossary_id}/entries",
    responses={**GLOSSARY_ERRORS, 200: {"description": "Every entry, as TSV, CSV or JSON"}},
    tags=["glossaries"],
)
async def download_glossary(
    glossary_id: str,
    request: Request,
    format: Annotated[
        Literal["tsv", "csv", "json"], Query(description="`tsv` (default), `csv` or `json`.")
    ] = "tsv",
) -> Response:
    """Every entry of a glossary, in a file that `POST /v1/glossaries` and `mts glossary add` read back."""
    stored = await _own(request, glossary_id)
    store, _ = await _store(request)

    def render() -> str:
        return format_entries(store.entries(stored.id), format)

    text = await asyncio.to_thread(render)
    name = f"{stored.name}.{format}"
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"
    )
    return Response(
        text.encode("utf-8"), media_type=MEDIA_TYPES[format], headers={"Content-Disposition": disposition}
    )


@router.delete(
    "/v1/glossaries/{glossary_id}", status_code=204, responses=GLOSSARY_ERRORS, tags=["glossaries"]
)
async def delete_glossary(glossary_id: str, request: Request) -> Response:
    """Delete a glossary; requests naming its id get 404 from then on."""
    stored = await _own(request, glossary_id)
    store, compiled = await _store(request)
    await asyncio.to_thread(store.delete, stored.id)
    compiled.discard(stored.id)
    return Response(status_code=204)
