"""The identity of a model that produced output: hub id (or path), exact revision, backend."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelInfo:
    """Identity of a model that produced output: hub id (or path) and exact revision."""

    id: str
    revision: str
    backend: str | None = None  # what ran it, e.g. "ctranslate2-int8"; None when not a translator
    prompt: str | None = None  # ``id@version`` of the prompt an LLM was given

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        out = {"id": self.id, "revision": self.revision}
        if self.backend:
            out["backend"] = self.backend
        if self.prompt:
            out["prompt"] = self.prompt
        return out
