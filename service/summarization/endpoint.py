"""Bullets written by a model behind an OpenAI-compatible server (``openai:<model>``).

The prompt comes from ``prompts/`` like the ``instruct:`` summarizer's, with the dispatch fenced in
it as data, and asks for a JSON object ``{"bullets": [...]}``; the server is also sent the matching
JSON schema (``response_format``) where it takes one. An answer that is not that object with ``n``
distinct bullets is asked for again once with a reminder; a second bad answer, or a server that gives
no answer at all, raises :class:`SummaryUnavailableError` and the pipeline falls back to extractive
with the reason.
"""

from __future__ import annotations

from service.languages import CODES
from service.llm.answers import read_string_list, string_list_schema
from service.llm.client import ChatEndpoint, EndpointError
from service.llm.prompts import PromptTemplate, load_prompt
from service.models.info import ModelInfo
from service.summarization.base import MalformedSummaryError, SummaryUnavailableError
from service.summarization.bullets import is_well_formed, parse_bullets

PROMPT_ID = "summarize-bullets-json"
# Room for n one-sentence bullets and the JSON around them (Korean takes more tokens per sentence).
TOKENS_PER_BULLET = 96
REMINDER = (
    'Your answer was not the JSON object asked for. Answer again with only {{"bullets": [...]}} '
    "holding exactly {n} strings, one sentence each."
)


def read_bullets(answer: str, n: int) -> list[str] | None:
    """The ``n`` bullets of a JSON answer ``{"bullets": [...]}``, cleaned like any model's bullets;
    None when the answer is not that object, or holds fewer than ``n`` distinct non-empty bullets,
    or more than ``n + 1``."""
    lines = read_string_list(answer, "bullets")
    if lines is None:
        return None
    listed = "\n".join(f"- {line}" for line in lines if line)
    if not listed or not is_well_formed(listed, n):
        return None
    return parse_bullets(listed, max_bullets=n)


class EndpointSummarizer:
    """Bullets in French, English or Korean, written from the French source by a remote model."""

    input_lang = "fr"
    output_langs = frozenset(CODES)

    def __init__(self, model: str, endpoint: ChatEndpoint, *, prompt: PromptTemplate | None = None) -> None:
        self.name = f"openai:{model}"
        self.model = model
        self.endpoint = endpoint
        self.prompt = prompt or load_prompt(PROMPT_ID)
        self.info = ModelInfo(model, "remote", f"openai@{endpoint.name}", prompt=self.prompt.ref)

    @property
    def models(self) -> list[ModelInfo]:
        """The remote model, named as the server knows it."""
        return [self.info]

    @property
    def prompt_ref(self) -> str:
        """``id@version`` of the prompt."""
        return self.prompt.ref

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """``n`` bullets in ``lang``; SummaryUnavailableError when the server gives none usable."""
        messages = self.prompt.render(document=document, language=lang, n_bullets=n)
        schema = string_list_schema("bullets", n)
        budget = TOKENS_PER_BULLET * n
        try:
            answer = self.endpoint.chat(self.model, messages, max_tokens=budget, schema=schema).text
            bullets = read_bullets(answer, n)
            if bullets is None:
                retry = [
                    *messages,
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": REMINDER.format(n=n)},
                ]
                answer = self.endpoint.chat(self.model, retry, max_tokens=budget, schema=schema).text
                bullets = read_bullets(answer, n)
        except EndpointError as exc:
            raise SummaryUnavailableError(f"{self.name}: {exc}") from None
        if bullets is None:
            raise MalformedSummaryError(f"{self.name} gave a malformed answer twice for {lang} bullets")
        return bullets
