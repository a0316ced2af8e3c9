"""The language plan: routes, and the models each configuration needs, checked against what loads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from service.config import Settings
from service.errors import ModelNotAvailableError, UnsupportedLanguagePairError
from service.models.info import ModelInfo
from service.pipeline import DispatchRequest
from service.runtime import Runtime
from service.runtime.plan import LanguagePlan, ModelRole
from service.runtime.registry import Loaders, ModelSpec
from service.summarization.base import Summarizer
from service.summarization.registry import SummarizerSpec
from service.translation.base import Translation, Translator

TEXT = "SÉOUL, 12 mars (Yonhap) -- Le ministre Cho Tae-yul a rencontré son homologue. Les exportations ont augmenté de 2,5 %."


class RecordingTranslator:
    """A stand-in for a loaded model that says which model it is."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    @property
    def models(self) -> list[ModelInfo]:
        return [self.spec.info]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        return [Translation(f"[{tgt}] {t}", -0.1) for t in texts]


class RecordingSummarizer:
    """A stand-in model summarizer with the languages its kind declares."""

    def __init__(self, parsed: SummarizerSpec, spec: ModelSpec | None) -> None:
        self.name = parsed.text
        self.input_lang = parsed.input_lang
        self.output_langs = parsed.output_langs
        self.info = spec.info if spec else None
        self.prompt_ref = None

    @property
    def models(self) -> list[ModelInfo]:
        return [self.info] if self.info else []

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        return [f"Bullet {i} ({lang}): Cho Tae-yul." for i in range(n)]


def recording_runtime(settings: Settings) -> Runtime:
    def translators(spec: ModelSpec, _settings: Settings) -> Translator:
        return RecordingTranslator(spec)

    def summarizers(parsed: SummarizerSpec, spec: ModelSpec | None, _settings: Settings) -> Summarizer:
        return RecordingSummarizer(parsed, spec)

    return Runtime(settings, loaders=Loaders(translators, summarizers))


@pytest.fixture
def models(tiny_marian: Path, tiny_m2m100: Path, tiny_bart: Path, tiny_causal_lm: Path) -> dict[str, str]:
    return {
        "marian": str(tiny_marian),
        "m2m100": str(tiny_m2m100),
        "bart": str(tiny_bart),
        "causal": str(tiny_causal_lm),
    }


# (name, settings, langs, expected settings of the required models)
CONFIGURATIONS = [
    ("direct", {}, ("en", "ko"), {"model_fr_en", "model_fr_ko"}),
    ("direct-en-only", {}, ("en",), {"model_fr_en"}),
    (
        "pivot",
        {"model_en_ko": "m2m100", "model_fr_ko": "m2m100_418M"},
        ("en", "ko"),
        {"model_fr_en", "model_en_ko"},
    ),
    ("seq2seq", {"summarizer": "seq2seq:bart"}, ("en", "ko"), {"model_fr_en", "model_fr_ko", "summarizer"}),
    (
        "seq2seq-en-only",
        {"summarizer": "seq2seq:bart"},
        ("en",),
        {"model_fr_en", "model_fr_ko", "summarizer"},
    ),
    (
        "instruct",
        {"summarizer": "instruct:causal"},
        ("en", "ko"),
        {"model_fr_en", "model_fr_ko", "summarizer"},
    ),
    ("instruct-ko-only", {"summarizer": "instruct:causal"}, ("ko",), {"model_fr_ko", "summarizer"}),
    (
        "pivot-seq2seq",
        {"model_en_ko": "m2m100", "model_fr_ko": "m2m100_418M", "summarizer": "seq2seq:bart"},
        ("en", "ko"),
        # Bullets written in English go into French through the pivot's multilingual model,
        # not through MTS_MODEL_FR_KO, which nothing else uses (and which is not on disk here).
        {"model_fr_en", "model_en_ko", "summarizer"},
    ),
    ("missing", {"model_fr_ko": "m2m100_418M"}, ("en", "ko"), None),
]


def _settings(models: dict[str, str], overrides: dict[str, str], tmp_path: Path) -> Settings:
    values = {"model_fr_en": models["marian"], "model_fr_ko": models["m2m100"], "models_dir": tmp_path}
    for key, value in overrides.items():
        kind, _, ref = value.partition(":")
        if key == "summarizer":
            values[key] = f"{kind}:{models[ref]}"
        else:
            values[key] = models.get(value, value)
    values["auto_pull"] = False  # type: ignore[assignment]
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "overrides", "langs", "expected"), CONFIGURATIONS, ids=[c[0] for c in CONFIGURATIONS]
)
def test_required_models_are_exactly_what_a_dispatch_loads(
    models: dict[str, str],
    tmp_path: Path,
    name: str,
    overrides: dict[str, str],
    langs: tuple[str, ...],
    expected: set[str] | None,
) -> None:
    runtime = recording_runtime(_settings(models, overrides, tmp_path))
    try:
        required = runtime.required_models(langs)
        if expected is None:
            # The plan names a model that is not there: the batch pre-check and warm-up say so,
            # before anything loads, naming the setting.
            with pytest.raises(ModelNotAvailableError, match="MTS_MODEL_FR_KO"):
                runtime.check_available(langs)
            with pytest.raises(ModelNotAvailableError, match="MTS_MODEL_FR_KO"):
                runtime.warm(langs)
            return
        assert {role.setting for role in required} == expected
        runtime.check_available(langs)  # the batch pre-check finds every one of them
        runtime.pipeline.process(DispatchRequest(text=TEXT, langs=langs))
        loaded = {role for model in runtime.registry.loaded() for role in model.roles}
        assert loaded == set(required), f"{name}: the plan and the loaders disagree"
        # Warm-up on a fresh runtime loads the same set.
        fresh = recording_runtime(runtime.settings)
        try:
            fresh.warm(langs)
            assert {role for model in fresh.registry.loaded() for role in model.roles} == set(required)
        finally:
            fresh.close()
    finally:
        runtime.close()


def test_pivot_route_goes_through_english(models: dict[str, str], tmp_path: Path) -> None:
    plan = LanguagePlan(_settings(models, {"model_en_ko": "m2m100"}, tmp_path))
    route = plan.route("fr", "ko")
    assert route.kind == "pivot"
    assert [(s.src, s.tgt, s.model.setting) for s in route.steps] == [
        ("fr", "en", "model_fr_en"),
        ("en", "ko", "model_en_ko"),
    ]
    direct = LanguagePlan(_settings(models, {}, tmp_path)).route("fr", "ko")
    assert direct.kind == "direct" and direct.models == (ModelRole("model_fr_ko", models["m2m100"]),)


def test_internal_routes_use_a_multilingual_model_and_say_when_none_is_configured(
    models: dict[str, str], tmp_path: Path
) -> None:
    plan = LanguagePlan(_settings(models, {}, tmp_path))
    assert plan.route("en", "fr").models == (ModelRole("model_fr_ko", models["m2m100"]),)
    marian_only = LanguagePlan(_settings(models, {"model_fr_ko": "marian"}, tmp_path))
    with pytest.raises(UnsupportedLanguagePairError, match="no configured model"):
        marian_only.route("en", "fr")


def test_declared_pairs(models: dict[str, str], tmp_path: Path) -> None:
    plan = LanguagePlan(_settings(models, {"model_en_ko": "m2m100"}, tmp_path))
    assert plan.pairs == [("fr", "en"), ("fr", "ko")]
    plan.check_pair("auto", "ko")
    for source, target in (("en", "ko"), ("fr", "fr"), ("fr", "de"), ("auto", "fr")):
        with pytest.raises(UnsupportedLanguagePairError, match="supported pairs: fr→en, fr→ko"):
            plan.check_pair(source, target)
