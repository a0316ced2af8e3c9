"""The CTranslate2 backend: the same models, converted once to CTranslate2's format.

Conversion is offline: it reads the local Hugging Face weights and writes the converted model
under ``<models dir>/ctranslate2/<model>@<revision>-<compute type>``, once per model revision and
compute type; later loads reuse it. The tokenizer stays the Hugging Face one, so tokens, chunking,
batching, output bounds, loop guards and scores are exactly those of the torch backend
(:mod:`service.translation.seq2seq`).
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.errors import BrokenModelError, ConfigurationError
from service.models.families import Family
from service.translation.base import ModelInfo
from service.translation.seq2seq import (
    AttentionJob,
    AttentionMatrix,
    Decoding,
    Generated,
    Seq2SeqTranslator,
    korean_output_tokens,
    vocabulary_by_id,
)
from service.work import checkpoint

log = logging.getLogger(__name__)

CONVERTED_DIR = "ctranslate2"
_CONVERT_LOCK = threading.Lock()

VMAP_FILE = "vmap.txt"


def write_korean_vmap(converted: Path, special: set[str]) -> Path:
    """Write the converted model's vocabulary map (once; atomic): one rule with an empty source,
    whose tokens (:func:`korean_output_tokens`) are always candidates, so ``use_vmap`` restricts
    every decoding step to them."""
    path = converted / VMAP_FILE
    if path.is_file():
        return path
    tokens = korean_output_tokens(_vocabulary(converted), special)
    partial = path.with_name(f"{VMAP_FILE}.partial-{os.getpid()}-{threading.get_ident()}")
    partial.write_text("\t" + " ".join(tokens) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def ctranslate2_module() -> Any:
    """The ``ctranslate2`` module, or a ConfigurationError saying how to install it."""
    try:
        import ctranslate2
    except ImportError as exc:
        raise ConfigurationError(
            f"the CTranslate2 backend needs the ctranslate2 package ({exc}): "
            "pip install ctranslate2, or set MTS_BACKEND=torch"
        ) from None
    return ctranslate2


class UnsupportedComputeTypeError(ConfigurationError):
    """MTS_COMPUTE_TYPE names a type the device cannot run: a mistake to fix, never a fallback."""


def ct2_device(device: str) -> str:
    """The device CTranslate2 runs on for an MTS_DEVICE value."""
    ct2 = ctranslate2_module()
    gpus = int(ct2.get_cuda_device_count())
    if device == "cuda" and not gpus:
        raise ConfigurationError(
            "CTranslate2 sees no usable GPU (its wheels need CUDA 12's cuBLAS); "
            "set MTS_BACKEND=torch to run on the GPU through torch"
        )
    if device == "auto":
        return "cuda" if gpus else "cpu"
    return device


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto`` → int8 on CPU, float16 on GPU; any other value must be supported on the device."""
    ct2 = ctranslate2_module()
    if compute_type == "auto":
        return "float16" if device == "cuda" else "int8"
    supported = set(ct2.get_supported_compute_types(device))
    if compute_type not in supported:
        raise UnsupportedComputeTypeError(
            f"MTS_COMPUTE_TYPE={compute_type} is not supported on {device}; "
            f"choose one of {', '.join(sorted(supported))}"
        )
    return compute_type


def converted_path(models_dir: Path, info: ModelInfo, compute_type: str, source: Path | None = None) -> Path:
    """Where the converted copy of a model revision lives.

    A local directory has no commit: its revision is ``local-`` plus a fingerprint of its files
    (names, sizes, modification times), so changed weights are converted anew."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "--", info.id.strip("/"))[-120:]
    revision = info.revision
    if revision == "local" and source is not None:
        revision = f"local-{_fingerprint(source)}"
    return models_dir / CONVERTED_DIR / f"{name}@{revision}-{compute_type}"


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for item in sorted(directory.iterdir()):
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


class _IdOrderedTokenizer:
    """A tokenizer as ctranslate2's M2M100 loader sees it: ``get_vocab()`` holds every id's token.

    That loader takes the vocabulary from ``tokenizer.get_vocab()`` and appends
    ``num_madeup_words`` fillers; this view answers with :func:`vocabulary_by_id` (fillers
    included, so none are added) and leaves everything else to the tokenizer. If a ctranslate2
    release reads the vocabulary otherwise, the converted vocabulary no longer matches the ids,
    which tests/translation/test_ct2_compat.py checks.
    """

    num_madeup_words = 0

    def __init__(self, tokenizer: Any, vocabulary: list[str]) -> None:
        self._tokenizer = tokenizer
        self._vocab = {token: index for index, token in enumerate(vocabulary)}

    def get_vocab(self) -> dict[str, int]:
        return dict(self._vocab)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in {"_tokenizer", "_vocab"}:
            raise AttributeError(name)
        return getattr(self._tokenizer, name)


def _converter(source: Path) -> Any:
    """ctranslate2's ``TransformersConverter`` for ``source``, with complete M2M100 vocabularies.

    The fix goes through the converter's public ``load_tokenizer`` hook, on this converter only:
    ctranslate2's registry of model loaders is left as it is (no process-wide patch), so another
    conversion, in this thread or any other, sees the stock loaders.
    """
    from ctranslate2.converters import TransformersConverter
    from transformers import AutoConfig

    class Converter(TransformersConverter):  # type: ignore[misc]
        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            config = AutoConfig.from_pretrained(model_name_or_path)
            if config.model_type != "m2m_100":
                return tokenizer
            return _IdOrderedTokenizer(tokenizer, vocabulary_by_id(int(config.vocab_size), tokenizer))

    return Converter(str(source), load_as_float16=False)


def convert(source: Path, target: Path, compute_type: str) -> Path:
    """Convert the Hugging Face model in ``source`` into ``target`` (once; atomic)."""
    ctranslate2_module()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    if (target / "model.bin").is_file():
        return target
    with _CONVERT_LOCK:
        if (target / "model.bin").is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            _converter(source).convert(str(partial), quantization=compute_type, force=True)
        except Exception as exc:  # the converter raises bare ValueError/KeyError/NotImplementedError
            shutil.rmtree(partial, ignore_errors=True)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrokenModelError(f"could not convert {source} for CTranslate2: {first}") from None
        try:
            partial.rename(target)
        except OSError:
            # Another process finished the same conversion first: keep its copy.
            shutil.rmtree(partial, ignore_errors=True)
            if not (target / "model.bin").is_file():
                raise
    log.info("converted %s for CTranslate2 (%s) into %s", source, compute_type, target)
    return target


def _vocabulary(converted: Path) -> list[str]:
    """The target vocabulary of a converted model, in id order."""
    for name in ("shared_vocabulary.json", "target_vocabulary.json"):
        if (converted / name).is_file():
            return list(json.loads((converted / name).read_text(encoding="utf-8")))
    for name in ("shared_vocabulary.txt", "target_vocabulary.txt"):
        if (converted / name).is_file():
            return (converted / name).read_text(encoding="utf-8").split("\n")[:-1]
    raise BrokenModelError(f"converted model {converted} has no vocabulary file")


class CT2Translator(Seq2SeqTranslator):
    """Translation through a CTranslate2 ``Translator`` with the shared guards."""

    def __init__(
        self,
        path: Path,
        info: ModelInfo,
        family: Family,
        *,
        models_dir: Path,
        device: str = "auto",
        compute_type: str = "auto",
        num_beams: int = 4,
        batch_tokens: int = 2048,
        threads: int = 0,
        restrict_korean: bool = True,
        route_beams: Mapping[tuple[str, str], int] | None = None,
        route_batch_tokens: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        ct2 = ctranslate2_module()
        super().__init__(
            path,
            info,
            family,
            num_beams=num_beams,
            batch_tokens=batch_tokens,
            restrict_korean=restrict_korean,
            route_beams=route_beams,
            route_batch_tokens=route_batch_tokens,
        )
        self.device = ct2_device(device)
        self.compute_type = resolve_compute_type(compute_type, self.device)
        target = converted_path(models_dir, info, self.compute_type, source=path)
        self.converted = convert(path, target, self.compute_type)
        # Into Korean, decoding runs over the Korean output tokens only (``use_vmap``).
        self._korean_output: frozenset[str] | None = None
        if self.korean_token is not None:
            vmap = write_korean_vmap(self.converted, {self.korean_token, "</s>", "<unk>"})
            self._korean_output = frozenset(vmap.read_text(encoding="utf-8").split())
        options: dict[str, Any] = {"device": self.device, "compute_type": self.compute_type}
        if self.device == "cpu":
            # One thread per batch and several batches side by side: on a small CPU this beats
            # splitting each matrix product over the cores (and costs a single sentence little).
            options.update(inter_threads=max(1, threads or (os.cpu_count() or 1)), intra_threads=1)
        self.replicas = int(options.get("inter_threads", 1))
        try:
            self.model = ct2.Translator(str(self.converted), **options)
        except (RuntimeError, ValueError) as exc:
            raise BrokenModelError(f"CTranslate2 could not load {self.converted}: {exc}") from None
        self.backend = f"ctranslate2-{self.compute_type}"
        # Output tokens map back to ids through the converted vocabulary (its order is the
        # weights' order), so ids without a tokenizer entry survive the round trip.
        self._ids = {token: index for index, token in enumerate(_vocabulary(self.converted))}

    def generate_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[Generated]:
        """Run ``translate_batch`` on the batch's tokens."""
        return self.generate_many([(inputs, decoding)])[0]

    def generate_n_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[list[Generated]]:
        """``translate_batch`` with ``num_hypotheses``: each input's hypotheses, best first."""
        return [self._generated_all(r.result()) for r in self._submit(inputs, decoding)]

    def attention(self, inputs: list[list[int]], targets: list[list[int]]) -> list[AttentionMatrix]:
        """``translate_batch`` with each target and the end token as prefix and
        ``return_attention``: the attention rows of the prefix tokens are those of teacher forcing,
        and each row stops at its own end instead of decoding on to the batch's longest."""
        return self.attention_many([(inputs, targets)])[0]

    def attention_many(self, jobs: list[AttentionJob]) -> list[list[AttentionMatrix]]:
        """:meth:`attention` over several batches, one per replica in flight (as
        :meth:`generate_many`), so an alignment uses every core."""
        pending: collections.deque[tuple[list[list[int]], list[list[int]], list[Any]]]
        pending = collections.deque()
        results: list[list[AttentionMatrix]] = []
        for inputs, targets in jobs:
            if len(pending) >= self.replicas:
                results.append(self._matrices(*pending.popleft()))
            checkpoint()
            pending.append((inputs, targets, self._submit_attention(inputs, targets)))
        results += [self._matrices(*job) for job in pending]
        return results

    def _submit_attention(self, inputs: list[list[int]], targets: list[list[int]]) -> list[Any]:
        prefixes = [self.tokenizer.convert_ids_to_tokens(target) for target in targets]
        # Cross-attention over a forced prefix does not depend on the output projection, so where
        # every prefix token is a Korean output token the projection runs over those only (about
        # half the time on m2m100_418M), with the same attention.
        kept = self._korean_output
        restrict = kept is not None and all(kept.issuperset(prefix) for prefix in prefixes)
        end = str(self.tokenizer.eos_token)
        return list(
            self.model.translate_batch(
                [self.tokenizer.convert_ids_to_tokens(ids) for ids in inputs],
                target_prefix=[[*prefix, end] for prefix in prefixes],
                beam_size=1,
                max_decoding_length=max(len(target) for target in targets) + 1,
                return_attention=True,
                max_batch_size=0,
                asynchronous=True,
                use_vmap=restrict,
            )
        )

    @staticmethod
    def _matrices(
        inputs: list[list[int]], targets: list[list[int]], pending: list[Any]
    ) -> list[AttentionMatrix]:
        return [
            [list(row[: len(ids)]) for row in r.result().attention[0][: len(target)]]
            for ids, target, r in zip(inputs, targets, pending, strict=True)
        ]

    def generate_many(self, jobs: list[tuple[list[list[int]], Decoding]]) -> list[list[Generated]]:
        """Keep one batch per replica in flight, so the translator's replicas run them side by side;
        between batches, stop once nobody waits for the work (:func:`service.work.checkpoint`).

        CTranslate2 returns one length-normalized log-probability per sequence: every token gets
        that mean."""
        pending: collections.deque[list[Any]] = collections.deque()
        results: list[list[Generated]] = []
        for inputs, decoding in jobs:
            if len(pending) >= self.replicas:
                results.append([self._generated(r.result()) for r in pending.popleft()])
            checkpoint()
            pending.append(self._submit(inputs, decoding))
        results += [[self._generated(r.result()) for r in batch] for batch in pending]
        return results

    def _generated(self, result: Any) -> Generated:
        return self._generated_all(result)[0]

    def _generated_all(self, result: Any) -> list[Generated]:
        found = []
        for hypothesis, score in zip(result.hypotheses, result.scores, strict=True):
            tokens = [self._ids[token] for token in hypothesis]
            found.append(Generated(tokens, [float(score)] * len(tokens)))
        return found

    def _submit(self, inputs: list[list[int]], decoding: Decoding) -> list[Any]:
        sources = [self.tokenizer.convert_ids_to_tokens(ids) for ids in inputs]
        # The forced language token counts as generated in both backends' length bounds.
        prefix = [[decoding.forced_token]] * len(inputs) if decoding.forced_token else None
        return list(
            self.model.translate_batch(
                sources,
                target_prefix=prefix,
                beam_size=decoding.num_beams,
                num_hypotheses=decoding.hypotheses,
                max_decoding_length=decoding.max_new_tokens,
                min_decoding_length=decoding.min_new_tokens,
                no_repeat_ngram_size=decoding.no_repeat_ngram_size,
                repetition_penalty=decoding.repetition_penalty,
                return_scores=True,
                return_end_token=True,
                max_batch_size=0,
                asynchronous=True,
                use_vmap=self.restricts_output(decoding),
            )
        )
