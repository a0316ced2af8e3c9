"""The models report: what ``mts models list`` prints and ``GET /v1/models`` returns, from one call."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from service.config import Settings
from service.errors import MtsError
from service.models.catalog import CATALOG
from service.models.families import detect_family
from service.models.store import disk_size_mb, is_ready, resolve
from service.translation.backends import describe_backend

if TYPE_CHECKING:
    from service.runtime import Runtime


class ModelStatus(BaseModel):
    """One model of the catalog or of the settings."""

    name: str = Field(description="Catalog name, or the reference as configured.", examples=["opus-mt-fr-en"])
    id: str = Field(description="Hub id or local path.", examples=["Helsinki-NLP/opus-mt-fr-en"])
    revision: str = Field(
        description="Exact commit on disk, the pinned revision, or `pinned at first pull`.",
        examples=["local"],
    )
    family: str = Field(
        description="Model family (`marian`, `m2m100`, `nllb`, …) or `?`.", examples=["marian"]
    )
    licence: str = Field(description="Licence, with a warning where commercial use is not allowed.")
    status: str = Field(
        description="`present`, `missing`, `remote` (a model of the LLM server), or `error: …` for a "
        "reference that cannot resolve."
    )
    size_mb: float | None = Field(
        description="Size on disk when present, else the download size (approximate)."
    )
    used_by: list[str] = Field(description="The settings that name it.", examples=[["MTS_MODEL_FR_EN"]])
    note: str = Field(default="", description="What it is for.")
    loaded: bool = Field(description="Loaded in this process.")
    backend: str | None = Field(
        default=None,
        description="What runs it once loaded: `ctranslate2-<compute type>` or `torch-<dtype>`.",
        examples=["ctranslate2-int8"],
    )


class BackendStatus(BaseModel):
    """The MTS_BACKEND setting and what it resolves to on this machine."""

    setting: str = Field(examples=["auto"])
    resolves_to: str = Field(examples=["ctranslate2 (int8 on cpu)"])


class ModelsReport(BaseModel):
    """Where models live, which backend runs them, and every known or configured model."""

    models_dir: str
    backend: BackendStatus
    summarizer: str = Field(description="The MTS_SUMMARIZER setting.", examples=["extractive"])
    models: list[ModelStatus]


def describe_models(runtime: Runtime, *, hide_paths: bool = False) -> ModelsReport:
    """The models report of a runtime: the catalog plus the configured models, with load state.

    ``hide_paths`` (what the HTTP API shows to callers without an admin key): no filesystem path
    appears; a local model shows as its folder name, the models directory as ``hidden``."""
    report = _describe(runtime)
    return _without_paths(report) if hide_paths else report


def public_ref(ref: str) -> str:
    """A model reference fit to show anyone: a local directory by its folder name (or
    ``local model``), a catalog name or hub id as it is."""
    text = ref.strip()
    if text.startswith(("/", ".", "~", "\\")) or "\\" in text or (len(text) > 1 and text[1] == ":"):
        return Path(text.replace("\\", "/")).name or "local model"
    return text


def public_summarizer(spec: str) -> str:
    """A summarizer spec with its model shown by :func:`public_ref` (``seq2seq:bart-cnn``)."""
    kind, sep, ref = spec.strip().partition(":")
    return f"{kind}:{public_ref(ref)}" if sep else spec.strip()


def _without_paths(report: ModelsReport) -> ModelsReport:
    rows = []
    for row in report.models:
        local = _is_path(row.id) or _is_path(row.name)
        status = row.status
        if status.startswith("error:") and (local or "/" in status or "\\" in status):
            status = "error: the model cannot be resolved (see `mts models list` on the server)"
        rows.append(
            row.model_copy(
                update={
                    "name": public_ref(row.name if _is_path(row.name) or not local else row.id),
                    "id": public_ref(row.id) if _is_path(row.id) else row.id,
                    "status": status,
                }
            )
        )
    return report.model_copy(
        update={
            "models_dir": "hidden",
            "models": rows,
            "summarizer": public_summarizer(report.summarizer),
        }
    )


def _is_path(text: str) -> bool:
    return public_ref(text) != text.strip()


def _describe(runtime: Runtime) -> ModelsReport:
    settings = runtime.settings
    configured = runtime.plan.configured_models()
    loaded = runtime.registry.loaded()
    rows: list[ModelStatus] = []
    seen: set[str] = set()
    for ref, role in [(e.name, None) for e in CATALOG] + [(r.ref, r) for r in configured]:
        if role is not None and role.remote is not None:
            running = [m for m in loaded if role in m.roles]
            rows.append(
                ModelStatus(
                    name=ref, id=role.remote, revision="remote", family="llm", licence="see the model card",
                    status="remote", size_mb=None, used_by=[role.env],
                    note="a model of the LLM server at MTS_LLM_URL", loaded=bool(running),
                    backend=running[0].backend if running else None,
                )
            )  # fmt: skip
            continue
        try:
            model = resolve(ref, settings)
        except MtsError as exc:
            name = role.env if role else ref
            rows.append(
                ModelStatus(
                    name=ref, id=ref, revision="?", family="?", licence="?", status=f"error: {exc}",
                    size_mb=None, used_by=[name], loaded=False,
                )
            )  # fmt: skip
            continue
        if model.id in seen:
            continue
        seen.add(model.id)
        roles = [r for r in configured if _same(r.ref, model.id, settings)]
        used_by = [r.env for r in roles]
        present = is_ready(model)
        running = [m for m in loaded if set(m.roles) & set(roles)] or [
            m for m in loaded if m.info.id == model.id
        ]
        entry = model.entry
        rows.append(
            ModelStatus(
                name=entry.name if entry else ref,
                id=model.id,
                revision=model.revision or model.requested_revision or "pinned at first pull",
                family=entry.family if entry else _family(model.path, present),
                licence=entry.licence_label if entry else "see model card",
                status="present" if present else "missing",
                size_mb=round(disk_size_mb(model.path), 1)
                if present
                else (entry.download_mb if entry else None),
                used_by=used_by,
                note=entry.note if entry else "",
                loaded=bool(running),
                backend=running[0].backend if running else None,
            )
        )
    return ModelsReport(
        models_dir=str(settings.models_dir),
        backend=BackendStatus(setting=settings.backend, resolves_to=describe_backend(settings)),
        summarizer=settings.summarizer,
        models=rows,
    )


def _same(ref: str, model_id: str, settings: Settings) -> bool:
    try:
        return resolve(ref, settings).id == model_id
    except MtsError:
        return False


def _family(path: Path, present: bool) -> str:
    """The family of a model outside the catalog, read from its files when they are there."""
    if not present:
        return "?"
    try:
        return detect_family(path)
    except MtsError:
        return "?"
