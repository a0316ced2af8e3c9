"""Decoding settings by route (MTS_ROUTE_BEAMS, MTS_ROUTE_BATCH_TOKENS): one model serving two
routes decodes each with its own beam width and batch budget, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from test_cli import assert_one_line_error, run
from tiny_models import seq2seq_translator

from service.config import Settings, parse_by_route
from service.translation.seq2seq import Decoding, Seq2SeqTranslator

SENTENCES = [
    "Le président a rencontré son homologue à Séoul mardi.",
    "Les exportations ont progressé de 5,2 % en août.",
    "Une délégation européenne est arrivée à Pyongyang.",
]


def test_route_settings_parse() -> None:
    assert parse_by_route("", 1, 16) == {}
    assert parse_by_route("fr-ko=2, FR-EN=4", 1, 16) == {("fr", "ko"): 2, ("fr", "en"): 4}
    settings = Settings(route_beams="fr-ko=2", route_batch_tokens="en-ko=512")
    assert settings.beams_by_route == {("fr", "ko"): 2}
    assert settings.batch_tokens_by_route == {("en", "ko"): 512}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("route_beams", "fr-ko", "expected route=number with a route among fr-en, fr-ko, en-ko"),
        ("route_beams", "fr-de=2", "expected route=number"),
        ("route_beams", "fr-ko=0", "'fr-ko=0': the number must be from 1 to 16"),
        ("route_beams", "fr-ko=17", "the number must be from 1 to 16"),
        ("route_beams", "fr-ko=deux", "not a whole number in 'fr-ko=deux'"),
        ("route_batch_tokens", "fr-ko=8", "'fr-ko=8': the number must be at least 16"),
        ("route_beams", "fr-ko=2,FR-KO=3", "FR-KO is named twice"),
    ],
)
def test_a_bad_route_setting_is_refused_with_its_part(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings.model_validate({field: value})


def test_cli_names_a_bad_route_setting_in_one_line() -> None:
    proc = run("models", "list", env={"MTS_ROUTE_BEAMS": "fr-ko=0"})
    assert_one_line_error(proc, "MTS_ROUTE_BEAMS", "fr-ko=0")


def _recording(translator: Seq2SeqTranslator) -> list[tuple[int, Decoding]]:
    """Each first-pass batch the translator generates (the retry of a looping sentence, which
    widens the beam, left out): its size and decoding."""
    calls: list[tuple[int, Decoding]] = []
    generate_many = translator.generate_many

    def recorded(jobs: list[tuple[list[list[int]], Decoding]]) -> Any:
        calls.extend(
            (len(inputs), decoding) for inputs, decoding in jobs if decoding.repetition_penalty == 1.0
        )
        return generate_many(jobs)

    translator.generate_many = recorded  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_each_route_of_one_model_decodes_with_its_own_beam_and_budget(
    backend: str, tiny_m2m100: Path, tmp_path: Path
) -> None:
    translator = seq2seq_translator(backend, tiny_m2m100, tmp_path, family="m2m100")
    translator.route_beams = {("fr", "ko"): 1}
    translator.route_batch_tokens = {("fr", "ko"): 16}  # below any sentence: one sentence a batch
    calls = _recording(translator)
    translator.translate(SENTENCES, "fr", "ko")
    korean = list(calls)
    calls.clear()
    translator.translate(SENTENCES, "fr", "en")
    assert {decoding.num_beams for _, decoding in korean} == {1}
    assert [size for size, _ in korean] == [1, 1, 1]
    assert {decoding.num_beams for _, decoding in calls} == {2}  # the model's own (beam 2)
    # One batch per replica (CTranslate2 has one per core), never more than the three sentences.
    assert sum(size for size, _ in calls) == 3 and len(calls) == min(3, max(1, translator.replicas))
