"""Routing of language pairs to configured models, loading them on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.catalog import Family, check_export, detect_family, ensure_local, resolve
from service.config import Settings
from service.errors import UnsupportedLanguagePairError
from service.translation.base import ModelInfo, Translator
from service.translation.document import DocumentTranslation, translate_document
from service.translation.pivot import PivotTranslator

# The setting that names the model of each direct route, for messages that say how to fix things.
ROUTES: dict[tuple[str, str], str] = {("fr", "en"): "model_fr_en", ("fr", "ko"): "model_fr_ko"}


@dataclass(frozen=True)
class LoadedModelSpec:
    """Everything needed to load one model: where it is and what it is."""

    path: str
    info: ModelInfo
    family: Family


def setting_env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return f"MTS_{field.upper()}"


def locate(field: str, settings: Settings) -> LoadedModelSpec:
    """Resolve the model named by a settings field to a directory on disk (pulling if allowed)."""
    ref = getattr(settings, field)
    model = resolve(ref, settings)
    path = ensure_local(model, settings, setting_env_name(field))
    model = resolve(ref, settings) if not model.is_local_dir else model
    family = detect_family(path)
    check_export(path, model.id)
    return LoadedModelSpec(str(path), ModelInfo(model.id, model.revision or "local"), family)


def _default_loader(spec: LoadedModelSpec, settings: Settings) -> Translator:
    from service.translation.hf import load_translator

    return load_translator(
        Path(spec.path),
        spec.info,
        spec.family,
        device=settings.device,
        num_beams=settings.num_beams,
        batch_tokens=settings.batch_tokens,
    )


class TranslationEngine:
    """Translates dispatches between the supported language pairs with the configured models."""

    def __init__(
        self,
        settings: Settings,
        loader: Callable[[LoadedModelSpec, Settings], Translator] = _default_loader,
    ) -> None:
        self.settings = settings
        self._loader = loader
        self._translators: dict[tuple[str, str], Translator] = {}

    def supported_pairs(self) -> list[tuple[str, str]]:
        """Language pairs this configuration translates."""
        pairs = list(ROUTES)
        if self.settings.model_en_ko:
            pairs.append(("en", "ko"))
        return pairs

    def translator(self, src: str, tgt: str) -> Translator:
        """The translator for a pair, loaded on first use."""
        key = (src, tgt)
        if key not in self._translators:
            self._translators[key] = self._build(src, tgt)
        return self._translators[key]

    def _build(self, src: str, tgt: str) -> Translator:
        if (src, tgt) not in self.supported_pairs():
            supported = ", ".join(f"{a}→{b}" for a, b in self.supported_pairs())
            raise UnsupportedLanguagePairError(f"cannot translate {src}→{tgt}; supported pairs: {supported}")
        if (src, tgt) == ("fr", "ko") and self.settings.model_en_ko:
            return PivotTranslator(self.translator("fr", "en"), self.translator("en", "ko"), via="en")
        field = ROUTES.get((src, tgt), "model_en_ko")
        return self._loader(locate(field, self.settings), self.settings)

    def translate_document(self, text: str, src: str, tgt: str) -> DocumentTranslation:
        """Translate a whole dispatch, keeping its paragraphs."""
        return translate_document(text, src, tgt, self.translator(src, tgt))
