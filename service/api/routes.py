"""HTTP routes: the /v1 API, LibreTranslate-compatible routes, and operations endpoints."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ValidationError

from service.api.glossaries import StoredGlossaryLoader, stored_glossary
from service.api.schemas import (
    DispatchRequestIn,
    ErrorResponse,
    GlossaryItem,
    KeyUsage,
    LanguagesResponse,
    LTDetectRequest,
    LTLanguage,
    LTTranslateRequest,
    SummarizeRequest,
    TranslateRequest,
    TranslateResponse,
    UsageResponse,
)
from service.api.streaming import Emit, stream
from service.errors import MtsError
from service.languages import LANGUAGES, TARGETS
from service.pipeline import Detection, DispatchListener, DispatchRequest, DispatchResult, parse_langs
from service.runtime.describe import ModelsReport, describe_models, public_summarizer
from service.schemas import DispatchOut, SegmentOut, SummaryOut, TranslationOut
from service.text.glossary import Glossary, glossary_from_mapping
from service.text.langid import detect
from service.translation.document import DocumentTranslation, Segment, SegmentListener

if TYPE_CHECKING:
    from service.api.state import ServiceState

router = APIRouter()
LIBRETRANSLATE_PATHS = frozenset({"/translate", "/languages", "/detect", "/translate_file"})
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        400: "Bad request (e.g. unsupported language pair)",
        401: "API key required",
        403: "Invalid API key",
        408: "Request body not received in time",
        413: "Text, text count or body over its limit",
        422: "Invalid request fields",
        429: "Rate limit or invalid-key limit exceeded (see Retry-After)",
        503: "Not ready, busy, queue full or shared store unreachable (see Retry-After)",
        504: "Request timed out",
    }.items()
}


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def _check_unicode(value: Any, where: str = "body") -> None:
    """Refuse strings that cannot be UTF-8 (a lone surrogate such as ``"\\ud800"`` in JSON): 400,
    naming the field, before any of it reaches the pipeline."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MtsError(
                f"{where} is not valid Unicode: a lone surrogate at character {exc.start}; "
                "send well-formed UTF-8 text"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_unicode(key, where)
            _check_unicode(item, f"{key}" if where == "body" else f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_unicode(item, f"{where}[{i}]")


def _allowed_summarizer(request: Request, asked: str | None) -> str | None:
    """The configured summarizer a request's ``summarizer`` names, or 400 listing the allowed ones.

    Requests choose only among MTS_SUMMARIZERS (by default ``extractive`` and MTS_SUMMARIZER),
    by the spec or by its public name (a local directory by its folder name); this happens before
    anything resolves a model, so a request cannot make the server look at its files."""
    if asked is None:
        return None
    allowed = _state(request).runtime.plan.allowed_summarizers
    wanted = asked.strip()
    for spec in allowed:
        if wanted in (spec, public_summarizer(spec)):
            return spec
    names = ", ".join(public_summarizer(spec) for spec in allowed)
    raise MtsError(f"summarizer {public_summarizer(wanted)!r} is not allowed; choose one of: {names}")


async def _count_characters(request: Request, texts: list[str]) -> None:
    """Add a request's accepted source characters to its key's usage (in the store)."""
    store = _state(request).store
    caller = getattr(request.state, "caller", "anonymous")
    characters = sum(len(text) for text in texts)
    await store.run(lambda: store.add_usage(caller, characters=characters))


def _check_texts(texts: list[str], state: ServiceState) -> None:
    from service.api.state import PayloadTooLargeError

    limits = state.settings
    if len(texts) > limits.max_texts:
        raise PayloadTooLargeError(f"{len(texts)} texts in one request; the limit is {limits.max_texts}")
    for i, text in enumerate(texts):
        if len(text) > limits.max_chars:
            raise PayloadTooLargeError(
                f"text {i} has {len(text)} characters; the limit is {limits.max_chars}"
            )
    if not texts:
        raise MtsError("no text given")
    for i, text in enumerate(texts):
        if not text.strip():
            raise MtsError(f"text {i} is empty")


def _request_glossary(
    state: ServiceState, items: list[GlossaryItem] | None, stored: StoredGlossaryLoader | None = None
) -> Glossary | None:
    """A request's glossary: its stored glossary (``glossary_id``, compiled unless cached) with its
    own entries laid over it, compiled (a GlossaryError, i.e. a 400, names the bad item).

    Called in the request's work thread, never on the event loop, and one request at a time."""
    if not items and stored is None:
        return None
    with state.glossary_lock:
        base = stored() if stored is not None else None
        if not items:
            return base
        glossary = glossary_from_mapping([item.model_dump(exclude_none=True) for item in items])
        glossary.prepare()
    return base.merged(glossary) if base is not None else glossary


Translating = Callable[[SegmentListener | None], list[tuple[DocumentTranslation, Detection | None]]]


async def _translation(
    request: Request,
    texts: list[str],
    source: str,
    target: str,
    glossary: list[GlossaryItem] | None = None,
    *,
    glossary_id: str | None = None,
    fmt: str = "text",
    alternatives: int = 0,
    style: str | None = None,
) -> Translating:
    """Check a translation request and its limits, count its characters, and give the work to run
    in a work thread (with a function that receives each sentence as it is ready, or None)."""
    state = _state(request)
    state.runtime.plan.check_pair(source, target)
    _check_texts(texts, state)
    stored = await stored_glossary(request, glossary_id)
    await _count_characters(request, texts)
    request.state.pair = f"{source}-{target}"
    request.state.texts = len(texts)
    if state.settings.log_text:
        request.state.text = texts
    pipeline = state.runtime.pipeline

    def work(on_segment: SegmentListener | None) -> list[tuple[DocumentTranslation, Detection | None]]:
        # The request's glossary is compiled in the work thread too: never on the event loop.
        results = pipeline.translate(
            texts,
            source,
            target,
            _request_glossary(state, glossary, stored),
            fmt=fmt,
            alternatives=alternatives,
            style=style,
            on_segment=on_segment,
        )
        request.state.segments = sum(len(doc.segments) for doc, _ in results)
        return results

    return work


def _detected(detection: Detection | None) -> dict[str, Any] | None:
    return None if detection is None else {"language": detection.language, "confidence": detection.confidence}


# -- /v1 ----------------------------------------------------------------------------------------


STREAMED = {
    "description": "The answer; with `stream: true`, server-sent events (`segment`…, then `result`)",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


@router.post(
    "/v1/translate", response_model=TranslateResponse, responses={**ERRORS, 200: STREAMED}, tags=["v1"]
)
async def v1_translate(body: TranslateRequest, request: Request) -> TranslateResponse | Response:
    """Translate one dispatch or several, keeping paragraphs; one result per text. With `stream`,
    each sentence as it is ready (`segment` events: the text's index `text`, the sentence's `index`
    and its segment fields), then the whole answer (`result`)."""
    _check_unicode(body.model_dump())
    texts = [body.text] if isinstance(body.text, str) else body.text
    work = await _translation(
        request,
        texts,
        body.source,
        body.target,
        body.glossary,
        glossary_id=body.glossary_id,
        fmt=body.format,
        alternatives=body.alternatives,
        style=body.style,
    )

    def answer(results: list[tuple[DocumentTranslation, Detection | None]]) -> TranslateResponse:
        return TranslateResponse.model_validate(
            {
                "translations": [TranslationOut.of(doc) for doc, _ in results],
                "detected_language": [_detected(d) for _, d in results] if body.source == "auto" else None,
            }
        )

    state = _state(request)
    if not body.stream:
        return answer(await state.run_blocking(lambda: work(None), request.is_disconnected))

    def streamed(emit: Emit) -> dict[str, Any]:
        def on_segment(text: int, index: int, segment: Segment) -> None:
            emit("segment", {"text": text, "index": index, **_segment_json(segment)})

        return answer(work(on_segment)).model_dump(mode="json")

    return await stream(request, state, streamed)


def _segment_json(segment: Segment) -> dict[str, Any]:
    return SegmentOut.of(segment).model_dump(mode="json")


async def _dispatch_work(
    request: Request, body: DispatchRequestIn | SummarizeRequest, *, translations: bool
) -> Callable[[DispatchListener | None], DispatchResult]:
    """Check the request and limits, count its characters, and give the work that runs the
    dispatch through the pipeline in a work thread (with a function that receives each translated
    sentence as it is ready, or None)."""
    _check_unicode(body.model_dump())
    state = _state(request)
    _check_texts([body.text], state)
    summarizer = _allowed_summarizer(request, body.summarizer)
    stored = await stored_glossary(request, body.glossary_id)
    await _count_characters(request, [body.text])
    dispatch = DispatchRequest(
        text=body.text,
        format=body.format,
        id=getattr(body, "id", None),
        langs=parse_langs(body.langs) if body.langs is not None else TARGETS,
        bullets=body.bullets,
        summarizer=summarizer,
        strict=body.strict,
        translations=translations,
        style=body.style,
    )
    request.state.pair = "fr-" + "+".join(dispatch.langs)
    pipeline = state.runtime.pipeline
    items = body.glossary

    def work(on_segment: DispatchListener | None) -> DispatchResult:
        # The request's glossary is compiled here, in the work thread: never on the event loop.
        return pipeline.process(
            dataclasses.replace(dispatch, glossary=_request_glossary(state, items, stored)), on_segment
        )

    return work


@router.post("/v1/dispatches", response_model=DispatchOut, responses={**ERRORS, 200: STREAMED}, tags=["v1"])
async def v1_dispatches(body: DispatchRequestIn, request: Request) -> DispatchOut | Response:
    """The full pipeline: translations plus bullet summaries with support verdicts. With `stream`,
    each sentence as it is ready (`segment` events: its language `lang`, its `index` and its
    segment fields; English first, then Korean), then the whole answer (`result`)."""
    work = await _dispatch_work(request, body, translations=True)
    state = _state(request)
    if not body.stream:
        return DispatchOut.of(await state.run_blocking(lambda: work(None), request.is_disconnected))

    def streamed(emit: Emit) -> dict[str, Any]:
        def on_segment(lang: str, index: int, segment: Segment) -> None:
            emit("segment", {"lang": lang, "index": index, **_segment_json(segment)})

        return DispatchOut.of(work(on_segment)).model_dump(mode="json")

    return await stream(request, state, streamed)


@router.post("/v1/summarize", response_model=SummaryOut, responses=ERRORS, tags=["v1"])
async def v1_summarize(body: SummarizeRequest, request: Request) -> SummaryOut:
    """Bullets only (French, plus the requested languages), each with its support verdict."""
    work = await _dispatch_work(request, body, translations=False)
    return SummaryOut.of(await _state(request).run_blocking(lambda: work(None), request.is_disconnected))


@router.get("/v1/languages", response_model=LanguagesResponse, tags=["v1"])
async def v1_languages(request: Request) -> dict[str, Any]:
    """Source and target languages, and the pairs translated."""
    plan = _state(request).runtime.plan
    return {
        "sources": list(plan.sources),
        "targets": list(plan.targets),
        "pairs": [{"source": s, "target": t} for s, t in plan.pairs],
    }


@router.get("/v1/models", response_model=ModelsReport, tags=["v1"])
async def v1_models(request: Request) -> ModelsReport:
    """The models: the catalog and the configured ones, with revisions, licences, what uses each,
    and whether (and on which backend) it is loaded. The same report as `mts models list`, except
    that local paths show as folder names unless the caller holds an admin key (MTS_ADMIN_KEYS)."""
    admin = bool(getattr(request.state, "admin", False))
    return describe_models(_state(request).runtime, hide_paths=not admin)


@router.get("/v1/usage", response_model=UsageResponse, responses=ERRORS, tags=["v1"])
async def v1_usage(request: Request) -> UsageResponse:
    """Requests and source characters counted for the caller's API key (named by a SHA-256 prefix,
    never the key); an admin key (MTS_ADMIN_KEYS) sees every key. The counts live in the store:
    with MTS_STORE_URL, the totals of every worker."""
    state = _state(request)
    store = state.store
    caller: str = getattr(request.state, "caller", "anonymous")
    admin = bool(getattr(request.state, "admin", False))
    found = await store.run(lambda: store.usage(None if admin else caller))
    return UsageResponse(
        caller=caller,
        shared=store.shared,
        keys=[KeyUsage(key=u.key, requests=u.requests, characters=u.characters) for u in found],
    )


# -- LibreTranslate-compatible --------------------------------------------------------------------


async def _lt_payload(request: Request) -> dict[str, Any]:
    """LibreTranslate clients send JSON or form fields."""
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):
            raise MtsError("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise MtsError("the body must be a JSON object")
        return data
    form = await request.form()
    data = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    return data


def _lt_validate(model: type[LTTranslateRequest] | type[LTDetectRequest], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise MtsError(f"invalid request: {field}: {first.get('msg', 'invalid')}") from None


LT_TRANSLATE_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": LTTranslateRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": LTTranslateRequest.model_json_schema()},
        },
        "required": True,
    }
}


@router.post("/translate", tags=["LibreTranslate"], openapi_extra=LT_TRANSLATE_BODY)
async def lt_translate(request: Request) -> dict[str, Any]:
    """LibreTranslate `POST /translate`: `q` (text or list), `source` (or `auto`), `target`, `format`."""
    payload = await _lt_payload(request)
    _check_unicode(payload)
    body: LTTranslateRequest = _lt_validate(LTTranslateRequest, payload)
    texts = [body.q] if isinstance(body.q, str) else body.q
    work = await _translation(
        request, texts, body.source, body.target, fmt=body.format, alternatives=body.alternatives
    )
    results = await _state(request).run_blocking(lambda: work(None), request.is_disconnected)
    translated = [doc.translation for doc, _ in results]
    others = [[a.text for a in doc.alternatives or ()] for doc, _ in results]
    detected = [_detected(d) for _, d in results]
    single = isinstance(body.q, str)
    answer: dict[str, Any] = {}
    if body.source == "auto":
        answer["detectedLanguage"] = detected[0] if single else detected
    answer["translatedText"] = translated[0] if single else translated
    if body.alternatives:
        answer["alternatives"] = others[0] if single else others
    return answer


@router.get("/languages", response_model=list[LTLanguage], tags=["LibreTranslate"])
async def lt_languages(request: Request) -> list[dict[str, Any]]:
    """LibreTranslate `GET /languages`: each language with the targets it translates into."""
    pairs = _state(request).runtime.plan.pairs
    return [
        {"code": code, "name": language.name, "targets": [t for s, t in pairs if s == code]}
        for code, language in LANGUAGES.items()
    ]


@router.post("/detect", tags=["LibreTranslate"])
async def lt_detect(request: Request) -> list[dict[str, Any]]:
    """LibreTranslate `POST /detect`: `[{"language", "confidence"}]`, most likely first."""
    payload = await _lt_payload(request)
    _check_unicode(payload)
    body: LTDetectRequest = _lt_validate(LTDetectRequest, payload)
    _check_texts([body.q], _state(request))
    guesses = [g for g in detect(body.q) if g.confidence > 0] or detect(body.q)[:1]
    return [{"language": g.language, "confidence": round(g.confidence, 1)} for g in guesses]


# -- operations -----------------------------------------------------------------------------------


@router.get("/livez", tags=["operations"])
async def livez() -> dict[str, str]:
    """The process is alive (always cheap)."""
    return {"status": "alive"}


@router.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready yet"}})
async def readyz(request: Request) -> Response:
    """200 once models are loaded and warm and the store (MTS_STORE_URL) answers; 503 with the
    reason otherwise."""
    state = _state(request)
    reason = state.reason
    if state.ready:
        problem = await state.store.run(state.store.ping)
        if problem is None:
            return JSONResponse({"status": "ready"})
        reason = problem
    return JSONResponse(
        {"status": "not_ready", "reason": reason}, status_code=503, headers={"Retry-After": "5"}
    )


@router.get("/metrics", tags=["operations"])
async def metrics(request: Request) -> Response:
    """Prometheus metrics (with several workers, the totals of all of them)."""
    return Response(_state(request).metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
