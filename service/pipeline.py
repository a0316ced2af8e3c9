"""The dispatch pipeline: French dispatch in, translations and checked bullet summaries out.

Every entry point (CLI, API, batch job, evaluation) calls :meth:`Pipeline.process`; none has
translation or summary logic of its own.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.config import Settings
from service.errors import MtsError
from service.quality.flags import bullet_flags
from service.quality.support import check_bullet
from service.summarization.base import Bullet, MalformedSummaryError, Summarizer
from service.summarization.extractive import ExtractiveSummarizer
from service.summarization.registry import make_summarizer
from service.text.glossary import Glossary
from service.translation.document import DocumentTranslation
from service.translation.engine import TranslationEngine

SOURCE_LANG = "fr"
TARGET_LANGS = ("en", "ko")
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ko": "한국어 (Korean)"}


@dataclass(frozen=True)
class DispatchRequest:
    """What to do with one dispatch."""

    text: str
    id: str | None = None
    langs: tuple[str, ...] = TARGET_LANGS
    bullets: int | None = None
    summarizer: str | None = None
    strict: bool = False
    summaries: bool = True
    translations: bool = True
    glossary: Glossary | None = None  # entries added to the configured glossary for this request


@dataclass
class DispatchResult:
    """Everything the pipeline produced for one dispatch."""

    id: str
    source_text: str
    translations: dict[str, DocumentTranslation]
    summaries: dict[str, list[Bullet]]
    summarizer: dict[str, Any]
    prompt: str | None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def models(self) -> dict[str, Any]:
        """Every model behind the result, with revisions."""
        return {
            "translation": {lang: [m.as_dict() for m in t.models] for lang, t in self.translations.items()},
            "summarizer": self.summarizer.get("models", []),
        }

    @property
    def review(self) -> bool:
        """True when any translated sentence or bullet is flagged or unsupported."""
        return any(t.review for t in self.translations.values()) or any(
            b.flags or not b.supported for bullets in self.summaries.values() for b in bullets
        )

    def as_dict(self) -> dict[str, Any]:
        """The ``mts process --json`` object."""
        return {
            "id": self.id,
            "review": self.review,
            "source": {"lang": SOURCE_LANG, "text": self.source_text},
            "translations": {lang: t.as_dict() for lang, t in self.translations.items()},
            "summaries": {lang: [b.as_dict() for b in bullets] for lang, bullets in self.summaries.items()},
            "summarizer": {k: v for k, v in self.summarizer.items() if k != "models"},
            "models": self.models(),
            "prompt": self.prompt,
            "timings_ms": self.timings_ms,
        }

    def to_markdown(self) -> str:
        """A readable report: translations, then bullets in each language."""
        lines = [f"# Dispatch {self.id}", ""]
        for lang, translation in self.translations.items():
            lines += [f"## {LANGUAGE_NAMES.get(lang, lang)}", "", translation.translation.strip(), ""]
        if self.summaries:
            lines += ["## Summary", ""]
            if self.summarizer.get("fallback_reason"):
                lines += [f"_Summarizer fell back to extractive: {self.summarizer['fallback_reason']}._", ""]
            for lang, bullets in self.summaries.items():
                lines += [f"### {LANGUAGE_NAMES.get(lang, lang)}", ""]
                for bullet in bullets:
                    mark = (
                        ""
                        if bullet.supported
                        else f" ⚠ not found in the source: {', '.join(bullet.unsupported)}"
                    )
                    lines.append(f"- {bullet.text}{mark}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def content_id(text: str) -> str:
    """A stable id for a dispatch without one: a hash of its text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_langs(value: str | Sequence[str]) -> tuple[str, ...]:
    """Target languages from "en,ko" or a list; checked against what the service translates into."""
    items = value.split(",") if isinstance(value, str) else list(value)
    langs = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [lang for lang in langs if lang not in TARGET_LANGS]
    if unknown or not langs:
        given = ", ".join(unknown) or "(none)"
        raise MtsError(f"unsupported target language(s) {given}; choose from {', '.join(TARGET_LANGS)}")
    return langs


class Pipeline:
    """Turns a French dispatch into translations and bullet summaries with support verdicts."""

    def __init__(
        self,
        settings: Settings,
        engine: TranslationEngine | None = None,
        summarizer_factory: Callable[[str, Settings], Summarizer] = make_summarizer,
    ) -> None:
        self.settings = settings
        self.engine = engine or TranslationEngine(settings)
        self._summarizer_factory = summarizer_factory

    def process(self, request: DispatchRequest) -> DispatchResult:
        """Translate and summarize one dispatch."""
        return self.process_many([request])[0]

    def process_many(self, requests: Sequence[DispatchRequest]) -> list[DispatchResult]:
        """Translate and summarize several dispatches; their sentences share translation batches.

        Requests must agree on languages and on whether to translate (the batch job's case);
        translation time is shared among them in ``timings_ms``.
        """
        if not requests:
            return []
        started = time.perf_counter()
        first = requests[0]
        langs = parse_langs(first.langs)
        if any(
            parse_langs(r.langs) != langs
            or r.translations != first.translations
            or r.glossary is not first.glossary
            for r in requests
        ):
            raise ValueError(
                "process_many needs requests with the same languages, translation choice and glossary"
            )
        for request in requests:
            n = request.bullets if request.bullets is not None else self.settings.bullets
            if not 3 <= n <= 5:
                raise MtsError(f"bullets must be between 3 and 5, not {n}")
        timings: list[dict[str, float]] = [{} for _ in requests]
        translations: list[dict[str, DocumentTranslation]] = [{} for _ in requests]
        for lang in langs if first.translations else ():
            t0 = time.perf_counter()
            documents = self.engine.translate_documents(
                [r.text for r in requests], SOURCE_LANG, lang, first.glossary
            )
            share = _ms(t0) / len(requests)
            for i, document in enumerate(documents):
                translations[i][lang] = document
                timings[i][f"translate_{lang}"] = round(share, 1)
        batch_ms = _ms(started)
        results = []
        for i, request in enumerate(requests):
            own_start = time.perf_counter()
            summaries: dict[str, list[Bullet]] = {}
            summarizer_info: dict[str, Any] = {}
            prompt: str | None = None
            if request.summaries:
                spec = request.summarizer or self.settings.summarizer
                n = request.bullets if request.bullets is not None else self.settings.bullets
                summaries, summarizer_info, prompt = self._summaries(
                    request.text,
                    spec,
                    n,
                    (SOURCE_LANG, *langs),
                    translations[i],
                    strict=request.strict,
                    glossary_extra=request.glossary,
                )
                timings[i]["summarize"] = _ms(own_start)
            timings[i]["total"] = round(batch_ms / len(requests) + _ms(own_start), 1)
            results.append(
                DispatchResult(
                    id=request.id or content_id(request.text),
                    source_text=request.text,
                    translations=translations[i],
                    summaries=summaries,
                    summarizer=summarizer_info,
                    prompt=prompt,
                    timings_ms=timings[i],
                )
            )
        return results

    def _summaries(
        self,
        text: str,
        spec: str,
        n: int,
        bullet_langs: tuple[str, ...],
        translations: dict[str, DocumentTranslation],
        *,
        strict: bool,
        glossary_extra: Glossary | None = None,
    ) -> tuple[dict[str, list[Bullet]], dict[str, Any], str | None]:
        summarizer = self._summarizer_factory(spec, self.settings)
        info: dict[str, Any] = {"requested": spec, "used": summarizer.name, "fallback_reason": None}
        try:
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations)
        except MalformedSummaryError as exc:
            summarizer = ExtractiveSummarizer()
            info.update(used=summarizer.name, fallback_reason=str(exc))
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations)
        info["models"] = [m.as_dict() for m in summarizer.models]
        summaries: dict[str, list[Bullet]] = {}
        glossary = self.engine.checker(glossary_extra).glossary
        for lang, bullets in raw.items():
            translated_source = translations[lang].translation if lang in translations else None
            checked = []
            for bullet in bullets:
                verdict = check_bullet(
                    bullet, lang, text, {lang: translated_source} if translated_source else None
                )
                flags = bullet_flags(bullet, lang, text, glossary)
                checked.append(Bullet(bullet, verdict.supported, tuple(verdict.unsupported), tuple(flags)))
            summaries[lang] = [b for b in checked if b.supported] if strict else checked
        return summaries, info, summarizer.prompt_ref

    def _document_in(self, lang: str, text: str, translations: dict[str, DocumentTranslation]) -> str:
        if lang == SOURCE_LANG:
            return text
        if lang not in translations:
            translations_only = self.engine.translate_document(text, SOURCE_LANG, lang)
            return translations_only.translation
        return translations[lang].translation

    def _write_bullets(
        self,
        summarizer: Summarizer,
        text: str,
        n: int,
        bullet_langs: tuple[str, ...],
        translations: dict[str, DocumentTranslation],
    ) -> dict[str, list[str]]:
        document = self._document_in(summarizer.input_lang, text, translations)
        native = SOURCE_LANG if SOURCE_LANG in summarizer.output_langs else sorted(summarizer.output_langs)[0]
        written: dict[str, list[str]] = {}
        for lang in bullet_langs:
            if lang in summarizer.output_langs:
                written[lang] = summarizer.summarize(document, lang, n)
        if native not in written:
            written[native] = summarizer.summarize(document, native, n)
        result: dict[str, list[str]] = {}
        for lang in bullet_langs:
            if lang in written:
                result[lang] = written[lang]
            elif written[native]:
                translator = self.engine.translator(native, lang)
                result[lang] = [t.text for t in translator.translate(written[native], native, lang)]
            else:
                result[lang] = []
        return result


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
