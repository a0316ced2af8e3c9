"""The summarizer protocol and its result types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.models.info import ModelInfo


class Summarizer(Protocol):
    """Writes bullets about a document.

    ``input_lang`` is the language of the document it reads (the French source, or the English
    translation); ``output_langs`` the bullet languages it writes itself. The pipeline
    translates its bullets into any other requested language.
    """

    name: str
    input_lang: str
    output_langs: frozenset[str]

    @property
    def models(self) -> list[ModelInfo]:
        """The models behind the summarizer (none for the extractive one)."""
        ...

    @property
    def prompt_ref(self) -> str | None:
        """``id@version`` of the prompt it renders, if any."""
        ...

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """Up to ``n`` bullets in ``lang`` about ``document`` (written in ``input_lang``)."""
        ...


@dataclass(frozen=True)
class Bullet:
    """One summary bullet and its faithfulness verdict against the French source."""

    text: str
    supported: bool
    unsupported: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # the segment flags that apply to a bullet (service.quality.flags)


class SummaryUnavailableError(Exception):
    """A summarizer gave no bullets (its answer stayed malformed, its server is down); the pipeline
    falls back to extractive and reports the message as the ``fallback_reason``."""


class MalformedSummaryError(SummaryUnavailableError):
    """A summarizer could not produce well-formed bullets."""
