"""Word (.docx): one block per paragraph with text (body paragraphs and list items, paragraphs of
table cells and nested tables, text boxes, and the headers and footers of every section); the rest
of the file is written back as read.

A paragraph's text is its runs' text (``w:t``) in order. Each piece of run text is a span keyed
``"r<n>"`` (its place among the paragraph's text pieces), so the alignment carries every run's
formatting onto the words it covers; a tab or line break between pieces stands as one space in the
text, under a span keyed ``"s<n>"``. Rendering gives each piece the translated text its span covers
(text no span covers joins the piece written just before it, or the first one written; spans
placed over the same words give them to the run that held the most source text); a piece
the translation moves before an earlier one is written as a copy of its run (same formatting) at
its new place, so the reading order follows the translation. Run properties, hyperlinks and their
targets, fields, images, bookmarks, tabs and breaks stay where they are; written runs are marked
with the target language (``w:lang``).

The file is checked before python-docx opens it: a zip within the size limits once unpacked, and
no XML part declaring a DTD (python-docx's parser does not expand entities; a DTD has no place in
a Word file, so one is refused outright).
"""

from __future__ import annotations

import io
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import PurePosixPath

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement

from service.formats.base import Block, DocumentFormatError, FormatOptions, Limits, Span, TranslatedBlock

UNPACKED_FACTOR = 20  # a .docx may unpack to this many times the byte limit (XML compresses well)
_SEPARATORS = {qn("w:tab"), qn("w:br"), qn("w:cr")}
_TEXT = qn("w:t")
_PARAGRAPH = qn("w:p")
_RUN = qn("w:r")
_ROOTS = {qn("w:body"), qn("w:hdr"), qn("w:ftr")}
_HEADERS = (qn("w:headerReference"), qn("w:footerReference"))
_DTD_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_EAST_ASIAN = ("ko", "ja", "zh")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath", "w:rPrChange")  # w:rPr's schema order


@dataclass
class _Paragraph:
    """A paragraph with text: its element, its text pieces (``w:t``, or a tab/break standing as a
    space) in order, and its block."""

    element: BaseOxmlElement
    pieces: list[BaseOxmlElement]
    block: Block


@dataclass
class DocxDocument:
    """A Word file: its blocks, and the file itself (each rendering starts from it afresh)."""

    blocks: list[Block]
    data: bytes
    limits: Limits

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """The .docx with each paragraph's runs holding its translation, marked as ``lang``."""
        if len(translated) != len(self.blocks):
            raise ValueError(f"{len(translated)} translations for {len(self.blocks)} paragraphs")
        document = _open(self.data, self.limits)
        for paragraph, block in zip(_paragraphs(document), translated, strict=True):
            _write(paragraph, block, lang)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def parse(data: bytes, options: FormatOptions) -> DocxDocument:
    """Read a .docx into blocks; DocumentFormatError for a file that is not a readable Word
    document or is over the limits."""
    limits = options.limits
    document = _open(data, limits)
    paragraphs = _paragraphs(document)
    blocks = [paragraph.block for paragraph in paragraphs]
    chars = sum(len(block.text) for block in blocks)
    if chars > limits.max_chars:
        raise DocumentFormatError(f"the text has {chars} characters; the limit is {limits.max_chars}")
    return DocxDocument(blocks, data, limits)


def _open(data: bytes, limits: Limits) -> Document:
    """The document, once the zip is known to be within the limits and free of DTDs."""
    if len(data) > limits.max_bytes:
        raise DocumentFormatError(f"the file has {len(data)} bytes; the limit is {limits.max_bytes}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.max_elements:
                raise DocumentFormatError(
                    f"the .docx holds {len(members)} files; the limit is {limits.max_elements}"
                )
            unpacked = sum(member.file_size for member in members)
            if unpacked > limits.max_bytes * UNPACKED_FACTOR:
                most = limits.max_bytes * UNPACKED_FACTOR
                raise DocumentFormatError(f"the .docx unpacks to {unpacked} bytes; the limit is {most}")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    part = archive.read(member)
                    if any(mark in part for mark in _DTD_MARKS):
                        raise DocumentFormatError(
                            f"{member.filename} in the .docx declares a DTD, which a Word file never does"
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise DocumentFormatError(f"the file is not a Word document (.docx): {exc}") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, XMLSyntaxError… on bad packages
        raise DocumentFormatError(f"the file is not a readable Word document (.docx): {exc}") from None
    _check_shape(document, limits)
    return document


def _check_shape(document: Document, limits: Limits) -> None:
    """Element count and nesting depth of the body, headers and footers within the limits."""
    count = 0
    for _name, root in _roots(document):
        for element in root.iter():
            count += 1
            if element.tag == _PARAGRAPH:
                depth = sum(1 for _ in element.iterancestors())
                if depth > limits.max_depth:
                    raise DocumentFormatError(
                        f"the document nests {depth} levels deep; the limit is {limits.max_depth}"
                    )
    if count > limits.max_elements:
        raise DocumentFormatError(f"the document has {count} elements; the limit is {limits.max_elements}")


def _roots(document: Document) -> list[tuple[str, BaseOxmlElement]]:
    """The body, then each section's headers and footers (each part once), with their names."""
    body = document.element.body
    roots: list[tuple[str, BaseOxmlElement]] = [("body", body)]
    seen = set()
    related = document.part.related_parts
    for section in body.iter(qn("w:sectPr")):
        for reference in section:
            if reference.tag not in _HEADERS:
                continue
            part = related.get(reference.get(qn("r:id")) or "")
            if part is None or part.partname in seen:
                continue
            seen.add(part.partname)
            element = getattr(part, "element", None)
            if element is not None:
                roots.append((PurePosixPath(part.partname).stem, element))
    return roots


def _paragraphs(document: Document) -> list[_Paragraph]:
    """Every paragraph with text, in document order (body first, then headers and footers)."""
    out = []
    for name, root in _roots(document):
        for element in root.iter(_PARAGRAPH):
            pieces = _pieces(element)
            text: list[str] = []
            spans = []
            length = 0
            for index, piece in enumerate(pieces):
                value = (piece.text or "") if piece.tag == _TEXT else " "
                if value:
                    key = f"r{index}" if piece.tag == _TEXT else f"s{index}"
                    spans.append(Span(length, length + len(value), key))
                    text.append(value)
                    length += len(value)
            joined = "".join(text)
            if joined.strip():
                out.append(_Paragraph(element, pieces, Block(joined, tuple(spans), _where(name, element))))
    return out


def _pieces(paragraph: BaseOxmlElement) -> list[BaseOxmlElement]:
    """The paragraph's own ``w:t``, ``w:tab``, ``w:br`` and ``w:cr`` elements in order (not those
    of a text box's paragraphs inside it)."""
    pieces: list[BaseOxmlElement] = []
    for run in paragraph.iter(_RUN):
        if next(run.iterancestors(_PARAGRAPH)) is not paragraph:
            continue
        pieces.extend(child for child in run if child.tag == _TEXT or child.tag in _SEPARATORS)
    return pieces


def _where(part: str, element: BaseOxmlElement) -> str:
    """An XPath-like place: ``body/tbl[1]/tr[2]/tc[1]/p[1]``, ``header1/p[1]``."""
    steps = []
    node = element
    while node.tag not in _ROOTS:
        parent = node.getparent()
        if parent is None:
            break
        position = [sibling for sibling in parent if sibling.tag == node.tag].index(node) + 1
        steps.append(f"{node.tag.rpartition('}')[2]}[{position}]")
        node = parent
    return "/".join([part, *reversed(steps)])


def _write(paragraph: _Paragraph, translated: TranslatedBlock, lang: str) -> None:
    """Put the translation into the paragraph's runs (see the module docstring)."""
    keys = {span.open for span in paragraph.block.spans}  # "r<n>"/"s<n>": the n-th piece
    written: dict[BaseOxmlElement, list[str]] = {}  # w:t element → its new text
    target: BaseOxmlElement | None = None  # the w:t that text no span covers joins
    furthest = -1  # the furthest piece written in place
    pending = ""  # uncovered text before anything was written
    sizes = {span.open: span.end - span.start for span in paragraph.block.spans}
    for text, key in _segments(translated, sizes):
        piece = int(key[1:]) if key in keys else None
        if piece is None or paragraph.pieces[piece].tag != _TEXT:
            if key is not None and not text.strip():
                continue  # a tab or break: its space is the element itself
            if target is None:
                pending += text
            else:
                written[target].append(text)
            continue
        element = paragraph.pieces[piece]
        if piece > furthest:
            furthest = piece
            target = element
        elif element is not target:
            assert target is not None
            target = _copy_run(element, target)
        written.setdefault(target, []).append(pending + text)
        pending = ""
    if pending:
        first = next(piece for piece in paragraph.pieces if piece.tag == _TEXT and piece.text)
        written[first] = [pending]
    for piece in paragraph.pieces:
        if piece.tag == _TEXT and (piece in written or piece.text):
            _set_text(piece, "".join(written.get(piece, [])), lang)
    for element, parts in written.items():
        if element.getparent() is not None and element not in paragraph.pieces:
            _set_text(element, "".join(parts), lang)


def _segments(translated: TranslatedBlock, sizes: dict[str, int]) -> list[tuple[str, str | None]]:
    """The translation cut at its spans' ends, in reading order: (text, span key or None). Where
    spans overlap (several runs placed around one whole sentence), the text goes to the first
    one, and among spans over the same range to the run that held the most source text (the
    paragraph's base formatting)."""
    out: list[tuple[str, str | None]] = []
    position = 0
    text = translated.text
    order = sorted(translated.spans, key=lambda span: (span.start, span.end, -sizes.get(span.open, 0)))
    for span in order:
        start = max(span.start, position)
        if start > position:
            out.append((text[position:start], None))
        end = max(span.end, start)
        out.append((text[start:end], span.open))
        position = end
    if position < len(text):
        out.append((text[position:], None))
    return out


def _copy_run(text: BaseOxmlElement, after: BaseOxmlElement) -> BaseOxmlElement:
    """A new run with the formatting of ``text``'s run, placed after the run of ``after``; its
    ``w:t``."""
    run = text.getparent()
    anchor = after.getparent()
    assert isinstance(run, CT_R) and anchor is not None
    copy = OxmlElement("w:r")
    if run.rPr is not None:
        copy.append(deepcopy(run.rPr))
    element = OxmlElement("w:t")
    copy.append(element)
    anchor.addnext(copy)
    return element


def _set_text(element: BaseOxmlElement, text: str, lang: str) -> None:
    """Write a ``w:t`` (spaces kept) and mark its run as being in ``lang``."""
    element.text = text
    element.set(qn("xml:space"), "preserve")
    run = element.getparent()
    if not text or not lang or not isinstance(run, CT_R):
        return
    properties = run.get_or_add_rPr()
    mark = properties.find(qn("w:lang"))
    if mark is None:
        mark = OxmlElement("w:lang")
        properties.insert_element_before(mark, *_AFTER_LANG)
    mark.set(qn("w:val"), lang)
    if lang.split("-", maxsplit=1)[0] in _EAST_ASIAN:
        mark.set(qn("w:eastAsia"), lang)
