"""Summarizers by name: ``extractive``, ``seq2seq:<model>``, ``instruct:<model>``."""

from __future__ import annotations

from functools import lru_cache

from service.catalog import locate
from service.config import Settings
from service.errors import MtsError
from service.summarization.base import Summarizer
from service.summarization.extractive import ExtractiveSummarizer

FORMS = "extractive, seq2seq:<model> or instruct:<model> (a catalog name, hub id or local directory)"


@lru_cache(maxsize=4)
def _load(kind: str, path: str, model_id: str, revision: str, device: str, num_beams: int) -> Summarizer:
    from pathlib import Path

    from service.catalog import ModelInfo

    info = ModelInfo(model_id, revision)
    if kind == "seq2seq":
        from service.summarization.seq2seq import Seq2SeqSummarizer

        return Seq2SeqSummarizer(Path(path), info, device=device, num_beams=num_beams)
    from service.summarization.instruct import InstructSummarizer

    return InstructSummarizer(Path(path), info, device=device)


def make_summarizer(spec: str, settings: Settings) -> Summarizer:
    """The summarizer ``spec`` names, its model loaded once per process."""
    spec = spec.strip()
    if spec == "extractive":
        return ExtractiveSummarizer()
    kind, _, ref = spec.partition(":")
    if kind not in ("seq2seq", "instruct") or not ref.strip():
        raise MtsError(f"unknown summarizer {spec!r}; use {FORMS}")
    path, info = locate(ref.strip(), settings, "MTS_SUMMARIZER")
    return _load(kind, str(path), info.id, info.revision, settings.device, settings.num_beams)
