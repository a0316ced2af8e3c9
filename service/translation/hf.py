"""Translation with Hugging Face seq2seq models (Marian, M2M100, NLLB) through torch.

The backend is generic over families: a :class:`~service.catalog.FamilySpec` says whether the
source language is set on the tokenizer and which token forces the target language.
Nothing is ever cut: inputs over the model's budget are chunked and rejoined, and the output
length is bounded relative to the input, not by a small fixed cap.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.catalog import FAMILIES, Family, check_export
from service.errors import BrokenModelError, UnsupportedLanguagePairError
from service.hf_models import load_model, pick_device, position_limit
from service.quality.repetition import has_loop
from service.text.chunk import chunk_sentence
from service.translation.base import ModelInfo, Translation

# Outputs may be longer than inputs (French → Korean pieces, English → Korean): allow this many
# target tokens per source token, plus a constant for very short inputs.
OUTPUT_RATIO = 2.0
OUTPUT_SLACK = 10
# Blocks verbatim repetition of any 8-token span inside one sentence: long enough that normal
# prose never repeats one, short enough to stop a loop before it fills the output.
NO_REPEAT_NGRAM = 8
# The retry of a looping segment: wider beam, stricter repetition settings.
RETRY_KWARGS: dict[str, Any] = {"num_beams": 5, "no_repeat_ngram_size": 3, "repetition_penalty": 1.2}


@dataclass
class _Unit:
    """One piece sent to the model: a whole sentence or a chunk of an over-long one."""

    index: int
    text: str
    n_tokens: int
    output: str = ""
    logprob_sum: float = 0.0
    n_scored: int = 0
    retried: bool = False
    looped: bool = False
    capped: bool = False

    @property
    def max_new_tokens(self) -> int:
        """This piece's own output bound, whatever batch it runs in."""
        return int(self.n_tokens * OUTPUT_RATIO) + OUTPUT_SLACK

    @property
    def degenerate(self) -> bool:
        """Output that loops, or that ran to its length bound without ending."""
        return self.capped or has_loop(self.output)


class HFSeq2SeqTranslator:
    """A loaded seq2seq translation model with chunking, token-budget batching and loop guards."""

    def __init__(
        self,
        path: Path,
        info: ModelInfo,
        family: Family,
        *,
        device: str = "auto",
        num_beams: int = 4,
        batch_tokens: int = 2048,
    ) -> None:
        check_export(path, info.id)
        import torch

        self.info = info
        self.family = FAMILIES[family]
        self.device = pick_device(device)
        self.num_beams = num_beams
        self.batch_tokens = batch_tokens
        self.tokenizer, self.model = load_model(path, info, "seq2seq", self.device)
        self._torch = torch
        # The tokenizer's language settings are per-instance state: one call at a time.
        self._lock = threading.Lock()
        self.max_positions = position_limit(self.model, self.tokenizer)
        # Encoder and decoder share the position limit. Keeping each input to half of it leaves
        # room for an output up to twice as long, so the position table never cuts a translation.
        self.input_budget = max(4, self.max_positions // 2 - 2)

    @property
    def models(self) -> list[ModelInfo]:
        """The single model behind this translator."""
        return [self.info]

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text``, special tokens included."""
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate independent texts; empty texts give empty translations."""
        with self._lock:
            self._set_languages(src, tgt)
            units = self._units(texts)
            self._run(units, tgt, retry=False)
            loopers = [u for u in units if u.degenerate]
            if loopers:
                self._run(loopers, tgt, retry=True)
                for unit in loopers:
                    unit.retried = True
                    unit.looped = unit.degenerate
        return self._assemble(texts, units)

    # -- internals ---------------------------------------------------------------------------

    def _set_languages(self, src: str, tgt: str) -> None:
        if self.family.lang_token is None:
            return
        for lang in (src, tgt):
            if lang not in self.family.lang_codes:
                raise UnsupportedLanguagePairError(
                    f"model {self.info.id} has no language code for {lang!r}; "
                    f"it knows {', '.join(sorted(self.family.lang_codes))}"
                )
        self.tokenizer.src_lang = self.family.code(src)

    def _units(self, texts: Sequence[str]) -> list[_Unit]:
        units: list[_Unit] = []
        counts: dict[str, int] = {}

        def count(piece: str) -> int:
            # The chunker counts the whole sentence first; the unit reuses that count.
            if piece not in counts:
                counts[piece] = self.count_tokens(piece)
            return counts[piece]

        for index, text in enumerate(texts):
            if not text.strip():
                continue
            for piece in chunk_sentence(text, count, self.input_budget):
                stripped = piece.strip()
                if stripped:
                    units.append(_Unit(index, stripped, count(stripped)))
        return units

    def _batches(self, units: list[_Unit]) -> list[list[_Unit]]:
        """Group units, longest first, so that padded batch size stays within the token budget."""
        ordered = sorted(units, key=lambda u: u.n_tokens, reverse=True)
        batches: list[list[_Unit]] = []
        current: list[_Unit] = []
        for unit in ordered:
            longest = current[0].n_tokens if current else unit.n_tokens
            if current and longest * (len(current) + 1) > self.batch_tokens:
                batches.append(current)
                current = []
            current.append(unit)
        if current:
            batches.append(current)
        return batches

    def _run(self, units: list[_Unit], tgt: str, *, retry: bool) -> None:
        for batch in self._batches(units):
            self._generate(batch, tgt, retry=retry)

    def _generate(self, batch: list[_Unit], tgt: str, *, retry: bool) -> None:
        torch = self._torch
        encoded = self.tokenizer([u.text for u in batch], return_tensors="pt", padding=True)
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        max_new = min(max(u.max_new_tokens for u in batch), self.max_positions - 2)
        kwargs: dict[str, Any] = {
            "num_beams": self.num_beams,
            "no_repeat_ngram_size": NO_REPEAT_NGRAM,
            "max_new_tokens": max_new,
            "max_length": None,
            "early_stopping": True,
            "output_scores": True,
            "return_dict_in_generate": True,
        }
        if retry:
            kwargs.update(RETRY_KWARGS)
            kwargs["num_beams"] = max(self.num_beams, RETRY_KWARGS["num_beams"])
        if kwargs["num_beams"] == 1:
            kwargs["early_stopping"] = False
        forced: int | None = None
        lang_token = self.family.language_token(tgt)
        if lang_token is not None:
            token_id = self.tokenizer.convert_tokens_to_ids(lang_token)
            if not isinstance(token_id, int) or token_id == self.tokenizer.unk_token_id:
                raise BrokenModelError(f"model {self.info.id} has no token {lang_token} for {tgt!r}")
            forced = token_id
            kwargs["forced_bos_token_id"] = forced
        with torch.inference_mode():
            out = self.model.generate(**encoded, **kwargs)
            transition = self.model.compute_transition_scores(
                out.sequences, out.scores, getattr(out, "beam_indices", None), normalize_logits=True
            )
        sequences = out.sequences.tolist()
        scores = transition.tolist()
        for unit, seq, seq_scores in zip(batch, sequences, scores, strict=True):
            limit = min(unit.max_new_tokens, max_new)
            unit.output, unit.logprob_sum, unit.n_scored, unit.capped = self._decode(
                seq, seq_scores, forced, limit
            )

    def _decode(
        self, seq: list[int], seq_scores: list[float], forced: int | None, limit: int
    ) -> tuple[str, float, int, bool]:
        """Text of one generated sequence, the sum and count of its token log-probs, and whether
        it ran to its own length bound without ending.

        A sequence batched with longer inputs may run past its own bound; it is cut back to it, so
        the result does not depend on the batch it ran in, and counts as degenerate.
        """
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        pad = self.model.generation_config.pad_token_id
        generated = seq[1:]  # position 0 is the decoder start token
        # Scores align to generated positions; beam search may return fewer score steps.
        kept: list[int] = []
        total, count = 0.0, 0
        capped = True
        for pos, token in enumerate(generated):
            if pos >= limit:
                break
            if token in eos_ids:
                capped = False
                if pos < len(seq_scores):
                    total += seq_scores[pos]
                    count += 1
                break
            if token == pad:
                capped = False
                break
            if pos == 0 and forced is not None and token == forced:
                continue  # the forced language token says nothing about confidence
            kept.append(token)
            if pos < len(seq_scores):
                total += seq_scores[pos]
                count += 1
        text = str(self.tokenizer.decode(kept, skip_special_tokens=True, clean_up_tokenization_spaces=False))
        return text.strip(), total, count, capped

    def _assemble(self, texts: Sequence[str], units: list[_Unit]) -> list[Translation]:
        by_index: dict[int, list[_Unit]] = {}
        for unit in units:
            by_index.setdefault(unit.index, []).append(unit)
        results: list[Translation] = []
        for index in range(len(texts)):
            parts = by_index.get(index, [])
            if not parts:
                results.append(Translation("", None))
                continue
            text = " ".join(p.output for p in parts if p.output)
            count = sum(p.n_scored for p in parts)
            score = sum(p.logprob_sum for p in parts) / count if count else None
            results.append(
                Translation(
                    text,
                    round(score, 4) if score is not None else None,
                    retried=any(p.retried for p in parts),
                    looped=any(p.looped for p in parts),
                )
            )
        return results


@lru_cache(maxsize=8)
def _cached_translator(
    path: str, model_id: str, revision: str, family: Family, device: str, num_beams: int, batch_tokens: int
) -> HFSeq2SeqTranslator:
    return HFSeq2SeqTranslator(
        Path(path),
        ModelInfo(model_id, revision),
        family,
        device=device,
        num_beams=num_beams,
        batch_tokens=batch_tokens,
    )


def load_translator(
    path: Path, info: ModelInfo, family: Family, *, device: str, num_beams: int, batch_tokens: int
) -> HFSeq2SeqTranslator:
    """One loaded instance per model and settings in this process."""
    return _cached_translator(str(path), info.id, info.revision, family, device, num_beams, batch_tokens)
