"""The one settings object of the service.

Every tunable comes from here (environment variables with the ``MTS_`` prefix, or a ``.env``
file); no other module reads ``os.environ``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.errors import ConfigurationError
from service.languages import ROUTES, KoreanStyle


def _default_models_dir() -> Path:
    return Path.home() / ".cache" / "mts" / "models"


class Settings(BaseSettings):
    """Service configuration; see the README's configuration table for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="MTS_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    model_fr_en: str = Field(
        default="opus-mt-fr-en",
        description="French→English model: catalog name, hub id (optionally id@revision), local directory, "
        "or openai:<model> (a model of the MTS_LLM_URL server).",
    )
    model_fr_ko: str = Field(
        default="m2m100_418M",
        description="French→Korean model (direct): catalog name, hub id[@revision] or local directory.",
    )
    model_en_ko: str | None = Field(
        default=None,
        description="English→Korean model; when set, French→Korean pivots through English with it.",
    )
    models_dir: Path = Field(
        default_factory=_default_models_dir, description="Where `mts models pull` stores models."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", description="Where models run.")
    backend: Literal["auto", "torch", "ctranslate2"] = Field(
        default="auto",
        description="Inference backend: `ctranslate2` (converted on first use), `torch`, or `auto` "
        "(CTranslate2 when it loads on the device, else torch).",
    )
    compute_type: str = Field(
        default="auto",
        description="CTranslate2 compute type (`int8`, `int8_float32`, `float32`, `float16`, "
        "`bfloat16`…); `auto` is int8 on CPU and float16 on GPU.",
    )
    threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="CPU threads per model copy; 0 shares the machine's cores among the worker "
        "processes (MTS_WORKERS).",
    )
    num_beams: int = Field(default=4, ge=1, le=16, description="Beam width for translation.")
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        le=1024,
        description="Most glibc malloc arenas per process, set before the models load (0: glibc's "
        "default, eight per core); fewer arenas keep less freed memory, so a lower peak RSS.",
    )
    glossary: str | None = Field(
        default=None,
        description="Glossary files (TSV or YAML, comma-separated) added to the shipped one; "
        "their entries override shipped entries with the same French form.",
    )
    enforce_terms: bool = Field(
        default=True,
        description="Write a glossary term missing from a translation over the words aligned with "
        "it; a sentence where that fails is flagged `term_not_applied`.",
    )
    korean_style: KoreanStyle = Field(
        default="news",
        description="Register of Korean output when a request names none: `news` (한다체, "
        '"~했다") or `polite` (합니다체, "~했습니다"); both write numbers in the press style '
        "(3만4천300명).",
    )
    dateline_year: str = Field(
        default="auto",
        description='Year of a dispatch whose dateline gives none ("SÉOUL, 26 févr. (Yonhap)"), so '
        'its weekdays are checked as dates ("mardi" → "8일"): `auto` (the latest year that puts '
        "the date no later than two days after today: live copy), a year such as `2024` (an archive "
        "of that year), or `none` (a weekday may stand for any day near the dateline's).",
    )
    low_confidence: str = Field(
        default="-1.5",
        description="`low_confidence` threshold on the mean token log-probability: `-1.5`, or a "
        "default plus per-model values: `-1.5,Helsinki-NLP/opus-mt-fr-en=-1.2`.",
    )
    batch_tokens: int = Field(
        default=2048, ge=16, description="Token budget of one generation batch (source tokens, padded)."
    )
    route_beams: str = Field(
        default="",
        description="Beam width by route, over MTS_NUM_BEAMS: `fr-ko=2` or `fr-en=4,fr-ko=2` "
        "(routes fr-en, fr-ko, en-ko; 1 to 16).",
    )
    route_batch_tokens: str = Field(
        default="",
        description="Batch token budget by route, over MTS_BATCH_TOKENS: `fr-ko=1024` (at least 16).",
    )
    cache_path: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "mts" / "translations.sqlite3",
        description="The batch job's on-disk translation cache.",
    )
    summarizer: str = Field(
        default="extractive",
        description="Summarizer: extractive, seq2seq:<model>, instruct:<model> or openai:<model> "
        "(a model of the MTS_LLM_URL server).",
    )
    bullets: int = Field(default=3, ge=3, le=5, description="Bullets per summary language (3 to 5).")
    auto_pull: bool = Field(
        default=True,
        description="Download a missing catalog/hub model on first use when the hub is reachable.",
    )

    # -- an OpenAI-compatible LLM server (openai:<model>) -----------------------------------------
    llm_url: str = Field(
        default="",
        description="Base URL of an OpenAI-compatible chat-completions server (vLLM, TGI, Ollama, "
        "llama.cpp, `transformers serve`), e.g. `http://127.0.0.1:8000/v1`; needed by `openai:` models.",
    )
    llm_api_key: str = Field(
        default="", repr=False, description="API key sent to the LLM server (Bearer); never logged."
    )
    llm_api_key_file: Path | None = Field(
        default=None, description="File holding the LLM server's API key (e.g. a mounted secret)."
    )
    llm_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="One LLM request's time limit (the request's own deadline may cut it).",
    )
    llm_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Retries of an LLM request that got 429, 5xx, a timeout or no connection.",
    )
    llm_concurrency: int = Field(
        default=4, ge=1, le=256, description="LLM requests in flight at once from one process."
    )
    llm_stream: bool = Field(
        default=True,
        description="Stream LLM answers (a request nobody waits for any more is closed mid-answer).",
    )
    llm_json_schema: bool = Field(
        default=True,
        description="Send `response_format` with a JSON schema (off for servers that reject it; a server "
        "answering 400 to it is asked again without it).",
    )

    def llm_key(self) -> str:
        """The LLM server's API key: MTS_LLM_API_KEY, else the first line of MTS_LLM_API_KEY_FILE."""
        if self.llm_api_key:
            return self.llm_api_key
        if self.llm_api_key_file is None:
            return ""
        try:
            lines = self.llm_api_key_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigurationError(
                f"MTS_LLM_API_KEY_FILE: cannot read {self.llm_api_key_file}: {exc.strerror}"
            ) from None
        return lines[0].strip() if lines else ""

    # -- HTTP API ---------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address `mts serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `mts serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="API worker processes (one model copy each).")
    api_keys: str = Field(
        default="",
        repr=False,
        description="Comma-separated API keys; when set, every route but the open ones needs one.",
    )
    admin_keys: str = Field(
        default="",
        repr=False,
        description="Comma-separated admin keys: valid API keys that also see local model paths "
        "in /v1/models.",
    )
    open_metrics: bool = Field(default=True, description="Serve /metrics without an API key.")
    open_docs: bool = Field(
        default=True, description="Serve /docs, /redoc and /openapi.json without an API key."
    )
    auth_max_failures: int = Field(
        default=10,
        ge=0,
        description="Invalid API keys per client address in a minute before it gets 429; 0 = off.",
    )
    summarizers: str = Field(
        default="",
        description="Comma-separated summarizer specs requests may choose; empty: `extractive` "
        "plus MTS_SUMMARIZER.",
    )
    timeout_header_s: float = Field(
        default=10.0, gt=0, description="`mts serve`: time a connection has to send a request's headers."
    )
    timeout_body_s: float = Field(
        default=30.0, gt=0, description="Time a client has to send a request's whole body (408 beyond)."
    )
    timeout_keep_alive_s: int = Field(
        default=5, ge=1, description="`mts serve`: idle keep-alive connections close after this."
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="`mts serve`: open connections per worker; a request beyond gets 503.",
    )
    max_header_bytes: int = Field(
        default=16_384, ge=1024, description="`mts serve`: size of a request's line and headers."
    )
    rate_limit_per_minute: int = Field(
        default=0, ge=0, description="Requests per minute per API key (or per client without keys); 0 = off."
    )
    store_url: str = Field(
        default="",
        repr=False,
        description="Where rate limits, invalid-key counts and usage counters live: empty = in the "
        "process (one worker); `redis://[:password@]host:port/db` = a Redis every worker shares.",
    )

    @field_validator("llm_api_key_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose passes an unset variable through as "": no file, not the current folder.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("store_url")
    @classmethod
    def _store_url_parse(cls, value: str) -> str:
        # Never quotes the URL: it may hold a password.
        value = value.strip()
        if value and value.partition("://")[0] not in ("redis", "rediss", "redis+unix"):
            raise ValueError("expected redis://host:port/db (or rediss://, redis+unix://); empty = embedded")
        return value

    max_chars: int = Field(default=20_000, ge=1, description="Characters per text in one request.")
    max_texts: int = Field(default=64, ge=1, description="Texts per request.")
    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="Request body size.")
    max_queue: int = Field(
        default=2048, ge=1, description="Segments waiting for a model; beyond it requests get 503."
    )
    max_inflight: int = Field(default=256, ge=1, description="Requests being processed at once; beyond: 503.")
    request_timeout_s: float = Field(default=120.0, gt=0, description="Per-request processing time limit.")
    batch_wait_ms: float = Field(
        default=5.0, ge=0, description="How long the micro-batcher waits for more segments."
    )
    max_alternatives: int = Field(
        default=3,
        ge=0,
        le=16,
        description="Most alternative translations a request may ask for (`alternatives`); 0 turns them off.",
    )
    alternatives_max_sentences: int = Field(
        default=3, ge=1, description="Longest text, in sentences, that alternatives are given for."
    )
    translate_attributes: bool = Field(
        default=True, description="HTML: translate the `alt` and `title` attributes."
    )
    max_elements: int = Field(
        default=100_000, ge=1, description="HTML, XML and Word files: elements in one document."
    )
    max_depth: int = Field(default=256, ge=8, description="HTML, XML and Word files: element nesting depth.")
    log_json: bool = Field(default=False, description="Structured JSON logs, one object per line.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="Log level.")
    log_text: bool = Field(default=False, description="Include request text in logs (off: privacy).")

    # -- document jobs (/v1/documents) ------------------------------------------------------------
    documents_path: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "mts" / "documents",
        description="Folder of the document jobs: their database, uploaded files and results.",
    )
    document_max_bytes: int = Field(
        default=10_000_000, ge=1024, description="Size of one uploaded document file."
    )
    document_ttl_hours: float = Field(
        default=24.0, gt=0, description="Hours a document job and its files are kept after upload."
    )
    document_jobs_per_key: int = Field(
        default=20, ge=1, description="Document jobs one API key may hold at once."
    )

    # -- stored glossaries (/v1/glossaries, `mts glossary`) ---------------------------------------
    glossaries_path: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "mts" / "glossaries.sqlite3",
        description="SQLite database of the stored glossaries (shared by every serving process and "
        "the `mts glossary` commands).",
    )
    glossary_max_entries: int = Field(default=100_000, ge=1, description="Entries in one stored glossary.")
    glossary_max_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Size of one glossary upload (request body or file)."
    )
    glossaries_per_key: int = Field(default=100, ge=1, description="Stored glossaries one API key may hold.")

    # -- Ray Serve (`mts serve --engine ray`) ----------------------------------------------------
    serve_replicas: int = Field(
        default=1,
        ge=1,
        description="Ray Serve: API replicas (one model set each) when not autoscaling; `--replicas` "
        "overrides it.",
    )
    serve_min_replicas: int = Field(default=1, ge=1, description="Ray Serve autoscaling: fewest replicas.")
    serve_max_replicas: int = Field(
        default=0,
        ge=0,
        description="Ray Serve autoscaling: most replicas; 0 = a fixed MTS_SERVE_REPLICAS (no autoscaling).",
    )
    serve_target_requests: float = Field(
        default=16.0,
        gt=0,
        description="Ray Serve autoscaling: requests in flight per replica it scales to keep.",
    )
    serve_cpus: float = Field(
        default=1.0,
        gt=0,
        description="Ray Serve: CPUs reserved per replica (its model threads too, unless MTS_THREADS "
        "is set).",
    )
    serve_gpus: float | None = Field(
        default=None,
        ge=0,
        description="Ray Serve: GPUs per replica (0.5: two share one); unset: 1 when MTS_DEVICE=cuda, or "
        "MTS_DEVICE=auto and the cluster has GPUs, else 0.",
    )

    @property
    def api_key_set(self) -> frozenset[str]:
        """Every key that opens keyed routes: the API keys and the admin keys."""
        return frozenset(_keys(self.api_keys)) | self.admin_key_set

    @property
    def admin_key_set(self) -> frozenset[str]:
        """The admin keys (they also see local model paths)."""
        return frozenset(_keys(self.admin_keys))

    @property
    def summarizer_allow_list(self) -> tuple[str, ...]:
        """The summarizer specs requests may choose (``extractive`` and MTS_SUMMARIZER by default)."""
        listed = [s.strip() for s in self.summarizers.split(",") if s.strip()]
        return tuple(dict.fromkeys(listed or ["extractive", self.summarizer.strip()]))

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def _keys_parse(cls, value: str) -> str:
        _keys(value)
        return value

    @field_validator("summarizers")
    @classmethod
    def _summarizers_parse(cls, value: str) -> str:
        # Each entry's form is checked by the runtime's language plan, which knows the kinds.
        if value.strip() and any(not part.strip() for part in value.split(",")):
            raise ValueError("an empty entry in the comma-separated list")
        return value

    @field_validator("route_beams")
    @classmethod
    def _route_beams_parse(cls, value: str) -> str:
        parse_by_route(value, 1, 16)
        return value

    @field_validator("route_batch_tokens")
    @classmethod
    def _route_batch_tokens_parse(cls, value: str) -> str:
        parse_by_route(value, 16, None)
        return value

    @property
    def beams_by_route(self) -> dict[tuple[str, str], int]:
        """MTS_ROUTE_BEAMS by (source, target)."""
        return parse_by_route(self.route_beams, 1, 16)

    @property
    def batch_tokens_by_route(self) -> dict[tuple[str, str], int]:
        """MTS_ROUTE_BATCH_TOKENS by (source, target)."""
        return parse_by_route(self.route_batch_tokens, 16, None)

    @property
    def decoding_by_route(self) -> dict[str, dict[str, int]]:
        """Each route's beam width and batch token budget in effect: ``{"fr-ko": {"beams": 4,
        "batch_tokens": 2048}, ...}``."""
        beams, budgets = self.beams_by_route, self.batch_tokens_by_route
        return {
            f"{src}-{tgt}": {
                "beams": beams.get((src, tgt), self.num_beams),
                "batch_tokens": budgets.get((src, tgt), self.batch_tokens),
            }
            for src, tgt in ROUTES
        }

    @field_validator("dateline_year")
    @classmethod
    def _dateline_year_parse(cls, value: str) -> str:
        parse_dateline_year(value)
        return value

    def dateline_year_value(self) -> int | Literal["auto"] | None:
        """MTS_DATELINE_YEAR parsed: a year, ``auto`` or None (``none``)."""
        return parse_dateline_year(self.dateline_year)

    @field_validator("low_confidence")
    @classmethod
    def _thresholds_parse(cls, value: str) -> str:
        parse_low_confidence(value)
        return value


def _keys(value: str) -> list[str]:
    """The keys of a comma-separated key list; ValueError (never quoting a key) when it is set but
    blank or malformed: auth must not turn itself off because of a typo."""
    if value == "":
        return []
    keys = [k.strip() for k in value.split(",")]
    if not any(keys):
        raise ValueError("set but blank; leave it empty (unset) for no keys")
    if any(not k for k in keys):
        raise ValueError("an empty entry in the comma-separated list")
    if any(not k.isprintable() or " " in k for k in keys):
        raise ValueError("a key holds spaces or control characters")
    return keys


def parse_by_route(value: str, low: int, high: int | None) -> dict[tuple[str, str], int]:
    """``fr-ko=2`` or ``fr-en=4,fr-ko=2``: a whole number from ``low`` to ``high`` per route
    (:data:`ROUTES`); ValueError names a bad part."""
    found: dict[tuple[str, str], int] = {}
    names = ", ".join(f"{src}-{tgt}" for src, tgt in ROUTES)
    for part in (p.strip() for p in value.split(",") if p.strip()):
        name, sep, number = part.partition("=")
        route = tuple(name.strip().lower().split("-"))
        if not sep or route not in ROUTES:
            raise ValueError(f"{part!r}: expected route=number with a route among {names}")
        try:
            count = int(number)
        except ValueError:
            raise ValueError(f"not a whole number in {part!r}") from None
        if count < low or (high is not None and count > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{part!r}: the number must be {bound}")
        if (route[0], route[1]) in found:
            raise ValueError(f"{name.strip()} is named twice")
        found[(route[0], route[1])] = count
    return found


def parse_low_confidence(value: str) -> tuple[float | None, dict[str, float]]:
    """``-1.5`` or ``-1.5,Helsinki-NLP/opus-mt-fr-en=-1.2,facebook/m2m100_418M=-2``: the default
    threshold (None when not given) and the per-model ones; ValueError names a bad part."""
    default: float | None = None
    by_model: dict[str, float] = {}
    for part in (p.strip() for p in value.split(",") if p.strip()):
        name, sep, number = part.rpartition("=")
        try:
            threshold = float(number)
        except ValueError:
            raise ValueError(f"not a number in {part!r}") from None
        if sep:
            by_model[name.strip()] = threshold
        else:
            default = threshold
    return default, by_model


def parse_dateline_year(value: str) -> int | Literal["auto"] | None:
    """``auto``, ``none`` (None) or a year from 1900 to 2999 (``2024``); ValueError otherwise."""
    text = value.strip().lower()
    if text in ("auto", "none"):
        return "auto" if text == "auto" else None
    if not re.fullmatch(r"(?:19|2\d)\d\d", text):
        raise ValueError(f"{value!r}: expected auto, none or a year such as 2024")
    return int(text)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
