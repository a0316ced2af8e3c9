"""HTTP routes: the /v1 API, LibreTranslate-compatible routes, and operations endpoints."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from service.api.schemas import (
    DispatchRequestIn,
    DispatchResponse,
    ErrorResponse,
    GlossaryItem,
    LanguagesResponse,
    LTDetectRequest,
    LTLanguage,
    LTTranslateRequest,
    ModelsResponse,
    SummarizeRequest,
    SummarizeResponse,
    TranslateRequest,
    TranslateResponse,
)
from service.api.security import bearer_token, check_key
from service.errors import MtsError, UnsupportedLanguagePairError
from service.pipeline import TARGET_LANGS, DispatchRequest, parse_langs
from service.text.glossary import Glossary, glossary_from_mapping
from service.text.langid import detect
from service.translation.document import DocumentTranslation, Segment

if TYPE_CHECKING:
    from service.api.state import ServiceState

router = APIRouter()
LIBRETRANSLATE_PATHS = frozenset({"/translate", "/languages", "/detect"})
SOURCES = ("fr",)
LANGUAGE_NAMES = {"fr": "French", "en": "English", "ko": "Korean"}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        400: "Bad request (e.g. unsupported language pair)",
        401: "API key required",
        403: "Invalid API key",
        413: "Text, text count or body over its limit",
        422: "Invalid request fields",
        429: "Rate limit exceeded (see Retry-After)",
        503: "Not ready, busy or queue full (see Retry-After)",
        504: "Request timed out",
    }.items()
}


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def _authorize(request: Request, body_key: str | None = None) -> None:
    state = _state(request)
    key = check_key(
        state.settings.api_key_set, bearer_token(request.headers.get("authorization")) or body_key
    )
    caller = key or (request.client.host if request.client else "anonymous")
    state.limiter.check(caller)


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


def _pair_error(source: str, target: str) -> UnsupportedLanguagePairError:
    pairs = ", ".join(f"{s}→{t}" for s in SOURCES for t in TARGET_LANGS)
    return UnsupportedLanguagePairError(
        f"cannot translate {source}→{target}; supported pairs: {pairs} (source may be `auto`)"
    )


def _source_for(text: str, source: str, target: str) -> tuple[str, dict[str, Any] | None]:
    """The source language of one text and, for `auto`, the detection result."""
    if source != "auto":
        if source not in SOURCES or target not in TARGET_LANGS:
            raise _pair_error(source, target)
        return source, None
    if target not in TARGET_LANGS:
        raise _pair_error(source, target)
    guess = detect(text)[0]
    detected = {"language": guess.language, "confidence": round(guess.confidence, 1)}
    # Undetermined or unsupported text is translated as French (the models are French-source).
    language = guess.language if guess.language in (*SOURCES, *TARGET_LANGS) else "fr"
    return language, detected


def _request_glossary(items: list[GlossaryItem] | None) -> Glossary | None:
    """A request's own glossary entries (a GlossaryError, i.e. a 400, names the bad item)."""
    if not items:
        return None
    return glossary_from_mapping([item.model_dump(exclude_none=True) for item in items])


def _translate_one(
    state: ServiceState, text: str, source: str, target: str, glossary: Glossary | None = None
) -> DocumentTranslation:
    if source == target:
        # Already in the target language (detected): nothing to translate.
        from service.text.segment import segment

        sentences = segment(text)
        return DocumentTranslation(
            source, target, text, [], [Segment(s.paragraph, s.text, s.text, None) for s in sentences]
        )
    return state.engine.translate_document(text, source, target, glossary)


async def _translate_texts(
    request: Request, texts: list[str], source: str, target: str, glossary: Glossary | None = None
) -> tuple[list[DocumentTranslation], list[dict[str, Any] | None]]:
    state = _state(request)
    _check_texts(texts, state)
    resolved = [_source_for(t, source, target) for t in texts]
    request.state.pair = f"{source}-{target}"
    request.state.texts = len(texts)
    if state.settings.log_text:
        request.state.text = texts

    def work() -> list[DocumentTranslation]:
        return [
            _translate_one(state, t, src, target, glossary)
            for t, (src, _) in zip(texts, resolved, strict=True)
        ]

    results = await state.run_blocking(work)
    request.state.segments = sum(len(r.segments) for r in results)
    return results, [d for _, d in resolved]


# -- /v1 ----------------------------------------------------------------------------------------


@router.post("/v1/translate", response_model=TranslateResponse, responses=ERRORS, tags=["v1"])
async def v1_translate(body: TranslateRequest, request: Request) -> dict[str, Any]:
    """Translate one dispatch or several, keeping paragraphs; one result per text."""
    _authorize(request)
    texts = [body.text] if isinstance(body.text, str) else body.text
    glossary = _request_glossary(body.glossary)
    results, detected = await _translate_texts(request, texts, body.source, body.target, glossary)
    return {
        "translations": [r.as_dict() for r in results],
        "detected_language": detected if body.source == "auto" else None,
    }


async def _run_pipeline(
    request: Request, body: DispatchRequestIn | SummarizeRequest, *, translations: bool
) -> dict[str, Any]:
    """Authorize, check limits, and run one dispatch through the pipeline in a worker thread."""
    _authorize(request)
    state = _state(request)
    _check_texts([body.text], state)
    dispatch = DispatchRequest(
        text=body.text,
        id=getattr(body, "id", None),
        langs=parse_langs(body.langs) if body.langs is not None else TARGET_LANGS,
        bullets=body.bullets,
        summarizer=body.summarizer,
        strict=body.strict,
        translations=translations,
        glossary=_request_glossary(body.glossary),
    )
    request.state.pair = "fr-" + "+".join(dispatch.langs)
    result = await state.run_blocking(lambda: state.pipeline.process(dispatch))
    return result.as_dict()


@router.post("/v1/dispatches", response_model=DispatchResponse, responses=ERRORS, tags=["v1"])
async def v1_dispatches(body: DispatchRequestIn, request: Request) -> dict[str, Any]:
    """The full pipeline: translations plus bullet summaries with support verdicts."""
    return await _run_pipeline(request, body, translations=True)


@router.post("/v1/summarize", response_model=SummarizeResponse, responses=ERRORS, tags=["v1"])
async def v1_summarize(body: SummarizeRequest, request: Request) -> dict[str, Any]:
    """Bullets only (French, plus the requested languages), each with its support verdict."""
    data = await _run_pipeline(request, body, translations=False)
    return {k: data[k] for k in ("id", "summaries", "summarizer", "models", "prompt", "timings_ms")}


@router.get("/v1/languages", response_model=LanguagesResponse, tags=["v1"])
async def v1_languages() -> dict[str, Any]:
    """Source and target languages, and the pairs translated."""
    return {
        "sources": list(SOURCES),
        "targets": list(TARGET_LANGS),
        "pairs": [{"source": s, "target": t} for s in SOURCES for t in TARGET_LANGS],
    }


@router.get("/v1/models", response_model=ModelsResponse, tags=["v1"])
async def v1_models(request: Request) -> dict[str, Any]:
    """The configured models: ids, revisions, licences, and whether they are loaded."""
    from service.catalog import resolve

    state = _state(request)
    settings = state.settings
    roles = [("fr→en", "MTS_MODEL_FR_EN", settings.model_fr_en, ("fr", "en"))]
    roles.append(("fr→ko", "MTS_MODEL_FR_KO", settings.model_fr_ko, ("fr", "ko")))
    if settings.model_en_ko:
        roles.append(("en→ko", "MTS_MODEL_EN_KO", settings.model_en_ko, ("en", "ko")))
    loaded_pairs = {pair for pair, _ in state.batchers}
    models = []
    for role, setting, ref, (src, tgt) in roles:
        try:
            model = resolve(ref, settings)
            model_id, revision = model.id, model.revision
            licence = model.entry.licence_label if model.entry else None
        except MtsError:
            model_id, revision, licence = ref, None, None
        translator = state.engine.loaded(src, tgt)
        backends = sorted({m.backend for m in translator.models if m.backend}) if translator else []
        models.append(
            {
                "role": role,
                "setting": setting,
                "id": model_id,
                "revision": revision,
                "licence": licence,
                "loaded": f"{src}-{tgt}" in loaded_pairs,
                "backend": ", ".join(backends) or settings.backend,
            }
        )
    return {"models": models, "summarizer": settings.summarizer, "backend": settings.backend}


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
    body: LTTranslateRequest = _lt_validate(LTTranslateRequest, await _lt_payload(request))
    _authorize(request, body.api_key)
    if body.format == "html":
        raise MtsError("format html is not supported yet; send plain text with format=text")
    texts = [body.q] if isinstance(body.q, str) else body.q
    results, detected = await _translate_texts(request, texts, body.source, body.target)
    translated: str | list[str] = [r.translation for r in results]
    answer: dict[str, Any] = {}
    if isinstance(body.q, str):
        translated = translated[0]
        if body.source == "auto":
            answer["detectedLanguage"] = detected[0]
    elif body.source == "auto":
        answer["detectedLanguage"] = detected
    answer["translatedText"] = translated
    return answer


@router.get("/languages", response_model=list[LTLanguage], tags=["LibreTranslate"])
async def lt_languages() -> list[dict[str, Any]]:
    """LibreTranslate `GET /languages`: each language with the targets it translates into."""
    return [
        {"code": code, "name": LANGUAGE_NAMES[code], "targets": list(TARGET_LANGS) if code in SOURCES else []}
        for code in ("fr", "en", "ko")
    ]


@router.post("/detect", tags=["LibreTranslate"])
async def lt_detect(request: Request) -> list[dict[str, Any]]:
    """LibreTranslate `POST /detect`: `[{"language", "confidence"}]`, most likely first."""
    body: LTDetectRequest = _lt_validate(LTDetectRequest, await _lt_payload(request))
    _authorize(request, body.api_key)
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
    """200 once models are loaded and warm; 503 with the reason until then."""
    state = _state(request)
    if state.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "not_ready", "reason": state.reason}, status_code=503, headers={"Retry-After": "5"}
    )


@router.get("/metrics", tags=["operations"])
async def metrics(request: Request) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(_state(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)
