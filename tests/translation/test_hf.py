"""The torch seq2seq backend on tiny Marian and M2M100 models built at test time."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.catalog import detect_family
from service.errors import BrokenModelError, UnsupportedLanguagePairError
from service.translation import hf
from service.translation.base import ModelInfo
from service.translation.hf import HFSeq2SeqTranslator

LONG = (
    "Les deux parties ont échangé leurs vues sur les menaces qui pèsent sur les satellites, "
    "dont le nombre en orbite a dépassé 10.000 l'an dernier, ainsi que sur les débris spatiaux, "
    "estimés à plus de 1,2 million de fragments, et sur les activités spatiales de la Corée du Nord, "
    "qui a lancé en novembre 2023 son premier satellite de reconnaissance militaire; les experts "
    "ont également évoqué la coordination des fréquences, la surveillance de l'espace et la "
    "protection des infrastructures critiques au sol comme en orbite."
)


@pytest.fixture(scope="module")
def marian(tiny_marian: Path) -> HFSeq2SeqTranslator:
    return HFSeq2SeqTranslator(
        tiny_marian, ModelInfo("tiny/marian", "local"), "marian", device="cpu", num_beams=2, batch_tokens=256
    )


@pytest.fixture(scope="module")
def m2m(tiny_m2m100: Path) -> HFSeq2SeqTranslator:
    return HFSeq2SeqTranslator(
        tiny_m2m100, ModelInfo("tiny/m2m100", "local"), "m2m100", device="cpu", num_beams=1, batch_tokens=256
    )


def test_families_are_detected(tiny_marian: Path, tiny_m2m100: Path) -> None:
    assert detect_family(tiny_marian) == "marian"
    assert detect_family(tiny_m2m100) == "m2m100"


def test_one_translation_per_input_in_order(marian: HFSeq2SeqTranslator) -> None:
    texts = ["Le ministre a rencontré son homologue.", "", "   ", "La Corée du Nord a tiré un missile."]
    out = marian.translate(texts, "fr", "en")
    assert len(out) == 4
    assert out[1].text == "" and out[1].score is None
    assert out[2].text == "" and out[2].score is None
    for item in (out[0], out[3]):
        assert isinstance(item.text, str)
        assert item.score is not None and item.score <= 0.0


def test_result_does_not_depend_on_batch_neighbours(tiny_marian: Path) -> None:
    greedy = HFSeq2SeqTranslator(
        tiny_marian, ModelInfo("tiny/marian", "local"), "marian", device="cpu", num_beams=1, batch_tokens=4096
    )
    short, middle = "Le taux a atteint 2,5 %.", LONG[:150]
    one_by_one = [greedy.translate([t], "fr", "en")[0] for t in (short, middle, short)]
    together = greedy.translate([short, middle, short], "fr", "en")
    assert [t.text for t in together] == [t.text for t in one_by_one]
    assert together[0].text and together[0].text != together[1].text


def test_over_long_sentence_is_chunked_within_the_input_budget(marian: HFSeq2SeqTranslator) -> None:
    assert marian.count_tokens(LONG) > marian.input_budget, "the test sentence must exceed the budget"
    units = marian._units([LONG])
    assert len(units) > 1
    assert all(u.n_tokens <= marian.input_budget for u in units)
    # Every word of the sentence reaches the model: nothing is dropped by chunking.
    assert " ".join(u.text for u in units).split() == LONG.split()
    out = marian.translate([LONG], "fr", "en")
    assert len(out) == 1 and out[0].text


def test_batches_respect_the_token_budget(marian: HFSeq2SeqTranslator) -> None:
    texts = [LONG[: 20 + 9 * i] for i in range(30)]
    units = marian._units(texts)
    batches = marian._batches(units)
    assert sum(len(b) for b in batches) == len(units)
    for batch in batches:
        assert len(batch) == 1 or batch[0].n_tokens * len(batch) <= marian.batch_tokens
        assert [u.n_tokens for u in batch] == sorted((u.n_tokens for u in batch), reverse=True)


def test_output_length_is_bounded_relative_to_input(
    marian: HFSeq2SeqTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    original = marian.model.generate

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(int(kwargs["max_new_tokens"]))  # type: ignore[call-overload]
        return original(*args, **kwargs)

    monkeypatch.setattr(marian.model, "generate", spy)
    marian.translate(["Bonjour."], "fr", "en")
    short_bound = seen[0]
    marian.translate([LONG], "fr", "en")
    assert short_bound < 40, "a short sentence must not be allowed a long output"
    assert max(seen) > short_bound
    assert all(n <= marian.max_positions - 2 for n in seen)


def test_looping_output_is_retried_then_flagged(
    marian: HFSeq2SeqTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    original = marian._run

    def tracking_run(units: list[hf._Unit], tgt: str, *, retry: bool) -> None:
        calls.append(retry)
        original(units, tgt, retry=retry)

    monkeypatch.setattr(marian, "_run", tracking_run)
    monkeypatch.setattr(hf._Unit, "degenerate", property(lambda unit: True))
    out = marian.translate(["Le ministre a parlé."], "fr", "en")
    assert calls == [False, True]
    assert out[0].retried and out[0].looped

    calls.clear()
    verdicts = iter([True, False])
    monkeypatch.setattr(hf._Unit, "degenerate", property(lambda unit: next(verdicts)))
    out = marian.translate(["Le ministre a parlé."], "fr", "en")
    assert calls == [False, True]
    assert out[0].retried and not out[0].looped


def test_m2m100_forces_the_target_language_and_hides_its_token(m2m: HFSeq2SeqTranslator) -> None:
    out = m2m.translate(["Le taux de chômage a atteint 2,5 %.", "Photo : YONHAP News"], "fr", "ko")
    assert len(out) == 2
    assert m2m.tokenizer.src_lang == "fr"
    for item in out:
        assert not item.text.startswith("__ko__")
        assert item.score is not None


def test_m2m100_rejects_a_language_it_has_no_code_for(m2m: HFSeq2SeqTranslator) -> None:
    with pytest.raises(UnsupportedLanguagePairError, match="no language code for 'xx'"):
        m2m.translate(["Bonjour."], "fr", "xx")


def test_broken_vocabulary_export_is_refused(tiny_marian_broken: Path) -> None:
    with pytest.raises(BrokenModelError, match=r"vocab\.json covers only \d+% of the pieces of source\.spm"):
        HFSeq2SeqTranslator(tiny_marian_broken, ModelInfo("tiny/broken", "local"), "marian", device="cpu")
