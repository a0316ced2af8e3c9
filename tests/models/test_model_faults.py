"""A model directory that cannot be used is one `mts: error:` line and exit 2, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_cli import assert_one_line_error, run


def _copy(tiny_marian: Path, target: Path) -> Path:
    shutil.copytree(tiny_marian, target)
    return target


def _symlink_loop(tiny_marian: Path, tmp_path: Path) -> Path:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    return loop


def _without(name: str):  # type: ignore[no-untyped-def]
    def make(tiny_marian: Path, tmp_path: Path) -> Path:
        model = _copy(tiny_marian, tmp_path / "model")
        (model / name).unlink()
        return model

    return make


def _weights(data: bytes | None):  # type: ignore[no-untyped-def]
    def make(tiny_marian: Path, tmp_path: Path) -> Path:
        model = _copy(tiny_marian, tmp_path / "model")
        weights = model / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000] if data is None else data)
        return model

    return make


CASES = {
    "symlink loop": (_symlink_loop, "cannot be resolved"),
    "no source.spm": (_without("source.spm"), "could not be loaded"),
    "no vocab.json": (_without("vocab.json"), "could not be loaded"),
    "truncated weights": (_weights(None), "could not be loaded"),
    "empty weights": (_weights(b""), "could not be loaded"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.slow
def test_a_broken_model_directory_is_one_line(
    case: str, tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    make, needle = CASES[case]
    model = make(tiny_marian, tmp_path)
    env = {
        "MTS_MODEL_FR_EN": str(model),
        "MTS_MODEL_FR_KO": str(tiny_m2m100),
        "MTS_MODELS_DIR": str(tmp_path / "md"),
    }
    proc = run("translate", "--to", "en", env=env, stdin=b"Bonjour.")
    assert_one_line_error(proc, needle)


def test_a_models_directory_that_is_not_a_directory_is_one_line(tmp_path: Path) -> None:
    proc = run(
        "translate", "--to", "en",
        env={"MTS_MODELS_DIR": "/dev/null", "HF_HUB_OFFLINE": "1"}, stdin=b"Bonjour.",
    )  # fmt: skip
    assert_one_line_error(proc, "/dev/null")
