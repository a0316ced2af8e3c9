"""Checks of a saved model before any weights load."""

from __future__ import annotations

import json
from pathlib import Path

from service.errors import BrokenModelError

# The Marian sanity check: below this share of source.spm pieces known to vocab.json the
# encoder sees mostly <unk> and the model produces fluent nonsense.
MIN_VOCAB_COVERAGE = 0.9


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
