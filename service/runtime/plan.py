"""The language plan: which pairs the service translates, by which route, with which models.

Built once from the settings and the catalog's model families. Every place that validates a
language pair (CLI, API), lists languages (``/languages``, ``/v1/languages``), checks models
before a batch job, warms models up or lists them asks this plan, so they cannot disagree.

* A **declared pair** is one users may ask for: the source (French) into each target (English,
  Korean). Each has a route; ``auto`` as source means "detect it" (see the pipeline's policy).
* A **route** is how a pair is translated: directly by one model, or through English (pivot) when
  ``MTS_MODEL_EN_KO`` is set. Routes also exist for the pairs summaries need internally (bullets
  written in English by a ``seq2seq:`` summarizer, translated into French and Korean), through a
  configured multilingual model (M2M100/NLLB).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from service.config import Settings
from service.errors import ConfigurationError, MtsError, UnsupportedLanguagePairError
from service.languages import CODES, ROUTES, SOURCE, TARGETS
from service.llm.client import remote_model
from service.models.catalog import catalog_entry
from service.models.families import FAMILIES, Family, detect_family
from service.models.store import resolve
from service.pipeline import summary_pairs
from service.summarization.registry import SummarizerSpec, parse_summarizer

AUTO = "auto"
# The settings that name translation models, and the pair each is configured for.
TRANSLATION_SETTINGS: dict[str, tuple[str, str]] = {f"model_{src}_{tgt}": (src, tgt) for src, tgt in ROUTES}
PIVOT = "en"


@dataclass(frozen=True)
class ModelRole:
    """A configured model: the setting that names it, its reference, and what it does."""

    setting: str  # a Settings field: model_fr_en, model_fr_ko, model_en_ko or summarizer
    ref: str
    task: Literal["translation", "summarization"] = "translation"

    @property
    def env(self) -> str:
        """The environment variable of the setting (for messages that say how to fix things)."""
        return f"MTS_{self.setting.upper()}"

    @property
    def remote(self) -> str | None:
        """The model name when the setting names a model of the LLM server (``openai:<model>``)."""
        return remote_model(self.ref)


@dataclass(frozen=True)
class Step:
    """One model applied from ``src`` to ``tgt``."""

    src: str
    tgt: str
    model: ModelRole


@dataclass(frozen=True)
class Route:
    """How one pair is translated: one step (direct) or two through English (pivot)."""

    src: str
    tgt: str
    steps: tuple[Step, ...]

    @property
    def kind(self) -> Literal["direct", "pivot"]:
        """``direct`` or ``pivot``."""
        return "direct" if len(self.steps) == 1 else "pivot"

    @property
    def models(self) -> tuple[ModelRole, ...]:
        """The models of the route, in the order they are applied."""
        return tuple(step.model for step in self.steps)

    @property
    def remote(self) -> bool:
        """Whether every model of the route is a model of the LLM server (nothing runs here)."""
        return all(step.model.remote is not None for step in self.steps)


def family_of(ref: str, settings: Settings) -> Family | None:
    """The seq2seq family of a model reference, without loading it (None when unknown yet, or a
    model of the LLM server)."""
    if remote_model(ref) is not None:
        return None
    entry = catalog_entry(ref.partition("@")[0])
    if entry is not None:
        return entry.family if entry.family in FAMILIES else None
    try:
        model = resolve(ref, settings)
        return detect_family(model.path) if model.present else None
    except MtsError:
        return None


class LanguagePlan:
    """Sources, targets and routes of this configuration, and the models each use needs."""

    def __init__(
        self, settings: Settings, families: Callable[[str, Settings], Family | None] = family_of
    ) -> None:
        self.settings = settings
        self._families = families
        self.sources: tuple[str, ...] = (SOURCE,)
        self.targets: tuple[str, ...] = TARGETS
        self.allowed_summarizers = self._allowed_summarizers()

    def _allowed_summarizers(self) -> tuple[str, ...]:
        """The summarizer specs requests may choose (MTS_SUMMARIZERS), each checked now."""
        allowed = []
        for spec in self.settings.summarizer_allow_list:
            try:
                allowed.append(parse_summarizer(spec).text)
            except MtsError as exc:
                raise ConfigurationError(f"MTS_SUMMARIZERS: {exc}") from None
        return tuple(allowed)

    # -- pairs and routes ----------------------------------------------------------------------

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The declared pairs: what users may ask for."""
        return [(s, t) for s in self.sources for t in self.targets if s != t]

    def describe_pairs(self) -> str:
        """The declared pairs in words, for error messages."""
        return ", ".join(f"{s}→{t}" for s, t in self.pairs) + f" (source may be `{AUTO}`)"

    def check_pair(self, source: str, target: str) -> None:
        """Refuse a pair users may not ask for; ``auto`` stands for any source."""
        sources = (*self.sources, AUTO)
        if source not in sources or target not in self.targets or source == target:
            raise UnsupportedLanguagePairError(
                f"cannot translate {source}→{target}; supported pairs: {self.describe_pairs()}"
            )

    def _role(self, setting: str) -> ModelRole | None:
        ref = getattr(self.settings, setting)
        return ModelRole(setting, ref) if ref else None

    def route(self, src: str, tgt: str) -> Route:
        """The route of any pair the configured models can translate (declared or internal)."""
        if src == tgt or src not in CODES or tgt not in CODES:
            raise UnsupportedLanguagePairError(f"cannot translate {src}→{tgt}")
        pivot_model = self._role("model_en_ko")
        if (src, tgt) == ("fr", "ko") and pivot_model is not None:
            return Route(src, tgt, (self._direct("fr", PIVOT), Step(PIVOT, "ko", pivot_model)))
        return Route(src, tgt, (self._direct(src, tgt),))

    def _direct(self, src: str, tgt: str) -> Step:
        for setting, pair in TRANSLATION_SETTINGS.items():
            role = self._role(setting)
            if pair == (src, tgt) and role is not None:
                return Step(src, tgt, role)
        # Any other pair (bullets written in English into French or Korean) goes through a
        # configured multilingual model that knows both languages, preferring the models the
        # declared pairs load anyway (with a pivot, MTS_MODEL_FR_KO is not one of them).
        in_use = ["model_fr_en", "model_en_ko" if self._role("model_en_ko") else "model_fr_ko"]
        for setting in dict.fromkeys([*in_use, *TRANSLATION_SETTINGS]):
            role = self._role(setting)
            family = self._families(role.ref, self.settings) if role else None
            if role is not None and family is not None:
                codes = FAMILIES[family].lang_codes
                if src in codes and tgt in codes:
                    return Step(src, tgt, role)
        raise UnsupportedLanguagePairError(
            f"cannot translate {src}→{tgt}: no configured model does; set MTS_MODEL_FR_KO to a "
            "multilingual M2M100/NLLB model"
        )

    def configured_models(self) -> list[ModelRole]:
        """Every model the settings name (translation models, then the summarizer's); a model of
        the LLM server among them has ``remote`` set (nothing to pull or find on disk)."""
        roles = [role for setting in TRANSLATION_SETTINGS if (role := self._role(setting)) is not None]
        summary_model = self.summarizer_role(None)
        return roles + ([summary_model] if summary_model is not None else [])

    # -- what a use of the service needs ---------------------------------------------------------

    def summarizer(self, spec: str | None) -> SummarizerSpec:
        """The parsed summarizer setting (the configured one when ``spec`` is None)."""
        return parse_summarizer(spec or self.settings.summarizer)

    def summarizer_role(self, spec: str | None) -> ModelRole | None:
        """The model of a summarizer, if it has one."""
        parsed = self.summarizer(spec)
        return ModelRole("summarizer", parsed.ref, "summarization") if parsed.ref else None

    def routes_needed(
        self, langs: Sequence[str], summarizer: str | None = None, *, summaries: bool = True
    ) -> list[Route]:
        """The routes a dispatch into ``langs`` uses, summaries included when ``summaries``."""
        pairs = [(SOURCE, lang) for lang in langs]
        if summaries:
            parsed = self.summarizer(summarizer)
            pairs += summary_pairs(parsed.input_lang, parsed.output_langs, langs)
        return [self.route(s, t) for s, t in dict.fromkeys(pairs)]

    def required_models(
        self, langs: Sequence[str] = TARGETS, summarizer: str | None = None, *, summaries: bool = True
    ) -> list[ModelRole]:
        """Every model a dispatch into ``langs`` loads (summaries included when ``summaries``)."""
        roles: list[ModelRole] = [
            role
            for route in self.routes_needed(langs, summarizer, summaries=summaries)
            for role in route.models
        ]
        if summaries:
            summary_model = self.summarizer_role(summarizer)
            if summary_model is not None:
                roles.append(summary_model)
        return list(_unique(roles))


def _unique(roles: Iterable[ModelRole]) -> Iterable[ModelRole]:
    seen: set[tuple[str, str]] = set()
    for role in roles:
        if (role.setting, role.ref) not in seen:
            seen.add((role.setting, role.ref))
            yield role
