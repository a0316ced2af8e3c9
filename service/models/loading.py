"""Loading Hugging Face models the same way everywhere: quietly, on the chosen device, with one
clear error when a directory does not hold a loadable model."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from service.errors import BrokenModelError, ConfigurationError
from service.models.info import ModelInfo


def pick_device(device: str) -> str:
    """Resolve ``auto`` to ``cuda`` when a GPU is usable, else ``cpu``.

    ``cpu`` is answered without importing torch, whose import alone costs a process about 180 MB
    of resident memory: a CTranslate2 worker on the CPU never needs it."""
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError("MTS_DEVICE=cuda but no CUDA device is available; use auto or cpu")
    return device


def cpu_threads(threads: int, processes: int) -> int:
    """Threads for one model copy: ``threads`` when set, else the cores shared among ``processes``.

    Every process that holds a model (API workers, batch workers) gets its share, so together they
    never run more compute threads than the machine has cores.
    """
    if threads > 0:
        return threads
    return max(1, (os.cpu_count() or 1) // max(1, processes))


def set_cpu_threads(threads: int) -> None:
    """Limit torch's CPU threads in this process (0 leaves torch's default)."""
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
        # Fixed once torch has run parallel work; the intra-op limit is what matters.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)


# glibc's mallopt() parameter for the most malloc arenas a process may create.
M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int) -> bool:
    """Let glibc's allocator create at most ``arenas`` arenas in this process (MTS_MALLOC_ARENAS;
    0 leaves glibc's default, eight per core); whether it was applied (not on another C library).

    Each thread that allocates under contention may get an arena of its own, and memory freed in
    an arena mostly stays with the process: CTranslate2's decoding threads left several hundred MB
    of a worker's peak RSS there. Call it before the model threads start."""
    if arenas <= 0:
        return False
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # no C library by that name, or one without mallopt (musl)
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


@contextlib.contextmanager
def _loading(path: Path, info: ModelInfo, what: str) -> Iterator[None]:
    """Quiet loading; any failure to read the directory becomes one BrokenModelError line."""
    from transformers.utils import logging as hf_logging

    # Progress bars and advice on stderr would bury the service's own messages.
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    except Exception as exc:
        # transformers, tokenizers and safetensors raise many types for a directory that is not a
        # loadable model (a missing source.spm is a TypeError, truncated weights a
        # SafetensorError): whichever it is, the user needs one line naming the directory.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        raise BrokenModelError(f"{what} {info.id} at {path} could not be loaded ({detail})") from None


# Tokenizer classes that ``AutoTokenizer`` loads as themselves (they have no fast variant):
# named in a model's tokenizer_config.json, they are loaded directly.
_DIRECT_TOKENIZERS = ("MarianTokenizer", "M2M100Tokenizer")


def load_tokenizer(path: Path, info: ModelInfo, what: str = "model") -> tuple[Any, Any]:
    """(tokenizer, config) of a saved model directory, without its weights.

    For the Marian and M2M100 tokenizers the tokenizer class is imported by name and the config is
    the directory's config.json as attributes: ``AutoTokenizer`` and ``AutoConfig`` import torch,
    which a CTranslate2 worker never uses and which costs it about 180 MB of resident memory."""
    with _loading(path, info, what):
        direct = _direct_tokenizer(path)
        if direct is not None:
            return direct
        from transformers import AutoConfig, AutoTokenizer

        return AutoTokenizer.from_pretrained(str(path)), AutoConfig.from_pretrained(str(path))


def _direct_tokenizer(path: Path) -> tuple[Any, Any] | None:
    """(tokenizer, config) without ``transformers``' auto classes, or None where the directory
    names another tokenizer class (or none)."""
    import json
    import types

    try:
        tok_config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # the auto classes say what is wrong
    name = tok_config.get("tokenizer_class") if isinstance(tok_config, dict) else None
    if name not in _DIRECT_TOKENIZERS or not isinstance(config, dict):
        return None
    import transformers

    tokenizer = getattr(transformers, name).from_pretrained(str(path))
    return tokenizer, types.SimpleNamespace(**config)


def load_weights(
    path: Path,
    info: ModelInfo,
    kind: Literal["seq2seq", "causal"],
    device: str,
    what: str = "model",
    *,
    dtype: str = "float32",
) -> Any:
    """The model of a saved directory, in eval mode on ``device``, weights in ``dtype``."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    model_class = AutoModelForSeq2SeqLM if kind == "seq2seq" else AutoModelForCausalLM
    with _loading(path, info, what):
        model: Any = model_class.from_pretrained(str(path), dtype=dtype)
    return model.eval().to(device)


def load_model(
    path: Path, info: ModelInfo, kind: Literal["seq2seq", "causal"], device: str, what: str = "model"
) -> tuple[Any, Any]:
    """(tokenizer, model in eval mode on ``device``) of a saved model directory."""
    tokenizer, _ = load_tokenizer(path, info, what)
    return tokenizer, load_weights(path, info, kind, device, what)


def position_limit(config: Any, tokenizer: Any, default: int = 512) -> int:
    """The longest sequence the model takes: its position table, or the tokenizer's limit if lower."""
    positions = int(getattr(config, "max_position_embeddings", default) or default)
    tok_limit = int(getattr(tokenizer, "model_max_length", positions) or positions)
    # Tokenizers without a limit report a huge sentinel.
    return min(positions, tok_limit) if tok_limit < 1_000_000 else positions
