"""Abstractive summaries with a Hugging Face seq2seq summarization model (e.g. distilbart-cnn).

It reads the English translation (the language such models are trained on), writes an English
summary, and splits it into bullets; the pipeline translates them into the other languages.
A document longer than the model's input is summarized in consecutive parts, never truncated.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from service.models.info import ModelInfo
from service.models.loading import load_model, pick_device, position_limit
from service.text.segment import segment

# Summary length bound, relative to the input: at most half its tokens, at least enough for a
# few bullets, and never more than the position table allows.
SUMMARY_RATIO = 0.5
SUMMARY_MIN_TOKENS = 40


class Seq2SeqSummarizer:
    """English bullets from the English translation, with any HF summarization model."""

    input_lang = "en"
    output_langs = frozenset({"en"})
    prompt_ref: str | None = None

    def __init__(self, path: Path, info: ModelInfo, *, device: str = "auto", num_beams: int = 4) -> None:
        import torch

        self.name = f"seq2seq:{info.id}"
        self.info = info
        self.device = pick_device(device)
        self.num_beams = num_beams
        self.tokenizer, self.model = load_model(path, info, "seq2seq", self.device, "summarization model")
        self._torch = torch
        self._lock = threading.Lock()
        self.max_positions = position_limit(self.model.config, self.tokenizer, default=1024)
        self.input_budget = self.max_positions - 2

    @property
    def models(self) -> list[ModelInfo]:
        """The summarization model."""
        return [self.info]

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text``."""
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def _parts(self, document: str) -> list[str]:
        """Consecutive groups of whole sentences, each within the input budget."""
        parts: list[str] = []
        current: list[str] = []
        for sentence in (s.text for s in segment(document)):
            candidate = " ".join([*current, sentence])
            if current and self.count_tokens(candidate) > self.input_budget:
                parts.append(" ".join(current))
                current = [sentence]
            else:
                current.append(sentence)
        if current:
            parts.append(" ".join(current))
        # A single sentence over the budget is split by the translation chunker's rules.
        from service.text.chunk import chunk_sentence

        return [
            piece.strip()
            for part in parts
            for piece in chunk_sentence(part, self.count_tokens, self.input_budget)
            if piece.strip()
        ]

    def _generate(self, text: str) -> str:
        encoded = self.tokenizer([text], return_tensors="pt")
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        n_tokens = int(encoded["input_ids"].shape[1])
        max_new = min(max(SUMMARY_MIN_TOKENS, int(n_tokens * SUMMARY_RATIO)), self.max_positions - 2)
        kwargs: dict[str, Any] = {
            "num_beams": self.num_beams,
            "max_new_tokens": max_new,
            "max_length": None,
            "min_length": 0,
            "no_repeat_ngram_size": 3,
            "early_stopping": self.num_beams > 1,
        }
        with self._torch.inference_mode():
            out = self.model.generate(**encoded, **kwargs)
        return str(self.tokenizer.decode(out[0], skip_special_tokens=True)).strip()

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """English bullets: the summary's sentences, at most ``n``."""
        if lang != "en":
            raise ValueError("the seq2seq summarizer writes English bullets only")
        with self._lock:
            summaries = [self._generate(part) for part in self._parts(document)]
        bullets: list[str] = []
        for summary in summaries:
            for sentence in segment(summary):
                text = sentence.text.strip()
                if text and text not in bullets:
                    bullets.append(text)
        return bullets[:n]
