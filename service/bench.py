"""``mts bench``: the service's inference engines against stock ``transformers`` ``generate``.

The model is randomly initialised with the exact architecture of opus-mt-fr-en (vocabulary 59,514,
d_model 512, 6+6 layers, 8 heads, FFN 2048), so the figures need no download and hold for the real
model: speed depends on shapes, not weights. Every sequence is forced to the same output length,
so each engine produces exactly the same number of tokens.

Measured for the baseline and for each engine, each in a fresh process so that peak memory is its
own: target tokens per second over batches of ``--batch`` sentences, p50/p95 latency of single
sentences, and peak resident memory (and peak GPU memory on CUDA).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.errors import ConfigurationError, MtsError

OPUS_MT_FR_EN: dict[str, Any] = {
    "vocab_size": 59514,
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "max_position_embeddings": 512,
}
# Text for the tokenizer files the model directory needs; the benchmark feeds token ids directly.
_TOKENIZER_TEXT = [
    "SÉOUL, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne ont tenu leur dialogue.",
    "Les exportations ont augmenté de 2,5 % en février, selon le ministère du Commerce.",
    "Le ministre des Affaires étrangères a rencontré son homologue japonais à Tokyo.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est, selon l'état-major.",
    "Seoul, March 12 (Yonhap) -- South Korea and the European Union held their first dialogue.",
    "서울, 3월 12일 (연합뉴스) -- 한국과 유럽연합이 첫 우주안보 대화를 열었다.",
]


@dataclass(frozen=True)
class BenchConfig:
    """What one run measures."""

    device: str = "cpu"
    batch: int = 16
    beams: int = 4
    sentences: int = 64
    source_tokens: int = 40
    target_tokens: int = 40
    latency_runs: int = 10
    seed: int = 0


def build_model(directory: Path) -> Path:
    """Save a randomly initialised opus-mt-fr-en-shaped Marian model with a working tokenizer."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    directory.mkdir(parents=True, exist_ok=True)
    buffer = tempfile.SpooledTemporaryFile()  # noqa: SIM115 - handed to the trainer, closed below
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_TOKENIZER_TEXT * 4),
        model_writer=buffer,
        vocab_size=120,
        model_type="unigram",
        hard_vocab_limit=False,
        minloglevel=2,
    )
    buffer.seek(0)
    write_marian_tokenizer(directory, buffer.read())
    buffer.close()
    size = int(OPUS_MT_FR_EN["vocab_size"])
    config = MarianConfig(
        **OPUS_MT_FR_EN,
        pad_token_id=size - 1,
        eos_token_id=0,
        decoder_start_token_id=size - 1,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        embeddings: Any = model.get_input_embeddings()
        embeddings.weight[size - 1] = 0.0
    model.save_pretrained(directory)
    return directory


MARIAN_FILLER = "\u2581w{}"


def marian_vocabulary(pieces: Sequence[str]) -> dict[str, int]:
    """The vocab.json of the opus-mt-fr-en-shaped model: ``pieces`` first, then fillers
    (:data:`MARIAN_FILLER`) up to the model's size, ``<pad>`` last (as in the published export)."""
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    size = int(OPUS_MT_FR_EN["vocab_size"])
    filler = 0
    while len(vocab) < size - 1:
        vocab.setdefault(MARIAN_FILLER.format(filler), len(vocab))
        filler += 1
    vocab["<pad>"] = size - 1
    return vocab


def write_marian_tokenizer(directory: Path, spm_model: bytes, vocab: dict[str, int] | None = None) -> None:
    """Write the opus-mt-fr-en-shaped model's tokenizer: ``spm_model`` as both SentencePiece
    models and ``vocab`` (by default :func:`marian_vocabulary` of all its pieces)."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(spm_model)
    if vocab is None:
        processor = spm.SentencePieceProcessor(model_proto=spm_model)
        vocab = marian_vocabulary([processor.id_to_piece(i) for i in range(processor.get_piece_size())])
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    MarianTokenizer(
        source_spm=str(directory / "source.spm"),
        target_spm=str(directory / "target.spm"),
        vocab=str(directory / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=512,
    ).save_pretrained(directory)


def make_inputs(config: BenchConfig, count: int, vocab_size: int) -> list[list[int]]:
    """``count`` sentences of about ``source_tokens`` token ids each, ending with </s> (id 0)."""
    rng = random.Random(config.seed)
    spread = max(1, config.source_tokens // 5)
    out = []
    for _ in range(count):
        length = max(2, config.source_tokens + rng.randint(-spread, spread))
        out.append([rng.randrange(3, vocab_size - 1) for _ in range(length - 1)] + [0])
    return out


def _timed(run: Callable[[list[list[list[int]]]], None], batches: list[list[list[int]]]) -> float:
    started = time.perf_counter()
    run(batches)
    return time.perf_counter() - started


def _engine_runner(name: str, model_dir: Path, models_dir: Path, config: BenchConfig) -> Any:
    """A function generating exactly ``target_tokens`` for a batch of token ids, on ``name``."""
    from transformers.utils import logging as hf_logging

    from service.models.info import ModelInfo
    from service.models.loading import cpu_threads, set_cpu_threads
    from service.translation.seq2seq import Decoding

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    info = ModelInfo("bench/opus-mt-fr-en-shape", "random")
    decoding = Decoding(
        num_beams=config.beams, max_new_tokens=config.target_tokens, min_new_tokens=config.target_tokens
    )
    threads = cpu_threads(0, 1)
    if name == "stock":
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if config.device == "cpu":
            set_cpu_threads(threads)
        model = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir)).eval().to(config.device)
        pad = int(model.config.pad_token_id)

        def stock(batches: list[list[list[int]]]) -> None:
            for batch in batches:
                width = max(len(ids) for ids in batch)
                ids = torch.tensor([row + [pad] * (width - len(row)) for row in batch], device=config.device)
                mask = torch.tensor(
                    [[1] * len(row) + [0] * (width - len(row)) for row in batch], device=config.device
                )
                with torch.inference_mode():
                    model.generate(
                        input_ids=ids,
                        attention_mask=mask,
                        num_beams=config.beams,
                        min_new_tokens=config.target_tokens,
                        max_new_tokens=config.target_tokens,
                    )

        return stock, "torch-float32"
    translator: Any
    if name == "torch":
        from service.translation.hf import HFSeq2SeqTranslator

        translator = HFSeq2SeqTranslator(
            model_dir, info, "marian", device=config.device, num_beams=config.beams, threads=threads
        )
    else:
        from service.translation.ct2 import CT2Translator

        translator = CT2Translator(
            model_dir, info, "marian", models_dir=models_dir, device=config.device, num_beams=config.beams,
            threads=threads,
        )  # fmt: skip

    def engine(batches: list[list[list[int]]]) -> None:
        # As the service runs a job: every batch handed over at once (CTranslate2 runs them side
        # by side, one per CPU thread; torch one after the other).
        translator.generate_many([(batch, decoding) for batch in batches])

    return engine, translator.backend


def measure(name: str, model_dir: Path, models_dir: Path, config: BenchConfig) -> dict[str, Any]:
    """Throughput, latency and peak memory of one engine (run this in a fresh process)."""
    run, backend = _engine_runner(name, model_dir, models_dir, config)
    vocab_size = int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["vocab_size"])
    inputs = make_inputs(config, config.sentences, vocab_size)
    batches = [inputs[i : i + config.batch] for i in range(0, len(inputs), config.batch)]
    _timed(run, batches[:1])  # warm-up: first-call allocations, kernels, caches
    elapsed = _timed(run, batches)
    singles = make_inputs(
        BenchConfig(**{**asdict(config), "seed": config.seed + 1}), config.latency_runs, vocab_size
    )
    latencies = sorted(_timed(run, [[ids]]) * 1000 for ids in singles)
    result: dict[str, Any] = {
        "backend": backend,
        "tokens_per_s": round(len(inputs) * config.target_tokens / elapsed, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1),
        "latency_p95_ms": round(latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))], 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    if config.device == "cuda":
        import torch

        result["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return result


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started its program (VmHWM).

    Not ``ru_maxrss``: on Linux that keeps the peak of the parent the process was forked from.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child(name: str, model_dir: str, models_dir: str, config: dict[str, Any], queue: Any) -> None:
    try:
        queue.put(("ok", measure(name, Path(model_dir), Path(models_dir), BenchConfig(**config))))
    except Exception as exc:  # reported to the parent, which names the engine
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def _in_fresh_process(name: str, model_dir: Path, models_dir: Path, config: BenchConfig) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_child, args=(name, str(model_dir), str(models_dir), asdict(config), queue)
    )
    process.start()
    status, payload = queue.get()
    process.join()
    if status != "ok":
        raise MtsError(f"benchmark of {name} failed: {payload}")
    return dict(payload)


def engines_for(device: str) -> list[str]:
    """The service's engines that can run on ``device``."""
    engines = ["torch"]
    try:
        import ctranslate2

        if device == "cpu" or ctranslate2.get_cuda_device_count() > 0:
            engines.append("ctranslate2")
    except ImportError:
        pass
    return engines


def check_device(device: str) -> None:
    """A benchmark's ``--device``: cpu, or cuda where a CUDA device is available."""
    if device not in ("cpu", "cuda"):
        raise MtsError(f"--device must be cpu or cuda, not {device!r}")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ConfigurationError("--device cuda, but no CUDA device is available")


def run_bench(
    config: BenchConfig,
    progress: Callable[[str], None] = lambda _: None,
    build: Callable[[Path], Path] = build_model,
) -> dict[str, Any]:
    """Measure the baseline and every engine; ``ratios`` are throughputs over the baseline's.

    ``build`` writes the model directory (the opus-mt-fr-en-shaped model unless a test passes a
    smaller one)."""
    check_device(config.device)
    if config.batch < 1 or config.beams < 1 or config.sentences < config.batch:
        raise MtsError("--batch and --beams must be at least 1, and --sentences at least --batch")
    with tempfile.TemporaryDirectory(prefix="mts-bench-") as tmp:
        work = Path(tmp)
        progress("building a random model with the opus-mt-fr-en architecture")
        model_dir = build(work / "model")
        engines = engines_for(config.device)
        if "ctranslate2" in engines:
            from service.models.info import ModelInfo
            from service.translation.ct2 import convert, converted_path, resolve_compute_type

            compute = resolve_compute_type("auto", config.device)
            progress(f"converting it for CTranslate2 ({compute})")
            info = ModelInfo("bench/opus-mt-fr-en-shape", "random")
            convert(model_dir, converted_path(work, info, compute), compute)
        progress("measuring stock generate")
        baseline = _in_fresh_process("stock", model_dir, work, config)
        results = {}
        for name in engines:
            progress(f"measuring {name}")
            results[name] = _in_fresh_process(name, model_dir, work, config)
    return {
        "device": describe_device(config.device),
        "config": asdict(config),
        "baseline": baseline,
        "engines": results,
        "ratios": {
            name: round(r["tokens_per_s"] / baseline["tokens_per_s"], 2) for name, r in results.items()
        },
    }


def describe_device(device: str) -> str:
    """The processor or GPU the figures come from."""
    if device == "cuda":
        import torch

        return str(torch.cuda.get_device_name(0))
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or 'CPU'}, {os.cpu_count()} cores"


def format_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    config = report["config"]
    header = ("engine", "backend", "tokens/s", "ratio", "p50 ms", "p95 ms", "peak RSS MB")
    rows = [("stock generate", report["baseline"], 1.0)]
    rows += [(name, r, report["ratios"][name]) for name, r in report["engines"].items()]
    cells = [header] + [
        (
            name,
            str(r["backend"]),
            f"{r['tokens_per_s']:.1f}",
            f"{ratio:.2f}×",
            f"{r['latency_p50_ms']:.1f}",
            f"{r['latency_p95_ms']:.1f}",
            f"{r['peak_rss_mb']:.1f}",
        )
        for name, r, ratio in rows
    ]
    # Each column as wide as its widest cell, two spaces apart: names left, figures right.
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    table = [
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]
    return "\n".join(
        [
            f"device: {report['device']}",
            f"batch {config['batch']}, beams {config['beams']}, {config['sentences']} sentences of "
            f"~{config['source_tokens']} tokens, {config['target_tokens']} output tokens each",
            "",
            *table,
        ]
    )
