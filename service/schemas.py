"""The service's output shapes, each defined once.

``mts translate --json`` prints a :class:`TranslationOut`, ``mts process --json`` and every batch
output line a :class:`DispatchOut` (a batch line adds the input's extra fields), and the HTTP API
answers with these same models, so its OpenAPI document is generated from them. Each model is
built from the domain object it describes with ``of``; ``model_dump(mode="json")`` gives its
JSON-ready form. Evaluation reports record a :class:`ModelsOut`; a score's one shape is
:class:`service.evaluation.metrics.Score`.

Layering: this module reads the domain types (pipeline, translation, summarization, catalog);
none of them imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from service.quality.flags import BULLET_FLAGS, FLAG_DESCRIPTIONS, FLAGS, Finding

if TYPE_CHECKING:
    from service.models.info import ModelInfo
    from service.pipeline import DispatchResult
    from service.summarization.base import Bullet
    from service.translation.document import DocumentTranslation, Segment


def _flag_list(flags: tuple[str, ...]) -> str:
    return "; ".join(f"`{flag}`: {FLAG_DESCRIPTIONS[flag]}" for flag in flags)


def _is_none(value: object) -> bool:
    return value is None


class ModelRef(BaseModel):
    """A model behind an output, with its exact revision."""

    id: str = Field(description="Hub id or local path of the model.", examples=["Helsinki-NLP/opus-mt-fr-en"])
    revision: str = Field(
        description="Exact commit of the weights, `local`, or `remote` for a model of an LLM server.",
        examples=["local"],
    )
    # Absent rather than null when unknown; the output schema says so.
    backend: Annotated[str | None, WithJsonSchema({"type": "string"}, mode="serialization")] = Field(
        default=None,
        exclude_if=_is_none,
        description="What ran a translation model: `ctranslate2-<compute type>` or `torch-<dtype>`; "
        "`openai@<server>` for a model of an LLM server; absent for other models.",
        examples=["ctranslate2-int8"],
    )
    prompt: Annotated[str | None, WithJsonSchema({"type": "string"}, mode="serialization")] = Field(
        default=None,
        exclude_if=_is_none,
        description="`id@version` of the prompt an LLM server's model was given; absent for other models.",
        examples=["translate-sentences@2"],
    )

    @classmethod
    def of(cls, info: ModelInfo) -> ModelRef:
        """The reference to a model that produced output."""
        return cls(id=info.id, revision=info.revision, backend=info.backend or None, prompt=info.prompt)


class FindingOut(BaseModel):
    """Why a sentence is flagged: a flag and what it points at."""

    flag: str = Field(description="One of the sentence's `flags`.", examples=["number_mismatch"])
    note: str = Field(
        description="The number, counter or name at fault, where the flag points at one; empty for "
        "the other flags.",
        examples=["“2,5 %” of the source is not in the translation"],
    )

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(flag=finding.flag, note=finding.note)


class SegmentOut(BaseModel):
    """One source sentence and its translation."""

    paragraph: int = Field(description="0-based paragraph index of the source sentence.", examples=[0])
    source: str = Field(description="The source sentence.")
    translation: str = Field(description="Its translation.")
    score: float | None = Field(description="Mean token log-probability (closer to 0 = more confident).")
    flags: list[str] = Field(
        description="What to check in this sentence, in this order, empty when nothing: "
        + _flag_list(FLAGS)
        + ".",
        examples=[[]],
    )
    findings: list[FindingOut] = Field(
        default_factory=list,
        description="Why the sentence is flagged, in the order of `flags`: one finding for each "
        "number, counter or name at fault, one for each other flag.",
    )
    where: Annotated[str | None, WithJsonSchema({"type": "string"}, mode="serialization")] = Field(
        default=None,
        exclude_if=_is_none,
        description="In an HTML, Markdown, Word or NewsML-G2 document: the place of the sentence's "
        "block (`body/p[3]`, `line 12`, `paragraph 4`, `newsItem[1]/headline`); then `paragraph` is "
        "the block's index. Absent for plain text.",
        examples=["body/p[3]"],
    )

    @classmethod
    def of(cls, segment: Segment) -> SegmentOut:
        """The JSON form of a translated sentence."""
        return cls(
            paragraph=segment.paragraph,
            source=segment.source,
            translation=segment.translation,
            score=segment.score,
            flags=list(segment.flags),
            findings=[FindingOut.of(finding) for finding in segment.findings],
            where=segment.where,
        )


class AlternativeOut(BaseModel):
    """Another translation from the beam."""

    translation: str
    score: float | None = Field(description="Mean token log-probability (closer to 0 = more confident).")


class TranslationOut(BaseModel):
    """A translated dispatch: ``mts translate --json``, and each translation of the API."""

    source_lang: str = Field(examples=["fr"])
    target_lang: str = Field(examples=["en"])
    review: bool = Field(description="True when any segment is flagged.")
    translation: str = Field(description="The whole translation, paragraphs kept.")
    models: list[ModelRef] = Field(description="The models applied, in order (two for a pivot).")
    segments: list[SegmentOut] = Field(description="One per source sentence, in order.")
    alternatives: list[AlternativeOut] | None = Field(
        default=None,
        exclude_if=_is_none,
        description="With `alternatives: N`: up to N other translations, best first (fewer when the "
        "beam holds fewer distinct ones). Absent otherwise.",
    )

    @classmethod
    def of(cls, document: DocumentTranslation) -> TranslationOut:
        """The JSON form of a translated dispatch."""
        alternatives = document.alternatives
        return cls(
            source_lang=document.source_lang,
            target_lang=document.target_lang,
            review=document.review,
            translation=document.translation,
            models=[ModelRef.of(m) for m in document.models],
            segments=[SegmentOut.of(s) for s in document.segments],
            alternatives=None
            if alternatives is None
            else [AlternativeOut(translation=a.text, score=a.score) for a in alternatives],
        )


class BulletOut(BaseModel):
    """One summary bullet and its verdict against the French source."""

    text: str
    supported: bool = Field(description="Every number and name of the bullet is found in the source.")
    unsupported: list[str] = Field(description="Numbers and names not found in the source.")
    flags: list[str] = Field(
        description="As for segments, those that apply to a bullet: " + _flag_list(BULLET_FLAGS) + ".",
        examples=[[]],
    )

    @classmethod
    def of(cls, bullet: Bullet) -> BulletOut:
        """The JSON form of a checked bullet."""
        return cls(
            text=bullet.text,
            supported=bullet.supported,
            unsupported=list(bullet.unsupported),
            flags=list(bullet.flags),
        )


class SummarizerInfo(BaseModel):
    """Which summarizer wrote the bullets."""

    requested: str = Field(examples=["extractive"])
    used: str = Field(examples=["extractive"])
    fallback_reason: str | None = Field(description="Why the requested summarizer was not used.")


class NoSummarizer(BaseModel):
    """``{}``: no summaries were asked for (``mts batch --no-summaries``)."""

    model_config = ConfigDict(extra="forbid")


class ModelsOut(BaseModel):
    """Every model behind a result, with revisions."""

    translation: dict[str, list[ModelRef]] = Field(
        description="Per target language, the translation models in the order applied."
    )
    summarizer: list[ModelRef] = Field(description="The summarizer's models (none for `extractive`).")

    @classmethod
    def of(cls, result: DispatchResult) -> ModelsOut:
        """The models of a pipeline result."""
        return cls(
            translation={lang: [ModelRef.of(m) for m in t.models] for lang, t in result.translations.items()},
            summarizer=[ModelRef.of(m) for m in result.summarizer.get("models", [])],
        )


class SourceOut(BaseModel):
    """The dispatch as given."""

    lang: str = Field(examples=["fr"])
    text: str


class _Identified(BaseModel):
    id: str = Field(description="The dispatch's id: the one given, or `sha256:` and a hash of its text.")


class _Translated(_Identified):
    review: bool = Field(description="True when any translated sentence or bullet is flagged or unsupported.")
    source: SourceOut
    translations: dict[str, TranslationOut] = Field(description="One per target language.")


def _summarizer(info: dict[str, Any]) -> SummarizerInfo | NoSummarizer:
    if not info:
        return NoSummarizer()
    return SummarizerInfo(
        requested=info["requested"], used=info["used"], fallback_reason=info["fallback_reason"]
    )


def _summary_fields(result: DispatchResult) -> dict[str, Any]:
    return {
        "summaries": {lang: [BulletOut.of(b) for b in bullets] for lang, bullets in result.summaries.items()},
        "summarizer": _summarizer({k: v for k, v in result.summarizer.items() if k != "models"}),
        "models": ModelsOut.of(result),
        "prompt": result.prompt,
        "timings_ms": dict(result.timings_ms),
    }


class SummaryOut(_Identified):
    """Bullets with their verdicts: the ``/v1/summarize`` answer."""

    summaries: dict[str, list[BulletOut]] = Field(
        description="Bullets per language: French, then the requested languages (none when no "
        "summaries were asked for)."
    )
    summarizer: SummarizerInfo | NoSummarizer = Field(
        description="Which summarizer wrote the bullets; `{}` when no summaries were asked for."
    )
    models: ModelsOut
    prompt: str | None = Field(description="`id@version` of the prompt used, if any.")
    timings_ms: dict[str, float] = Field(
        description="Milliseconds per step: `translate_<lang>`, `summarize`, `total`.",
        examples=[{"translate_en": 812.4, "summarize": 35.0, "total": 850.2}],
    )

    @classmethod
    def of(cls, result: DispatchResult) -> SummaryOut:
        """The summary part of a pipeline result."""
        return cls(id=result.id, **_summary_fields(result))


# Fields are merged from the bases in reverse order: id, review, source, translations, then the
# summary's fields.
class DispatchOut(SummaryOut, _Translated):
    """Everything the pipeline produced for one dispatch: ``mts process --json``, each batch output
    line (plus the input's extra fields), and the ``/v1/dispatches`` answer."""

    @classmethod
    def of(cls, result: DispatchResult) -> DispatchOut:
        """The JSON form of a pipeline result."""
        return cls(
            id=result.id,
            review=result.review,
            source=SourceOut(lang=result.source_lang, text=result.source_text),
            translations={lang: TranslationOut.of(t) for lang, t in result.translations.items()},
            **_summary_fields(result),
        )
