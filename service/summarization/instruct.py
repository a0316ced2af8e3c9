"""Bullets written by an instruction-tuned causal LM (e.g. Qwen2.5-Instruct) from a prompt template.

The prompt comes from ``prompts/`` (data, versioned); the dispatch is fenced in it as data. The
answer is parsed into bullets; a malformed answer is asked for again once with a stricter
reminder, and if it is still malformed :class:`MalformedSummaryError` tells the pipeline to fall back.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from service.errors import BrokenModelError
from service.languages import CODES
from service.llm.prompts import PromptTemplate, load_prompt
from service.models.info import ModelInfo
from service.models.loading import load_model, pick_device
from service.summarization.base import MalformedSummaryError
from service.summarization.bullets import is_well_formed, parse_bullets

PROMPT_ID = "summarize-bullets"
# Room for n one-sentence bullets (Korean takes more tokens per sentence than English).
TOKENS_PER_BULLET = 80
REMINDER = (
    "Your answer did not follow the format. Answer again with exactly {n} lines, each starting "
    'with "- ", and nothing else.'
)


class InstructSummarizer:
    """Bullets in French, English or Korean, written directly from the French source."""

    input_lang = "fr"
    output_langs = frozenset(CODES)

    def __init__(
        self, path: Path, info: ModelInfo, *, device: str = "auto", prompt: PromptTemplate | None = None
    ) -> None:
        import torch

        self.name = f"instruct:{info.id}"
        self.info = info
        self.device = pick_device(device)
        self.prompt = prompt or load_prompt(PROMPT_ID)
        self.tokenizer, self.model = load_model(path, info, "causal", self.device, "instruct model")
        if not getattr(self.tokenizer, "chat_template", None):
            raise BrokenModelError(f"instruct model {info.id} has no chat template; use an -Instruct model")
        self._torch = torch
        self._lock = threading.Lock()

    @property
    def models(self) -> list[ModelInfo]:
        """The instruction-tuned model."""
        return [self.info]

    @property
    def prompt_ref(self) -> str:
        """``id@version`` of the prompt."""
        return self.prompt.ref

    def complete(self, messages: list[dict[str, str]], max_new_tokens: int) -> str:
        """The model's answer to a chat, greedy (summaries must be reproducible)."""
        encoded: Any = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        inputs = {k: v.to(self.device) for k, v in encoded.items()}
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new_tokens,
            "do_sample": False,
            "repetition_penalty": 1.05,
            "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
        }
        with self._torch.inference_mode():
            out = self.model.generate(**inputs, **kwargs)
        prompt_length = int(inputs["input_ids"].shape[1])
        return str(self.tokenizer.decode(out[0][prompt_length:], skip_special_tokens=True))

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """``n`` bullets in ``lang``; raises MalformedSummaryError when the model's answer stays malformed."""
        messages = self.prompt.render(document=document, language=lang, n_bullets=n)
        budget = TOKENS_PER_BULLET * n
        with self._lock:
            answer = self.complete(messages, budget)
            if not is_well_formed(answer, n):
                retry = [
                    *messages,
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": REMINDER.format(n=n)},
                ]
                answer = self.complete(retry, budget)
        if not is_well_formed(answer, n):
            raise MalformedSummaryError(f"{self.name} gave a malformed answer twice for {lang} bullets")
        return parse_bullets(answer, max_bullets=n)
