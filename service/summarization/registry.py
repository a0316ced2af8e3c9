"""Summarizers by name: ``extractive``, ``seq2seq:<model>``, ``instruct:<model>``, ``openai:<model>``.

This module only knows the kinds: what each reads and writes, and how to build one from a model
directory. Which models are loaded, and when, is the runtime's model registry's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from service.config import Settings
from service.errors import MtsError
from service.models.info import ModelInfo
from service.summarization.base import Summarizer
from service.summarization.extractive import ExtractiveSummarizer

FORMS = (
    "extractive, seq2seq:<model> or instruct:<model> (a catalog name, hub id or local directory), "
    "or openai:<model> (a model of the MTS_LLM_URL server)"
)
Kind = Literal["extractive", "seq2seq", "instruct", "openai"]


@dataclass(frozen=True)
class SummarizerSpec:
    """A parsed summarizer setting: its kind, the local model it names (``ref``; none for extractive
    and remote models), the model a server runs (``remote``, for ``openai:``), and the languages it
    reads and writes (known before anything loads)."""

    text: str
    kind: Kind
    ref: str | None
    input_lang: str
    output_langs: frozenset[str]
    remote: str | None = None


# What each kind reads and writes; the classes say the same, and a test keeps them equal.
_LANGS: dict[str, tuple[str, frozenset[str]]] = {
    "extractive": ("fr", frozenset({"fr"})),
    "seq2seq": ("en", frozenset({"en"})),
    "instruct": ("fr", frozenset({"fr", "en", "ko"})),
    "openai": ("fr", frozenset({"fr", "en", "ko"})),
}


def parse_summarizer(spec: str) -> SummarizerSpec:
    """Parse ``extractive``, ``seq2seq:<model>``, ``instruct:<model>`` or ``openai:<model>``; an
    MtsError otherwise."""
    text = spec.strip()
    if text == "extractive":
        return SummarizerSpec(text, "extractive", None, *_LANGS["extractive"])
    kind, _, ref = text.partition(":")
    if kind not in ("seq2seq", "instruct", "openai") or not ref.strip():
        raise MtsError(f"unknown summarizer {spec!r}; use {FORMS}")
    if kind == "openai":
        return SummarizerSpec(text, "openai", None, *_LANGS["openai"], remote=ref.strip())
    return SummarizerSpec(text, kind, ref.strip(), *_LANGS[kind])  # type: ignore[arg-type]


def load_summarizer(
    spec: SummarizerSpec, path: Path | None, info: ModelInfo | None, settings: Settings
) -> Summarizer:
    """Build the summarizer ``spec`` names from its model directory (none for extractive).

    A remote (``openai:``) summarizer is built by the model registry, which holds the endpoint."""
    if spec.kind == "extractive":
        return ExtractiveSummarizer()
    if spec.kind == "openai":
        raise ValueError("an openai: summarizer is built by the model registry, with its endpoint")
    assert path is not None and info is not None
    if spec.kind == "seq2seq":
        from service.summarization.seq2seq import Seq2SeqSummarizer

        return Seq2SeqSummarizer(path, info, device=settings.device, num_beams=settings.num_beams)
    from service.summarization.instruct import InstructSummarizer

    return InstructSummarizer(path, info, device=settings.device)
