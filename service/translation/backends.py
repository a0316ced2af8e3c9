"""Choosing the inference backend of translation models (MTS_BACKEND).

* ``ctranslate2``: the model converted for CTranslate2 (int8 on CPU by default); an error says
  why when it cannot load.
* ``torch``: ``transformers`` ``generate`` (float32 on CPU, bfloat16/float16 on GPU).
* ``auto`` (default): CTranslate2 when it loads on the device, else torch, with the reason logged.
  On a GPU that CTranslate2 cannot use (its wheels need CUDA 12's cuBLAS), that is torch.

Both backends share tokenization, chunking, batching and decoding guards, so the choice never
changes the API, the CLI or the shape of any output; results name the backend that made them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from service.config import Settings
from service.errors import MtsError
from service.models.families import Family
from service.models.loading import cpu_threads, limit_malloc_arenas, pick_device
from service.translation.base import ModelInfo
from service.translation.seq2seq import Seq2SeqTranslator

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "ctranslate2")


def load_translator(path: Path, info: ModelInfo, family: Family, settings: Settings) -> Seq2SeqTranslator:
    """Load a translation model on the configured backend (the runtime's model registry calls this
    once per model and process, after checking the export)."""
    backend = settings.backend
    device = _device(settings)
    threads = cpu_threads(settings.threads, settings.workers)
    limit_malloc_arenas(settings.malloc_arenas)
    fallback_reason: MtsError | None = None
    if backend in ("ctranslate2", "auto"):
        from service.translation.ct2 import CT2Translator, UnsupportedComputeTypeError

        try:
            return CT2Translator(
                path,
                info,
                family,
                models_dir=settings.models_dir,
                device=device,
                compute_type=settings.compute_type,
                num_beams=settings.num_beams,
                batch_tokens=settings.batch_tokens,
                threads=threads,
                route_beams=settings.beams_by_route,
                route_batch_tokens=settings.batch_tokens_by_route,
            )
        except MtsError as exc:
            if backend == "ctranslate2" or isinstance(exc, UnsupportedComputeTypeError):
                raise
            fallback_reason = exc
    from service.translation.hf import HFSeq2SeqTranslator

    # A model that torch cannot load either is reported once, by torch's error, not also as a
    # fallback warning.
    translator = HFSeq2SeqTranslator(
        path, info, family, device=device, num_beams=settings.num_beams,
        batch_tokens=settings.batch_tokens, threads=threads, route_beams=settings.beams_by_route,
        route_batch_tokens=settings.batch_tokens_by_route,
    )  # fmt: skip
    if fallback_reason is not None:
        log.warning("CTranslate2 backend unavailable for %s, using torch: %s", info.id, fallback_reason)
    return translator


def _device(settings: Settings) -> str:
    """An explicit CTranslate2 backend picks its own device; auto and torch follow torch's view,
    so that ``auto`` on a GPU that CTranslate2 cannot use runs torch on the GPU, not CTranslate2
    on the CPU."""
    return settings.device if settings.backend == "ctranslate2" else pick_device(settings.device)


def describe_backend(settings: Settings) -> str:
    """What MTS_BACKEND resolves to here, in words (for ``mts models list``)."""
    if settings.backend == "torch":
        return "torch"
    from service.translation.ct2 import UnsupportedComputeTypeError

    try:
        from service.translation.ct2 import ct2_device, ctranslate2_module, resolve_compute_type

        ctranslate2_module()
        device = ct2_device(_device(settings))
        compute = resolve_compute_type(settings.compute_type, device)
    except MtsError as exc:
        if settings.backend == "ctranslate2" or isinstance(exc, UnsupportedComputeTypeError):
            return f"ctranslate2 (will fail: {exc})"
        return f"torch (CTranslate2 unavailable: {exc})"
    return f"ctranslate2 ({compute} on {device})"
