"""Request models of the HTTP API and the response shapes only it has; their descriptions and
examples make /docs. Translation, dispatch and summary results are the output models of
``service.schemas``, shared with the CLI and the batch job."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.languages import KoreanStyle
from service.schemas import TranslationOut

SAMPLE_FR = (
    "SÉOUL, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne ont tenu mercredi à Bruxelles "
    "leur premier dialogue sur la sécurité spatiale. Les exportations ont augmenté de 2,5 %."
)


class Strict(BaseModel):
    """Unknown fields are errors: a typo in a field name must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class DetectedLanguage(BaseModel):
    language: str = Field(examples=["fr"])
    confidence: float = Field(description="0 to 100.", examples=[97.5])


class GlossaryItem(Strict):
    fr: str | list[str] = Field(
        description="French form(s) as they appear in the text; the first is canonical.",
        examples=["Kim Min-seok"],
    )
    en: str | list[str] | None = Field(
        default=None, description="English form(s).", examples=["Kim Min-seok"]
    )
    ko: str | list[str] | None = Field(default=None, description="Korean form(s).", examples=["김민석"])
    kind: str | None = Field(
        default=None,
        description="`person`, `place`, `organization`, `party`, `company`, `nk_institution` or `term` "
        "(default `term`).",
    )


GLOSSARY_FIELD = Field(
    default=None,
    max_length=500,
    description="Entries for this request, added to the service's glossary (and overriding its "
    "entries with the same French form): names are matched in the source, enforced and checked "
    "in the output.",
)

GLOSSARY_ID_FIELD: Any = Field(
    default=None,
    min_length=1,
    max_length=100,
    description="The id of a stored glossary (`POST /v1/glossaries`) of the caller's API key, added to "
    "the service's glossary; `glossary` entries override it where they share a French form. An "
    "unknown id, or another key's, is 404 `glossary_not_found`.",
)

STYLE_FIELD: Any = Field(
    default=None,
    description='The register of Korean output: `news` (한다체, "~했다", as Korean news is written) or '
    '`polite` (합니다체, "~했습니다"); both write numbers in the press style (3만4천300명). Default: '
    "the server's MTS_KOREAN_STYLE. Other languages are not affected.",
    examples=["news"],
)

FORMAT_FIELD: Any = Field(
    default="text",
    description="`text`, `html` (block structure and inline markup kept; `script`, `style`, `code`, `pre` "
    'and `translate="no"` left as they are) or `markdown` (markers, URLs and code kept).',
    examples=["text"],
)


STREAM_FIELD = Field(
    default=False,
    description="Answer with server-sent events (`text/event-stream`): a `segment` event per "
    "translated sentence as it is ready, then a `result` event holding the answer given without "
    "streaming (or an `error` event). `segment` events come for plain text (`format: text`).",
    examples=[False],
)


class TranslateRequest(Strict):
    text: str | list[str] = Field(
        description="A dispatch, or several (one translation each).", examples=[SAMPLE_FR]
    )
    source: str = Field(
        default="fr", description="Source language: `fr`, or `auto` to detect it.", examples=["fr"]
    )
    target: str = Field(description="Target language: `en` or `ko`.", examples=["en"])
    glossary: list[GlossaryItem] | None = GLOSSARY_FIELD
    glossary_id: str | None = GLOSSARY_ID_FIELD
    style: KoreanStyle | None = STYLE_FIELD
    format: Literal["text", "html", "markdown"] = FORMAT_FIELD
    alternatives: int = Field(
        default=0,
        ge=0,
        description="How many alternative translations to return besides the main one, from beam "
        "search (at most MTS_MAX_ALTERNATIVES; texts of up to MTS_ALTERNATIVES_MAX_SENTENCES sentences, "
        "plain text only).",
        examples=[0],
    )
    stream: bool = STREAM_FIELD


class TranslateResponse(BaseModel):
    translations: list[TranslationOut] = Field(description="One per input text, in order.")
    detected_language: list[DetectedLanguage] | None = Field(
        default=None, description="With `source: auto`: the detected language of each text."
    )


class DispatchRequestIn(Strict):
    text: str = Field(description="The French dispatch.", examples=[SAMPLE_FR])
    id: str | None = Field(
        default=None, max_length=200, description="Your id for it (default: a content hash)."
    )
    langs: list[str] | None = Field(
        default=None, description="Target languages (default `en`, `ko`).", examples=[["en", "ko"]]
    )
    bullets: int | None = Field(default=None, ge=3, le=5, description="Bullets per language, 3 to 5.")
    summarizer: str | None = Field(
        default=None,
        description="One of the summarizers the server allows (MTS_SUMMARIZERS; by default "
        "`extractive` and the server's own), by spec or by the folder name of a local model "
        "(`seq2seq:bart-large-cnn`); anything else is 400 (default: the server's).",
        examples=["extractive"],
    )
    strict: bool = Field(default=False, description="Drop bullets not supported by the source.")
    glossary: list[GlossaryItem] | None = GLOSSARY_FIELD
    glossary_id: str | None = GLOSSARY_ID_FIELD
    style: KoreanStyle | None = STYLE_FIELD
    format: Literal["text", "html", "markdown"] = FORMAT_FIELD
    stream: bool = STREAM_FIELD


class SummarizeRequest(Strict):
    text: str = Field(description="The French dispatch.", examples=[SAMPLE_FR])
    langs: list[str] | None = Field(
        default=None,
        description="Bullet languages besides French (default `en`, `ko`).",
        examples=[["en", "ko"]],
    )
    bullets: int | None = Field(default=None, ge=3, le=5, description="Bullets per language, 3 to 5.")
    summarizer: str | None = Field(
        default=None,
        description="One of the summarizers the server allows (see `/v1/dispatches`).",
        examples=["extractive"],
    )
    strict: bool = Field(default=False, description="Drop bullets not supported by the source.")
    glossary: list[GlossaryItem] | None = GLOSSARY_FIELD
    glossary_id: str | None = GLOSSARY_ID_FIELD
    style: KoreanStyle | None = STYLE_FIELD
    format: Literal["text", "html", "markdown"] = FORMAT_FIELD


class LanguagePair(BaseModel):
    source: str
    target: str


class LanguagesResponse(BaseModel):
    sources: list[str] = Field(examples=[["fr"]])
    targets: list[str] = Field(examples=[["en", "ko"]])
    pairs: list[LanguagePair]


class ModelStatus(BaseModel):
    role: str = Field(description="What the model is used for.", examples=["fr→en"])
    setting: str = Field(examples=["MTS_MODEL_FR_EN"])
    id: str
    revision: str | None
    licence: str | None
    loaded: bool
    backend: str = Field(
        description="What runs it: `ctranslate2-<compute type>` or `torch-<dtype>` once loaded; "
        "before that, the MTS_BACKEND setting.",
        examples=["ctranslate2-int8"],
    )


class ModelsResponse(BaseModel):
    models: list[ModelStatus]
    summarizer: str
    backend: str = Field(description="The MTS_BACKEND setting: `auto`, `torch` or `ctranslate2`.")


class KeyUsage(BaseModel):
    key: str = Field(
        description="The key's name: the first 12 hex digits of its SHA-256 "
        '(`printf %s "$KEY" | sha256sum | cut -c1-12`), or `anonymous` when the server has no keys.',
        examples=["5f2b9c0e1a7d"],
    )
    requests: int = Field(description="Requests admitted (past the key check and rate limit).", examples=[42])
    characters: int = Field(description="Source characters sent to translate or summarize.", examples=[18250])


class UsageResponse(BaseModel):
    caller: str = Field(description="The caller's own key name.", examples=["5f2b9c0e1a7d"])
    shared: bool = Field(
        description="Whether the counts come from the shared store (MTS_STORE_URL) every worker uses; "
        "false: only this worker's counts."
    )
    keys: list[KeyUsage] = Field(description="The caller's counts, or every key's for an admin key.")


class ErrorDetail(BaseModel):
    type: str = Field(examples=["payload_too_large"])
    message: str = Field(examples=["text 0 has 25000 characters; the limit is 20000"])


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None = None


# -- LibreTranslate-compatible shapes -------------------------------------------------------------


class LTTranslateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str | list[str] = Field(description="Text (or texts) to translate.", examples=["Bonjour le monde."])
    source: str = Field(default="auto", description="Source language code or `auto`.", examples=["fr"])
    target: str = Field(description="Target language code.", examples=["en"])
    format: Literal["text", "html"] = Field(
        default="text", description="`text`, or `html` (markup kept, see `/v1/translate`)."
    )
    api_key: str | None = Field(default=None, description="API key, when the server requires one.")
    alternatives: int = Field(
        default=0, ge=0, description="Alternative translations to return (at most MTS_MAX_ALTERNATIVES)."
    )


class LTDetectRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field(examples=["Bonjour le monde."])
    api_key: str | None = None


class LTLanguage(BaseModel):
    code: str = Field(examples=["fr"])
    name: str = Field(examples=["French"])
    targets: list[str] = Field(examples=[["en", "ko"]])
