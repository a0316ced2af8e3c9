"""What every seq2seq translation backend shares: chunking, token-budget batching, output bounds,
loop guards and scoring. A backend (torch, CTranslate2) only turns batches of token ids into
generated token ids; everything that decides what the user gets lives here, once.

Nothing is ever cut: inputs over the model's budget are chunked and rejoined, and the output
length is bounded relative to the input, not by a small fixed cap.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import BrokenModelError, UnsupportedLanguagePairError
from service.models.families import FAMILIES, Family
from service.models.loading import load_tokenizer, position_limit
from service.quality.repetition import has_loop
from service.text.chunk import chunk_sentence
from service.translation.base import ModelInfo, Translation
from service.work import checkpoint

# Outputs may be longer than inputs (French → Korean pieces, English → Korean): allow this many
# target tokens per source token, plus a constant for very short inputs.
OUTPUT_RATIO = 2.0
OUTPUT_SLACK = 10
# Blocks verbatim repetition of any 8-token span inside one sentence: long enough that normal
# prose never repeats one, short enough to stop a loop before it fills the output.
NO_REPEAT_NGRAM = 8
# The retry of a looping segment: wider beam, stricter repetition settings.
RETRY_BEAMS = 5
RETRY_NO_REPEAT_NGRAM = 3
RETRY_REPETITION_PENALTY = 1.2


@dataclass(frozen=True)
class Decoding:
    """Decoding settings of one generation call, the same meaning in every backend."""

    num_beams: int
    max_new_tokens: int
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = NO_REPEAT_NGRAM
    repetition_penalty: float = 1.0
    forced_token: str | None = None  # the target-language token multilingual models start with

    @classmethod
    def retry(cls, base: Decoding) -> Decoding:
        """The stricter settings of the one retry of a looping or runaway segment."""
        return cls(
            num_beams=max(base.num_beams, RETRY_BEAMS),
            max_new_tokens=base.max_new_tokens,
            min_new_tokens=base.min_new_tokens,
            no_repeat_ngram_size=RETRY_NO_REPEAT_NGRAM,
            repetition_penalty=RETRY_REPETITION_PENALTY,
            forced_token=base.forced_token,
        )


@dataclass(frozen=True)
class Generated:
    """One generated sequence: token ids after the decoder start token (the forced language token
    and the end token included when produced) and the log-probability of each, aligned."""

    tokens: list[int]
    logprobs: list[float]


@dataclass
class _Unit:
    """One piece sent to the model: a whole sentence or a chunk of an over-long one."""

    index: int
    text: str
    ids: list[int] = field(repr=False)
    output: str = ""
    logprob_sum: float = 0.0
    n_scored: int = 0
    retried: bool = False
    looped: bool = False
    capped: bool = False

    @property
    def n_tokens(self) -> int:
        """Source tokens, special tokens included."""
        return len(self.ids)

    @property
    def max_new_tokens(self) -> int:
        """This piece's own output bound, whatever batch it runs in."""
        return int(self.n_tokens * OUTPUT_RATIO) + OUTPUT_SLACK

    @property
    def degenerate(self) -> bool:
        """Output that loops, or that ran to its length bound without ending."""
        return self.capped or has_loop(self.output)


class Seq2SeqTranslator(ABC):
    """A seq2seq translation model with chunking, token-budget batching and loop guards.

    Subclasses load the weights and implement :meth:`generate_ids`; ``backend`` names what runs
    them (``torch-float32``, ``ctranslate2-int8``…) and is part of every result's model record.
    """

    backend: str = "?"

    def __init__(
        self,
        path: Path,
        info: ModelInfo,
        family: Family,
        *,
        num_beams: int = 4,
        batch_tokens: int = 2048,
    ) -> None:
        self.path = path
        self.family = FAMILIES[family]
        self.num_beams = num_beams
        self.batch_tokens = batch_tokens
        self.tokenizer, self.config = load_tokenizer(path, info)
        self._info = info
        # The tokenizer's language settings are per-instance state: one call at a time.
        self._lock = threading.Lock()
        self.max_positions = position_limit(self.config, self.tokenizer)
        # Encoder and decoder share the position limit. Keeping each input to half of it leaves
        # room for an output up to twice as long, so the position table never cuts a translation.
        self.input_budget = max(4, self.max_positions // 2 - 2)
        self.eos_ids = {int(self.tokenizer.eos_token_id)}
        self.pad_id = int(self.tokenizer.pad_token_id)

    @property
    def info(self) -> ModelInfo:
        """The model and the backend that runs it."""
        return ModelInfo(self._info.id, self._info.revision, self.backend)

    @property
    def models(self) -> list[ModelInfo]:
        """The single model behind this translator."""
        return [self.info]

    def encode(self, text: str) -> list[int]:
        """Token ids the model sees for ``text``, special tokens included."""
        return list(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text``, special tokens included."""
        return len(self.encode(text))

    @abstractmethod
    def generate_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[Generated]:
        """Generate from a batch of token id lists; one result per input, in order."""

    def generate_many(self, jobs: list[tuple[list[list[int]], Decoding]]) -> list[list[Generated]]:
        """Generate several batches, stopping between them once nobody waits for the work
        (:func:`service.work.checkpoint`); a backend that can run batches side by side overrides this."""
        results = []
        for inputs, decoding in jobs:
            checkpoint()
            results.append(self.generate_ids(inputs, decoding))
        return results

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
                    f"model {self._info.id} has no language code for {lang!r}; "
                    f"it knows {', '.join(sorted(self.family.lang_codes))}"
                )
        self.tokenizer.src_lang = self.family.code(src)

    def _units(self, texts: Sequence[str]) -> list[_Unit]:
        units: list[_Unit] = []
        encoded: dict[str, list[int]] = {}

        def ids(piece: str) -> list[int]:
            # The chunker counts the whole sentence first; the unit reuses its ids.
            if piece not in encoded:
                encoded[piece] = self.encode(piece)
            return encoded[piece]

        for index, text in enumerate(texts):
            if not text.strip():
                continue
            for piece in chunk_sentence(text, lambda p: len(ids(p)), self.input_budget):
                stripped = piece.strip()
                if stripped:
                    units.append(_Unit(index, stripped, ids(stripped)))
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
        batches = self._batches(units)
        if not batches:
            return
        forced_token, forced_id = self._forced_token(tgt)
        jobs = []
        for batch in batches:
            max_new = min(max(u.max_new_tokens for u in batch), self.max_positions - 2)
            decoding = Decoding(num_beams=self.num_beams, max_new_tokens=max_new, forced_token=forced_token)
            jobs.append(([u.ids for u in batch], Decoding.retry(decoding) if retry else decoding))
        for batch, (_, decoding), generated in zip(batches, jobs, self.generate_many(jobs), strict=True):
            for unit, out in zip(batch, generated, strict=True):
                limit = min(unit.max_new_tokens, decoding.max_new_tokens)
                unit.output, unit.logprob_sum, unit.n_scored, unit.capped = self._decode(
                    out, forced_id, limit
                )

    def _forced_token(self, tgt: str) -> tuple[str | None, int | None]:
        lang_token = self.family.language_token(tgt)
        if lang_token is None:
            return None, None
        token_id = self.tokenizer.convert_tokens_to_ids(lang_token)
        if not isinstance(token_id, int) or token_id == self.tokenizer.unk_token_id:
            raise BrokenModelError(f"model {self._info.id} has no token {lang_token} for {tgt!r}")
        return lang_token, token_id

    def _decode(self, out: Generated, forced: int | None, limit: int) -> tuple[str, float, int, bool]:
        """Text of one generated sequence, the sum and count of its token log-probs, and whether
        it ran to its own length bound without ending.

        A sequence batched with longer inputs may run past its own bound; it is cut back to it, so
        the result does not depend on the batch it ran in, and counts as degenerate.
        """
        kept: list[int] = []
        total, count = 0.0, 0
        capped = True
        scores = out.logprobs
        for pos, token in enumerate(out.tokens):
            if pos >= limit:
                break
            if token in self.eos_ids:
                capped = False
                if pos < len(scores):
                    total += scores[pos]
                    count += 1
                break
            if token == self.pad_id:
                capped = False
                break
            if pos == 0 and forced is not None and token == forced:
                continue  # the forced language token says nothing about confidence
            kept.append(token)
            if pos < len(scores):
                total += scores[pos]
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
