"""IPTC NewsML-G2: read a ``newsItem`` (or a ``newsMessage`` of items) from an agency feed, and
write one new ``newsItem`` per target language.

What is translated, per item: every ``contentMeta/headline`` and ``contentMeta/description`` (their
inline ``a``/``span``/``inline`` elements are spans), and the XHTML body in ``contentSet/inlineXML``,
read and written by the HTML format (:mod:`service.formats.html`, its rules for what is and is not
translated). A body in another vocabulary (NITF) is refused rather than left untranslated.

What is kept as read, and marked with the source's ``xml:lang`` so that the new item does not claim
it is in the target language:

- ``slugline`` and ``keyword``: agency sluglines (``COREE-NORD-MISSILE``) and keywords are routing and
  indexing keys that desks and archives match on, not prose;
- ``dateline`` (``SEOUL, 3 mars (Yonhap)``): the agency's own formula, kept as the source wrote it
  (the body's first paragraph, which usually repeats it, is translated with the body);
- ``itemMeta/title``, ``edNote``, ``by``, ``creditline``, rights notices and concept ``name`` labels.

Subject codes, ``located``, ``creator``, ``infoSource``, ``rightsInfo``, ``hopHistory`` and every other
element are copied unchanged. The new item gets:

- ``guid`` = the source guid + ``":"`` + the target language (``urn:newsml:…:AFR2026…:en``):
  deterministic, so translating the same item again gives the same guid;
- ``version`` = the source's version, so the translation of an updated source is an update of the
  earlier translation (same guid, the next version), as NewsML-G2 versioning expects;
- ``xml:lang`` = the target language on the root (and on ``contentSet``/``inlineXML`` where the source
  set one), ``contentMeta/language tag`` = the target language;
- ``itemMeta/versionCreated`` (and ``firstCreated`` where the source had one) = the time of writing;
- an ``itemMeta/link`` with ``rel="irel:translatedFrom"`` (IPTC item relation) whose ``residref`` and
  ``version`` are the source item's; a source link to its own previous version is pointed at the
  translation's previous version.

Parsing is hardened: no DTD is loaded, no entity is expanded, nothing is fetched; a file with a
DOCTYPE is refused (NewsML-G2 is schema-based and never needs one), and the limits of
:class:`~service.formats.base.Limits` bound its size, element count and depth. The IPTC schema is
shipped in ``service/data/newsml-g2`` (CC BY 4.0) and :func:`validate_newsml` checks a file against it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type hints

from service.formats.base import Block, DocumentFormatError, FormatOptions, Span, TranslatedBlock
from service.formats.html import HtmlDocument, parse_html

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SOURCE_RELATION = "irel:translatedFrom"  # IPTC item relation: this item is a translation of the target
NEWSITEM_MEDIA_TYPE = "application/vnd.iptc.g2.newsitem+xml"
SCHEMA_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "newsml-g2" / "NewsML-G2_2.35-spec-All-Power.xsd"
)

_TRANSLATED = ("headline", "description")  # contentMeta children translated, in document order
# Human-readable NAR elements copied untranslated: marked with the source language in the new item.
_KEPT_TEXT = frozenset(
    {
        "slugline",
        "keyword",
        "dateline",
        "title",
        "edNote",
        "by",
        "creditline",
        "name",
        "definition",
        "note",
        "copyrightNotice",
        "usageTerms",
    }
)
_DESCRIPTIVE = frozenset(
    {
        "language",
        "genre",
        "keyword",
        "subject",
        "slugline",
        "headline",
        "dateline",
        "by",
        "creditline",
        "description",
    }
)
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_DOCTYPE_REFUSED = "the XML file declares a DOCTYPE (entities or a DTD), which NewsML-G2 never uses: refused"
_ERROR_POSITION = re.compile(r", line \d+, column \d+$")
_SPACE = re.compile(r"\s+")
_NAMESPACE_DECLARATION = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')


def _q(name: str) -> str:
    """The Clark name of a NewsML-G2 element."""
    return f"{{{NAR}}}{name}"


def _local(element: etree._Element) -> str:
    """An element's local name ('' for a comment or processing instruction)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@dataclass
class _Slot:
    """One translatable element: its position in ``root.iter()`` order (the same in a deep copy) and
    the shell of each inline child, one per span, which rendering fills with translated text."""

    position: int
    shells: list[etree._Element]


@dataclass
class _Body:
    """The XHTML body of one ``inlineXML`` (by its position in ``root.iter()`` order), read by the
    HTML format; its blocks start at ``first_block`` of the document's blocks."""

    position: int
    document: HtmlDocument
    first_block: int


@dataclass
class _Item:
    """One ``newsItem`` of the file: its position in ``root.iter()`` order, its metadata blocks
    (``first_block`` onwards, one per slot) and its bodies."""

    position: int
    first_block: int
    slots: list[_Slot]
    bodies: list[_Body]


@dataclass
class NewsItemDocument:
    """A parsed NewsML-G2 file: the blocks of all its items, and the tree to write them back into."""

    blocks: list[Block]
    root: etree._Element  # newsItem or newsMessage, as read
    items: list[_Item]

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """A new NewsML-G2 document in ``lang``: the ``newsItem`` (or a ``newsMessage`` of the items)
        with translated texts and the metadata described in the module's docstring."""
        if len(translated) != len(self.blocks):
            raise ValueError(f"{len(translated)} translations for {len(self.blocks)} blocks")
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        root = copy.deepcopy(self.root)
        elements = list(root.iter())
        for item in self.items:
            item_element = elements[item.position]
            for offset, slot in enumerate(item.slots):
                _fill(elements[slot.position], translated[item.first_block + offset], slot.shells)
            for body in item.bodies:
                end = body.first_block + len(body.document.blocks)
                _fill_body(elements[body.position], body.document, translated[body.first_block : end], lang)
            _retarget_item(item_element, lang, now)
        if _local(root) == "newsMessage":
            _retarget_header(root, lang, now)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def parse(data: bytes, options: FormatOptions) -> NewsItemDocument:
    """Read a NewsML-G2 ``newsItem`` or ``newsMessage`` safely; a DocumentFormatError says what is
    wrong with a malformed, unsafe, over-limit or non-NewsML-G2 file."""
    limits = options.limits
    if len(data) > limits.max_bytes:
        raise DocumentFormatError(f"the file has {len(data)} bytes; the limit is {limits.max_bytes}")
    root = _parse_xml(data)
    _check_limits(root, options)
    if root.tag == _q("newsItem"):
        item_elements = [root]
    elif root.tag == _q("newsMessage"):
        item_elements = root.findall(f"{_q('itemSet')}/{_q('newsItem')}")
        if not item_elements:
            raise DocumentFormatError("the NewsML-G2 newsMessage holds no newsItem in its itemSet")
    else:
        raise DocumentFormatError(
            f"not a NewsML-G2 file: the root element is <{etree.QName(root).localname}> in namespace "
            f"{etree.QName(root).namespace or '(none)'}; expected newsItem or newsMessage in {NAR}"
        )
    everything = list(root.iter())  # held so that each node keeps one proxy object, hence one id()
    positions = {id(element): index for index, element in enumerate(everything)}
    blocks: list[Block] = []
    items: list[_Item] = []
    for number, item_element in enumerate(item_elements, start=1):
        prefix = f"newsItem[{number}]"
        item = _Item(positions[id(item_element)], len(blocks), [], [])
        for element, where in _metadata_blocks(item_element, prefix):
            block, shells = _read_inline(element, where)
            blocks.append(block)
            item.slots.append(_Slot(positions[id(element)], shells))
        inlines = item_element.findall(f"{_q('contentSet')}/{_q('inlineXML')}")
        for index, inline in enumerate(inlines, start=1):
            body = _read_body(inline, options)
            if body is None:
                continue
            where = f"{prefix}/" if len(inlines) == 1 else f"{prefix}/inlineXML[{index}]/"
            item.bodies.append(_Body(positions[id(inline)], body, len(blocks)))
            blocks += [Block(block.text, block.spans, where + block.where) for block in body.blocks]
        items.append(item)
    chars = sum(len(block.text) for block in blocks)
    if chars > limits.max_chars:
        raise DocumentFormatError(
            f"the items have {chars} characters to translate; the limit is {limits.max_chars}"
        )
    return NewsItemDocument(blocks, root, items)


def validate_newsml(data: bytes) -> list[str]:
    """The NewsML-G2 2.35 schema errors of a file ("line N: message"), or why it cannot be read
    as XML; empty when it is valid."""
    try:
        document = _parse_xml(data)
    except DocumentFormatError as exc:
        return [str(exc)]
    schema = _schema()
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


@cache
def _schema() -> etree.XMLSchema:
    """The shipped NewsML-G2 schema, loaded once (it imports ``xml.xsd`` from the same folder)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def _parse_xml(data: bytes) -> etree._Element:
    """Parse without loading a DTD, expanding an entity or reaching the network; refuse a DOCTYPE."""
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise DocumentFormatError(_DOCTYPE_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = _ERROR_POSITION.sub("", exc.msg)
        raise DocumentFormatError(f"malformed XML at line {line}, column {column}: {message}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DocumentFormatError(
            "the XML file declares a DOCTYPE (entities or a DTD), which NewsML-G2 never uses"
        )
    return root


def _check_limits(root: etree._Element, options: FormatOptions) -> None:
    """Refuse a tree with more elements or deeper nesting than the limits allow."""
    limits = options.limits
    count = 0
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        count += 1
        depth += 1
        if count > limits.max_elements:
            raise DocumentFormatError(f"the file has more than {limits.max_elements} elements")
        if depth > limits.max_depth:
            raise DocumentFormatError(f"the file nests elements deeper than {limits.max_depth} levels")


def _metadata_blocks(item: etree._Element, prefix: str) -> list[tuple[etree._Element, str]]:
    """The headlines and descriptions of one item, in document order, with their pointers."""
    content_meta = item.find(_q("contentMeta"))
    if content_meta is None:
        return []
    found: list[tuple[etree._Element, str]] = []
    for name in _TRANSLATED:
        elements = content_meta.findall(_q(name))
        for index, element in enumerate(elements, start=1):
            found.append((element, f"{prefix}/{name}" if len(elements) == 1 else f"{prefix}/{name}[{index}]"))
    order = {id(child): index for index, child in enumerate(content_meta)}
    return sorted(found, key=lambda pair: order[id(pair[0])])


def _read_body(inline: etree._Element, options: FormatOptions) -> HtmlDocument | None:
    """The XHTML element of an ``inlineXML`` (the schema allows one), serialized and read by the
    HTML format; None for an empty ``inlineXML``. Another vocabulary (NITF…) is refused rather than
    passed through untranslated."""
    children = [child for child in inline if isinstance(child.tag, str)]
    if not children:
        return None
    if etree.QName(children[0]).namespace != XHTML:
        kind = inline.get("contenttype") or etree.QName(children[0]).namespace or "in no namespace"
        raise DocumentFormatError(f"the inlineXML body is {kind}; only XHTML ({XHTML}) bodies are translated")
    return parse_html(_markup(children[0]), options)


def _fill_body(
    inline: etree._Element, body: HtmlDocument, translated: list[TranslatedBlock], lang: str
) -> None:
    """Replace an ``inlineXML``'s XHTML element by its translation, rendered by the HTML format and
    parsed back (inside a wrapper in the XHTML namespace)."""
    rendered = body.render_text(translated, lang)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        wrapper = etree.fromstring(f'<wrapper xmlns="{XHTML}">{rendered}</wrapper>', parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the translated XHTML body is not well-formed: {exc.msg}") from None
    old = next(child for child in inline if isinstance(child.tag, str))
    new = next(child for child in wrapper if isinstance(child.tag, str))
    new.tail = old.tail
    if new.get(XML_LANG) is not None:
        new.set(XML_LANG, lang)
    inline.replace(old, new)


def _read_inline(element: etree._Element, where: str) -> tuple[Block, list[etree._Element]]:
    """An element's text (whitespace runs collapsed, ends stripped) with one span per inline child
    element, and each child's shell (a copy without content) to rebuild it from a translation.
    A childless empty element (``<br/>``), a comment or a processing instruction is a point span
    written back as it was."""
    text: list[str] = []
    raw_spans: list[tuple[int, int, str, str, bool]] = []
    shells: list[etree._Element] = []

    def add(piece: str | None) -> None:
        if not piece:
            return
        piece = _SPACE.sub(" ", piece)
        if piece.startswith(" ") and (not text or text[-1].endswith(" ")):
            piece = piece[1:]
        text.append(piece)

    def length() -> int:
        return sum(len(piece) for piece in text)

    def walk(parent: etree._Element) -> None:
        add(parent.text)
        for child in parent:
            start = length()
            shell = copy.deepcopy(child)
            shell.tail = None
            point = not isinstance(child.tag, str) or (len(child) == 0 and not (child.text or "").strip())
            if point:
                raw_spans.append((start, start, _NAMESPACE_DECLARATION.sub("", _markup(shell)), "", True))
                shells.append(shell)
            else:
                index = len(raw_spans)
                raw_spans.append((start, start, "", "", False))
                shell.text = None
                for grandchild in list(shell):
                    shell.remove(grandchild)
                shells.append(shell)
                walk(child)
                opening, closing = _tags(shell)
                raw_spans[index] = (start, length(), opening, closing, False)
            add(child.tail)

    walk(element)
    stripped = "".join(text).rstrip()  # add() never starts the text with a space
    spans = tuple(
        Span(min(start, len(stripped)), min(end, len(stripped)), opening, closing, point)
        for start, end, opening, closing, point in raw_spans
    )
    return Block(stripped, spans, where), shells


def _markup(element: etree._Element) -> str:
    """An element serialized on its own (namespace declarations included)."""
    return str(etree.tostring(element, encoding="unicode", with_tail=False))


def _tags(shell: etree._Element) -> tuple[str, str]:
    """The start and end tags of an empty element shell, as written on their own."""
    empty = _NAMESPACE_DECLARATION.sub("", _markup(shell))  # '<a href="…"/>'
    name = f"{shell.prefix}:{_local(shell)}" if shell.prefix else _local(shell)
    return empty[: -len("/>")] + ">", f"</{name}>"


def _fill(element: etree._Element, translated: TranslatedBlock, shells: list[etree._Element]) -> None:
    """Replace an element's content by a translated text, rebuilding its inline children from their
    shells at the translated spans (which nest and are listed in document order)."""
    if len(translated.spans) != len(shells):
        raise ValueError(
            f"{len(translated.spans)} spans for {len(shells)} inline elements in <{_local(element)}>"
        )
    element.text = None
    for child in list(element):
        element.remove(child)
    _build(element, translated, shells, 0, len(translated.text), 0)


def _build(
    parent: etree._Element,
    translated: TranslatedBlock,
    shells: list[etree._Element],
    low: int,
    high: int,
    index: int,
) -> int:
    """Write ``text[low:high]`` into ``parent`` with the spans from ``index`` that lie inside; return
    the index of the first span not placed."""
    text, spans = translated.text, translated.spans
    position = low
    last: etree._Element | None = None

    def add(piece: str) -> None:
        if not piece:
            return
        if last is None:
            parent.text = (parent.text or "") + piece
        else:
            last.tail = (last.tail or "") + piece

    while index < len(spans):
        span = spans[index]
        inside = span.start >= position and span.end <= high and not (span.start == high and high > low)
        if not inside:
            break
        add(text[position : span.start])
        child = copy.deepcopy(shells[index])
        parent.append(child)
        last = child
        index += 1
        if not span.point:
            index = _build(child, translated, shells, span.start, span.end, index)
        position = span.end
    add(text[position:high])
    return index


def _source_language(item: etree._Element) -> str | None:
    """The item's language as the source declares it (root ``xml:lang``, else contentMeta/language)."""
    declared: str | None = item.get(XML_LANG)
    if declared:
        return declared
    language = item.find(f"{_q('contentMeta')}/{_q('language')}")
    tag: str | None = language.get("tag") if language is not None else None
    return tag


def _retarget_item(item: etree._Element, lang: str, now: str) -> None:
    """Turn a copy of the source item into the new item in ``lang`` (identity, language, link)."""
    source_guid = item.get("guid", "")
    source_version = item.get("version", "1")
    source_lang = _source_language(item)
    if source_lang and source_lang != lang:
        _mark_kept_text(item, source_lang)
    guid = f"{source_guid}:{lang}"
    item.set("guid", guid)
    item.set(XML_LANG, lang)
    content_set = item.find(_q("contentSet"))
    if content_set is not None:
        for element in (content_set, *content_set):
            if element.get(XML_LANG) is not None:
                element.set(XML_LANG, lang)
    item_meta = item.find(_q("itemMeta"))
    if item_meta is not None:
        _retarget_item_meta(item_meta, source_guid, source_version, guid, now)
    content_meta = item.find(_q("contentMeta"))
    if content_meta is not None:
        _set_language(content_meta, lang)


def _mark_kept_text(item: etree._Element, source_lang: str) -> None:
    """Give each untranslated human-readable element that inherits the item's language an explicit
    ``xml:lang`` of the source, before the item's language changes."""
    for element in item.iter(*(_q(name) for name in _KEPT_TEXT)):
        if not (element.text or "").strip() and len(element) == 0:
            continue
        ancestor: etree._Element | None = element
        explicit = False
        while ancestor is not None and ancestor is not item:
            if ancestor.get(XML_LANG) is not None:
                explicit = True
                break
            ancestor = ancestor.getparent()
        if not explicit:
            element.set(XML_LANG, source_lang)


def _retarget_item_meta(
    item_meta: etree._Element, source_guid: str, version: str, guid: str, now: str
) -> None:
    """New creation times, and a link to the source item placed where the schema wants links."""
    for name in ("versionCreated", "firstCreated"):
        element = item_meta.find(_q(name))
        if element is not None:
            element.text = now
    for link in item_meta.iterfind(_q("link")):
        if link.get("rel") == "irel:previousVersion" and link.get("residref") == source_guid:
            link.set("residref", guid)
    link = etree.Element(_q("link"), nsmap={None: NAR})
    link.set("rel", SOURCE_RELATION)
    link.set("residref", source_guid)
    link.set("version", version)
    link.set("contenttype", NEWSITEM_MEDIA_TYPE)
    after_links = [
        child for child in item_meta if _local(child) == "itemMetaExtProperty" or _is_foreign(child)
    ]
    _insert(item_meta, link, after_links[0] if after_links else None)


def _is_foreign(element: etree._Element) -> bool:
    """An element from outside the NewsML-G2 namespace (a provider extension)."""
    return isinstance(element.tag, str) and etree.QName(element).namespace != NAR


def _set_language(content_meta: etree._Element, lang: str) -> None:
    """Set contentMeta's language to ``lang`` (adding the element among the descriptive metadata)."""
    languages = content_meta.findall(_q("language"))
    if languages:
        languages[0].set("tag", lang)
        for extra in languages[1:]:
            content_meta.remove(extra)
        return
    language = etree.Element(_q("language"), nsmap={None: NAR})
    language.set("tag", lang)
    later = [
        child
        for child in content_meta
        if _local(child) in _DESCRIPTIVE or _local(child) == "contentMetaExtProperty"
    ]
    _insert(content_meta, language, later[0] if later else None)


def _insert(parent: etree._Element, new: etree._Element, before: etree._Element | None) -> None:
    """Insert ``new`` before ``before`` (at the end when None), indented like its neighbours."""
    if before is None:
        if len(parent) == 0:
            parent.append(new)
            return
        last = parent[-1]
        previous = last.getprevious()
        new.tail = last.tail
        last.tail = previous.tail if previous is not None else parent.text
        parent.append(new)
        return
    previous = before.getprevious()
    new.tail = previous.tail if previous is not None else parent.text
    before.addprevious(new)


def _retarget_header(message: etree._Element, lang: str, now: str) -> None:
    """A newsMessage's header for the new transmission: sent now, transmit id suffixed by the language."""
    header = message.find(_q("header"))
    if header is None:
        return
    sent = header.find(_q("sent"))
    if sent is not None:
        sent.text = now
    transmit_id = header.find(_q("transmitId"))
    if transmit_id is not None and transmit_id.text:
        transmit_id.text = f"{transmit_id.text.strip()}:{lang}"
