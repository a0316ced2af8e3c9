"""What every document format shares: a parsed file is a list of blocks (a paragraph, a heading, a
list item, a table cell, a NewsML-G2 headline…) whose plain text is translated, and whose inline
markup (links, emphasis, a Word run's formatting) is a list of spans over that text.

A format parses a file into a :class:`ParsedDocument` and renders it back with one
:class:`TranslatedBlock` per block; everything outside the blocks is written back as it was read.
The spans of a translated block are placed on the translation by
:mod:`service.translation.markup`: formats know nothing of models or alignment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from service.errors import MtsError


class DocumentFormatError(MtsError):
    """A file that cannot be read as the format it claims (malformed HTML/XML/DOCX, over a limit):
    the client's mistake, a 400 over HTTP and exit code 2 on the command line."""


@dataclass(frozen=True)
class Span:
    """Inline markup over ``text[start:end]`` of its block (or of its translation).

    ``open`` and ``close`` are what the format writes before and after the covered text: raw
    bytes of the source file such as ``'<a href="x">'`` and ``'</a>'``, Markdown's ``'**'``, or a key
    the format understands (a Word run's formatting). A span with ``start == end`` is a point: a
    ``<br>``, or an untranslated inline element (``<code>…</code>``, ``translate="no"``) whose whole
    markup and content is ``open`` and which is written back byte for byte.

    Spans of one block nest properly (any two are disjoint or one contains the other) and are listed
    in document order: by start, and an enclosing span before the spans it contains.
    """

    start: int
    end: int
    open: str
    close: str = ""
    point: bool = False  # a point span: open holds everything, close is empty, start == end


@dataclass(frozen=True)
class Block:
    """One translatable unit of a document: its plain text (entities decoded), its inline spans,
    and a pointer to its place in the file (``"body/p[3]"``, ``"paragraph 4"``, ``"headline"``) that
    the per-sentence flags report."""

    text: str
    spans: tuple[Span, ...] = ()
    where: str = ""


@dataclass(frozen=True)
class TranslatedBlock:
    """A block's translation: the translated text and the block's spans placed on it (the same
    spans, same order and count, with offsets into ``text``)."""

    text: str
    spans: tuple[Span, ...] = ()


class ParsedDocument(Protocol):
    """A parsed file: its blocks in document order, and how to write it back."""

    blocks: list[Block]

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """The file with each block replaced by its translation (same order as ``blocks``), marked
        as being in ``lang`` where the format says a language (``<html lang>``, ``xml:lang``)."""
        ...


@dataclass(frozen=True)
class Limits:
    """Bounds on what a file may hold, checked while parsing (a DocumentFormatError names the one
    passed)."""

    max_bytes: int = 10_000_000
    max_elements: int = 100_000
    max_depth: int = 256
    max_chars: int = 1_000_000  # translatable characters over all blocks


@dataclass(frozen=True)
class FormatOptions:
    """Format choices a request may make."""

    translate_attributes: bool = True  # HTML alt and title (MTS_TRANSLATE_ATTRIBUTES)
    limits: Limits = field(default_factory=Limits)
