"""The runtime: built once from the settings, it owns languages, models and inference work.

* :class:`~service.runtime.plan.LanguagePlan`: sources, targets, routes, required models;
* :class:`~service.runtime.registry.ModelRegistry`: the only owner of loaded models;
* :class:`~service.runtime.executor.Executor`: every model call, with deadlines and cancellation;
* the :class:`~service.pipeline.Pipeline`, given the runtime as its source of models.

Entry points (CLI, API, batch worker, Ray actor, evaluation) build one :class:`Runtime` and adapt
it; none of them routes languages, loads models or runs inference by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from service.config import Settings
from service.errors import ConfigurationError
from service.languages import SOURCE, TARGETS
from service.llm.client import RemoteCall
from service.pipeline import Pipeline
from service.quality.flags import Thresholds
from service.quality.repair import SegmentChecker, check_style
from service.runtime.executor import CallStats, Executor
from service.runtime.plan import LanguagePlan, ModelRole, Route, family_of
from service.runtime.registry import Loaders, ModelRegistry
from service.summarization.base import Summarizer
from service.summarization.registry import SummarizerSpec
from service.text.glossary import Glossary, GlossaryError, glossary_from_settings
from service.translation.base import (
    Aligner,
    Alignment,
    ModelInfo,
    NBestTranslator,
    TermTranslator,
    Translation,
    Translator,
)
from service.work import checkpoint

__all__ = ["Runtime"]

WARMUP_TEXT = {
    "fr": "Le ministre des Affaires étrangères s'est rendu à Séoul mardi.",
    "en": "The foreign minister visited Seoul on Tuesday.",
    "ko": "외교부 장관이 화요일 서울을 방문했다.",
}
# Items (sentences) one model call takes at most. Concurrent requests share calls, a fair share
# each; a long document is served in slices of this size, so a short request waits for one slice,
# not the whole document. The translator cuts each call into token-budget batches.
CALL_ITEMS = 64


class RoutedTranslator:
    """A route's translator as the pipeline sees it: every call goes through the executor."""

    def __init__(self, route: Route, registry: ModelRegistry, executor: Executor) -> None:
        self.route = route
        self._registry = registry
        self._executor = executor
        # A route on the LLM server is told the glossary terms (TermTranslator).
        self.takes_terms = route.remote

    def _inner(self) -> Translator:
        return self._registry.route_translator(self.route)

    @property
    def models(self) -> list[ModelInfo]:
        """The route's models (loading them first, on the inference thread, if they are not yet).

        Once loaded, asking needs no model call, so it does not queue behind other requests' work."""
        if self.route.remote or all(self._registry.is_loaded(step.model) for step in self.route.steps):
            return self._inner().models
        return self._executor.run(self._inner).models

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate on the route's models; calls from concurrent requests are merged."""
        self._check_pair(src, tgt)
        if self.route.remote:
            # An LLM server batches for itself: its calls wait on the network in the caller's
            # thread, under its request's deadline, not on the local models' inference thread.
            return self._inner().translate(texts, src, tgt)
        result: list[Translation] = self._executor.call(
            ("translate", src, tgt), texts, lambda items: self._inner().translate(items, src, tgt)
        )
        return result

    def translate_terms(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]]
    ) -> list[Translation]:
        """Translate, telling a route's LLM server each text's glossary terms; a seq2seq route
        translates as usual (its terms are enforced afterwards, by alignment)."""
        if self.route.remote:
            self._check_pair(src, tgt)
            inner = self._inner()
            if isinstance(inner, TermTranslator):
                return inner.translate_terms(texts, src, tgt, terms)
        return self.translate(texts, src, tgt)

    def translate_n(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[Translation]]:
        """Up to ``n`` distinct translations per text, best first (the first is what
        :meth:`translate` gives); a route without n-best lists gives the single translation."""
        self._check_pair(src, tgt)
        if self.route.remote:
            return [[t] for t in self.translate(texts, src, tgt)]

        def run(items: list[str]) -> list[list[Translation]]:
            inner = self._inner()
            if isinstance(inner, NBestTranslator):
                return inner.translate_n(items, src, tgt, n)
            return [[t] for t in inner.translate(items, src, tgt)]

        result: list[list[Translation]] = self._executor.call(("translate_n", src, tgt, n), texts, run)
        return result

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        """Word alignments of (source, translation) pairs from the route's models; empty ones when
        the route's translator cannot align."""
        self._check_pair(src, tgt)
        if self.route.remote:
            return [() for _ in pairs]  # an LLM server gives no cross-attention to align with

        def run(items: list[tuple[str, str]]) -> list[Alignment]:
            inner = self._inner()
            if isinstance(inner, Aligner):
                return inner.align(items, src, tgt)
            return [() for _ in items]

        result: list[Alignment] = self._executor.call(("align", src, tgt), pairs, run)
        return result

    def _check_pair(self, src: str, tgt: str) -> None:
        if (src, tgt) != (self.route.src, self.route.tgt):
            raise ValueError(f"the {self.route.src}→{self.route.tgt} translator was asked for {src}→{tgt}")


class ExecutedSummarizer:
    """A model summarizer whose loading and every call run through the executor."""

    def __init__(self, inner: Summarizer, executor: Executor) -> None:
        self._summarizer = inner
        self._executor = executor
        self.name = inner.name
        self.input_lang = inner.input_lang
        self.output_langs = inner.output_langs

    @property
    def models(self) -> list[ModelInfo]:
        """The summarizer's models."""
        return self._summarizer.models

    @property
    def prompt_ref(self) -> str | None:
        """The prompt it renders, if any."""
        return self._summarizer.prompt_ref

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """Bullets, written on the inference thread."""
        return self._executor.run(lambda: self._summarizer.summarize(document, lang, n))


class Runtime:
    """One process's languages, models, inference executor and pipeline."""

    def __init__(
        self,
        settings: Settings,
        *,
        loaders: Loaders | None = None,
        wrap_translator: Callable[[Translator], Translator] | None = None,
        on_call: Callable[[CallStats], None] | None = None,
        on_remote: Callable[[RemoteCall], None] | None = None,
        families: Callable[[str, Settings], Any] = family_of,
    ) -> None:
        self.settings = settings
        self.plan = LanguagePlan(settings, families)
        self.registry = ModelRegistry(settings, loaders, on_remote)
        self.executor = Executor(
            max_queue=settings.max_queue,
            call_items=CALL_ITEMS,
            wait_ms=settings.batch_wait_ms,
            on_call=on_call,
        )
        self._wrap = wrap_translator
        self.pipeline = Pipeline(settings, self)

    # -- what the pipeline asks for --------------------------------------------------------------

    def translator(self, src: str, tgt: str) -> Translator:
        """The translator of a pair's route (models load on first use)."""
        translator: Translator = RoutedTranslator(self.plan.route(src, tgt), self.registry, self.executor)
        return self._wrap(translator) if self._wrap is not None else translator

    def summarizer(self, spec: str | None = None) -> Summarizer:
        """The summarizer ``spec`` names (default: the configured one), loaded once."""
        parsed = self.plan.summarizer(spec)
        role = self.plan.summarizer_role(spec)
        summarizer = self.executor.run(lambda: self.registry.summarizer(parsed, role))
        if role is None:
            # Extractive (no model) or remote (a server runs it: calls wait on the network in the
            # caller's thread, under its request's deadline, not on the inference thread).
            return summarizer
        return ExecutedSummarizer(summarizer, self.executor)

    def checker(self, glossary: Glossary | None = None, style: str | None = None) -> SegmentChecker:
        """Repairs and flags with the configured glossary (plus ``glossary``, which overrides it),
        writing Korean output in ``style`` (the configured one when None)."""
        try:
            base = glossary_from_settings(self.settings.glossary)
        except GlossaryError as exc:
            raise ConfigurationError(f"MTS_GLOSSARY: {exc}") from None
        return SegmentChecker(
            base.merged(glossary) if glossary else base,
            Thresholds.parse(self.settings.low_confidence),
            enforce_terms=self.settings.enforce_terms,
            style=check_style(style or self.settings.korean_style),
            dateline_year=self.settings.dateline_year_value(),
        )

    # -- preparing -------------------------------------------------------------------------------

    def required_models(
        self, langs: Sequence[str] = TARGETS, summarizer: str | None = None, *, summaries: bool = True
    ) -> list[ModelRole]:
        """Every model a dispatch into ``langs`` needs (see the language plan)."""
        return self.plan.required_models(langs, summarizer, summaries=summaries)

    def check_available(
        self, langs: Sequence[str] = TARGETS, summarizer: str | None = None, *, summaries: bool = True
    ) -> None:
        """Fail now, with one clear line, when a needed model is missing or broken (loads nothing)."""
        self.checker()  # a bad glossary fails before anything else
        for role in self.required_models(langs, summarizer, summaries=summaries):
            self.registry.locate(role)
        if summaries and self.plan.summarizer(summarizer).kind == "openai":
            self.registry.endpoint()  # MTS_LLM_URL is set and well-formed (the server may be down)

    def warm(
        self,
        langs: Sequence[str] = TARGETS,
        summarizer: str | None = None,
        *,
        summaries: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Load every model a dispatch into ``langs`` needs and run one sentence through each route."""
        self.check_available(langs, summarizer, summaries=summaries)
        checker = self.checker()
        for lang in langs:
            # The checks compile their glossary matchers and patterns on first use: do it now,
            # not in the first request.
            checker.check(WARMUP_TEXT[SOURCE], WARMUP_TEXT[lang], SOURCE, lang)
        for route in self.plan.routes_needed(langs, summarizer, summaries=summaries):
            checkpoint()
            if route.remote:
                continue  # an LLM server's model: nothing to load here, and the server may start later
            if progress is not None:
                progress(f"loading the {route.src}→{route.tgt} model")
            self.executor.run(
                lambda route=route: self.registry.route_translator(route).translate(  # type: ignore[misc]
                    [WARMUP_TEXT[route.src]], route.src, route.tgt
                )
            )
        if summaries and self.plan.summarizer_role(summarizer) is not None:
            if progress is not None:
                progress(f"loading the summarizer {self.plan.summarizer(summarizer).text}")
            self.summarizer(summarizer)

    def close(self) -> None:
        """Stop the inference thread (work still waiting fails with a clear error) and close the
        remote endpoint's connections."""
        self.executor.close()
        self.registry.close()


__all__ += ["ModelRole", "Route", "SummarizerSpec"]
