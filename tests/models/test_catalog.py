from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from service.config import Settings
from service.errors import ModelNotAvailableError, MtsError
from service.models import store
from service.models.catalog import CATALOG, catalog_entry
from service.models.checks import MIN_VOCAB_COVERAGE, vocab_coverage
from service.models.families import FAMILIES
from service.models.store import MANIFEST, ensure_local, is_ready, pull, resolve


def test_catalog_states_licences_and_flags_nllb_as_non_commercial() -> None:
    nllb = catalog_entry("nllb-200-distilled-600M")
    assert nllb is not None and not nllb.commercial_use
    assert "NON-COMMERCIAL" in nllb.licence_label
    assert catalog_entry("Helsinki-NLP/opus-mt-fr-en") is catalog_entry("opus-mt-fr-en")
    for entry in CATALOG:
        assert entry.licence
        if entry.task == "translation":
            assert entry.family in FAMILIES
            assert entry.pairs
        else:
            assert not entry.pairs


def test_nllb_is_only_a_family_spec() -> None:
    assert FAMILIES["nllb"].language_token("ko") == "kor_Hang"
    assert FAMILIES["m2m100"].language_token("ko") == "__ko__"
    assert FAMILIES["marian"].language_token("ko") is None


def test_resolve_forms(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path / "models")
    named = resolve("opus-mt-fr-en", settings)
    assert named.id == "Helsinki-NLP/opus-mt-fr-en" and not named.present and named.entry
    pinned = resolve("org/model@abc123", settings)
    assert pinned.requested_revision == "abc123" and pinned.path == tmp_path / "models" / "org--model"
    local = resolve(str(tmp_path), settings)
    assert local.is_local_dir and local.path == tmp_path
    with pytest.raises(MtsError, match="unknown model"):
        resolve("not-a-model", settings)
    with pytest.raises(ModelNotAvailableError, match="does not exist"):
        resolve(str(tmp_path / "absent"), settings)


def test_manifest_pins_the_revision(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path)
    directory = tmp_path / "org--model"
    directory.mkdir()
    (directory / "config.json").write_text("{}")
    (directory / MANIFEST).write_text(json.dumps({"id": "org/model", "revision": "deadbeef" * 5}))
    assert is_ready(resolve("org/model", settings))
    assert resolve("org/model", settings).display == f"org/model@{'deadbeef' * 5}"
    assert is_ready(resolve("org/model@deadbeef", settings))
    assert not is_ready(resolve("org/model@cafe", settings)), "another revision must be pulled"


def test_missing_model_offline_is_one_clear_error(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path)
    with pytest.raises(ModelNotAvailableError) as info:
        ensure_local(resolve("opus-mt-fr-en", settings), settings, "MTS_MODEL_FR_EN")
    message = str(info.value)
    assert "\n" not in message
    assert "mts models pull opus-mt-fr-en" in message and "MTS_MODEL_FR_EN" in message
    assert "HF_HUB_OFFLINE" in message


class FakeHub:
    """Stands in for the hub client: records calls and writes files like snapshot_download."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.downloads: list[dict[str, Any]] = []

    def model_info(self, repo_id: str, revision: str | None = None, timeout: float = 0) -> Any:
        if self.fail:
            raise OSError("Could not resolve host\nsecond line")
        siblings = [SimpleNamespace(rfilename=n) for n in ("config.json", "model.safetensors", "x.bin")]
        return SimpleNamespace(sha="0123456789abcdef0123456789abcdef01234567", siblings=siblings)

    def snapshot_download(self, repo_id: str, **kwargs: Any) -> str:
        self.downloads.append({"repo_id": repo_id, **kwargs})
        local = Path(kwargs["local_dir"])
        local.mkdir(parents=True)
        (local / "config.json").write_text("{}")
        return str(local)


def _patch_hub(monkeypatch: pytest.MonkeyPatch, hub: FakeHub) -> None:
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", lambda: hub)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub.snapshot_download)


def test_pull_downloads_the_resolved_commit_and_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = FakeHub()
    _patch_hub(monkeypatch, hub)
    settings = Settings(models_dir=tmp_path)
    path = pull(resolve("opus-mt-fr-en", settings), settings)
    assert path == tmp_path / "Helsinki-NLP--opus-mt-fr-en"
    assert hub.downloads[0]["revision"] == "0123456789abcdef0123456789abcdef01234567"
    assert "*.bin" in hub.downloads[0]["ignore_patterns"], "safetensors present: skip .bin weights"
    assert not (tmp_path / "Helsinki-NLP--opus-mt-fr-en.partial").exists()
    again = resolve("opus-mt-fr-en", settings)
    assert is_ready(again) and again.revision == "0123456789abcdef0123456789abcdef01234567"


def test_failed_pull_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_hub(monkeypatch, FakeHub(fail=True))
    settings = Settings(models_dir=tmp_path)
    with pytest.raises(ModelNotAvailableError, match=r"could not download .*Could not resolve host$"):
        pull(resolve("opus-mt-fr-en", settings), settings)
    assert not is_ready(resolve("opus-mt-fr-en", settings))


def test_auto_pull_is_used_when_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_hub(monkeypatch, FakeHub())
    monkeypatch.setattr(store, "hub_offline", lambda: False)
    settings = Settings(models_dir=tmp_path)
    assert ensure_local(resolve("m2m100_418M", settings), settings).name == "facebook--m2m100_418M"
    off = Settings(models_dir=tmp_path / "other", auto_pull=False)
    with pytest.raises(ModelNotAvailableError, match="MTS_AUTO_PULL is off"):
        ensure_local(resolve("m2m100_418M", off), off)


def test_vocab_coverage(tiny_marian: Path, tiny_marian_broken: Path, tiny_m2m100: Path) -> None:
    good, bad = vocab_coverage(tiny_marian), vocab_coverage(tiny_marian_broken)
    assert good == 1.0
    assert bad is not None and bad < MIN_VOCAB_COVERAGE
    assert vocab_coverage(tiny_m2m100) is None
