"""The model catalog: which models the service knows, their licences and families, and where they live.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from service.config import Settings
from service.errors import BrokenModelError, ModelNotAvailableError, MtsError

Family = Literal["marian", "m2m100", "nllb"]
Task = Literal["translation", "summarization", "instruct"]
MANIFEST = ".mts-model.json"
# The Marian sanity check: below this share of source.spm pieces known to vocab.json the
# encoder sees mostly <unk> and the model produces fluent nonsense.
MIN_VOCAB_COVERAGE = 0.9


@dataclass(frozen=True)
class FamilySpec:
    """How a seq2seq family is told which languages to translate between.

    Marian models are single-pair and take no language tokens. M2M100 and NLLB set the source
    language on the tokenizer and force the target language token as the first decoder token.
    """

    name: Family
    lang_codes: dict[str, str] = field(default_factory=dict)
    lang_token: str | None = None

    def language_token(self, lang: str) -> str | None:
        """The decoder token that selects ``lang`` as target, or None for families without one."""
        if self.lang_token is None:
            return None
        return self.lang_token.format(self.code(lang))

    def code(self, lang: str) -> str:
        """The family's own code for an ISO 639-1 language code."""
        try:
            return self.lang_codes[lang]
        except KeyError:
            raise MtsError(f"model family {self.name} has no code for language {lang!r}") from None


FAMILIES: dict[Family, FamilySpec] = {
    "marian": FamilySpec("marian"),
    "m2m100": FamilySpec("m2m100", {"fr": "fr", "en": "en", "ko": "ko"}, "__{}__"),
    "nllb": FamilySpec("nllb", {"fr": "fra_Latn", "en": "eng_Latn", "ko": "kor_Hang"}, "{}"),
}


@dataclass(frozen=True)
class ModelInfo:
    """Identity of a model that produced output: hub id (or path) and exact revision."""

    id: str
    revision: str
    backend: str | None = None  # what ran it, e.g. "ctranslate2-int8"; None when not a translator

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        out = {"id": self.id, "revision": self.revision}
        if self.backend:
            out["backend"] = self.backend
        return out


@dataclass(frozen=True)
class CatalogEntry:
    """One model the service knows by name."""

    name: str
    hub_id: str
    family: str
    pairs: tuple[tuple[str, str], ...]
    licence: str
    commercial_use: bool
    download_mb: int
    note: str
    revision: str | None = None
    task: Task = "translation"

    @property
    def licence_label(self) -> str:
        """Licence, with a warning where commercial use is not allowed."""
        return self.licence if self.commercial_use else f"{self.licence} (NON-COMMERCIAL use only)"


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="opus-mt-fr-en",
        hub_id="Helsinki-NLP/opus-mt-fr-en",
        family="marian",
        pairs=(("fr", "en"),),
        licence="CC-BY-4.0",
        commercial_use=True,
        download_mb=301,
        note="default fr→en; FLORES devtest BLEU 41.7 / chrF 66.9",
    ),
    CatalogEntry(
        name="opus-mt-tc-big-fr-en",
        hub_id="Helsinki-NLP/opus-mt-tc-big-fr-en",
        family="marian",
        pairs=(("fr", "en"),),
        licence="CC-BY-4.0",
        commercial_use=True,
        download_mb=934,
        note="stronger, slower fr→en option",
    ),
    CatalogEntry(
        name="m2m100_418M",
        hub_id="facebook/m2m100_418M",
        family="m2m100",
        pairs=(("fr", "ko"), ("fr", "en"), ("en", "ko")),
        licence="MIT",
        commercial_use=True,
        download_mb=1935,
        note="default fr→ko (direct)",
    ),
    CatalogEntry(
        name="nllb-200-distilled-600M",
        hub_id="facebook/nllb-200-distilled-600M",
        family="nllb",
        pairs=(("fr", "ko"), ("fr", "en"), ("en", "ko")),
        licence="CC-BY-NC-4.0",
        commercial_use=False,
        download_mb=2460,
        note="fr→ko option; non-commercial licence",
    ),
    CatalogEntry(
        name="distilbart-cnn-12-6",
        hub_id="sshleifer/distilbart-cnn-12-6",
        family="bart",
        pairs=(),
        licence="Apache-2.0",
        commercial_use=True,
        download_mb=1222,
        note="summarizer option: seq2seq:distilbart-cnn-12-6 (English news summaries)",
        task="summarization",
    ),
    CatalogEntry(
        name="qwen2.5-1.5b-instruct",
        hub_id="Qwen/Qwen2.5-1.5B-Instruct",
        family="qwen2",
        pairs=(),
        licence="Apache-2.0",
        commercial_use=True,
        download_mb=3087,
        note="summarizer option: instruct:qwen2.5-1.5b-instruct (bullets in fr, en, ko)",
        task="instruct",
    ),
)


def catalog_entry(name_or_id: str) -> CatalogEntry | None:
    """The catalog entry named ``name_or_id`` (short name or hub id, case-insensitive), if any."""
    key = name_or_id.lower()
    for entry in CATALOG:
        if key in (entry.name.lower(), entry.hub_id.lower()):
            return entry
    return None


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
    return ref.startswith(("/", ".", "~")) or Path(ref).expanduser().is_dir()


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
        path = Path(ref).expanduser().resolve()
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


def detect_family(path: Path) -> Family:
    """The seq2seq family of a saved model, from its config and tokenizer config."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BrokenModelError(f"{path}: unreadable config.json ({exc})") from None
    model_type = config.get("model_type")
    if model_type == "marian":
        return "marian"
    if model_type == "m2m_100":
        try:
            tok_config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tok_config = {}
        return "nllb" if "nllb" in str(tok_config.get("tokenizer_class", "")).lower() else "m2m100"
    raise BrokenModelError(
        f"{path}: model type {model_type!r} is not a supported translation family (marian, m2m_100/nllb)"
    )


def vocab_coverage(path: Path) -> float | None:
    """Share of the pieces ``source.spm`` can produce that ``vocab.json`` has an id for.

    None when the model has no separate SentencePiece source model (not a Marian export).
    """
    spm_file, vocab_file = path / "source.spm", path / "vocab.json"
    if not spm_file.is_file() or not vocab_file.is_file():
        return None
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_file))
    pieces = [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_control(i) or processor.is_unknown(i))
    ]
    try:
        vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BrokenModelError(f"{path}: unreadable vocab.json ({exc})") from None
    if not pieces:
        return 1.0
    return sum(1 for p in pieces if p in vocab) / len(pieces)


def check_export(path: Path, model_id: str) -> None:
    """Refuse exports known to produce nonsense, before any weights are loaded."""
    coverage = vocab_coverage(path)
    if coverage is not None and coverage < MIN_VOCAB_COVERAGE:
        raise BrokenModelError(
            f"model {model_id} is a broken export: vocab.json covers only {coverage:.0%} of the pieces "
            f"of source.spm (needs {MIN_VOCAB_COVERAGE:.0%}), so most input would reach the encoder "
            "as <unk>; use another model or a corrected export"
        )


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
