"""Decoding into Korean over the tokens Korean news text uses (Hangul, digits, Latin letters,
punctuation): CTranslate2's vocabulary map (``use_vmap``) and the same restriction in torch."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from service.translation.base import ModelInfo
from service.translation.cache import TranslationCache
from service.translation.ct2 import VMAP_FILE, CT2Translator
from service.translation.hf import HFSeq2SeqTranslator
from service.translation.seq2seq import Decoding, Seq2SeqTranslator, korean_output_tokens

INFO = ModelInfo("tiny/m2m100", "local")
SENTENCES = [
    "Le président a rencontré son homologue à Séoul mardi.",
    "Les exportations ont progressé de 5,2 % en août.",
    "Une délégation européenne est arrivée à Pyongyang.",
]


def test_the_korean_output_tokens() -> None:
    vocabulary = [
        "▁서울",
        "▁Séoul",
        "▁the",
        "▁2025",
        "▁Москва",
        "__ko__",
        "__fr__",
        "</s>",
        "▁(",
        "%",
        "▁東京",
    ]
    assert korean_output_tokens(vocabulary, {"__ko__", "</s>"}) == [
        "▁서울", "▁the", "▁2025", "__ko__", "</s>", "▁(", "%",
    ]  # fmt: skip


def _translators(path: Path, models_dir: Path, restrict: bool) -> list[Seq2SeqTranslator]:
    return [
        HFSeq2SeqTranslator(path, INFO, "m2m100", device="cpu", num_beams=2, restrict_korean=restrict),
        CT2Translator(
            path, INFO, "m2m100", models_dir=models_dir, device="cpu", compute_type="float32",
            num_beams=2, restrict_korean=restrict,
        ),
    ]  # fmt: skip


def _generate(translator: Seq2SeqTranslator, tgt: str) -> list[list[int]]:
    translator._set_languages("fr", tgt)
    decoding = Decoding(num_beams=2, max_new_tokens=20, forced_token=translator.family.language_token(tgt))
    return [g.tokens for g in translator.generate_ids([translator.encode(s) for s in SENTENCES], decoding)]


def _biased(source: Path, directory: Path, *, into_korean: bool) -> Path:
    """A copy of the tiny model whose every decoding step ranks the Korean output tokens first
    (``into_korean``) or last: the decoder's last layer norm gives nearly one vector ``b``, and the
    rows of every other token point away from it (or along it)."""
    import torch
    from transformers import AutoTokenizer, M2M100ForConditionalGeneration

    shutil.copytree(source, directory)
    model = M2M100ForConditionalGeneration.from_pretrained(directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    size = model.config.vocab_size
    tokens = [str(t) for t in tokenizer.convert_ids_to_tokens(list(range(size)))]
    kept = set(korean_output_tokens(tokens, {"__ko__", "</s>", "<unk>"}))
    excluded = [i for i, token in enumerate(tokens) if token not in kept]
    assert len(excluded) > 20, "the tiny vocabulary must hold tokens outside the Korean ones"
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        norm = model.model.decoder.layer_norm
        b = torch.randn(norm.bias.shape, generator=generator) * 3
        norm.weight.mul_(0.05)
        norm.bias.copy_(b)
        model.lm_head.weight[excluded] = (-20 if into_korean else 20) * b / b.dot(b)
    model.save_pretrained(directory)
    return directory


def test_restricting_changes_nothing_when_the_best_tokens_are_korean(
    tiny_m2m100: Path, tmp_path: Path
) -> None:
    biased = _biased(tiny_m2m100, tmp_path / "biased", into_korean=True)
    for free, restricted in zip(
        _translators(biased, tmp_path / "free", False),
        _translators(biased, tmp_path / "restricted", True),
        strict=True,
    ):
        outputs = _generate(restricted, "ko")
        assert outputs == _generate(free, "ko"), restricted.backend
        assert all(len(tokens) > 3 for tokens in outputs)
        assert not {t for tokens in outputs for t in tokens} & set(restricted.excluded_from_korean)


def test_into_korean_the_output_keeps_to_the_korean_tokens(tiny_m2m100: Path, tmp_path: Path) -> None:
    """A model drawn to other languages' tokens and scripts stays with the Korean ones when
    restricted; into English nothing changes."""
    drifting = _biased(tiny_m2m100, tmp_path / "drifting", into_korean=False)
    free = _translators(drifting, tmp_path / "free", False)
    restricted = _translators(drifting, tmp_path / "restricted", True)
    excluded = set(restricted[0].excluded_from_korean)
    assert len(list((tmp_path / "restricted").glob(f"ctranslate2/*/{VMAP_FILE}"))) == 1
    for translator in free:
        assert {t for tokens in _generate(translator, "ko") for t in tokens} & excluded, translator.backend
    for translator in restricted:
        assert not {t for tokens in _generate(translator, "ko") for t in tokens} & excluded, (
            translator.backend
        )
        # Into English nothing is restricted.
        english = {t for tokens in _generate(translator, "en") for t in tokens}
        assert english == {
            t for tokens in _generate(free[restricted.index(translator)], "en") for t in tokens
        }


def test_korean_translations_cached_before_the_restriction_are_not_served() -> None:
    """The cache key of a Korean sentence names the restriction; other languages' keys are those
    of before."""
    models = [ModelInfo("facebook/m2m100_418M", "r", "ctranslate2-int8")]

    def before(tgt: str) -> str:
        return hashlib.sha256(
            f"facebook/m2m100_418M@r/ctranslate2-int8\nfr\n{tgt}\nBonjour.".encode()
        ).hexdigest()

    assert TranslationCache.key(models, "fr", "ko", "Bonjour.") != before("ko")
    assert TranslationCache.key(models, "fr", "en", "Bonjour.") == before("en")


class _Calls:
    """The CTranslate2 translator of a CT2Translator, recording the options of each call."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.options: list[dict[str, Any]] = []

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        self.options.append(kwargs)
        return self.model.translate_batch(*args, **kwargs)


def test_alignment_into_korean_runs_over_the_korean_tokens_with_the_same_attention(
    tiny_m2m100: Path, tmp_path: Path
) -> None:
    """Cross-attention over a forced target does not depend on the output projection: over the
    Korean output tokens only (when the target holds no other) and ended at the target's end, it
    is the attention of the whole-vocabulary forced decoding, row for row."""
    translator = CT2Translator(
        tiny_m2m100, INFO, "m2m100", models_dir=tmp_path, device="cpu", compute_type="float32"
    )
    translator._set_languages("fr", "ko")
    excluded = set(translator.excluded_from_korean)
    special = {int(i) for i in translator.tokenizer.all_special_ids}
    kept = [i for i in range(len(translator._ids)) if i not in excluded and i not in special]
    korean = int(translator.tokenizer.convert_tokens_to_ids("__ko__"))
    inputs = [translator.encode(s) for s in SENTENCES[:2]]
    inside = [[korean, *kept[10:19]], [korean, *kept[30:34]]]
    outside = [[korean, *kept[10:14], sorted(excluded)[40], *kept[14:16]], [korean, *kept[30:34]]]
    calls = _Calls(translator.model)
    translator.model = calls
    for targets, restricted in ((inside, True), (outside, False)):
        matrices = translator.attention(inputs, targets)
        assert calls.options[-1]["use_vmap"] is restricted
        whole = calls.model.translate_batch(
            [translator.tokenizer.convert_ids_to_tokens(ids) for ids in inputs],
            target_prefix=[translator.tokenizer.convert_ids_to_tokens(t) for t in targets],
            beam_size=1,
            max_decoding_length=max(len(t) for t in targets) + 1,
            return_attention=True,
        )
        for matrix, ids, target, result in zip(matrices, inputs, targets, whole, strict=True):
            expected = [row[: len(ids)] for row in result.attention[0][: len(target)]]
            assert len(matrix) == len(target)
            for got, want in zip(matrix, expected, strict=True):
                assert got == pytest.approx(want, abs=1e-5)
