"""The dispatch pipeline: French dispatch in, translations and checked bullet summaries out.

Every entry point (CLI, API, batch job, evaluation) calls :meth:`Pipeline.process`; none has
translation or summary logic of its own.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from service.config import Settings
from service.errors import MtsError
from service.languages import SOURCE, TARGETS, display_name
from service.quality.flags import FLAG_DESCRIPTIONS, bullet_flags
from service.quality.repair import SegmentChecker
from service.quality.support import check_bullet
from service.summarization.base import Bullet, MalformedSummaryError, Summarizer
from service.summarization.extractive import ExtractiveSummarizer
from service.text.glossary import Glossary
from service.text.langid import detect
from service.text.segment import segment
from service.translation.base import Translator
from service.translation.document import DocumentTranslation, Segment, translate_documents
from service.work import checkpoint

AUTO = "auto"


class ModelSource(Protocol):
    """Where the pipeline gets its models (the runtime; a fake in tests)."""

    def translator(self, src: str, tgt: str) -> Translator:
        """The translator of a pair's route."""
        ...

    def summarizer(self, spec: str | None = None) -> Summarizer:
        """The summarizer a setting names (default: the configured one)."""
        ...

    def checker(self, glossary: Glossary | None = None) -> SegmentChecker:
        """Repairs and flags with the configured glossary plus ``glossary``."""
        ...


@dataclass(frozen=True)
class Detection:
    """The language detected for a text sent with source ``auto``."""

    language: str
    confidence: float


def summary_pairs(
    input_lang: str, output_langs: Iterable[str], langs: Sequence[str]
) -> list[tuple[str, str]]:
    """The translations a summarizer needs besides the dispatch's own: its input document, when it
    reads another language than the source, and its bullets into the languages it does not write.

    The language plan asks this to know which models summaries load; the pipeline does the same."""
    outputs = frozenset(output_langs)
    pairs = [(SOURCE, input_lang)] if input_lang != SOURCE else []
    native = _native(outputs)
    pairs += [(native, lang) for lang in (SOURCE, *langs) if lang not in outputs]
    return list(dict.fromkeys(pairs))


def _native(output_langs: frozenset[str]) -> str:
    """The language a summarizer's bullets are translated from."""
    return SOURCE if SOURCE in output_langs else sorted(output_langs)[0]


@dataclass(frozen=True)
class DispatchRequest:
    """What to do with one dispatch."""

    text: str
    id: str | None = None
    langs: tuple[str, ...] = TARGETS
    bullets: int | None = None
    summarizer: str | None = None
    strict: bool = False
    summaries: bool = True
    translations: bool = True
    glossary: Glossary | None = None  # entries added to the configured glossary for this request


@dataclass
class DispatchResult:
    """Everything the pipeline produced for one dispatch (its JSON form: ``service.schemas.DispatchOut``)."""

    id: str
    source_text: str
    translations: dict[str, DocumentTranslation]
    summaries: dict[str, list[Bullet]]
    # requested, used, fallback_reason, and models (the ModelInfo of the summarizer used); empty
    # when no summaries were asked for.
    summarizer: dict[str, Any]
    prompt: str | None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def source_lang(self) -> str:
        """The language of the dispatch."""
        return SOURCE

    @property
    def review(self) -> bool:
        """True when any translated sentence or bullet is flagged or unsupported."""
        return any(t.review for t in self.translations.values()) or any(
            b.flags or not b.supported for bullets in self.summaries.values() for b in bullets
        )

    def to_markdown(self) -> str:
        """A readable report: translations, each followed by the sentences to check and why, then
        bullets in each language, marked where they are not supported or flagged."""
        lines = [f"# Dispatch {self.id}", ""]
        for lang, translation in self.translations.items():
            lines += [f"## {display_name(lang)}", "", translation.translation.strip(), ""]
            lines += _sentences_to_check(translation)
        if self.summaries:
            lines += ["## Summary", ""]
            if self.summarizer.get("fallback_reason"):
                lines += [f"_Summarizer fell back to extractive: {self.summarizer['fallback_reason']}._", ""]
            for lang, bullets in self.summaries.items():
                lines += [f"### {display_name(lang)}", ""]
                for bullet in bullets:
                    marks = [_flag_reason(flag) for flag in bullet.flags]
                    if not bullet.supported:
                        marks.insert(0, f"not found in the source: {', '.join(bullet.unsupported)}")
                    lines.append(f"- {bullet.text}" + "".join(f" ⚠ {mark}" for mark in marks))
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _flag_reason(flag: str) -> str:
    description = FLAG_DESCRIPTIONS.get(flag)
    return f"{flag}: {description}" if description else flag


def _sentences_to_check(translation: DocumentTranslation) -> list[str]:
    """The flagged sentences of a translation as a Markdown list: the sentence, its source, and
    each flag with what it means (nothing when no sentence is flagged)."""
    flagged = [(number, s) for number, s in enumerate(translation.segments, start=1) if s.flags]
    if not flagged:
        return []
    lines = [f"**To check: {len(flagged)} of {len(translation.segments)} sentences**", ""]
    for number, sentence in flagged:
        lines.append(f"- ⚠ sentence {number}: {sentence.translation.strip()}")
        lines.append(f"  - source: {sentence.source.strip()}")
        lines += [f"  - {_flag_reason(flag)}" for flag in sentence.flags]
    return [*lines, ""]


def content_id(text: str) -> str:
    """A stable id for a dispatch without one: a hash of its text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_langs(value: str | Sequence[str]) -> tuple[str, ...]:
    """Target languages from "en,ko" or a list; checked against what the service translates into."""
    items = value.split(",") if isinstance(value, str) else list(value)
    langs = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [lang for lang in langs if lang not in TARGETS]
    if unknown or not langs:
        given = ", ".join(unknown) or "(none)"
        raise MtsError(f"unsupported target language(s) {given}; choose from {', '.join(TARGETS)}")
    return langs


class Pipeline:
    """Turns a French dispatch into translations and bullet summaries with support verdicts."""

    def __init__(self, settings: Settings, models: ModelSource) -> None:
        self.settings = settings
        self.models = models

    def translate(
        self, texts: Sequence[str], source: str, target: str, glossary: Glossary | None = None
    ) -> list[tuple[DocumentTranslation, Detection | None]]:
        """Translate dispatches from ``source`` (French, or ``auto``) into ``target``.

        With ``auto`` the language of each text is detected and reported. A text already in the
        target language is returned as it is; any other text is translated on the French route,
        since the models are French-source (a text that is not French is translated anyway, and
        the detected language says so). Sentences of all texts share model batches."""
        detections = [_detect(text) if source == AUTO else None for text in texts]
        checker = self.models.checker(glossary)  # a bad glossary fails before any model loads
        todo = [i for i, d in enumerate(detections) if d is None or d.language != target]
        translated = (
            translate_documents(
                [texts[i] for i in todo], SOURCE, target, self.models.translator(SOURCE, target), checker
            )
            if todo
            else []
        )
        documents = dict(zip(todo, translated, strict=True))
        return [
            (documents[i] if i in documents else _as_is(text, target), detection)
            for i, (text, detection) in enumerate(zip(texts, detections, strict=True))
        ]

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
        checker = self.models.checker(first.glossary)
        for lang in langs if first.translations else ():
            checkpoint()
            t0 = time.perf_counter()
            documents = translate_documents(
                [r.text for r in requests],
                SOURCE,
                lang,
                self.models.translator(SOURCE, lang),
                checker,
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
                checkpoint()
                spec = request.summarizer or self.settings.summarizer
                n = request.bullets if request.bullets is not None else self.settings.bullets
                summaries, summarizer_info, prompt = self._summaries(
                    request.text,
                    spec,
                    n,
                    (SOURCE, *langs),
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
        summarizer = self.models.summarizer(spec)
        info: dict[str, Any] = {"requested": spec, "used": summarizer.name, "fallback_reason": None}
        try:
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations)
        except MalformedSummaryError as exc:
            summarizer = ExtractiveSummarizer()
            info.update(used=summarizer.name, fallback_reason=str(exc))
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations)
        info["models"] = list(summarizer.models)
        summaries: dict[str, list[Bullet]] = {}
        glossary = self.models.checker(glossary_extra).glossary
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
        if lang == SOURCE:
            return text
        if lang not in translations:
            translator = self.models.translator(SOURCE, lang)
            return translate_documents([text], SOURCE, lang, translator, self.models.checker())[0].translation
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
        native = _native(frozenset(summarizer.output_langs))
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
                translator = self.models.translator(native, lang)
                result[lang] = [t.text for t in translator.translate(written[native], native, lang)]
            else:
                result[lang] = []
        return result


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _detect(text: str) -> Detection:
    guess = detect(text)[0]
    return Detection(guess.language, round(guess.confidence, 1))


def _as_is(text: str, lang: str) -> DocumentTranslation:
    """A text already in ``lang``: every sentence stands as its own translation."""
    sentences = segment(text)
    return DocumentTranslation(
        lang, lang, text, [], [Segment(s.paragraph, s.text, s.text, None) for s in sentences]
    )
