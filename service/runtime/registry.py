"""The model registry: the only owner of loaded models in a process.

It finds each configured model on disk (pulling it first when allowed), checks it once (family,
export), loads it once on the configured backend, and reports what is loaded where. Nothing else
in the service keeps a model: no module-level caches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.config import Settings
from service.errors import ConfigurationError
from service.llm.client import REMOTE_PREFIX, ChatEndpoint, RemoteCall, endpoint_from_settings
from service.models.checks import check_export
from service.models.families import Family, detect_family
from service.models.info import ModelInfo
from service.models.store import locate
from service.runtime.plan import ModelRole, Route
from service.summarization.base import Summarizer
from service.summarization.registry import SummarizerSpec, load_summarizer
from service.translation.base import Translator
from service.translation.pivot import PivotTranslator


@dataclass(frozen=True)
class ModelSpec:
    """A located, checked model: the role that names it, its directory, identity and family."""

    role: ModelRole
    path: Path
    info: ModelInfo
    family: Family | None  # the seq2seq family of a translation model; None for summarizers


TranslatorLoader = Callable[[ModelSpec, Settings], Translator]
SummarizerLoader = Callable[[SummarizerSpec, ModelSpec | None, Settings], Summarizer]


def load_translator_model(spec: ModelSpec, settings: Settings) -> Translator:
    """The default translator loader: the configured backend (MTS_BACKEND) over the model."""
    from service.translation.backends import load_translator

    assert spec.family is not None
    return load_translator(spec.path, spec.info, spec.family, settings)


def load_summarizer_model(parsed: SummarizerSpec, spec: ModelSpec | None, settings: Settings) -> Summarizer:
    """The default summarizer loader."""
    return load_summarizer(parsed, spec.path if spec else None, spec.info if spec else None, settings)


@dataclass(frozen=True)
class Loaders:
    """How models are loaded: the configured backends by default; tests pass deterministic fakes."""

    translator: TranslatorLoader = load_translator_model
    summarizer: SummarizerLoader = load_summarizer_model


@dataclass(frozen=True)
class LoadedModel:
    """One model held by the registry, and what runs it."""

    roles: tuple[ModelRole, ...]
    info: ModelInfo
    backend: str | None
    device: str | None


class ModelRegistry:
    """Loads each configured model once per process and says what is loaded."""

    def __init__(
        self,
        settings: Settings,
        loaders: Loaders | None = None,
        on_remote: Callable[[RemoteCall], None] | None = None,
    ) -> None:
        self.settings = settings
        self._loaders = loaders or Loaders()
        self._on_remote = on_remote
        self._endpoint: ChatEndpoint | None = None
        self._lock = threading.RLock()
        self._translators: dict[str, tuple[Translator, list[ModelRole]]] = {}
        self._summarizers: dict[str, tuple[Summarizer, list[ModelRole]]] = {}
        self._specs: dict[ModelRole, ModelSpec] = {}

    def locate(self, role: ModelRole) -> ModelSpec:
        """Find (pulling when allowed) and check a model without loading its weights.

        Raises a one-line MtsError naming the setting when the model is missing or broken."""
        with self._lock:
            if role in self._specs:
                return self._specs[role]
            if role.remote is None and role.ref.strip().startswith(REMOTE_PREFIX):
                raise ConfigurationError(
                    f"{role.env}: {REMOTE_PREFIX} needs the server's name of the model, "
                    f"e.g. {REMOTE_PREFIX}qwen2.5-7b-instruct"
                )
            if role.remote is not None:
                # A model of the LLM server: nothing on disk; the server's URL must be set.
                endpoint = self.endpoint()
                info = ModelInfo(role.remote, "remote", f"openai@{endpoint.name}")
                self._specs[role] = ModelSpec(role, Path(role.ref), info, None)
                return self._specs[role]
            path, info = locate(role.ref, self.settings, role.env)
            family: Family | None = None
            if role.task == "translation":
                family = detect_family(path)
                check_export(path, info.id)
            spec = ModelSpec(role, path, info, family)
            self._specs[role] = spec
            return spec

    def translator(self, role: ModelRole) -> Translator:
        """The loaded translator of a translation model (loaded on first use)."""
        with self._lock:
            spec = self.locate(role)
            key = str(spec.path)
            if key not in self._translators:
                translator: Translator
                if role.remote is not None:
                    from service.translation.endpoint import EndpointTranslator

                    translator = EndpointTranslator(role.remote, self.endpoint())
                else:
                    translator = self._loaders.translator(spec, self.settings)
                self._translators[key] = (translator, [])
            translator, roles = self._translators[key]
            if role not in roles:
                roles.append(role)
            return translator

    def route_translator(self, route: Route) -> Translator:
        """The translator of a route: one model, or two chained through the pivot language."""
        steps = [self.translator(step.model) for step in route.steps]
        if len(steps) == 1:
            return steps[0]
        return PivotTranslator(steps[0], steps[1], via=route.steps[0].tgt)

    def endpoint(self) -> ChatEndpoint:
        """The client of the MTS_LLM_URL server, shared by every remote model of the process (one
        concurrency limit); a ConfigurationError when the setting is missing or malformed."""
        with self._lock:
            if self._endpoint is None:
                self._endpoint = endpoint_from_settings(self.settings, self._on_remote)
            return self._endpoint

    def summarizer(self, parsed: SummarizerSpec, role: ModelRole | None) -> Summarizer:
        """The loaded summarizer of a summarizer setting (loaded on first use)."""
        with self._lock:
            if parsed.text not in self._summarizers:
                summarizer: Summarizer
                if parsed.kind == "openai":
                    from service.summarization.endpoint import EndpointSummarizer

                    assert parsed.remote is not None
                    summarizer = EndpointSummarizer(parsed.remote, self.endpoint())
                else:
                    spec = self.locate(role) if role is not None else None
                    summarizer = self._loaders.summarizer(parsed, spec, self.settings)
                self._summarizers[parsed.text] = (summarizer, [role] if role is not None else [])
            return self._summarizers[parsed.text][0]

    def close(self) -> None:
        """Close the remote endpoint's connections (local models need nothing)."""
        with self._lock:
            if self._endpoint is not None:
                self._endpoint.close()
                self._endpoint = None

    def loaded(self) -> list[LoadedModel]:
        """Every model loaded so far, with the roles it serves, its backend and device."""
        with self._lock:
            holders: list[tuple[object, list[ModelRole], list[ModelInfo]]] = [
                (t, roles, t.models) for t, roles in self._translators.values()
            ] + [(s, roles, s.models) for s, roles in self._summarizers.values() if roles]
        out = []
        for holder, roles, infos in holders:
            for info in infos:
                device = getattr(holder, "device", None)
                out.append(LoadedModel(tuple(roles), info, info.backend, str(device) if device else None))
        return out

    def is_loaded(self, role: ModelRole) -> bool:
        """Whether the model of ``role`` is loaded."""
        with self._lock:
            return any(
                role in roles for _, roles in (*self._translators.values(), *self._summarizers.values())
            )
