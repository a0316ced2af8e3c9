"""Is a summary bullet supported by its French source? A model-free check of numbers and names.

A bullet is supported when every number in it (amounts, percentages, dates, times, years, read in
the bullet's own conventions) is found among the numbers of the French source, read as the quality
flags read a translation ("4.2%포인트" for "4,2 points", "1년 전" for "sur un an"), and every candidate
name in it is found in the French source or in the source's translation into the bullet's language.
Names such as "Cho Tae-yul" or "KASA" are written the same in every language, so the French source
is always searched; "Corée du Nord" / "North Korea" need the translation.

This catches the typical faults of a summariser (a changed figure, a wrong date, a name that is not
in the dispatch); it does not judge whether the sentence around them says what the source says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.quality.flags import bullet_numbers_added
from service.text.entities import entity_in, find_entities
from service.text.numbers import LANGS, NumberMention

__all__ = ["SupportVerdict", "check_bullet"]


@dataclass(frozen=True)
class SupportVerdict:
    """Outcome of ``check_bullet``."""

    supported: bool
    # Numbers (surface forms, as written in the bullet) and names of the bullet not found in the
    # source, in bullet order, each once.
    unsupported: list[str]


def check_bullet(
    bullet: str,
    lang: str,
    source_fr: str,
    translations: Mapping[str, str] | None = None,
    numbers_added: tuple[NumberMention, ...] | None = None,
) -> SupportVerdict:
    """Check that the numbers and names of ``bullet`` (written in ``lang``) come from the source.

    ``source_fr`` is the French dispatch; ``translations`` maps a language code to the dispatch's
    translation into it, and ``translations[lang]`` (when present) is searched for names too.
    Numbers are those of ``service.quality.flags.bullet_numbers_added``, read with the allowances a
    translation has (a bullet may drop the year of a date, but not add one); names are compared
    with ``service.text.entities.entity_in``. ``numbers_added``: those numbers, when the caller has
    read them already (the pipeline reads them once for the verdict and the flags).
    """
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {sorted(LANGS)}")
    found_in = [source_fr]
    translated = (translations or {}).get(lang)
    if lang != "fr" and translated:
        found_in.append(translated)

    problems: list[tuple[int, str]] = [
        (mention.start, mention.text)
        for mention in (
            numbers_added if numbers_added is not None else bullet_numbers_added(bullet, lang, source_fr)
        )
    ]
    problems += [
        (name.start, name.text)
        for name in find_entities(bullet, lang)
        if not any(entity_in(name.text, text) for text in found_in)
    ]
    problems.sort(key=lambda problem: problem[0])
    unsupported = list(dict.fromkeys(text for _, text in problems))
    return SupportVerdict(supported=not unsupported, unsupported=unsupported)
