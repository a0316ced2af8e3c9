"""Markdown (CommonMark with GFM tables and strikethrough): one block per heading, paragraph (in
lists and block quotes too) and table cell; everything else is written back from the source.

markdown-it finds the block structure and the inline markup; the blocks and the output are cut
from the source itself, so list bullets, quote markers, indentation, link URLs and titles, code
spans, code blocks, HTML blocks and the blank lines between blocks come back byte for byte:

- emphasis (``*``, ``_``, ``**``, ``__``, ``~~``) is a span whose open and close are its
  delimiters; a link is a span with open ``[`` and close ``](url "title")`` (or ``][label]``),
  so only the link text is translated;
- inline code, images, autolinks, inline HTML and hard line breaks are point spans, written back
  verbatim (a hard break also puts a space in the text, which is not written after it);
- backslash escapes and entity references stay in the text as written;
- a paragraph's soft line breaks become spaces in its text, and its translation is written on one
  line (Markdown joins the lines of a paragraph anyway, so the rendered document reads the same).
  A document whose paragraphs are single lines is written back byte for byte when nothing changes.

A block whose source cannot be matched to markdown-it's reading (tabs inside a paragraph's
continuation lines, NUL characters) is left as it is rather than risk breaking its markup.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.token import Token

from service.formats.base import Block, DocumentFormatError, FormatOptions, Span, TranslatedBlock

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_EMPHASIS = {"em_open", "strong_open", "s_open"}
_EMPHASIS_CLOSE = {"em_close", "strong_close", "s_close"}
_SPACE = " \t"
_HARD_BREAK = re.compile(r"(?: {2,}|\\)(?:\r\n|\r|\n)[ \t>]*")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@dataclass
class MarkdownDocument:
    """A Markdown file: its blocks, where each one sits in the source, and the source."""

    blocks: list[Block]
    regions: list[tuple[int, int]]  # source[start:end] replaced by each block's translation
    source: str
    bom: bool

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """The source with each block's region replaced by its translation and spans (``lang`` is
        not written: Markdown has no place for it)."""
        if len(translated) != len(self.blocks):
            raise ValueError(f"{len(translated)} translations for {len(self.blocks)} blocks")
        parts = ["\ufeff"] if self.bom else []
        position = 0
        for (start, end), block in zip(self.regions, translated, strict=True):
            parts += [self.source[position:start], render_spans(_one_line(block.text), block.spans)]
            position = end
        parts.append(self.source[position:])
        return "".join(parts).encode("utf-8")


def render_spans(text: str, spans: tuple[Span, ...]) -> str:
    """``text`` with each span's open and close written around what it covers (points: open only).
    Spans must nest properly and be in document order, as :class:`Span` requires."""
    out: list[str] = []
    stack: list[Span] = []
    position = 0
    for span in spans:
        while stack and not (stack[-1].start <= span.start and span.end <= stack[-1].end):
            position = _close(text, position, stack.pop(), out)
        out.append(text[position : span.start])
        position = max(position, span.start)
        out.append(span.open)
        if not span.point:
            stack.append(span)
        elif _HARD_BREAK.fullmatch(span.open):
            while text.startswith(" ", position):  # the space a hard line break stands for
                position += 1
    while stack:
        position = _close(text, position, stack.pop(), out)
    out.append(text[position:])
    return "".join(out)


def _close(text: str, position: int, span: Span, out: list[str]) -> int:
    """Write the rest of ``span``'s text and its close; the new position."""
    out += [text[position : span.end], span.close]
    return max(position, span.end)


def _one_line(text: str) -> str:
    """A translation on one line: a line break inside a paragraph could start a new block."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def parse(data: bytes, options: FormatOptions) -> MarkdownDocument:
    """Read UTF-8 Markdown into blocks; DocumentFormatError for a file over the limits or not
    UTF-8."""
    limits = options.limits
    if len(data) > limits.max_bytes:
        raise DocumentFormatError(f"the file has {len(data)} bytes; the limit is {limits.max_bytes}")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
        raise DocumentFormatError(message) from None
    bom = source.startswith("\ufeff")
    if bom:
        source = source[1:]
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(source)
    if len(tokens) > limits.max_elements:
        raise DocumentFormatError(f"the file has {len(tokens)} elements; the limit is {limits.max_elements}")
    deepest = max((token.level for token in tokens), default=0)
    if deepest > limits.max_depth:
        raise DocumentFormatError(f"the file nests {deepest} levels deep; the limit is {limits.max_depth}")
    lines = [match.group() for match in _LINE.finditer(source)][:-1] or [""]
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    reader = _Reader(source, lines, offsets)
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.map is not None:
            reader.add(token, tokens[index - 1])
    chars = sum(len(block.text) for block in reader.blocks)
    if chars > limits.max_chars:
        raise DocumentFormatError(f"the text has {chars} characters; the limit is {limits.max_chars}")
    return MarkdownDocument(reader.blocks, reader.regions, source, bom)


class _MismatchError(Exception):
    """The source does not read as markdown-it read it: the block is left untranslated."""


class _Reader:
    """Turns markdown-it's inline tokens into blocks cut from the source lines."""

    def __init__(self, source: str, lines: list[str], offsets: list[int]) -> None:
        self.source = source
        self.lines = [line.rstrip("\r\n") for line in lines]
        self.offsets = offsets
        self.blocks: list[Block] = []
        self.regions: list[tuple[int, int]] = []
        self.row_line = -1  # the table row being read, its cells, and the next cell's index
        self.row_cells: list[tuple[int, int]] = []
        self.cell_index = 0

    def add(self, token: Token, opener: Token) -> None:
        """Add the block of one inline token (a heading, paragraph or table cell) if it has text."""
        assert token.map is not None
        first, end = token.map
        kind = opener.type
        atx = kind == "heading_open" and opener.markup.startswith("#")
        content = token.content
        try:
            if kind in ("th_open", "td_open"):
                content, piece = self._cell(first, content)
                pieces = [piece]
            else:
                pieces = self._pieces(first, end, content, atx)
            block = _Inline(content, pieces, self.source).read(token.children or [])
        except _MismatchError:
            return
        if not block.text.strip():
            return
        where = f"line {first + 1}"
        if kind == "heading_open":
            level = len(opener.markup) if atx else 1 if opener.markup == "=" else 2
            where = f"heading {level}, {where}"
        elif kind in ("th_open", "td_open"):
            where = f"table cell {self.cell_index}, {where}"
        self.blocks.append(Block(block.text, block.spans, where))
        self.regions.append((pieces[0][1], pieces[-1][1] + pieces[-1][2]))

    def _pieces(self, first: int, end: int, content: str, atx: bool) -> list[tuple[int, int, int]]:
        """Where each line of ``content`` sits: (content offset, source offset, length)."""
        content_lines = content.split("\n")
        if len(content_lines) != end - first:
            raise _MismatchError
        pieces = []
        position = 0
        for number, piece in enumerate(content_lines):
            line = self.lines[first + number]
            if atx:
                column = line.find(piece, line.index("#") + 1) if piece else -1
            else:
                stripped = line.rstrip() if number == len(content_lines) - 1 else line
                column = len(stripped) - len(piece) if stripped.endswith(piece) else -1
            if column < 0:
                raise _MismatchError
            pieces.append((position, self.offsets[first + number] + column, len(piece)))
            position += len(piece) + 1
        return pieces

    def _cell(self, line_number: int, content: str) -> tuple[str, tuple[int, int, int]]:
        """The source of the next cell of a table row (markdown-it drops the backslash of an
        escaped pipe from ``content``) and where it sits; cells are split on unescaped pipes, as
        markdown-it splits them."""
        if self.row_line != line_number:
            self.row_line = line_number
            self.row_cells = _split_row(self.lines[line_number])
            self.cell_index = 0
        self.cell_index += 1
        if self.cell_index > len(self.row_cells):
            raise _MismatchError
        start, end = self.row_cells[self.cell_index - 1]
        cell = self.lines[line_number][start:end]
        if cell.replace("\\|", "|") != content:
            raise _MismatchError
        return cell, (0, self.offsets[line_number] + start, end - start)


def _split_row(line: str) -> list[tuple[int, int]]:
    """The (start, end) columns of each cell of a table row, without the surrounding spaces."""
    bounds = [-1]
    escaped = False
    for column, char in enumerate(line):
        if char == "|" and not escaped:
            bounds.append(column)
        escaped = char == "\\" and not escaped
    bounds.append(len(line))
    cells = []
    for left, right in itertools.pairwise(bounds):
        start, end = left + 1, right
        while start < end and line[start] in _SPACE:
            start += 1
        while end > start and line[end - 1] in _SPACE:
            end -= 1
        cells.append((start, end))
    stripped = line.strip()
    if stripped.startswith("|"):
        cells = cells[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        cells = cells[:-1]
    return cells


@dataclass
class _Read:
    text: str
    spans: tuple[Span, ...]


class _Inline:
    """Walks one inline token's children over its content (markdown-it's input), building the
    block text and spans; raw markup is copied from the source through the line map ``pieces``."""

    def __init__(self, content: str, pieces: list[tuple[int, int, int]], source: str) -> None:
        self.content = content
        self.pieces = pieces
        self.source = source
        self.position = 0
        self.text: list[str] = []
        self.length = 0
        self.spans: list[Span | None] = []  # a span's slot is filled when it closes
        self.pending: dict[int, tuple[int, str]] = {}  # open spans' slots: (start, open)

    def read(self, children: list[Token]) -> _Read:
        """The block text and spans of the whole content."""
        self._walk(children, emit=True)
        if self.position != len(self.content):
            raise _MismatchError
        spans = tuple(span for span in self.spans if span is not None)
        if len(spans) != len(self.spans):
            raise _MismatchError
        return _Read("".join(self.text), spans)

    def _source_at(self, position: int) -> int:
        """The source offset of a content offset (content lines are suffixes of source lines)."""
        for start, offset, length in reversed(self.pieces):
            if position >= start:
                return offset + min(position - start, length)
        raise _MismatchError

    def _raw(self, start: int, end: int) -> str:
        return self.source[self._source_at(start) : self._source_at(end)]

    def _emit(self, text: str) -> None:
        self.text.append(text)
        self.length += len(text)

    def _expect(self, markup: str) -> int:
        """Consume ``markup`` at the current position; the position before it."""
        start = self.position
        if not markup or not self.content.startswith(markup, start):
            raise _MismatchError
        self.position += len(markup)
        return start

    def _point(self, start: int, emit: bool) -> None:
        if emit:
            self.spans.append(Span(self.length, self.length, self._raw(start, self.position), point=True))

    def _walk(self, children: list[Token], emit: bool) -> None:
        """Consume ``children``; ``emit`` False for an image's alt text, copied as markup."""
        opened: list[int] = []
        index = 0
        while index < len(children):
            token = children[index]
            index += 1
            kind = token.type
            if kind == "text":
                self._text(token.content, emit)
            elif kind in ("softbreak", "hardbreak"):
                start = self.position
                self._line_break(kind == "hardbreak")
                if kind == "softbreak" and emit:
                    self._emit(" ")
                elif kind == "hardbreak":
                    self._point(start, emit)
                    if emit:
                        self._emit(" ")  # the words either side stay apart
            elif kind in _EMPHASIS or kind in _EMPHASIS_CLOSE:
                self._expect(token.markup)
                if emit:
                    self._mark(kind in _EMPHASIS, token.markup, token.markup, opened)
            elif kind == "link_open" and token.markup == "autolink":
                start = self._expect("<")
                self.position = self.content.index(">", self.position) + 1
                self._point(start, emit)
                while children[index].type != "link_close":
                    index += 1
                index += 1
            elif kind == "link_open":
                self._expect("[")
                if emit:
                    self._mark(True, "[", "", opened)
            elif kind == "link_close":
                start = self._expect("]")
                self.position = _link_tail(self.content, start + 1)
                if emit:
                    self._mark(False, "", self._raw(start, self.position), opened)
            elif kind == "image":
                start = self._expect("![")
                self._walk(token.children or [], emit=False)
                self._expect("]")
                self.position = _link_tail(self.content, self.position)
                self._point(start, emit)
            elif kind == "code_inline":
                start = self._expect(token.markup)
                self.position = _code_end(self.content, self.position, token.markup)
                self._point(start, emit)
            elif kind == "html_inline":
                start = self._expect(token.content)
                self._point(start, emit)
            else:
                raise _MismatchError
        if opened:
            raise _MismatchError

    def _mark(self, is_open: bool, open_: str, close: str, opened: list[int]) -> None:
        """Open a span (its slot is filled when it closes) or close the innermost one."""
        if is_open:
            opened.append(len(self.spans))
            self.pending[len(self.spans)] = (self.length, open_)
            self.spans.append(None)
            return
        if not opened:
            raise _MismatchError
        slot = opened.pop()
        start, opening = self.pending.pop(slot)
        self.spans[slot] = Span(start, self.length, opening, close or opening)

    def _text(self, decoded: str, emit: bool) -> None:
        """Consume the source of a text token (escapes and entities as written) and emit it."""
        start = self.position
        content = self.content
        done = 0
        while done < len(decoded):
            position = self.position
            char = content[position] if position < len(content) else ""
            entity = _ENTITY.match(content, position)
            value = html.unescape(entity.group()) if entity else ""
            if char == "\\" and content[position + 1 : position + 2] == decoded[done]:
                self.position += 2
                done += 1
            elif entity and value != entity.group() and decoded.startswith(value, done):
                self.position = entity.end()
                done += len(value)
            elif char == decoded[done]:
                self.position += 1
                done += 1
            else:
                raise _MismatchError
        if emit:
            self._emit(self._raw(start, self.position))

    def _line_break(self, hard: bool) -> None:
        """Consume a line break: trailing spaces or a backslash, the newline, leading spaces."""
        content = self.content
        while self.position < len(content) and content[self.position] in _SPACE:
            self.position += 1
        if hard and content.startswith("\\\n", self.position):
            self.position += 1
        self._expect("\n")
        while self.position < len(content) and content[self.position] in _SPACE:
            self.position += 1


def _link_tail(content: str, position: int) -> int:
    """The end of what follows a link's or image's ``]``: ``(url "title")``, ``[label]`` or nothing
    (a shortcut reference), read as markdown-it reads it."""
    end = len(content)
    if content.startswith("(", position):
        pos = _skip_space(content, position + 1)
        destination = parseLinkDestination(content, pos, end)
        if destination.ok:
            pos = destination.pos
        after = _skip_space(content, pos)
        title = parseLinkTitle(content, after, end)
        if after < end and after != pos and title.ok:
            after = _skip_space(content, title.pos)
        if content.startswith(")", after):
            return after + 1
    if content.startswith("[", position):
        close = content.find("]", position)
        if close >= 0:
            return close + 1
    return position


def _skip_space(content: str, position: int) -> int:
    while position < len(content) and content[position] in " \t\n":
        position += 1
    return position


def _code_end(content: str, position: int, ticks: str) -> int:
    """The end of a code span opened by ``ticks``: after the next run of exactly as many."""
    for match in re.finditer(r"`+", content[position:]):
        if len(match.group()) == len(ticks):
            return position + match.end()
    raise _MismatchError
