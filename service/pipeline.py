"""The dispatch pipeline: French dispatch in, translations and checked bullet summaries out.

Every entry point (CLI, API, batch job, evaluation) calls :meth:`Pipeline.process`; none has
translation or summary logic of its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from service.config import Settings
from service.errors import MtsError
from service.formats import parse_document
from service.formats.base import Block, FormatOptions, Limits, TranslatedBlock
from service.languages import SOURCE, TARGETS, display_name
from service.quality.flags import FLAG_DESCRIPTIONS, bullet_flags, bullet_numbers_added
from service.quality.repair import SegmentChecker, korean_style
from service.quality.support import check_bullet
from service.summarization.base import Bullet, Summarizer, SummaryUnavailableError
from service.summarization.extractive import ExtractiveSummarizer
from service.text.glossary import Glossary
from service.text.langid import detect
from service.text.segment import segment
from service.translation.base import NBestTranslator, Translator
from service.translation.document import (
    Alternative,
    DocumentTranslation,
    Segment,
    SegmentListener,
    rebuild_layout,
    translate_documents,
    translate_documents_and,
)
from service.translation.markup import FormattedTranslation, translate_blocks
from service.work import checkpoint

AUTO = "auto"
# Called with each translated sentence of a dispatch as soon as it is ready: (language, sentence
# index, segment); for several dispatches (language, dispatch index, sentence index, segment).
DispatchListener = Callable[[str, int, Segment], None]
ManyListener = Callable[[str, int, int, Segment], None]


class ModelSource(Protocol):
    """Where the pipeline gets its models (the runtime; a fake in tests)."""

    def translator(self, src: str, tgt: str) -> Translator:
        """The translator of a pair's route."""
        ...

    def summarizer(self, spec: str | None = None) -> Summarizer:
        """The summarizer a setting names (default: the configured one)."""
        ...

    def checker(self, glossary: Glossary | None = None, style: str | None = None) -> SegmentChecker:
        """Repairs and flags with the configured glossary plus ``glossary``, Korean output in
        ``style`` (the configured style when None)."""
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
    format: str = "text"  # or html, markdown: translations keep the markup, bullets are plain text
    style: str | None = None  # Korean register (news, polite); None: the configured one


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
    each flag with what it means and what it points at (nothing when no sentence is flagged)."""
    flagged = [(number, s) for number, s in enumerate(translation.segments, start=1) if s.flags]
    if not flagged:
        return []
    lines = [f"**To check: {len(flagged)} of {len(translation.segments)} sentences**", ""]
    for number, sentence in flagged:
        lines.append(f"- ⚠ sentence {number}: {sentence.translation.strip()}")
        lines.append(f"  - source: {sentence.source.strip()}")
        for flag in sentence.flags:
            lines.append(f"  - {_flag_reason(flag)}")
            lines += [f"    - {f.note}" for f in sentence.findings if f.flag == flag and f.note]
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


def format_options(settings: Settings) -> FormatOptions:
    """The format choices and limits of the settings."""
    return FormatOptions(
        translate_attributes=settings.translate_attributes,
        limits=Limits(
            max_bytes=settings.document_max_bytes,
            max_elements=settings.max_elements,
            max_depth=settings.max_depth,
        ),
    )


def plain_text(blocks: Sequence[Block | TranslatedBlock]) -> str:
    """A document's text without markup: its blocks' texts, one paragraph each."""
    return "\n\n".join(block.text for block in blocks if block.text.strip())


@dataclass(frozen=True)
class FileTranslation:
    """A translated file: its bytes in the source's format, and the translation's text and
    sentences (``document.translation`` is the file's text for text formats, its plain text for
    Word)."""

    data: bytes
    document: DocumentTranslation
    detected: Detection | None = None


class Pipeline:
    """Turns a French dispatch into translations and bullet summaries with support verdicts."""

    def __init__(self, settings: Settings, models: ModelSource) -> None:
        self.settings = settings
        self.models = models

    def translate(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        glossary: Glossary | None = None,
        *,
        fmt: str = "text",
        alternatives: int = 0,
        style: str | None = None,
        on_segment: SegmentListener | None = None,
    ) -> list[tuple[DocumentTranslation, Detection | None]]:
        """Translate dispatches from ``source`` (French, or ``auto``) into ``target``.

        With ``auto`` the language of each text is detected and reported. A text already in the
        target language is returned as it is; any other text is translated on the French route,
        since the models are French-source (a text that is not French is translated anyway, and
        the detected language says so). Sentences of all texts share model batches.

        ``fmt`` ``html`` or ``markdown``: each text is such a document, translated with its markup.
        ``alternatives``: that many other translations of each text besides the main one.
        ``style``: the register of Korean output (:data:`service.text.register.STYLES`).
        ``on_segment``: called with (text index, sentence index, segment) as each translated
        sentence is ready, before the whole result (plain text only; a text returned as it is,
        a formatted document and the alternatives come in the result alone)."""
        if fmt != "text":
            if alternatives:
                raise MtsError("alternatives are given for plain text only (format text)")
            files = self.translate_files(
                [text.encode("utf-8") for text in texts], fmt, target, glossary, source=source, style=style
            )
            return [(f.document, f.detected) for f in files]
        if alternatives:
            self._check_alternatives(texts, alternatives)
        detections = [_detect(text) if source == AUTO else None for text in texts]
        checker = self.models.checker(glossary, style)  # a bad glossary fails before any model loads
        todo = [i for i, d in enumerate(detections) if d is None or d.language != target]
        listener = (
            None
            if on_segment is None
            else lambda t, i, translated_segment: on_segment(todo[t], i, translated_segment)
        )
        translated = (
            translate_documents(
                [texts[i] for i in todo],
                SOURCE,
                target,
                self.models.translator(SOURCE, target),
                checker,
                on_segment=listener,
            )
            if todo
            else []
        )
        if alternatives and translated:
            translated = self._with_alternatives(
                [texts[i] for i in todo], translated, target, alternatives, checker
            )
        documents = dict(zip(todo, translated, strict=True))
        return [
            (
                documents[i]
                if i in documents
                else dataclasses.replace(_as_is(text, target), alternatives=() if alternatives else None),
                detection,
            )
            for i, (text, detection) in enumerate(zip(texts, detections, strict=True))
        ]

    def _check_alternatives(self, texts: Sequence[str], n: int) -> None:
        """Refuse a request for alternatives over the settings' bounds, before any model runs."""
        most = self.settings.max_alternatives
        if n > most:
            raise MtsError(
                f"alternatives: {n} asked for; the most is {most} (MTS_MAX_ALTERNATIVES)"
                if most
                else "alternatives are turned off on this server (MTS_MAX_ALTERNATIVES=0)"
            )
        longest = self.settings.alternatives_max_sentences
        for i, text in enumerate(texts):
            count = len(segment(text))
            if count > longest:
                raise MtsError(
                    f"alternatives are given for texts of up to {longest} sentences; text {i} has {count}"
                )

    def _with_alternatives(
        self,
        texts: list[str],
        documents: list[DocumentTranslation],
        target: str,
        n: int,
        checker: SegmentChecker,
    ) -> list[DocumentTranslation]:
        """The documents with up to ``n`` other translations each, built from each sentence's beam.

        The k-th alternative takes each sentence's k-th best hypothesis (its last one where the beam
        holds fewer), repaired as the main translation is; texts equal to the main translation or
        to an earlier alternative are dropped."""
        translator = self.models.translator(SOURCE, target)
        if not isinstance(translator, NBestTranslator):
            raise MtsError(f"the {SOURCE}→{target} route gives no alternatives")
        sentences = [s.source for document in documents for s in document.segments]
        beams = translator.translate_n(sentences, SOURCE, target, n + 1) if sentences else []
        model_id = translator.models[-1].id if translator.models else None
        results = []
        offset = 0
        for text, document in zip(texts, documents, strict=True):
            own = beams[offset : offset + len(document.segments)]
            offset += len(document.segments)
            located = segment(text)
            seen = {document.translation}
            found: list[Alternative] = []
            for k in range(1, max((len(beam) for beam in own), default=0)):
                outputs, scores = [], []
                for seg, beam in zip(document.segments, own, strict=True):
                    if not beam:
                        outputs.append(seg.translation)
                        continue
                    pick = beam[min(k, len(beam) - 1)]
                    repaired, _ = checker.check(
                        seg.source,
                        pick.text,
                        SOURCE,
                        target,
                        score=pick.score,
                        model_id=model_id,
                        dispatch=text,
                    )
                    outputs.append(repaired)
                    if pick.score is not None:
                        scores.append(pick.score)
                other = rebuild_layout(text, located, outputs)
                if other not in seen:
                    seen.add(other)
                    found.append(Alternative(other, round(sum(scores) / len(scores), 4) if scores else None))
                if len(found) == n:
                    break
            results.append(dataclasses.replace(document, alternatives=tuple(found)))
        return results

    def translate_blocks(
        self, blocks: list[Block], target: str, glossary: Glossary | None = None, style: str | None = None
    ) -> FormattedTranslation:
        """Translate a document's blocks from French into ``target``, their markup placed on the
        translation (:func:`service.translation.markup.translate_blocks`)."""
        checker = self.models.checker(glossary, style)
        return translate_blocks(blocks, SOURCE, target, self.models.translator(SOURCE, target), checker)

    def translate_file(
        self,
        data: bytes,
        fmt: str,
        target: str,
        glossary: Glossary | None = None,
        *,
        source: str = SOURCE,
        style: str | None = None,
    ) -> FileTranslation:
        """Translate one file of format ``fmt`` into ``target``, in the same format."""
        return self.translate_files([data], fmt, target, glossary, source=source, style=style)[0]

    def translate_files(
        self,
        files: Sequence[bytes],
        fmt: str,
        target: str,
        glossary: Glossary | None = None,
        *,
        source: str = SOURCE,
        style: str | None = None,
    ) -> list[FileTranslation]:
        """Translate files of format ``fmt``; their sentences share model batches. With ``source``
        ``auto``, a file whose text is already in ``target`` comes back as it is."""
        options = format_options(self.settings)
        parsed = [parse_document(data, fmt, options) for data in files]
        checker = self.models.checker(glossary, style)
        plains = [plain_text(document.blocks) for document in parsed]
        detections = [_detect(text) if source == AUTO and text else None for text in plains]
        todo = [i for i, d in enumerate(detections) if d is None or d.language != target]
        blocks = [block for i in todo for block in parsed[i].blocks]
        formatted = (
            translate_blocks(blocks, SOURCE, target, self.models.translator(SOURCE, target), checker)
            if blocks
            else None
        )
        results: list[FileTranslation] = []
        first = 0
        for i, (data, document) in enumerate(zip(files, parsed, strict=True)):
            if i not in todo or formatted is None:
                results.append(FileTranslation(data, _as_is(plains[i], target), detections[i]))
                continue
            count = len(document.blocks)
            own = formatted.blocks[first : first + count]
            rendered = document.render(own, target)
            segments = [
                Segment(s.block - first, s.source, s.translation, s.score, s.findings, where=s.where)
                for s in formatted.segments
                if first <= s.block < first + count
            ]
            first += count
            plain = plain_text(own)
            translation = plain if fmt == "docx" else rendered.decode("utf-8")
            results.append(
                FileTranslation(
                    rendered,
                    DocumentTranslation(SOURCE, target, translation, formatted.models, segments, plain=plain),
                    detections[i],
                )
            )
        return results

    def process(self, request: DispatchRequest, on_segment: DispatchListener | None = None) -> DispatchResult:
        """Translate and summarize one dispatch.

        ``on_segment``: called with (language, sentence index, segment) as each translated
        sentence is ready, language after language, before the bullets are written (plain text
        only: a formatted dispatch's sentences come in the result alone)."""
        if on_segment is None:
            return self.process_many([request])[0]
        return self.process_many(
            [request], on_segment=lambda lang, _, i, translated: on_segment(lang, i, translated)
        )[0]

    def process_many(
        self,
        requests: Sequence[DispatchRequest],
        *,
        on_segment: ManyListener | None = None,
    ) -> list[DispatchResult]:
        """Translate and summarize several dispatches; their sentences share translation batches.

        Requests must agree on languages and on whether to translate (the batch job's case);
        translation time is shared among them in ``timings_ms``. ``on_segment`` is called with
        (language, request index, sentence index, segment) as each plain-text sentence is ready.
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
            or r.format != first.format
            or r.style != first.style
            for r in requests
        ):
            raise ValueError(
                "process_many needs requests with the same languages, translation choice, glossary, "
                "format and style"
            )
        for request in requests:
            n = request.bullets if request.bullets is not None else self.settings.bullets
            if not 3 <= n <= 5:
                raise MtsError(f"bullets must be between 3 and 5, not {n}")
        timings: list[dict[str, float]] = [{} for _ in requests]
        translations: list[dict[str, DocumentTranslation]] = [{} for _ in requests]
        checker = self.models.checker(first.glossary, first.style)
        formatted = first.format != "text"
        # The text summaries are written from: a formatted dispatch's text without markup.
        texts = (
            [
                plain_text(
                    parse_document(r.text.encode("utf-8"), r.format, format_options(self.settings)).blocks
                )
                for r in requests
            ]
            if formatted
            else [r.text for r in requests]
        )
        # Bullets picked from the French text are known before any translation: those that are
        # not sentences of the dispatch go into each language's translation call, sharing its
        # batches, instead of making a model call of their own once the dispatch is translated.
        ahead = (
            [self._bullets_ahead(r, texts[i]) for i, r in enumerate(requests)]
            if first.translations and not formatted
            else [[] for _ in requests]
        )
        extra = list(dict.fromkeys(b for bullets in ahead for b in bullets))
        bullet_translations: list[dict[str, dict[str, str]]] = [{} for _ in requests]
        for lang in langs if first.translations else ():
            checkpoint()
            t0 = time.perf_counter()
            if formatted:
                documents = [
                    f.document
                    for f in self.translate_files(
                        [r.text.encode("utf-8") for r in requests],
                        first.format,
                        lang,
                        first.glossary,
                        style=first.style,
                    )
                ]
            else:
                documents, extra_done = translate_documents_and(
                    texts,
                    extra,
                    SOURCE,
                    lang,
                    self.models.translator(SOURCE, lang),
                    checker,
                    on_segment=_in_language(on_segment, lang),
                )
                done = {b: t.text for b, t in zip(extra, extra_done, strict=True)}
                for i, bullets in enumerate(ahead):
                    bullet_translations[i][lang] = {b: done[b] for b in bullets}
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
                    texts[i],
                    spec,
                    n,
                    (SOURCE, *langs),
                    translations[i],
                    strict=request.strict,
                    checker=checker,
                    ahead=bullet_translations[i],
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
        checker: SegmentChecker,
        ahead: dict[str, dict[str, str]] | None = None,
    ) -> tuple[dict[str, list[Bullet]], dict[str, Any], str | None]:
        summarizer = self.models.summarizer(spec)
        info: dict[str, Any] = {"requested": spec, "used": summarizer.name, "fallback_reason": None}
        try:
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations, ahead)
        except SummaryUnavailableError as exc:
            summarizer = ExtractiveSummarizer()
            info.update(used=summarizer.name, fallback_reason=str(exc))
            raw = self._write_bullets(summarizer, text, n, bullet_langs, translations, ahead)
        info["models"] = list(summarizer.models)
        summaries: dict[str, list[Bullet]] = {}
        glossary = checker.glossary
        for lang, written in raw.items():
            bullets = (
                [korean_style(bullet, checker.style) for bullet in written]
                if lang == "ko" and checker.style is not None
                else written
            )
            translated_source = translations[lang].text if lang in translations else None
            checked = []
            for bullet in bullets:
                added = bullet_numbers_added(bullet, lang, text)  # read once, for both
                verdict = check_bullet(
                    bullet, lang, text, {lang: translated_source} if translated_source else None, added
                )
                flags = bullet_flags(bullet, lang, text, glossary, added)
                checked.append(Bullet(bullet, verdict.supported, tuple(verdict.unsupported), tuple(flags)))
            summaries[lang] = [b for b in checked if b.supported] if strict else checked
        return summaries, info, summarizer.prompt_ref

    def _bullets_ahead(self, request: DispatchRequest, text: str) -> list[str]:
        """The bullets of ``request`` that are not sentences of ``text``, when its summarizer is
        the extractive one: it picks them from the French text alone, at no cost, so they are
        known before translating (a model summarizer is run once, after the translations)."""
        if not request.summaries:
            return []
        summarizer = self.models.summarizer(request.summarizer or self.settings.summarizer)
        if not isinstance(summarizer, ExtractiveSummarizer):
            return []
        n = request.bullets if request.bullets is not None else self.settings.bullets
        sentences = {s.text for s in segment(text)}
        return [b for b in summarizer.summarize(text, SOURCE, n) if b not in sentences]

    def _document_in(self, lang: str, text: str, translations: dict[str, DocumentTranslation]) -> str:
        if lang == SOURCE:
            return text
        if lang not in translations:
            translator = self.models.translator(SOURCE, lang)
            return translate_documents([text], SOURCE, lang, translator, self.models.checker())[0].translation
        return translations[lang].text

    def _write_bullets(
        self,
        summarizer: Summarizer,
        text: str,
        n: int,
        bullet_langs: tuple[str, ...],
        translations: dict[str, DocumentTranslation],
        ahead: dict[str, dict[str, str]] | None = None,
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
                result[lang] = self._translate_bullets(
                    written[native], native, lang, translations, (ahead or {}).get(lang, {})
                )
            else:
                result[lang] = []
        return result

    def _translate_bullets(
        self,
        bullets: list[str],
        src: str,
        tgt: str,
        translations: dict[str, DocumentTranslation],
        ahead: dict[str, str],
    ) -> list[str]:
        """The bullets in ``tgt``. A bullet that is one of the dispatch's own sentences (extractive
        bullets often are) takes that sentence's translation, already checked and repaired, so
        the bullet agrees with the translation and the model is not run twice on it; one
        translated with the dispatch (``ahead``: French bullets known before it was translated)
        takes that translation."""
        done = translations.get(tgt)
        known = {s.source: s.translation for s in done.segments} if done is not None and src == SOURCE else {}
        if src == SOURCE:
            known |= ahead
        todo = list(dict.fromkeys(b for b in bullets if b not in known))
        if todo:
            translator = self.models.translator(src, tgt)
            known |= dict(zip(todo, (t.text for t in translator.translate(todo, src, tgt)), strict=True))
        return [known[b] for b in bullets]


def _in_language(on_segment: ManyListener | None, lang: str) -> SegmentListener | None:
    """``on_segment`` for the sentences translated into ``lang``."""
    if on_segment is None:
        return None
    return lambda t, i, translated: on_segment(lang, t, i, translated)


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
