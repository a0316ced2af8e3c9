"""Where models live: resolving a model reference, downloading it once, and finding it offline.

A model reference (``MTS_MODEL_*``, ``mts models pull NAME``) is one of

* a catalog name (``opus-mt-fr-en``) or the hub id of a catalog entry (``Helsinki-NLP/opus-mt-fr-en``),
* any hub id, optionally pinned: ``org/name@revision``,
* a local directory holding a ``save_pretrained`` export.

Hub models are stored under ``MTS_MODELS_DIR/<org>--<name>`` with a manifest recording the exact
commit that was downloaded, so every later run uses (and reports) those bytes. A catalog entry
without a pinned revision is pinned by its first pull: the manifest's commit is what runs.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import ModelNotAvailableError, MtsError
from service.models.catalog import CatalogEntry, catalog_entry
from service.models.info import ModelInfo

MANIFEST = ".mts-model.json"


@dataclass(frozen=True)
class ResolvedModel:
    """A model reference resolved to an identity and (maybe) a directory on disk."""

    ref: str
    id: str
    requested_revision: str | None
    revision: str | None
    path: Path
    is_local_dir: bool
    entry: CatalogEntry | None

    @property
    def present(self) -> bool:
        """Whether the model's files are on disk."""
        return (self.path / "config.json").is_file()

    @property
    def display(self) -> str:
        """``id@revision`` as shown to users."""
        return f"{self.id}@{self.revision or self.requested_revision or 'unpinned'}"


def _looks_like_path(ref: str) -> bool:
    if ref.startswith(("/", ".", "~")):
        return True
    try:
        return Path(ref).expanduser().is_dir()
    except (OSError, RuntimeError):
        return True  # something path-like on disk that cannot be followed: resolve() says why


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def hub_dir(models_dir: Path, hub_id: str) -> Path:
    """Where a hub model is stored under the models directory."""
    return models_dir / hub_id.replace("/", "--")


def resolve(ref: str, settings: Settings) -> ResolvedModel:
    """Resolve a model reference without touching the network."""
    ref = ref.strip()
    if not ref:
        raise MtsError("empty model reference; give a catalog name, a hub id or a local directory")
    if _looks_like_path(ref):
        try:
            path = Path(ref).expanduser().resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop is a RuntimeError before 3.13
            raise ModelNotAvailableError(f"model directory {ref} cannot be resolved: {exc}") from None
        if not path.is_dir():
            raise ModelNotAvailableError(f"model directory {path} does not exist")
        local_manifest = _read_manifest(path) or {}
        model_id = str(local_manifest.get("id") or path)
        local_revision = str(local_manifest.get("revision") or "local")
        return ResolvedModel(ref, model_id, None, local_revision, path, True, catalog_entry(model_id))
    name, _, requested = ref.partition("@")
    entry = catalog_entry(name)
    hub_id = entry.hub_id if entry else name
    if hub_id.count("/") != 1:
        raise MtsError(
            f"unknown model {ref!r}: not a catalog name (see `mts models list`), "
            "a hub id like org/name[@revision], or an existing directory"
        )
    requested_revision = requested or (entry.revision if entry else None)
    path = hub_dir(settings.models_dir, hub_id)
    manifest = _read_manifest(path)
    revision: str | None = None
    if manifest is not None:
        pulled = str(manifest.get("revision", ""))
        asked = str(manifest.get("requested_revision") or "")
        if (
            requested_revision is None
            or requested_revision in (pulled, asked)
            or pulled.startswith(requested_revision)
        ):
            revision = pulled
    return ResolvedModel(ref, hub_id, requested_revision, revision, path, False, entry)


def is_ready(model: ResolvedModel) -> bool:
    """Whether the model is on disk at the requested revision."""
    if model.is_local_dir:
        return model.present
    return model.revision is not None and model.present


def hub_offline() -> bool:
    """Whether the hub client was told to stay offline (``HF_HUB_OFFLINE``)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def ensure_local(model: ResolvedModel, settings: Settings, setting_name: str | None = None) -> Path:
    """The directory holding the model, pulling it first when allowed and possible."""
    if is_ready(model):
        return model.path
    if model.is_local_dir:
        raise ModelNotAvailableError(f"{model.path} holds no model (no config.json)")
    how = f"run `mts models pull {model.entry.name if model.entry else model.ref}` where the hub is reachable"
    if setting_name:
        how += f", or set {setting_name} to a local model directory"
    if not settings.auto_pull or hub_offline():
        reason = "HF_HUB_OFFLINE is set" if hub_offline() else "MTS_AUTO_PULL is off"
        raise ModelNotAvailableError(f"model {model.id} is not in {settings.models_dir} and {reason}: {how}")
    try:
        return pull(model, settings)
    except ModelNotAvailableError as exc:
        raise ModelNotAvailableError(f"{exc}: {how}") from None


# Only what loading needs: weights in one format, config and tokenizer files.
_WANTED = ("*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "*.bin")
_UNWANTED_WEIGHTS = ("*.h5", "*.msgpack", "*.ot", "*.onnx", "tf_model*", "flax_model*", "rust_model*")


def pull(model: ResolvedModel, settings: Settings) -> Path:
    """Download a hub model at its requested revision into the models directory.

    Files land in a temporary directory first, so an interrupted download never looks complete.
    """
    if model.is_local_dir:
        return model.path
    from huggingface_hub import HfApi, snapshot_download

    partial = model.path.with_name(model.path.name + ".partial")
    try:
        info = HfApi().model_info(model.id, revision=model.requested_revision, timeout=15)
        sha = str(info.sha)
        files = [s.rfilename for s in (info.siblings or [])]
        ignore = list(_UNWANTED_WEIGHTS)
        if any(f.endswith(".safetensors") for f in files):
            ignore.append("*.bin")
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        snapshot_download(
            model.id, revision=sha, local_dir=partial, allow_patterns=list(_WANTED), ignore_patterns=ignore
        )
    except Exception as exc:  # the hub client raises many types; the user needs one line
        shutil.rmtree(partial, ignore_errors=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelNotAvailableError(f"could not download {model.id}: {first}") from None
    manifest = {
        "id": model.id,
        "revision": sha,
        "requested_revision": model.requested_revision,
        "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    shutil.rmtree(model.path, ignore_errors=True)
    partial.rename(model.path)
    return model.path


def locate(ref: str, settings: Settings, setting_name: str | None = None) -> tuple[Path, ModelInfo]:
    """The directory and identity of the model ``ref`` names, pulling it first when allowed."""
    model = resolve(ref, settings)
    path = ensure_local(model, settings, setting_name)
    if not model.is_local_dir:
        model = resolve(ref, settings)  # re-read the manifest a pull just wrote
    return path, ModelInfo(model.id, model.revision or "local")


def disk_size_mb(path: Path) -> float:
    """Size on disk of a model directory, in MB."""
    if not path.is_dir():
        return 0.0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
