"""Plain text: one block per paragraph (paragraphs are separated by blank lines), and everything
between paragraphs written back as read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.formats.base import Block, DocumentFormatError, FormatOptions, TranslatedBlock

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass
class TextDocument:
    """A plain-text file: its paragraphs as blocks and the separators around them."""

    blocks: list[Block]
    separators: list[str]  # before the first block, between blocks, after the last: len(blocks) + 1

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """The text with each paragraph replaced by its translation."""
        if len(translated) != len(self.blocks):
            raise ValueError(f"{len(translated)} translations for {len(self.blocks)} paragraphs")
        parts = [self.separators[0]]
        for block, separator in zip(translated, self.separators[1:], strict=True):
            parts += [block.text, separator]
        return "".join(parts).encode("utf-8")


def parse(data: bytes, options: FormatOptions) -> TextDocument:
    """Split UTF-8 text into paragraphs."""
    if len(data) > options.limits.max_bytes:
        raise DocumentFormatError(f"the file has {len(data)} bytes; the limit is {options.limits.max_bytes}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentFormatError(
            f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None
    if len(text) > options.limits.max_chars:
        raise DocumentFormatError(
            f"the text has {len(text)} characters; the limit is {options.limits.max_chars}"
        )
    blocks: list[Block] = []
    separators: list[str] = []
    position = 0
    for match in _BLANK_LINES.finditer(text):
        _add(text[position : match.start()], blocks, separators)
        separators[-1] += match.group()
        position = match.end()
    _add(text[position:], blocks, separators)
    return TextDocument(blocks, separators)


def _add(chunk: str, blocks: list[Block], separators: list[str]) -> None:
    """Append one paragraph (its surrounding whitespace goes to the separators)."""
    if not separators:
        separators.append("")
    stripped = chunk.strip()
    if not stripped:
        separators[-1] += chunk
        return
    lead = chunk[: len(chunk) - len(chunk.lstrip())]
    trail = chunk[len(chunk.rstrip()) :]
    separators[-1] += lead
    blocks.append(Block(stripped, (), f"paragraph {len(blocks) + 1}"))
    separators.append(trail)
