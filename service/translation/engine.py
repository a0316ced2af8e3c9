"""Routing of language pairs to configured models, loading them on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.catalog import FAMILIES, Family, ModelInfo, check_export, detect_family, locate
from service.config import Settings
from service.errors import ConfigurationError, UnsupportedLanguagePairError
from service.quality.flags import Thresholds
from service.quality.repair import SegmentChecker
from service.text.glossary import Glossary, GlossaryError, glossary_from_settings
from service.translation.base import Translator
from service.translation.document import DocumentTranslation, translate_document, translate_documents
from service.translation.pivot import PivotTranslator

# The setting that names the model of each direct route, for messages that say how to fix things.
ROUTES: dict[tuple[str, str], str] = {("fr", "en"): "model_fr_en", ("fr", "ko"): "model_fr_ko"}
LANGUAGES = frozenset({"fr", "en", "ko"})


@dataclass(frozen=True)
class LoadedModelSpec:
    """Everything needed to load one model: where it is and what it is."""

    path: str
    info: ModelInfo
    family: Family


def setting_env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return f"MTS_{field.upper()}"


def locate_translation_model(field: str, settings: Settings) -> LoadedModelSpec:
    """Resolve the model named by a settings field to a directory on disk (pulling if allowed)."""
    path, info = locate(getattr(settings, field), settings, setting_env_name(field))
    family = detect_family(path)
    check_export(path, info.id)
    return LoadedModelSpec(str(path), info, family)


def default_loader(spec: LoadedModelSpec, settings: Settings) -> Translator:
    from service.translation.backends import load_translator

    return load_translator(Path(spec.path), spec.info, spec.family, settings)


class TranslationEngine:
    """Translates dispatches between the supported language pairs with the configured models."""

    def __init__(
        self,
        settings: Settings,
        loader: Callable[[LoadedModelSpec, Settings], Translator] = default_loader,
    ) -> None:
        self.settings = settings
        self._loader = loader
        self._translators: dict[tuple[str, str], Translator] = {}

    def supported_pairs(self) -> list[tuple[str, str]]:
        """Language pairs with a configured route of their own."""
        pairs = list(ROUTES)
        if self.settings.model_en_ko:
            pairs.append(("en", "ko"))
        return pairs

    def loaded(self, src: str, tgt: str) -> Translator | None:
        """The translator of a pair if it is already loaded, without loading it."""
        return self._translators.get((src, tgt))

    def translator(self, src: str, tgt: str) -> Translator:
        """The translator for a pair, loaded on first use."""
        key = (src, tgt)
        if key not in self._translators:
            self._translators[key] = self._build(src, tgt)
        return self._translators[key]

    def _unsupported(self, src: str, tgt: str) -> UnsupportedLanguagePairError:
        supported = ", ".join(f"{a}→{b}" for a, b in self.supported_pairs())
        return UnsupportedLanguagePairError(
            f"cannot translate {src}→{tgt}; supported pairs: {supported} "
            f"(and other pairs among {', '.join(sorted(LANGUAGES))} through a multilingual "
            "M2M100/NLLB model)"
        )

    def _build(self, src: str, tgt: str) -> Translator:
        if src not in LANGUAGES or tgt not in LANGUAGES or src == tgt:
            raise self._unsupported(src, tgt)
        if (src, tgt) == ("fr", "ko") and self.settings.model_en_ko:
            return PivotTranslator(self.translator("fr", "en"), self.translator("en", "ko"), via="en")
        field = ROUTES.get((src, tgt))
        if field is None and (src, tgt) == ("en", "ko") and self.settings.model_en_ko:
            field = "model_en_ko"
        if field is not None:
            return self._loader(locate_translation_model(field, self.settings), self.settings)
        # Any other pair (English→Korean, English→French for summaries written in English) goes
        # through a configured multilingual model.
        for candidate in ("model_fr_ko", "model_fr_en"):
            spec = locate_translation_model(candidate, self.settings)
            codes = FAMILIES[spec.family].lang_codes
            if src in codes and tgt in codes:
                return self._loader(spec, self.settings)
        raise self._unsupported(src, tgt)

    def checker(self, glossary: Glossary | None = None) -> SegmentChecker:
        """Repairs and flags with the configured glossary (plus ``glossary``, which overrides it)."""
        try:
            base = glossary_from_settings(self.settings.glossary)
        except GlossaryError as exc:
            raise ConfigurationError(f"MTS_GLOSSARY: {exc}") from None
        return SegmentChecker(
            base.merged(glossary) if glossary else base, Thresholds.parse(self.settings.low_confidence)
        )

    def translate_document(
        self, text: str, src: str, tgt: str, glossary: Glossary | None = None
    ) -> DocumentTranslation:
        """Translate a whole dispatch, keeping its paragraphs; segments are repaired and flagged."""
        checker = self.checker(glossary)  # a bad glossary fails before any model loads
        return translate_document(text, src, tgt, self.translator(src, tgt), checker)

    def translate_documents(
        self, texts: list[str], src: str, tgt: str, glossary: Glossary | None = None
    ) -> list[DocumentTranslation]:
        """Translate several dispatches; their sentences share model batches."""
        checker = self.checker(glossary)
        return translate_documents(texts, src, tgt, self.translator(src, tgt), checker)
