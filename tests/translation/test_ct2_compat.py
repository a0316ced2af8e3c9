"""CTranslate2 conversion of M2M100 under current transformers, without touching ctranslate2's state.

``transformers`` 5 leaves the M2M100 language tokens out of ``tokenizer.get_vocab()``, which is where
ctranslate2's M2M100 loader reads the vocabulary from; :func:`service.translation.ct2.convert` hands
that loader, through the converter's public ``load_tokenizer`` hook, a view of the tokenizer whose
vocabulary follows the ids. These tests pin both halves: the converted vocabulary is the ids' one,
and ctranslate2's own converter behaves the same before, during and after the service's conversion;
two conversions in two threads give what each gives alone.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from transformers import AutoConfig, AutoTokenizer

from service.translation import ct2


def test_converted_m2m100_vocabulary_follows_the_ids(tiny_m2m100: Path, tmp_path: Path) -> None:
    target = ct2.convert(tiny_m2m100, tmp_path / "m2m100", "float32")
    vocabulary = json.loads((target / "shared_vocabulary.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(tiny_m2m100)
    vocab_size = int(AutoConfig.from_pretrained(tiny_m2m100).vocab_size)
    assert len(vocabulary) == vocab_size
    assert len(set(vocabulary)) == vocab_size
    for code in ("fr", "en", "ko", "zu"):
        assert vocabulary[tokenizer.get_lang_id(code)] == f"__{code}__"
    ids = tokenizer.convert_ids_to_tokens(list(range(vocab_size)))
    named = [index for index, token in enumerate(ids) if ids.index(token) == index]
    assert len(named) > 250
    assert [vocabulary[index] for index in named] == [ids[index] for index in named]
    assert all(vocabulary[index].startswith("madeupword") for index in set(range(vocab_size)) - set(named))


def _vocabulary(converted: Path) -> list[str]:
    names = sorted(converted.glob("*vocabulary.json"))
    assert names, f"no vocabulary in {converted}"
    return [token for name in names for token in json.loads(name.read_text(encoding="utf-8"))]


def _stock_conversion(source: Path, output: Path) -> str:
    """What ctranslate2's own converter makes of ``source``: its vocabulary, or its error."""
    from ctranslate2.converters import TransformersConverter

    try:
        TransformersConverter(str(source)).convert(str(output), quantization="float32", force=True)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return (output / "shared_vocabulary.json").read_text(encoding="utf-8")


def test_conversion_leaves_ctranslate2_own_converter_alone(
    tiny_m2m100: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctranslate2.converters import TransformersConverter

    before = _stock_conversion(tiny_m2m100, tmp_path / "stock-before")
    # A stock conversion in the middle of the service's, once the converter has picked its model
    # loader (load_model is the public hook it calls next): a process-wide swap of ctranslate2's
    # loaders, even one undone afterwards, would show here.
    during: list[str] = []
    load_model = TransformersConverter.load_model

    def load_model_with_a_stock_conversion_inside(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not during:
            during.append("")
            during.append(_stock_conversion(tiny_m2m100, tmp_path / "stock-during"))
        return load_model(self, *args, **kwargs)

    monkeypatch.setattr(TransformersConverter, "load_model", load_model_with_a_stock_conversion_inside)
    ct2.convert(tiny_m2m100, tmp_path / "ours", "float32")
    monkeypatch.undo()
    assert during[1:] == [before], "the service's conversion changed what ctranslate2's own converter does"
    assert _stock_conversion(tiny_m2m100, tmp_path / "stock-after") == before
    assert (tmp_path / "ours" / "model.bin").is_file()


def test_conversions_in_two_threads(tiny_m2m100: Path, tiny_marian: Path, tmp_path: Path) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def convert(source: Path, target: Path) -> None:
        start.wait()
        try:
            ct2.convert(source, target, "float32")
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=convert, args=(tiny_m2m100, tmp_path / "m2m100")),
        threading.Thread(target=convert, args=(tiny_marian, tmp_path / "marian")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    alone = tmp_path / "alone"
    ct2.convert(tiny_m2m100, alone / "m2m100", "float32")
    ct2.convert(tiny_marian, alone / "marian", "float32")
    for name in ("m2m100", "marian"):
        assert _vocabulary(tmp_path / name) == _vocabulary(alone / name)
        assert (tmp_path / name / "model.bin").read_bytes() == (alone / name / "model.bin").read_bytes()
