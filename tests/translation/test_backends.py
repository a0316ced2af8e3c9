"""Backend choice (MTS_BACKEND), CTranslate2 conversion, and parity with stock torch output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from service.config import Settings
from service.errors import BrokenModelError, ConfigurationError
from service.models.info import ModelInfo
from service.models.loading import cpu_threads
from service.translation import backends, ct2
from service.translation.cache import TranslationCache
from service.translation.ct2 import CT2Translator, converted_path
from service.translation.hf import HFSeq2SeqTranslator
from service.translation.seq2seq import Decoding

SENTENCES = [
    "La Corée du Sud et l'Union européenne ont tenu mercredi à Bruxelles leur premier dialogue.",
    "Les exportations ont augmenté de 2,5 % en février.",
    "SÉOUL, 12 mars (Yonhap)",
    "Le ministre Cho Tae-yul a rencontré son homologue à Séoul.",
]
INFO = ModelInfo("tiny/model", "local")


@pytest.mark.parametrize(
    ("fixture", "family", "tgt"), [("tiny_marian", "marian", "en"), ("tiny_m2m100", "m2m100", "ko")]
)
def test_greedy_float32_equals_stock_torch_token_for_token(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str, family: str, tgt: str
) -> None:
    path: Path = request.getfixturevalue(fixture)
    torch_tr = HFSeq2SeqTranslator(path, INFO, family, device="cpu", num_beams=1)  # type: ignore[arg-type]
    fast = CT2Translator(
        path, INFO, family, models_dir=tmp_path, device="cpu", compute_type="float32", num_beams=1
    )  # type: ignore[arg-type]
    torch_tr._set_languages("fr", tgt)
    fast._set_languages("fr", tgt)
    inputs = [torch_tr.encode(s) for s in SENTENCES]
    assert inputs == [fast.encode(s) for s in SENTENCES]
    forced = torch_tr.family.language_token(tgt)
    decoding = Decoding(num_beams=1, max_new_tokens=24, forced_token=forced)
    expected = torch_tr.generate_ids(inputs, decoding)
    got = fast.generate_ids(inputs, decoding)
    assert [g.tokens for g in got] == [e.tokens for e in expected]
    assert all(len(e.tokens) > 3 for e in expected), "outputs must be long enough to compare"
    # Scores agree closely: CTranslate2 gives the mean, torch per-token values (the forced language
    # token is not scored by CTranslate2, nor counted in a translation's score). CTranslate2 scores
    # after the n-gram ban has removed tokens, torch the model's own distribution: not identical.
    for e, g in zip(expected, got, strict=True):
        scored = e.logprobs[1:] if forced else e.logprobs
        assert g.logprobs[0] == pytest.approx(sum(scored) / len(scored), abs=0.35)


def test_int8_takes_float32s_greedy_decisions_where_they_are_far_from_ties(tmp_path: Path) -> None:
    """Where float32's greedy decisions have a clear margin, int8 (CPU) takes the same ones.

    Not asked of a random model: its top logits are near ties that int8 rounding flips, and on CPUs
    without AVX-512 VNNI the int8 GEMM adds pairs of u8 x s8 products in 16 bits, which saturate (on
    an AVX2 AMD EPYC, this tiny model trained without the precaution below had logits off by up to 7
    and flipped a decision float32 took by 4).
    build_decisive_marian's model is trained, so its decisions have a margin, measured below, and its
    weights cannot saturate those sums, so int8 differs from float32 by quantization rounding only:
    at most about 0.3 logit over the whole vocabulary, the same integer arithmetic on every x86-64 CPU.
    """
    import torch
    from tiny_models import DECISIVE_PAIRS, build_decisive_marian
    from transformers import MarianMTModel

    path = build_decisive_marian(tmp_path / "decisive")
    sources = [source for source, _ in DECISIVE_PAIRS]
    decoding = Decoding(num_beams=1, max_new_tokens=24, no_repeat_ngram_size=0)  # plain argmax
    outputs: dict[str, list[list[int]]] = {}
    for compute_type in ("float32", "int8"):
        translator = CT2Translator(
            path, INFO, "marian", models_dir=tmp_path, device="cpu", compute_type=compute_type, num_beams=1
        )
        assert translator.models[0].backend == f"ctranslate2-{compute_type}"
        inputs = [translator.encode(source) for source in sources]
        outputs[compute_type] = [g.tokens for g in translator.generate_ids(inputs, decoding)]
    texts = [translator.tokenizer.decode(tokens, skip_special_tokens=True) for tokens in outputs["float32"]]
    assert texts == [target for _, target in DECISIVE_PAIRS], "the decisions follow the source"

    # Each float32 decision's margin: its logit over the best other token's (the pad token, which
    # CTranslate2 drops from Marian's vocabulary, aside), teacher-forced through the torch model.
    model = MarianMTModel.from_pretrained(path).eval()
    start, pad = model.config.decoder_start_token_id, model.config.pad_token_id
    margins = []
    with torch.no_grad():
        for ids, tokens in zip(inputs, outputs["float32"], strict=True):
            logits = model(
                input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[start, *tokens[:-1]]])
            ).logits[0]
            logits[:, pad] = -torch.inf
            chosen = logits[torch.arange(len(tokens)), tokens]
            logits[torch.arange(len(tokens)), tokens] = -torch.inf
            margins += (chosen - logits.max(dim=-1).values).tolist()
    assert len(margins) >= 30
    assert min(margins) >= 1.0, f"float32 decisions too close to ties to compare: {sorted(margins)[:5]}"
    assert outputs["int8"] == outputs["float32"], "int8 changed a decision float32 takes by >= 1 logit"


def test_conversion_is_cached_by_revision_and_compute_type(
    tiny_marian: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CT2Translator(tiny_marian, INFO, "marian", models_dir=tmp_path, device="cpu", compute_type="int8")
    target = converted_path(tmp_path, INFO, "int8", source=tiny_marian)
    assert (target / "model.bin").is_file()
    assert target.parent == tmp_path / "ctranslate2"
    assert converted_path(tmp_path, ModelInfo("tiny/model", "abc123"), "int8") != target
    assert converted_path(tmp_path, INFO, "float32", source=tiny_marian) != target
    assert not list(target.parent.glob("*.partial-*")), "no partial conversion is left behind"

    import ctranslate2.converters

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("converted twice")

    monkeypatch.setattr(ctranslate2.converters, "TransformersConverter", fail)
    again = CT2Translator(tiny_marian, INFO, "marian", models_dir=tmp_path, device="cpu", compute_type="int8")
    assert again.translate(["Bonjour."], "fr", "en")[0].text


def test_a_model_the_converter_refuses_gives_a_clear_error(tmp_path: Path, tiny_marian: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_marian.iterdir():
        if item.name != "model.safetensors":
            (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(BrokenModelError, match="could not convert"):
        ct2.convert(broken, tmp_path / "out", "int8")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("backend", ["ctranslate2", "torch"])
def test_broken_vocabulary_export_is_refused_before_loading(
    tiny_marian_broken: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    from service.runtime.plan import ModelRole
    from service.runtime.registry import ModelRegistry

    loads: list[object] = []
    monkeypatch.setattr(backends, "load_translator", lambda *args: loads.append(args))
    settings = Settings(model_fr_en=str(tiny_marian_broken), backend=backend, models_dir=tmp_path)  # type: ignore[arg-type]
    registry = ModelRegistry(settings)
    with pytest.raises(BrokenModelError, match=r"vocab\.json covers only"):
        registry.translator(ModelRole("model_fr_en", str(tiny_marian_broken)))
    assert loads == [], "the export is checked before any weights load"


def test_unsupported_compute_type_is_a_configuration_error(tiny_marian: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="MTS_COMPUTE_TYPE=float8 is not supported on cpu"):
        ct2.resolve_compute_type("float8", "cpu")
    # A mistake in the setting is reported, not papered over by falling back to torch.
    settings = Settings(backend="auto", compute_type="float8", device="cpu", models_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="MTS_COMPUTE_TYPE=float8"):
        backends.load_translator(tiny_marian, INFO, "marian", settings)
    assert ct2.resolve_compute_type("auto", "cpu") == "int8"
    assert ct2.resolve_compute_type("auto", "cuda") == "float16"


def settings_for(tmp_path: Path, backend: str) -> Settings:
    return Settings(backend=backend, device="cpu", models_dir=tmp_path, num_beams=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("backend", "expected"),
    [("auto", "ctranslate2-int8"), ("ctranslate2", "ctranslate2-int8"), ("torch", "torch-float32")],
)
def test_backend_setting_selects_the_engine(
    tiny_marian: Path, tmp_path: Path, backend: str, expected: str
) -> None:
    translator = backends.load_translator(tiny_marian, INFO, "marian", settings_for(tmp_path, backend))
    assert translator.backend == expected
    assert translator.models == [ModelInfo(INFO.id, INFO.revision, expected)]
    assert translator.models[0].as_dict()["backend"] == expected


def test_auto_falls_back_to_torch_when_ctranslate2_is_missing(
    tiny_marian: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    auto = backends.load_translator(tiny_marian, INFO, "marian", settings_for(tmp_path, "auto"))
    assert auto.backend == "torch-float32"
    assert backends.describe_backend(settings_for(tmp_path, "auto")).startswith(
        "torch (CTranslate2 unavailable"
    )
    with pytest.raises(ConfigurationError, match="pip install ctranslate2, or set MTS_BACKEND=torch"):
        backends.load_translator(tiny_marian, INFO, "marian", settings_for(tmp_path, "ctranslate2"))


def test_describe_backend(tmp_path: Path) -> None:
    assert backends.describe_backend(settings_for(tmp_path, "auto")) == "ctranslate2 (int8 on cpu)"
    assert backends.describe_backend(settings_for(tmp_path, "torch")) == "torch"


def test_explicit_ctranslate2_on_a_gpu_it_cannot_use_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    with pytest.raises(ConfigurationError, match="MTS_BACKEND=torch"):
        ct2.ct2_device("cuda")
    assert ct2.ct2_device("auto") == "cpu"


def test_threads_share_the_cores_among_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert cpu_threads(0, 1) == 8
    assert cpu_threads(0, 4) == 2
    assert cpu_threads(0, 16) == 1
    assert cpu_threads(3, 4) == 3


def test_cache_keys_differ_by_backend() -> None:
    torch_key = TranslationCache.key([ModelInfo("m", "r", "torch-float32")], "fr", "en", "Bonjour.")
    fast_key = TranslationCache.key([ModelInfo("m", "r", "ctranslate2-int8")], "fr", "en", "Bonjour.")
    assert torch_key != fast_key


def test_a_changed_local_model_is_converted_anew(tiny_marian: Path, tmp_path: Path) -> None:
    local = tmp_path / "model"
    local.mkdir()
    for item in tiny_marian.iterdir():
        (local / item.name).write_bytes(item.read_bytes())
    before = converted_path(tmp_path, INFO, "int8", source=local)
    assert before.name.startswith("tiny--model@local-")
    weights = local / "model.safetensors"
    weights.write_bytes(weights.read_bytes())  # same bytes, new modification time
    import os

    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert converted_path(tmp_path, INFO, "int8", source=local) != before
