"""A CTranslate2 worker on the CPU never imports torch (its import alone is ~180 MB of RSS), and
the tokenizers it loads without ``transformers``' auto classes are those the auto classes load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.models.info import ModelInfo
from service.models.loading import load_tokenizer, pick_device

INFO = ModelInfo("tiny/model", "local")
SENTENCE = "Les exportations ont augmenté de 2,5 % en février, selon Séoul."

# Loads both tiny models as the service does (CTranslate2 on the CPU), translates one sentence
# into English and Korean, and says whether torch was imported on the way.
CHILD = """
import json, sys
from pathlib import Path
from service.config import Settings
from service.models.info import ModelInfo
from service.translation.backends import load_translator
marian, m2m100, models_dir = sys.argv[1:4]
settings = Settings(backend="ctranslate2", device="cpu", compute_type="int8", models_dir=Path(models_dir),
                    num_beams=2, threads=1, workers=1)
outputs = []
for path, family, tgt in ((marian, "marian", "en"), (m2m100, "m2m100", "ko")):
    translator = load_translator(Path(path), ModelInfo("tiny/" + family, "local"), family, settings)
    outputs.append(translator.translate(["Les exportations ont augmenté de 2,5 %."], "fr", tgt)[0].text)
print(json.dumps({"torch": "torch" in sys.modules, "outputs": outputs}))
"""


def _run_child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_ctranslate2_worker_on_the_cpu_never_imports_torch(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    args = (str(tiny_marian), str(tiny_m2m100), str(tmp_path))
    first = _run_child(*args)  # converts both models (conversion reads the weights with torch)
    again = _run_child(*args)  # loads the converted models, as every later start does
    assert again["torch"] is False
    assert again["outputs"] == first["outputs"]
    assert all(isinstance(text, str) for text in again["outputs"])  # type: ignore[union-attr]


def test_cpu_is_answered_without_torch_and_other_devices_still_ask_it() -> None:
    code = (
        "import sys; from service.models.loading import pick_device as p; "
        "print(p('cpu'), 'torch' in sys.modules, p('auto'), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[:3] == ["cpu", "False", pick_device("auto")]
    assert out.stdout.split()[3] == "True"


@pytest.mark.parametrize("fixture", ["tiny_marian", "tiny_m2m100"])
def test_the_direct_tokenizer_is_the_one_the_auto_classes_load(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    from transformers import AutoConfig, AutoTokenizer

    path: Path = request.getfixturevalue(fixture)
    tokenizer, config = load_tokenizer(path, INFO)
    stock, stock_config = AutoTokenizer.from_pretrained(str(path)), AutoConfig.from_pretrained(str(path))
    assert type(tokenizer) is type(stock)
    assert tokenizer(SENTENCE)["input_ids"] == stock(SENTENCE)["input_ids"]
    assert tokenizer.get_vocab() == stock.get_vocab()
    for name in ("vocab_size", "max_position_embeddings", "decoder_start_token_id"):
        assert getattr(config, name) == getattr(stock_config, name)


def test_another_tokenizer_class_still_goes_through_the_auto_classes(
    tiny_marian: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_marian, copy)
    tok_config = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok_config.pop("tokenizer_class", None)
    (copy / "tokenizer_config.json").write_text(json.dumps(tok_config), encoding="utf-8")
    tokenizer, config = load_tokenizer(copy, INFO)
    assert type(tokenizer).__name__ == "MarianTokenizer"
    assert type(config).__name__ == "MarianConfig"
