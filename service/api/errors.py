"""How the API answers an error: each exception's HTTP status, error type and headers."""

from __future__ import annotations

from service.api.documents import JobNotDoneError
from service.api.security import AuthError, RateLimitedError
from service.api.state import (
    BusyError,
    NotReadyError,
    PayloadTooLargeError,
    RequestTimeoutError,
)
from service.api.store import STORE_RETRY_AFTER_S, StoreUnavailableError
from service.documents.store import TooManyJobsError
from service.errors import (
    BrokenModelError,
    ConfigurationError,
    ModelNotAvailableError,
    MtsError,
    UnsupportedLanguagePairError,
)
from service.glossaries import GlossaryNotFoundError, GlossaryTooLargeError, TooManyGlossariesError
from service.llm.client import EndpointError
from service.runtime.executor import ExecutorClosedError, JobTooLargeError, QueueFullError
from service.translation.endpoint import TranslationUnavailableError
from service.work import WorkCancelledError

# Exception type -> (HTTP status, error type, Retry-After seconds or None)
ERROR_MAP: list[tuple[type[Exception], int, str, int | None]] = [
    (AuthError, 401, "unauthorized", None),
    (RateLimitedError, 429, "rate_limited", None),
    (TooManyJobsError, 429, "too_many_jobs", None),
    (TooManyGlossariesError, 429, "too_many_glossaries", None),
    (GlossaryNotFoundError, 404, "glossary_not_found", None),
    (GlossaryTooLargeError, 413, "glossary_too_large", None),
    (JobNotDoneError, 409, "not_done", None),
    (PayloadTooLargeError, 413, "payload_too_large", None),
    (JobTooLargeError, 413, "payload_too_large", None),
    (UnsupportedLanguagePairError, 400, "unsupported_language_pair", None),
    (QueueFullError, 503, "queue_full", 2),
    (BusyError, 503, "busy", 2),
    (NotReadyError, 503, "not_ready", 5),
    (StoreUnavailableError, 503, "store_unavailable", STORE_RETRY_AFTER_S),
    (ExecutorClosedError, 503, "shutting_down", 5),
    (RequestTimeoutError, 504, "timeout", None),
    (WorkCancelledError, 504, "timeout", None),
    (TranslationUnavailableError, 502, "llm_unavailable", None),
    (EndpointError, 502, "llm_unavailable", None),
    (ModelNotAvailableError, 503, "model_not_available", None),
    (BrokenModelError, 503, "model_broken", None),
    (ConfigurationError, 503, "configuration", None),
    (MtsError, 400, "bad_request", None),
]


def describe_error(exc: Exception) -> tuple[int, str, dict[str, str]] | None:
    """The HTTP status, error type and headers of an expected error; None for anything else (a
    bug: 500, logged)."""
    for exc_type, mapped_status, mapped_kind, retry_after in ERROR_MAP:
        if isinstance(exc, exc_type):
            headers: dict[str, str] = {}
            status, kind = mapped_status, mapped_kind
            if isinstance(exc, AuthError):
                status = exc.status
                kind = "unauthorized" if status == 401 else "forbidden"
                if status == 401:
                    headers["WWW-Authenticate"] = "Bearer"
            if isinstance(exc, RateLimitedError):
                headers["Retry-After"] = str(exc.retry_after)
            elif retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            return status, kind, headers
    return None
