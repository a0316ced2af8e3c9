"""The translation protocol every backend implements, and its small value types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from service.models.info import ModelInfo

__all__ = ["ModelInfo", "Translation", "Translator"]


@dataclass(frozen=True)
class Translation:
    """One translated text, with the model's mean token log-probability when it has one."""

    text: str
    score: float | None
    retried: bool = False
    looped: bool = False


class Translator(Protocol):
    """Translates independent texts (sentences) from ``src`` to ``tgt``, keeping order."""

    @property
    def models(self) -> list[ModelInfo]:
        """The models behind this translator, in the order they are applied."""
        ...

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate each text; the result has one entry per input, in order."""
        ...
