"""``mts bench --pipeline``: whole dispatches through the service's pipeline against stock ``transformers``.

Both routes run on randomly initialised models with the exact architectures of the default models
(opus-mt-fr-en for fr→en, m2m100_418M for fr→ko), so the figures need no download and hold for the
real models: speed depends on shapes, not weights. The tokenizers are real SentencePiece models,
trained on the dispatches themselves, with vocabularies padded to the real sizes.

The input is the project's own dispatches (``samples/*.fr.txt`` and the evaluation dispatches under
``eval/data``, 150 to 400 words each), split by the service's segmenter, so every engine translates
the same sentences. Every output is forced to a realistic length, 1.2× its source tokens: a random
model never ends a sentence by itself, and a trained one ends it about there. Where sentences share
a batch, the batch runs to its longest sentence's length (as stock batched ``generate`` runs every
row until the last one ends) and each sentence is ended at its own length.

Measured, each in a fresh process so that peak memory is its own, on the same dispatches:

* the service: :meth:`Pipeline.process` per dispatch (English and Korean translations, checks and
  flags, extractive bullets translated into both languages), both models in one process, on the
  backend the settings choose (CTranslate2 int8 on CPU): dispatches per minute, p50/p95 seconds
  per dispatch, time by stage and peak resident memory;
* stock ``generate`` sentence by sentence, the steps ``pipeline("translation")`` ran (tokenize one
  sentence, ``generate``, decode; the pipeline itself was removed in ``transformers`` 5), float32;
* stock batched ``generate``: the sentences of a dispatch in the service's token-budget batches,
  float32;
* the Korean output vocabulary: the same CTranslate2 m2m100_418M-shaped engine translating the
  same Korean-route sentences with and without the restriction, at several shares of kept tokens.
  The real tokenizer's share is not known here (it is not reachable offline); the benchmark's
  padded vocabulary decides it, so the speed-up is reported with the kept token count.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import queue as queue_module
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from service.bench import (
    build_model,
    check_device,
    describe_device,
    engines_for,
    marian_vocabulary,
    peak_rss_mb,
    write_marian_tokenizer,
)
from service.config import Settings
from service.errors import MtsError
from service.evaluation.suites import eval_dir, load_dispatch
from service.languages import SOURCE, TARGETS
from service.translation.base import Alignment
from service.translation.seq2seq import (
    Decoding,
    Generated,
    Seq2SeqTranslator,
    budget_batches,
    korean_output_tokens,
    vocabulary_by_id,
)

# facebook/m2m100_418M's architecture (its published config.json).
M2M100_418M: dict[str, Any] = {
    "vocab_size": 128112,
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 12,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "max_position_embeddings": 1024,
    "scale_embedding": True,
}
# The M2M100 tokenizer appends 100 language tokens to its vocab.json, and the model 8 unnamed ids
# ("madeupword"): the published vocab.json has vocab_size - 108 entries (128,004).
M2M100_LANGUAGES = 100
M2M100_MADEUP_WORDS = 8
# Outputs are forced to this many target tokens per source token.
OUTPUT_RATIO = 1.2
# Dispatch lengths the benchmark draws from.
MIN_WORDS, MAX_WORDS = 150, 400
# Shares of the fr→ko vocabulary the Korean restriction keeps, measured one by one; the pipeline
# run uses the largest (the smallest speed-up: the conservative choice).
KEPT_SHARES = (0.125, 0.25, 0.5)
# Pieces of the benchmark's SentencePiece model (it stops at what the dispatches hold, ~3,400).
SPM_PIECES = 8000
# Fillers of the padded vocabularies. The Korean restriction keeps Latin-letter tokens and leaves
# out other scripts, so the mix of the two sets the share it keeps.
KEPT_FILLER = "\u2581k{}"
LEFT_OUT_FILLER = "\u2581\u0436{}"  # Cyrillic zhe
# The memory target of one worker holding both models ("1.5 GB", read as 1,500 MB, the stricter).
RSS_LIMIT_MB = 1500.0
# Beam width: the service's default.
DEFAULT_BEAMS = int(Settings.model_fields["num_beams"].default)
_SPECIAL = {"</s>", "<unk>"}
_SHARED_FILES = {"config.json", "generation_config.json", "sentencepiece.bpe.model"}


@dataclass(frozen=True)
class PipelineBenchConfig:
    """What one ``mts bench --pipeline`` run measures."""

    device: str = "cpu"
    dispatches: int = 6
    beams: int = DEFAULT_BEAMS
    seed: int = 0
    kept_shares: tuple[float, ...] = KEPT_SHARES


@dataclass(frozen=True)
class BenchDispatch:
    """One dispatch of the benchmark."""

    id: str
    text: str

    @property
    def words(self) -> int:
        """Whitespace-separated words."""
        return len(self.text.split())


# -- input -----------------------------------------------------------------------------------------


def candidate_dispatches(root: Path | None = None) -> list[BenchDispatch]:
    """The project's dispatches of 150 to 400 words: the samples, then the evaluation sets, in file
    name order."""
    base = root or eval_dir().parent
    found = [
        BenchDispatch(path.name.removesuffix(".fr.txt"), path.read_text(encoding="utf-8"))
        for path in sorted((base / "samples").glob("*.fr.txt"))
    ]
    for path in sorted((base / "eval" / "data").glob("*/*.yaml")):
        dispatch = load_dispatch(path)
        found.append(BenchDispatch(f"{path.parent.name}/{dispatch.id}", dispatch.source))
    return [d for d in found if MIN_WORDS <= d.words <= MAX_WORDS]


def pick_dispatches(count: int, seed: int, root: Path | None = None) -> list[BenchDispatch]:
    """``count`` dispatches drawn with ``seed`` from :func:`candidate_dispatches`."""
    candidates = candidate_dispatches(root)
    if not 1 <= count <= len(candidates):
        raise MtsError(
            f"--dispatches must be between 1 and {len(candidates)} (the dispatches of "
            f"{MIN_WORDS}–{MAX_WORDS} words in samples/ and eval/data), not {count}"
        )
    return random.Random(seed).sample(candidates, count)


def forced_length(source_tokens: int) -> int:
    """The output length forced for a source of ``source_tokens`` tokens (special tokens included)."""
    return max(2, math.ceil(OUTPUT_RATIO * source_tokens))


# -- models ----------------------------------------------------------------------------------------


def train_sentencepiece(texts: Sequence[str], pieces: int = SPM_PIECES, symbols: Sequence[str] = ()) -> bytes:
    """A unigram SentencePiece model trained on ``texts`` (up to ``pieces`` pieces), with
    ``symbols`` as whole pieces besides (user-defined: text that holds one encodes it as one piece).

    The vocabulary's fillers go in as ``symbols``: the random models mostly output fillers, and a
    translation decoded from them must encode back into as many pieces as were generated, as a
    trained model's output does, or the service's alignment of that translation (glossary terms)
    would cost several times what it costs with a real model. Trained pieces are the same either
    way, since no filler occurs in the texts."""
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([line for text in texts for line in text.splitlines() if line.strip()]),
        model_writer=buffer,
        vocab_size=pieces + len(symbols),
        user_defined_symbols=list(symbols),
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return buffer.getvalue()


def _pieces(model: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def m2m100_fillers(vocab_size: int) -> list[str]:
    """Every filler a vocabulary of ``vocab_size`` may hold at any kept share. The SentencePiece
    model holds those of its own vocabulary; a share variant, which reuses it, is only used to
    translate (its other fillers are never encoded again)."""
    return [pattern.format(i) for pattern in (KEPT_FILLER, LEFT_OUT_FILLER) for i in range(vocab_size)]


def _trained_pieces(model: bytes, vocab_size: int) -> list[str]:
    """The pieces of ``model`` but the fillers of :func:`m2m100_fillers`."""
    fillers = set(m2m100_fillers(vocab_size))
    return [piece for piece in _pieces(model) if piece not in fillers]


def _fill(vocab: dict[str, int], size: int, pattern: str, count: int | None = None) -> None:
    """Add unique fillers named by ``pattern`` until ``vocab`` holds ``size`` entries (or ``count``
    fillers were added)."""
    added, i = 0, 0
    while len(vocab) < size and (count is None or added < count):
        name = pattern.format(i)
        i += 1
        if name not in vocab:
            vocab[name] = len(vocab)
            added += 1


def build_opus_mt_fr_en(directory: Path, texts: Sequence[str]) -> Path:
    """The opus-mt-fr-en-shaped random model of ``mts bench`` (:func:`service.bench.build_model`),
    its tokenizer replaced by one trained on ``texts``, so dispatches tokenize into about as many
    pieces as with the real one (the ``mts bench`` tokenizer, which only needs to load, splits
    French into single letters)."""
    build_model(directory)
    write_opus_mt_tokenizer(directory, texts)
    return directory


def write_opus_mt_tokenizer(directory: Path, texts: Sequence[str]) -> None:
    """The opus-mt-fr-en-shaped model's tokenizer, its SentencePiece model trained on ``texts``
    with the vocabulary's fillers as whole pieces."""
    pieces = _pieces(train_sentencepiece(texts))
    vocab = marian_vocabulary(pieces)
    fillers = [token for token in vocab if token not in set(pieces) and token != "<pad>"]
    write_marian_tokenizer(directory, train_sentencepiece(texts, symbols=fillers), vocab)


def m2m100_config(architecture: dict[str, Any] = M2M100_418M) -> Any:
    """The ``M2M100Config`` of ``architecture`` with the published special ids (no weights)."""
    from transformers import M2M100Config

    return M2M100Config(
        **architecture,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        tie_word_embeddings=True,
    )


def m2m100_vocabulary(pieces: Sequence[str], vocab_size: int, kept_share: float) -> dict[str, int]:
    """The vocab.json of the M2M100 tokenizer: special tokens, ``pieces``, then fillers up to
    ``vocab_size`` - 108 entries, so many of them Latin-letter ones (kept by the Korean restriction)
    that the kept tokens make about ``kept_share`` of ``vocab_size``, the rest in another script."""
    entries = vocab_size - M2M100_LANGUAGES - M2M100_MADEUP_WORDS
    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    if len(vocab) > entries:
        raise MtsError(f"the tokenizer has {len(vocab)} pieces, more than a vocabulary of {vocab_size} holds")
    kept_now = len(korean_output_tokens(list(vocab), _SPECIAL)) + 1  # + the Korean language token
    _fill(vocab, entries, KEPT_FILLER, max(0, round(kept_share * vocab_size) - kept_now))
    _fill(vocab, entries, LEFT_OUT_FILLER)
    return vocab


def _m2m100_tokenizer(directory: Path, vocab: dict[str, int], max_positions: int) -> Any:
    from transformers import M2M100Tokenizer

    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(
        vocab_file=str(directory / "vocab.json"),
        spm_file=str(directory / "sentencepiece.bpe.model"),
        src_lang="fr",
        tgt_lang="ko",
        model_max_length=max_positions,
    )
    tokenizer.save_pretrained(directory)
    return tokenizer


def build_m2m100_418m(
    directory: Path, texts: Sequence[str], kept_share: float, *, architecture: dict[str, Any] = M2M100_418M
) -> Path:
    """A random model with m2m100_418M's architecture (or ``architecture``) and a working
    M2M100Tokenizer: a SentencePiece model trained on ``texts``, a vocab.json padded to the real
    size (:func:`m2m100_vocabulary`), the language tokens where the real tokenizer has them."""
    import torch
    from transformers import M2M100ForConditionalGeneration

    directory.mkdir(parents=True, exist_ok=True)
    size = int(architecture["vocab_size"])
    pieces = _pieces(train_sentencepiece(texts))
    vocab = m2m100_vocabulary(pieces, size, kept_share)
    fillers = set(m2m100_fillers(size))
    model_bytes = train_sentencepiece(texts, symbols=[token for token in vocab if token in fillers])
    (directory / "sentencepiece.bpe.model").write_bytes(model_bytes)
    _m2m100_tokenizer(directory, vocab, int(architecture["max_position_embeddings"]))
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(m2m100_config(architecture)).save_pretrained(directory)
    return directory


def kept_tokens(directory: Path) -> int:
    """How many tokens the Korean output restriction keeps for the model in ``directory``."""
    from transformers import AutoConfig, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    size = int(AutoConfig.from_pretrained(str(directory)).vocab_size)
    return len(korean_output_tokens(vocabulary_by_id(size, tokenizer), {"__ko__", *_SPECIAL}))


def share_variant(base: Path, converted: Path, directory: Path, converted_dir: Path, share: float) -> Path:
    """The fr→ko model of ``base`` with a vocabulary keeping ``share`` for Korean: the same weights
    (linked, in the Hugging Face and in the converted copy), tokenizer and converted vocabulary
    rewritten. Only token names change, so the engine is the same but for the restriction's size."""
    directory.mkdir(parents=True)
    converted_dir.mkdir(parents=True)
    for item in base.iterdir():
        # Linked: what is only read (weights, configs, the SentencePiece model); the tokenizer's
        # other files are written anew, never through a link into ``base``.
        if item.suffix == ".safetensors" or item.name in _SHARED_FILES:
            (directory / item.name).symlink_to(item.resolve())
    config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    max_positions = int(config["max_position_embeddings"])
    vocab = m2m100_vocabulary(
        _trained_pieces((base / "sentencepiece.bpe.model").read_bytes(), config["vocab_size"]),
        config["vocab_size"],
        share,
    )
    tokenizer = _m2m100_tokenizer(directory, vocab, max_positions)
    vocabulary = vocabulary_by_id(int(config["vocab_size"]), tokenizer)
    for item in converted.iterdir():
        if item.name == "shared_vocabulary.json":
            (converted_dir / item.name).write_text(
                json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8"
            )
        elif item.name != "vmap.txt":
            (converted_dir / item.name).symlink_to(item.resolve())
    if not (converted_dir / "shared_vocabulary.json").is_file():
        raise MtsError(f"the converted model {converted} has no shared_vocabulary.json")
    return directory


def tokens_per_word(directory: Path, texts: Sequence[str]) -> float:
    """Source tokens per whitespace word of ``texts`` with the tokenizer in ``directory`` (special
    tokens included, per sentence as the service encodes them)."""
    from transformers import AutoTokenizer

    from service.text.segment import segment

    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    sentences = [s.text for text in texts for s in segment(text)]
    tokens = sum(len(ids) for ids in tokenizer(sentences)["input_ids"])
    return round(tokens / sum(len(text.split()) for text in texts), 2)


@dataclass(frozen=True)
class Builders:
    """How the two models are built (the real architectures unless a test passes small ones)."""

    fr_en: Callable[[Path, Sequence[str]], Path] = build_opus_mt_fr_en
    fr_ko: Callable[[Path, Sequence[str], float], Path] = build_m2m100_418m


# -- forced output lengths in the service's engines -----------------------------------------------


class ForcedLength(Seq2SeqTranslator):
    """Mixed into a loaded translator's class: every output runs to its forced length, then ends.

    A batch decodes to the forced length of its longest source (``min_new_tokens`` =
    ``max_new_tokens``); each sentence's output is then ended at its own forced length, as a trained
    model ends it, so no output counts as cut off.

    The retry of looping output is not run: random weights repeat themselves in nearly every
    sentence (a trained model rarely does), and retrying each would measure the guard, not the
    service's normal path; the sentences it would retry are counted. Everything else (tokenization,
    batching, checks and flags, alignment for glossary terms) is the service's."""

    generated_tokens: int
    looping_units: int
    aligned_pairs: int

    def _decoding(self, batch: Any, forced_token: str | None) -> Decoding:
        base = super()._decoding(batch, forced_token)
        length = min(forced_length(max(u.n_tokens for u in batch)), self.max_positions - 2)
        return replace(base, min_new_tokens=length, max_new_tokens=length)

    def generate_many(self, jobs: list[tuple[list[list[int]], Decoding]]) -> list[list[Generated]]:
        results = super().generate_many(jobs)
        eos = min(self.eos_ids)
        ended = []
        for (inputs, decoding), generated in zip(jobs, results, strict=True):
            self.generated_tokens += len(inputs) * decoding.max_new_tokens
            rows = []
            for ids, out in zip(inputs, generated, strict=True):
                keep = min(forced_length(len(ids)), decoding.max_new_tokens) - 1
                rows.append(Generated([*out.tokens[:keep], eos], [*out.logprobs[:keep], 0.0]))
            ended.append(rows)
        return ended

    def _run(self, units: Any, tgt: str, *, retry: bool) -> None:
        if retry:
            self.looping_units += len(units)
            return
        super()._run(units, tgt, retry=retry)

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        self.aligned_pairs += len(pairs)
        return super().align(pairs, src, tgt)


def force_lengths(translator: Seq2SeqTranslator) -> Seq2SeqTranslator:
    """``translator`` (loaded as the service loads it) with :class:`ForcedLength` mixed into its class."""
    cls = type(translator)
    translator.__class__ = type(f"Forced{cls.__name__}", (ForcedLength, cls), {})
    forced: Any = translator
    forced.generated_tokens = forced.looping_units = forced.aligned_pairs = 0
    return translator


# -- measurements (each in a fresh process) -------------------------------------------------------


def bench_settings(paths: dict[str, str], config: PipelineBenchConfig) -> Settings:
    """The service's settings over the benchmark models; every setting that changes speed is
    named, so no MTS_ variable of the caller's environment does."""
    return Settings(
        model_fr_en=paths["fr_en"],
        model_fr_ko=paths["fr_ko"],
        model_en_ko=None,
        models_dir=Path(paths["work"]),
        device="cuda" if config.device == "cuda" else "cpu",
        backend="auto",
        compute_type="auto",
        threads=0,
        workers=1,
        num_beams=config.beams,
        batch_tokens=int(Settings.model_fields["batch_tokens"].default),
        summarizer="extractive",
        glossary=None,
        auto_pull=False,
    )


def _figures(seconds: list[float], stages: dict[str, list[float]]) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "dispatches_per_min": round(len(seconds) / sum(seconds) * 60, 2),
        "p50_s": round(statistics.median(ordered), 2),
        "p95_s": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "stages_s": {name: round(statistics.mean(values), 2) for name, values in stages.items()},
    }


def _memory(result: dict[str, Any], device: str) -> dict[str, Any]:
    result["peak_rss_mb"] = peak_rss_mb()
    if device == "cuda":
        import torch

        result["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return result


def measure_service(paths: dict[str, str], texts: list[str], config: PipelineBenchConfig) -> dict[str, Any]:
    """:meth:`Pipeline.process` over each dispatch, both models in this process."""
    from service.pipeline import DispatchRequest
    from service.runtime import Runtime
    from service.runtime.registry import Loaders, ModelSpec, load_translator_model

    loaded: list[Any] = []

    def load(spec: ModelSpec, settings: Settings) -> Any:
        translator = load_translator_model(spec, settings)
        assert isinstance(translator, Seq2SeqTranslator)
        loaded.append(force_lengths(translator))
        return translator

    runtime = Runtime(bench_settings(paths, config), loaders=Loaders(translator=load))
    try:
        runtime.warm(TARGETS)
        for translator in loaded:  # counted from the first timed dispatch on
            translator.generated_tokens = translator.looping_units = translator.aligned_pairs = 0
        seconds: list[float] = []
        stages: dict[str, list[float]] = {
            name: [] for name in [*(f"translate_{t}" for t in TARGETS), "summarize"]
        }
        flagged = 0
        for text in texts:
            started = time.perf_counter()
            result = runtime.pipeline.process(DispatchRequest(text))
            seconds.append(time.perf_counter() - started)
            for name, values in stages.items():
                values.append(result.timings_ms.get(name, 0.0) / 1000)
            flagged += sum(1 for t in result.translations.values() for s in t.segments if s.flags)
        counts = {
            "output_tokens": sum(t.generated_tokens for t in loaded),
            "looping_sentences_not_retried": sum(t.looping_units for t in loaded),
            "aligned_sentences": sum(t.aligned_pairs for t in loaded),
        }
        streaming = _streamed(runtime, texts)
        backends = sorted({info.backend or "?" for t in loaded for info in t.models})
    finally:
        runtime.close()
    return _memory(
        {
            "backend": ", ".join(backends),
            **_figures(seconds, stages),
            **counts,
            "flagged_sentences": flagged,
            "streaming": streaming,
        },
        config.device,
    )


def _streamed(runtime: Any, texts: list[str]) -> dict[str, Any]:
    """The same dispatches again, each sentence received as it is ready (as ``stream: true``
    sends it): when the first sentence arrives, against the whole dispatch's time."""
    from service.pipeline import DispatchRequest

    first: list[float] = []
    whole: list[float] = []
    arrived: list[float] = []
    for text in texts:
        arrived.clear()
        started = time.perf_counter()
        runtime.pipeline.process(DispatchRequest(text), lambda *_: arrived.append(time.perf_counter()))
        whole.append(time.perf_counter() - started)
        first.append(arrived[0] - started)
    shares = [f / w for f, w in zip(first, whole, strict=True)]
    return {
        "first_sentence_p50_s": round(statistics.median(first), 2),
        "whole_p50_s": round(statistics.median(whole), 2),
        "first_over_whole_p50": round(statistics.median(shares), 3),
        "first_over_whole_max": round(max(shares), 3),
    }


def stock_models(paths: dict[str, str], device: str) -> dict[str, tuple[Any, Any]]:
    """Both routes' tokenizer and float32 model, loaded as stock ``transformers`` loads them."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from service.models.loading import cpu_threads, set_cpu_threads

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    if device == "cpu":
        set_cpu_threads(cpu_threads(0, 1))
    models = {}
    for lang in TARGETS:
        path = paths[f"fr_{lang}"]
        tokenizer = AutoTokenizer.from_pretrained(path)
        if hasattr(tokenizer, "src_lang"):
            tokenizer.src_lang = SOURCE
        models[lang] = (tokenizer, AutoModelForSeq2SeqLM.from_pretrained(path).eval().to(device))
    return models


def language_kwargs(tokenizer: Any, lang: str) -> dict[str, Any]:
    """A multilingual model's forced target-language token (``generate``'s ``forced_bos_token_id``)."""
    if hasattr(tokenizer, "get_lang_id"):
        return {"forced_bos_token_id": tokenizer.get_lang_id(lang)}
    return {}


def stock_generate(
    tokenizer: Any, model: Any, lang: str, group: list[str], beams: int, device: str
) -> tuple[list[str], int]:
    """One stock ``generate`` call over ``group`` (padded), every output forced to the length of the
    longest source's; the decoded texts and the tokens generated."""
    import torch

    inputs = tokenizer(group, return_tensors="pt", padding=True).to(device)
    # Within the position table, as the service bounds it.
    length = min(forced_length(int(inputs["input_ids"].shape[1])), model.config.max_position_embeddings - 2)
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            num_beams=beams,
            min_new_tokens=length,
            max_new_tokens=length,
            **language_kwargs(tokenizer, lang),
        )
    return list(tokenizer.batch_decode(output, skip_special_tokens=True)), len(group) * length


def measure_stock(
    paths: dict[str, str], texts: list[str], config: PipelineBenchConfig, *, batched: bool
) -> dict[str, Any]:
    """Stock ``generate`` over each dispatch's sentences, both routes: one sentence at a time
    (``pipeline("translation")``'s steps) or in the service's token-budget batches."""
    from service.text.segment import segment

    models = stock_models(paths, config.device)
    budget = int(Settings.model_fields["batch_tokens"].default)
    generated = 0

    def translate(lang: str, sentences: list[str]) -> None:
        nonlocal generated
        tokenizer, model = models[lang]
        if batched:
            lengths = [len(ids) for ids in tokenizer(sentences)["input_ids"]]
            groups = [[sentences[i] for i in batch] for batch in budget_batches(lengths, budget)]
        else:
            groups = [[sentence] for sentence in sentences]
        for group in groups:
            generated += stock_generate(tokenizer, model, lang, group, config.beams, config.device)[1]

    for lang in TARGETS:  # warm-up: first-call allocations, kernels, caches
        translate(lang, [segment(texts[0])[0].text])
    generated = 0
    seconds: list[float] = []
    stages: dict[str, list[float]] = {f"translate_{lang}": [] for lang in TARGETS}
    for text in texts:
        sentences = [s.text for s in segment(text)]
        total = 0.0
        for lang in TARGETS:
            started = time.perf_counter()
            translate(lang, sentences)
            elapsed = time.perf_counter() - started
            stages[f"translate_{lang}"].append(elapsed)
            total += elapsed
        seconds.append(total)
    return _memory(
        {"backend": "torch-float32", **_figures(seconds, stages), "output_tokens": generated}, config.device
    )


def measure_korean(
    paths: dict[str, str], texts: list[str], config: PipelineBenchConfig, *, restrict: bool
) -> dict[str, Any]:
    """The CTranslate2 fr→ko engine over each dispatch's sentences, with or without the Korean
    output restriction: target tokens per second."""
    from service.models.info import ModelInfo
    from service.models.loading import cpu_threads
    from service.text.segment import segment
    from service.translation.ct2 import CT2Translator

    translator: Any = force_lengths(
        CT2Translator(
            Path(paths["fr_ko"]),
            ModelInfo(paths["info_id"], "random"),
            "m2m100",
            models_dir=Path(paths["work"]),
            device=config.device,
            num_beams=config.beams,
            threads=cpu_threads(0, 1),
            restrict_korean=restrict,
        )
    )
    translator.translate([segment(texts[0])[0].text], SOURCE, "ko")  # warm-up
    translator.generated_tokens = 0
    elapsed = 0.0
    for text in texts:
        sentences = [s.text for s in segment(text)]
        started = time.perf_counter()
        translator.translate(sentences, SOURCE, "ko")
        elapsed += time.perf_counter() - started
    return _memory(
        {
            "backend": translator.backend,
            "tokens_per_s": round(translator.generated_tokens / elapsed, 1),
            "output_tokens": translator.generated_tokens,
            "looping_sentences_not_retried": translator.looping_units,
        },
        config.device,
    )


_MEASURES: dict[str, Callable[..., dict[str, Any]]] = {
    "service": measure_service,
    "stock": measure_stock,
    "korean": measure_korean,
}


def _child(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], queue: Any) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the models are local; nothing is downloaded
    try:
        queue.put(("ok", _MEASURES[name](*args, **kwargs)))
    except Exception as exc:  # reported to the parent, which names the measurement
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def _in_fresh_process(
    label: str, name: str, paths: dict[str, str], texts: list[str], config: PipelineBenchConfig, **kwargs: Any
) -> dict[str, Any]:
    """``_MEASURES[name]`` in a spawned process (its own peak memory), as ``mts bench`` measures."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, (paths, texts, config), kwargs, queue))
    process.start()
    while True:
        try:
            status, payload = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not process.is_alive():  # killed, or crashed in native code, before it could report
                raise MtsError(
                    f"benchmark of {label} failed: its process exited with {process.exitcode}"
                ) from None
    process.join()
    if status != "ok":
        raise MtsError(f"benchmark of {label} failed: {payload}")
    return dict(payload)


# -- the run ---------------------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else 0.0


def run_pipeline_bench(
    config: PipelineBenchConfig,
    progress: Callable[[str], None] = lambda _: None,
    builders: Builders | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """Measure the service and both baselines on the same dispatches, and the Korean restriction.

    ``ratios`` are the service's dispatches per minute over each baseline's. ``builders`` write the
    model directories (the real architectures unless a test passes small ones); ``root`` is where
    samples/ and eval/ are (the repository)."""
    check_device(config.device)
    if config.beams < 1 or not config.kept_shares or not all(0 < s <= 1 for s in config.kept_shares):
        raise MtsError("--beams must be at least 1, and every kept share between 0 and 1")
    build = builders or Builders()
    dispatches = pick_dispatches(config.dispatches, config.seed, root)
    texts = [d.text for d in dispatches]
    corpus = [d.text for d in candidate_dispatches(root)]
    shares = sorted(set(config.kept_shares))
    ct2 = "ctranslate2" in engines_for(config.device)
    with tempfile.TemporaryDirectory(prefix="mts-bench-pipeline-") as tmp:
        work = Path(tmp)
        progress("building a random model with the opus-mt-fr-en architecture")
        fr_en = build.fr_en(work / "opus-mt-fr-en", corpus)
        progress("building a random model with the m2m100_418M architecture")
        fr_ko = build.fr_ko(work / "m2m100_418M", corpus, shares[-1])
        paths = {"fr_en": str(fr_en), "fr_ko": str(fr_ko), "work": str(work)}
        settings = bench_settings(paths, config)
        korean_sweep: dict[str, Any] | None = None
        variants: list[tuple[float, dict[str, str]]] = []
        if ct2:
            from service.models.info import ModelInfo
            from service.models.store import locate
            from service.translation.ct2 import convert, converted_path, ct2_device, resolve_compute_type

            compute = resolve_compute_type("auto", ct2_device(config.device))
            progress(f"converting both for CTranslate2 ({compute})")
            converted = {}
            for lang, path in (("en", fr_en), ("ko", fr_ko)):
                # Where the service will look for them (in this process: the conversion's memory
                # is not the service's).
                located, info = locate(str(path), settings)
                converted[lang] = convert(
                    located, converted_path(work, info, compute, source=located), compute
                )
            for share in shares:
                info_id = f"bench/m2m100_418M-kept-{share:g}"
                target = converted_path(work, ModelInfo(info_id, "random"), compute)
                variant = share_variant(
                    fr_ko, converted["ko"], work / f"m2m100-kept-{share:g}", target, share
                )
                variants.append((share, {**paths, "fr_ko": str(variant), "info_id": info_id}))
        progress(f"measuring the service over {len(texts)} dispatches")
        service = _in_fresh_process("the service", "service", paths, texts, config)
        progress("measuring stock generate, sentence by sentence")
        sentence = _in_fresh_process("stock generate", "stock", paths, texts, config, batched=False)
        progress("measuring stock generate, batched")
        batched = _in_fresh_process("batched generate", "stock", paths, texts, config, batched=True)
        if variants:
            progress("measuring the Korean route without the vocabulary restriction")
            open_run = _in_fresh_process(
                "the Korean route", "korean", variants[0][1], texts, config, restrict=False
            )
            size = int(json.loads((fr_ko / "config.json").read_text(encoding="utf-8"))["vocab_size"])
            restricted = []
            for share, variant_paths in variants:
                progress(f"measuring the Korean route with the restriction keeping ~{share:.1%}")
                figures = _in_fresh_process(
                    "the Korean route", "korean", variant_paths, texts, config, restrict=True
                )
                kept = kept_tokens(Path(variant_paths["fr_ko"]))
                restricted.append(
                    {
                        "kept_tokens": kept,
                        "kept_share": round(kept / size, 4),
                        **figures,
                        "ratio": _ratio(figures["tokens_per_s"], open_run["tokens_per_s"]),
                    }
                )
            korean_sweep = {"vocab_size": size, "unrestricted": open_run, "restricted": restricted}
        pipeline_kept = kept_tokens(fr_ko)
        words = {
            "fr_en": tokens_per_word(fr_en, texts),
            "fr_ko": tokens_per_word(fr_ko, texts),
        }
    baselines = {"sentence_by_sentence": sentence, "batched_generate": batched}
    ratios = {
        name: _ratio(service["dispatches_per_min"], b["dispatches_per_min"]) for name, b in baselines.items()
    }
    report: dict[str, Any] = {
        "device": describe_device(config.device),
        "config": asdict(config),
        "dispatches": [{"id": d.id, "words": d.words} for d in dispatches],
        "source_tokens_per_word": words,
        "fr_ko_kept_tokens": pipeline_kept,
        "service": service,
        "baselines": baselines,
        "ratios": ratios,
        "korean_vocabulary": korean_sweep,
    }
    report["targets"] = check_targets(report)
    return report


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets with the measured value of each and whether it is met."""
    ratios = report["ratios"]
    found = [
        _target(
            "service ÷ sentence-by-sentence generate", 5.0, ratios["sentence_by_sentence"], at_least=True
        ),
        _target("service ÷ batched generate", 2.0, ratios["batched_generate"], at_least=True),
        _target(
            "streamed: first sentence ÷ whole dispatch (slowest)",
            0.2,
            report["service"]["streaming"]["first_over_whole_max"],
            at_least=False,
        ),
        _target(
            "service peak RSS, both models (MB)",
            RSS_LIMIT_MB,
            report["service"]["peak_rss_mb"],
            at_least=False,
        ),
    ]
    sweep = report.get("korean_vocabulary") or {"vocab_size": 0, "restricted": []}
    for row in sweep["restricted"]:
        name = (
            f"Korean restriction keeping {row['kept_tokens']:,} of {sweep['vocab_size']:,} tokens, CT2 ratio"
        )
        found.append(_target(name, 1.4, row["ratio"], at_least=True))
    return found


def _target(name: str, goal: float, measured: float, *, at_least: bool) -> dict[str, Any]:
    met = measured >= goal if at_least else measured < goal
    return {"target": name, "goal": f"{'≥' if at_least else '<'} {goal:g}", "measured": measured, "met": met}


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], names: int) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart: the first ``names`` columns left,
    figures right (as :func:`service.bench.format_table` lays them out)."""
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i < names else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


def format_pipeline_table(report: dict[str, Any]) -> str:
    """The report as plain-text tables."""
    config = report["config"]
    words = [d["words"] for d in report["dispatches"]]
    baselines, ratios = report["baselines"], report["ratios"]
    engines = [
        ("service (Pipeline.process)", report["service"], 1.0),
        (
            "stock generate, sentence by sentence",
            baselines["sentence_by_sentence"],
            ratios["sentence_by_sentence"],
        ),
        ("stock generate, batched", baselines["batched_generate"], ratios["batched_generate"]),
    ]
    header = (
        "engine",
        "backend",
        "disp/min",
        "service ÷",
        "p50 s",
        "p95 s",
        "en s",
        "ko s",
        "summ. s",
        "RSS MB",
    )
    rows = [
        (
            name,
            str(r["backend"]),
            f"{r['dispatches_per_min']:.2f}",
            "—" if name.startswith("service") else f"{ratio:.2f}×",
            f"{r['p50_s']:.2f}",
            f"{r['p95_s']:.2f}",
            f"{r['stages_s'].get('translate_en', 0.0):.2f}",
            f"{r['stages_s'].get('translate_ko', 0.0):.2f}",
            f"{r['stages_s']['summarize']:.2f}" if "summarize" in r["stages_s"] else "—",
            f"{r['peak_rss_mb']:.1f}",
        )
        for name, r, ratio in engines
    ]
    service, per_word = report["service"], report["source_tokens_per_word"]
    streaming = service["streaming"]
    lines = [
        f"device: {report['device']}",
        f"{len(words)} dispatches of {min(words)}–{max(words)} words, beams {config['beams']}, "
        f"outputs forced to {OUTPUT_RATIO:g}× the source tokens; source tokens per word: "
        f"fr→en {per_word['fr_en']}, fr→ko {per_word['fr_ko']}",
        "",
        *_table(header, rows, 2),
        "",
        "output tokens: " + ", ".join(f"{name} {r['output_tokens']}" for name, r, _ in engines),
        f"service: {service['aligned_sentences']} sentences aligned for glossary terms, "
        f"{service['flagged_sentences']} flagged, {service['looping_sentences_not_retried']} looping "
        f"(random weights) not retried; its fr→ko vocabulary keeps {report['fr_ko_kept_tokens']:,} "
        "tokens for Korean",
        "streamed (each sentence as it is ready): first sentence after "
        f"{streaming['first_sentence_p50_s']:.2f} s of {streaming['whole_p50_s']:.2f} s (p50), "
        f"{streaming['first_over_whole_p50']:.1%} of the dispatch's time "
        f"(at most {streaming['first_over_whole_max']:.1%})",
    ]
    sweep = report.get("korean_vocabulary")
    if sweep:
        open_run = sweep["unrestricted"]
        korean_rows = [
            ("none", f"{sweep['vocab_size']:,}", "100.0%", f"{open_run['tokens_per_s']:.1f}", "1.00×")
        ]
        korean_rows += [
            (
                "Korean output tokens",
                f"{row['kept_tokens']:,}",
                f"{row['kept_share']:.1%}",
                f"{row['tokens_per_s']:.1f}",
                f"{row['ratio']:.2f}×",
            )
            for row in sweep["restricted"]
        ]
        lines += [
            "",
            f"Korean route, {open_run['backend']}, the same sentences (the kept share is the benchmark "
            "vocabulary's, not the real tokenizer's):",
            *_table(("restriction", "tokens kept", "share", "tokens/s", "ratio"), korean_rows, 1),
        ]
    lines += ["", "targets:"]
    lines += [
        f"  {'met' if t['met'] else 'NOT met'}: {t['target']} {t['goal']} (measured {t['measured']:g})"
        for t in report["targets"]
    ]
    return "\n".join(lines)


__all__ = [
    "M2M100_418M",
    "Builders",
    "PipelineBenchConfig",
    "build_m2m100_418m",
    "build_opus_mt_fr_en",
    "format_pipeline_table",
    "m2m100_config",
    "run_pipeline_bench",
]
