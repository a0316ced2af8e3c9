"""Translation by a model behind an OpenAI-compatible server (a route's model set to ``openai:<model>``).

A call's sentences go to the server in groups, one request per group, each sentence numbered in the
prompt (``prompts/translate-sentences.j2``, the sentences fenced as data), and the answer must be the
JSON object ``{"translations": [...]}`` with one translation per sentence, in order (the server is
also sent the matching JSON schema where it takes one). An answer that is not that, or whose
translations do not line up with the sentences (one missing, two merged, an empty one, one far
longer or shorter than its source), has each of its sentences asked for again on its own. A sentence
that still gets no usable translation fails the call with :class:`TranslationUnavailableError`:
there is no other model to fall back to, and a sentence is never dropped or left untranslated.

Everything after the translation is the pipeline's, as for any translator: paragraphs and order,
Korean style, repairs, glossary checks and flags.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
from collections.abc import Sequence

from service.errors import MtsError
from service.llm.answers import read_string_list, string_list_schema
from service.llm.client import ChatEndpoint, EndpointError
from service.llm.prompts import PromptTemplate, load_prompt
from service.models.info import ModelInfo
from service.translation.base import Translation

PROMPT_ID = "translate-sentences"
# Sentences per request: long enough to share the prompt's cost and give the model context, short
# enough that a misaligned answer costs few single retries.
SENTENCES_PER_REQUEST = 8
# A translation whose length is outside these multiples of its source's (in characters) is taken
# for a merged, split or truncated sentence: Korean runs to about half the French, English to about
# the same; these bounds only catch gross misalignment.
MIN_LENGTH_RATIO = 0.15
MAX_LENGTH_RATIO = 4.0


class TranslationUnavailableError(MtsError):
    """The LLM server gave no usable translation of a sentence (the API answers 502)."""


def read_translations(answer: str, sources: Sequence[str]) -> list[str] | None:
    """One translation per source sentence from a JSON answer ``{"translations": [...]}`` (a Markdown
    code fence around it is accepted); None when the answer is not that object or its translations
    do not line up with ``sources``."""
    items = read_string_list(answer, "translations")
    if items is None or len(items) != len(sources):
        return None
    out: list[str] = []
    for translation, source in zip(items, sources, strict=True):
        if not translation:
            return None
        if len(source) >= 20 and not (MIN_LENGTH_RATIO <= len(translation) / len(source) <= MAX_LENGTH_RATIO):
            return None
        out.append(translation)
    return out


class EndpointTranslator:
    """Translates sentences with a model of an OpenAI-compatible server, keeping their order."""

    device = None  # nothing local: the server decides
    takes_terms = True  # told in the prompt

    def __init__(
        self,
        model: str,
        endpoint: ChatEndpoint,
        *,
        prompt: PromptTemplate | None = None,
        sentences_per_request: int = SENTENCES_PER_REQUEST,
    ) -> None:
        self.model = model
        self.endpoint = endpoint
        self.prompt = prompt or load_prompt(PROMPT_ID)
        self.sentences_per_request = sentences_per_request
        self.info = ModelInfo(model, "remote", f"openai@{endpoint.name}", prompt=self.prompt.ref)

    @property
    def models(self) -> list[ModelInfo]:
        """The remote model, with the prompt it is sent."""
        return [self.info]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate each text (empty ones stay empty); the groups go to the server side by side, up
        to the endpoint's concurrency limit, each under this work's deadline and cancellation."""
        return self.translate_terms(texts, src, tgt, [() for _ in texts])

    def translate_terms(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]]
    ) -> list[Translation]:
        """:meth:`translate`, with each group's prompt listing the glossary terms of its sentences
        and the form each must take."""
        todo = [i for i, text in enumerate(texts) if text.strip()]
        size = self.sentences_per_request
        groups = [todo[i : i + size] for i in range(0, len(todo), size)]
        results = [Translation("", None) for _ in texts]
        if not groups:
            return results

        def run(group: list[int]) -> list[str]:
            glossary = dict.fromkeys(f"{found} → {required}" for i in group for found, required in terms[i])
            return self._group([" ".join(texts[i].split()) for i in group], src, tgt, list(glossary))

        if len(groups) == 1:
            done = [run(groups[0])]
        else:
            workers = min(len(groups), self.endpoint.concurrency)
            with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="mts-llm") as pool:
                # Each group runs in a copy of this context, so it sees the request's liveness.
                futures = [pool.submit(contextvars.copy_context().run, run, group) for group in groups]
                done = [future.result() for future in futures]
        for group, outputs in zip(groups, done, strict=True):
            for index, output in zip(group, outputs, strict=True):
                results[index] = Translation(output, None)
        return results

    def _group(self, sentences: list[str], src: str, tgt: str, terms: list[str]) -> list[str]:
        """The translations of one group; a misaligned answer has each sentence asked for singly."""
        out = self._ask(sentences, src, tgt, terms)
        if out is not None:
            return out
        singles = []
        for sentence in sentences:
            single = self._ask([sentence], src, tgt, terms) if len(sentences) > 1 else None
            if single is None:
                raise TranslationUnavailableError(
                    f"openai:{self.model} gave no usable {src}→{tgt} translation of a sentence "
                    f"({len(sentence)} characters)"
                )
            singles.extend(single)
        return singles

    def _ask(self, sentences: list[str], src: str, tgt: str, terms: list[str]) -> list[str] | None:
        messages = self.prompt.render(
            sentences=sentences, source_language=src, target_language=tgt, terms=terms
        )
        # Generous: about one token per source character, plus the JSON around each translation.
        budget = 64 + sum(len(s) + 16 for s in sentences)
        try:
            answer = self.endpoint.chat(
                self.model,
                messages,
                max_tokens=budget,
                schema=string_list_schema("translations", len(sentences)),
            )
        except EndpointError as exc:
            raise TranslationUnavailableError(f"openai:{self.model}: {exc}") from None
        return read_translations(answer.text, sentences)
