"""What every seq2seq translation backend shares: chunking, token-budget batching, output bounds,
loop guards, scoring, n-best lists and word alignment. A backend (torch, CTranslate2) only turns
batches of token ids into generated token ids or cross-attention matrices; everything that decides
what the user gets lives here, once.

Nothing is ever cut: inputs over the model's budget are chunked and rejoined, and the output
length is bounded relative to the input, not by a small fixed cap.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from service.errors import BrokenModelError, MtsError, UnsupportedLanguagePairError
from service.models.families import FAMILIES, Family
from service.models.loading import load_tokenizer, position_limit
from service.quality.repetition import has_loop
from service.text.chunk import chunk_sentence
from service.translation.base import Alignment, ModelInfo, Translation
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
# SentencePiece marks the piece that starts a word (after whitespace) with this character.
WORD_START = "\u2581"
# The cross-attention read for word alignment: the first head of the last decoder layer. It is the
# one CTranslate2 returns for a converted Transformers model (fixed at conversion, with no public
# way to choose another), so the torch backend reads the same one and both backends align alike.
# (Averaging the heads of the penultimate layer aligns trained models somewhat better, per Garg et
# al. 2019, "Jointly Learning to Align and Translate with Transformer Models".)
ALIGNMENT_LAYER = -1
ALIGNMENT_HEAD = 0

# One cross-attention matrix: a row per target token (the attention while the model predicts that
# token from the ones before it), a column per source token.
AttentionMatrix = list[list[float]]
# One batch to align: each pair's input ids and forced target ids.
AttentionJob = tuple[list[list[int]], list[list[int]]]


# Decoding into Korean with a multilingual model only needs the tokens Korean news text is written
# with: Hangul, digits, Latin letters, punctuation and common symbols, the brackets and list marks of
# Korean press copy (《》, 〈〉, ▲), plus the special tokens.
# Restricting decoding into Korean to them keeps the output from drifting into another language
# (a known M2M100 failure); CTranslate2 also skips most of the output projection for it
# (``use_vmap``: M2M100's has 128,112 rows).
_KOREAN_TEXT_TOKEN = re.compile(
    "[\u2581\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f0-9A-Za-z!-/:-@\\[-`{-~·∼～‰℃°㎞㎏㎜㎝㎡…‘’“”«»―—–〈〉《》「」『』▲△▶▷◆◇■□※×→]+"
)


def vocabulary_by_id(vocab_size: int, tokenizer: Any) -> list[str]:
    """Every id's token, language tokens included, with unique fillers ("madeupword12") for the
    ids the tokenizer does not name (or names again, as "<unk>"): the ids the weights index.

    The stock CTranslate2 converter reads the vocabulary from ``tokenizer.get_vocab()``, which in
    current ``transformers`` leaves out the M2M100 language tokens.
    """
    tokens = tokenizer.convert_ids_to_tokens(list(range(vocab_size)))
    seen: set[str] = set()
    vocabulary = []
    for index, token in enumerate(tokens):
        name = f"madeupword{index}" if token is None or token in seen else str(token)
        seen.add(name)
        vocabulary.append(name)
    return vocabulary


# Other languages' tokens ("__fr__", NLLB's "fra_Latn") and the fillers of unused ids ("madeupword3").
_NOT_TEXT = re.compile(r"__[A-Za-z_]+__|[a-z]{3}_[A-Z][a-z]{3}|madeupword\d+")


def korean_output_tokens(vocabulary: list[str], special: set[str]) -> list[str]:
    """The tokens of ``vocabulary`` Korean news text may use, in vocabulary order: ``special``
    ones (end of sentence, the Korean language token) and those written only with Hangul, digits,
    Latin letters, punctuation and common symbols."""
    return [
        token
        for token in vocabulary
        if token in special or (_KOREAN_TEXT_TOKEN.fullmatch(token) and not _NOT_TEXT.fullmatch(token))
    ]


def budget_batches(lengths: Sequence[int], budget: int, *, at_least: int = 1) -> list[list[int]]:
    """Indices of items grouped longest first, each group's padded size (longest × count) within
    ``budget`` tokens; an item over the budget alone is a group of its own.

    With fewer groups than ``at_least`` (a backend that runs that many batches side by side, and one
    dispatch that fits one batch), the largest group is halved until there are enough, so that no
    core idles.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and longest * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    while len(batches) < at_least:
        largest = max(range(len(batches)), key=lambda i: len(batches[i]), default=None)
        if largest is None or len(batches[largest]) < 2:
            break
        batch = batches.pop(largest)
        half = (len(batch) + 1) // 2
        batches[largest:largest] = [batch[:half], batch[half:]]
    return batches


@dataclass(frozen=True)
class Decoding:
    """Decoding settings of one generation call, the same meaning in every backend."""

    num_beams: int
    max_new_tokens: int
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = NO_REPEAT_NGRAM
    repetition_penalty: float = 1.0
    forced_token: str | None = None  # the target-language token multilingual models start with
    hypotheses: int = 1  # sequences returned per input, best first (at most num_beams)

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
    # Batches the backend runs side by side (CTranslate2 on CPU: one per replica, one thread each).
    replicas: int = 1

    def __init__(
        self,
        path: Path,
        info: ModelInfo,
        family: Family,
        *,
        num_beams: int = 4,
        batch_tokens: int = 2048,
        restrict_korean: bool = True,
        route_beams: Mapping[tuple[str, str], int] | None = None,
        route_batch_tokens: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.path = path
        self.family = FAMILIES[family]
        # The token that starts Korean output, when this model is multilingual and has one.
        self.korean_token = self.family.language_token("ko") if "ko" in self.family.lang_codes else None
        self.restrict_korean = restrict_korean
        self.num_beams = num_beams
        self.batch_tokens = batch_tokens
        # Per (source, target) route, over the two above (MTS_ROUTE_BEAMS, MTS_ROUTE_BATCH_TOKENS):
        # one model may serve several routes, so each call picks its route's.
        self.route_beams = dict(route_beams or {})
        self.route_batch_tokens = dict(route_batch_tokens or {})
        self._beams, self._budget = num_beams, batch_tokens
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
        self._excluded: list[int] | None = None  # see ``excluded_from_korean``

    def restricts_output(self, decoding: Decoding) -> bool:
        """Whether ``decoding`` runs over the Korean output tokens only: into Korean with a
        multilingual model, unless the translator was built with ``restrict_korean=False``."""
        korean = self.korean_token is not None and decoding.forced_token == self.korean_token
        return self.restrict_korean and korean

    @property
    def excluded_from_korean(self) -> list[int]:
        """The ids decoding into Korean leaves out (see ``restricts_output``): those outside the
        Korean output tokens (:func:`korean_output_tokens`). Listed on first use, since reading a
        multilingual vocabulary (128,112 tokens for M2M100) takes a while and CTranslate2 has its
        own list (``vmap.txt``)."""
        if self._excluded is None:
            self._excluded = self._outside_korean()
        return self._excluded

    def _outside_korean(self) -> list[int]:
        if self.korean_token is None:
            return []
        size = int(getattr(self.config, "vocab_size", 0) or len(self.tokenizer))
        tokens = vocabulary_by_id(size, self.tokenizer)
        kept = set(korean_output_tokens(tokens, {self.korean_token or "", "</s>", "<unk>"}))
        return [index for index, token in enumerate(tokens) if token not in kept]

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

    @abstractmethod
    def generate_n_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[list[Generated]]:
        """Generate ``decoding.hypotheses`` sequences per input from beam search, best first."""

    @abstractmethod
    def attention(self, inputs: list[list[int]], targets: list[list[int]]) -> list[AttentionMatrix]:
        """Teacher-force each target (token ids after the decoder start token, the forced language
        token included) over its input and return the cross-attention (:data:`ALIGNMENT_LAYER`,
        :data:`ALIGNMENT_HEAD`): one row per target token, one column per input token."""

    def attention_many(self, jobs: list[AttentionJob]) -> list[list[AttentionMatrix]]:
        """:meth:`attention` over several (inputs, targets) batches, stopping between them once
        nobody waits for the work; a backend that can run batches side by side overrides this."""
        results = []
        for inputs, targets in jobs:
            checkpoint()
            results.append(self.attention(inputs, targets))
        return results

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

    def translate_n(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[Translation]]:
        """Up to ``n`` distinct translations per text: first the one :meth:`translate` gives, then
        the other hypotheses of a beam of ``max(num_beams, n)``, by score (best first).

        A text over the input budget (translated in chunks) gets its single translation: the
        hypotheses of chunks do not combine into whole alternatives.
        """
        if n < 1:
            raise MtsError(f"the number of alternatives must be at least 1, not {n}")
        firsts = self.translate(texts, src, tgt)
        results = [[first] for first in firsts]
        if n == 1:
            return results
        with self._lock:
            self._set_languages(src, tgt)
            units = [u for u in self._units(texts) if u.text == texts[u.index].strip()]
            for unit, hypotheses in self._hypotheses(units, tgt, n):
                seen = {results[unit.index][0].text}
                for hypothesis in hypotheses:
                    if hypothesis.text and hypothesis.text not in seen:
                        seen.add(hypothesis.text)
                        results[unit.index].append(hypothesis)
        return [[first, *sorted(rest, key=_score_key)][:n] for first, *rest in results]

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        """Word alignment of each (source, translation) pair from the model's cross-attention over
        the given translation (forced decoding): each target word is paired with the source word
        that receives the most attention mass over its pieces.

        A pair gets ``()`` when it cannot be aligned: an empty side, a source over the input budget
        (:meth:`translate` would chunk it), a translation longer than the position table, or
        pieces that do not map onto the whitespace-separated words."""
        alignments: list[Alignment] = [() for _ in pairs]
        with self._lock:
            self._set_languages(src, tgt)
            _, forced_id = self._forced_token(tgt)
            ignored = self._non_word_ids(src, tgt)
            units: list[_Unit] = []
            prepared: dict[int, tuple[list[int], list[int | None], list[int | None]]] = {}
            for index, (source, translation) in enumerate(pairs):
                job = self._alignment_job(index, source, translation, forced_id, ignored)
                if job is not None:
                    units.append(job[0])
                    prepared[index] = job[1:]
            batches = self._batches(units)
            jobs = [([u.ids for u in batch], [prepared[u.index][0] for u in batch]) for batch in batches]
            for batch, matrices in zip(batches, self.attention_many(jobs), strict=True):
                for unit, matrix in zip(batch, matrices, strict=True):
                    _, src_words, tgt_words = prepared[unit.index]
                    n_src = len(pairs[unit.index][0].split())
                    alignments[unit.index] = word_alignment(matrix, src_words, tgt_words, n_src)
        return alignments

    # -- internals ---------------------------------------------------------------------------

    def _set_languages(self, src: str, tgt: str) -> None:
        """Set the tokenizer's languages and the route's beam width and batch budget for this call."""
        self._beams = self.route_beams.get((src, tgt), self.num_beams)
        self._budget = self.route_batch_tokens.get((src, tgt), self.batch_tokens)
        if self.family.lang_token is None:
            return
        for lang in (src, tgt):
            if lang not in self.family.lang_codes:
                raise UnsupportedLanguagePairError(
                    f"model {self._info.id} has no language code for {lang!r}; "
                    f"it knows {', '.join(sorted(self.family.lang_codes))}"
                )
        self.tokenizer.src_lang = self.family.code(src)
        # Read when a translation is tokenized as target (alignment's forced decoding).
        self.tokenizer.tgt_lang = self.family.code(tgt)

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
        groups = budget_batches([u.n_tokens for u in units], self._budget, at_least=self.replicas)
        return [[units[i] for i in group] for group in groups]

    def _decoding(self, batch: list[_Unit], forced_token: str | None) -> Decoding:
        """The plain decoding settings of one batch: its longest piece's output bound."""
        max_new = min(max(u.max_new_tokens for u in batch), self.max_positions - 2)
        return Decoding(num_beams=self._beams, max_new_tokens=max_new, forced_token=forced_token)

    def _run(self, units: list[_Unit], tgt: str, *, retry: bool) -> None:
        batches = self._batches(units)
        if not batches:
            return
        forced_token, forced_id = self._forced_token(tgt)
        jobs = []
        for batch in batches:
            decoding = self._decoding(batch, forced_token)
            jobs.append(([u.ids for u in batch], Decoding.retry(decoding) if retry else decoding))
        for batch, (_, decoding), generated in zip(batches, jobs, self.generate_many(jobs), strict=True):
            for unit, out in zip(batch, generated, strict=True):
                limit = min(unit.max_new_tokens, decoding.max_new_tokens)
                unit.output, unit.logprob_sum, unit.n_scored, unit.capped = self._decode(
                    out, forced_id, limit
                )

    def _hypotheses(self, units: list[_Unit], tgt: str, n: int) -> list[tuple[_Unit, list[Translation]]]:
        """Each unit's ``n`` best beam hypotheses, decoded and scored as :meth:`translate` does
        (a hypothesis cut at its length bound is dropped: it is no alternative)."""
        forced_token, forced_id = self._forced_token(tgt)
        found = []
        for batch in self._batches(units):
            checkpoint()
            base = self._decoding(batch, forced_token)
            decoding = replace(base, num_beams=max(base.num_beams, n), hypotheses=n)
            generated = self.generate_n_ids([u.ids for u in batch], decoding)
            for unit, outs in zip(batch, generated, strict=True):
                limit = min(unit.max_new_tokens, decoding.max_new_tokens)
                hypotheses = []
                for out in outs:
                    text, total, count, capped = self._decode(out, forced_id, limit)
                    if not capped and not has_loop(text):
                        hypotheses.append(Translation(text, round(total / count, 4) if count else None))
                found.append((unit, hypotheses))
        return found

    def _non_word_ids(self, src: str, tgt: str) -> set[int]:
        """Token ids that belong to no word: special tokens (but <unk>, which stands for a piece)
        and the language tokens."""
        ids = {int(i) for i in self.tokenizer.all_special_ids} - {self.tokenizer.unk_token_id}
        for lang in (src, tgt):
            token = self.family.language_token(lang)
            if token is not None:
                ids.add(int(self.tokenizer.convert_tokens_to_ids(token)))
        return ids

    def _alignment_job(
        self, index: int, source: str, translation: str, forced_id: int | None, ignored: set[int]
    ) -> tuple[_Unit, list[int], list[int | None], list[int | None]] | None:
        """The source unit, forced target ids and each side's token → word map of one pair, or
        None when the pair cannot be aligned."""
        if not source.split() or not translation.split():
            return None
        ids = self.encode(source)
        if len(ids) > self.input_budget:
            return None
        pieces = list(self.tokenizer(text_target=translation, add_special_tokens=False)["input_ids"])
        target = ([forced_id] if forced_id is not None else []) + pieces
        if len(target) > self.max_positions - 2:
            return None
        src_words = self._token_words(ids, len(source.split()), ignored)
        tgt_words = self._token_words(target, len(translation.split()), ignored)
        if src_words is None or tgt_words is None:
            return None
        return _Unit(index, source, ids), target, src_words, tgt_words

    def _token_words(self, ids: list[int], n_words: int, ignored: set[int]) -> list[int | None] | None:
        """The word each token belongs to (None for special and language tokens), from the
        SentencePiece word-start marks; None when the pieces do not make exactly ``n_words`` words."""
        words: list[int | None] = []
        word = -1
        for token_id, token in zip(ids, self.tokenizer.convert_ids_to_tokens(ids), strict=True):
            if token_id in ignored:
                words.append(None)
                continue
            if str(token).startswith(WORD_START):
                word += 1
            if word < 0:
                return None  # a tokenizer without word-start marks: no mapping to words
            words.append(word)
        return words if word == n_words - 1 else None

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


def _score_key(translation: Translation) -> float:
    """Sort key of alternatives, best first (an unscored one last)."""
    return -translation.score if translation.score is not None else float("inf")


def word_alignment(
    matrix: AttentionMatrix, src_words: list[int | None], tgt_words: list[int | None], n_src: int
) -> Alignment:
    """Pair each target word with the source word receiving the most attention mass, summed over
    the target word's pieces and the source word's pieces (tokens of no word are left out)."""
    n_tgt = 1 + max((w for w in tgt_words if w is not None), default=-1)
    mass = [[0.0] * n_src for _ in range(n_tgt)]
    for row, tgt_word in zip(matrix, tgt_words, strict=False):
        if tgt_word is None:
            continue
        for value, src_word in zip(row, src_words, strict=False):
            if src_word is not None:
                mass[tgt_word][src_word] += value
    return tuple((max(range(n_src), key=masses.__getitem__), t) for t, masses in enumerate(mass))
