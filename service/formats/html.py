"""HTML (and XHTML fragments): blocks of translatable text between block boundaries, inline markup
as spans, everything else written back byte for byte.

Reading
    The file is tokenized with the standard library's :class:`html.parser.HTMLParser` (character
    references left undecoded so that untranslated text is written back as written). Each token's
    raw text is the slice of the input between its position and the next token's, so the input is
    the concatenation of the tokens' raw texts, whatever the parser made of them.

Blocks
    A block is the text between two block boundaries. The inline elements (``a abbr b bdi bdo cite
    data dfn em i kbd mark q s samp small span strong sub sup time u var``, the points ``br wbr img``,
    and, as points holding their whole markup, ``code script style svg math textarea`` when met inside
    text) are spans of the block; the start or end tag of any other element (``p``, ``h1``…``h6``,
    ``li``, ``td``, ``div``, ``title``…) is a boundary. A block's text is its decoded text (character
    references decoded), each run of HTML whitespace written as one space as a browser would, a
    ``<br>`` counting as a space between words; whitespace at its edges stays outside it. A stretch
    with no visible text (only whitespace, a ``&nbsp;``, a comment, an image) is not a block and is
    written back as read. An inline tag whose partner is not in the same stretch (``<b>`` opened in
    one paragraph and closed in the next, a stray ``</i>``, tags crossing each other) cannot be a
    span: it is a boundary, kept as read. Blocks are listed in document order, a start tag's ``title``
    and ``alt`` blocks before the text that starts with that tag. A block's ``where`` is the path of
    the element holding it (``"body/ul[1]/li[2]"``: names and 1-based indexes among same-name
    siblings, ``html`` left out, ``"/"`` for text at the top of a fragment).

Never translated, kept byte for byte
    ``script style code pre textarea svg math``; any element with ``translate="no"`` or class
    ``notranslate`` and its descendants, except a descendant with ``translate="yes"`` (or ``""``),
    which is translated again, as in HTML5. Met inside a block, such an inline element is a point span
    holding its whole markup and content (a ``translate="yes"`` inside it is then not reached).
    Comments, the doctype, processing instructions and CDATA sections are kept as read (inside a
    block, as a point).

Attributes
    ``alt`` (of ``img``, ``area``, ``input``) and ``title`` (of any element) are blocks of their own,
    pointed at as ``"body/p[2]/img[1]@alt"``, unless :attr:`FormatOptions.translate_attributes` is
    off. Only that value is rewritten in the raw start tag (double-quoted, ``&`` ``"`` ``<`` escaped).
    ``<html lang>``, when present, is set to the target language; nothing is added otherwise.

Writing
    A block whose translation has its text and span offsets unchanged is written back as read, so
    rendering every block as its own translation gives the input back byte for byte. A changed block
    is written as its translated text, escaped (``&`` ``<`` ``>``), with each span's raw tags placed at
    its new offsets: character references in it come out as characters and its inner whitespace as
    the single spaces of its text (the spaces on either side of a point are the translation's). Spans
    starting together open outermost first; an empty span or a point at the edge of another span keeps
    the side of it it had in the source. Crossing or out-of-range spans raise :class:`ValueError` (the
    caller's bug) rather than write broken markup. Start tags are kept byte for byte, so XHTML input
    (``<br/>``, ``xmlns``) stays well-formed XML.

Malformed input is read as a browser would, without failing: an end tag that closes nothing, an
element or block left open at the end, a ``<`` that starts no tag are kept as read. Bytes are decoded
as UTF-8 unless an early ``<meta charset>`` (or ``http-equiv`` content type) names another encoding
Python knows and the bytes round-trip through it; the result is encoded the same way, characters it
cannot hold written as character references. Bytes that do not decode are a
:class:`DocumentFormatError`, as is a file over a :class:`Limits` bound (size, element count, nesting
depth, translatable characters).
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from service.formats.base import Block, DocumentFormatError, FormatOptions, Limits, Span, TranslatedBlock

INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "data",
        "dfn",
        "em",
        "i",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    ]
)
POINTS = frozenset({"br", "wbr", "img"})
# Never translated; inside a block each is one point span, elsewhere kept as read.
UNTRANSLATED_INLINE = frozenset({"code", "script", "style", "svg", "math", "textarea"})
UNTRANSLATED_BLOCK = frozenset({"pre"})
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
ALT_ELEMENTS = frozenset({"img", "area", "input"})
HTML_SPACE = " \t\n\r\f"

# Enough of HTML's implied end tags for the element paths to follow the document's structure: a
# start tag closes an open sibling of its group (a list item the previous one), looking up the stack
# no further than its stop elements; a block start tag closes an open <p> in scope.
_IMPLIED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "table", "td", "th", "html", "body"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "html", "body"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "html", "body"})),
    "tr": (frozenset({"tr"}), frozenset({"table", "tbody", "thead", "tfoot", "html", "body"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table", "html", "body"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table", "html", "body"})),
    "thead": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table", "html", "body"})),
    "tbody": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table", "html", "body"})),
    "tfoot": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table", "html", "body"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist", "optgroup", "html", "body"})),
}
_CLOSES_P = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ]
)
_P_SCOPE = frozenset({"table", "td", "th", "caption", "button", "template", "object", "html", "body"})

# The attribute grammar html.parser applies to a start tag (3.11's tagfind/attrfind_tolerant), so that
# a value is found in the raw tag exactly where the parser read it.
_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*(?:\s|/(?!>))*")
_ATTRIBUTE = re.compile(
    r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*"
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_SPACE_RUN = re.compile(f"[{HTML_SPACE}]+")


@dataclass(frozen=True)
class _AttrRef:
    """A translatable (or ``lang``) attribute value inside a raw start tag: ``raw[start:end]`` is the
    value as written, quotes included; ``block`` is the attribute's block id (-1 for ``lang``)."""

    block: int
    start: int
    end: int


@dataclass
class _Item:
    """One token inside or between blocks. ``kind`` is ``text`` (``text`` is its decoded text),
    ``open``/``close`` (an inline tag named ``tag``), ``point`` (a br, an image, an untranslated
    element, a comment) or ``raw`` (kept as read between blocks)."""

    kind: str
    raw: str
    pos: int
    text: str = ""
    tag: str = ""
    attrs: tuple[_AttrRef, ...] = ()


@dataclass(frozen=True)
class _BlockPart:
    """A text block as read: its tokens, and for each span the token it came from and its parent."""

    block: int
    items: tuple[_Item, ...]
    span_items: tuple[tuple[_Item, _Item | None], ...]  # (open or point token, close token)
    parents: tuple[int, ...]  # per span: index of its enclosing span, -1 at the top


@dataclass
class _Element:
    """An open element: its name, path, whether its content is translated, and its children's
    counts per name (for the 1-based sibling index of the paths)."""

    tag: str
    path: str
    translate: bool
    children: dict[str, int] = field(default_factory=dict)


@dataclass
class _Skip:
    """An untranslated element being read whole: same-name nesting count and the raw text so far."""

    tag: str
    pos: int
    as_point: bool
    count: int = 1
    depth: int = 1
    raw: list[str] = field(default_factory=list)


class _Recorder(HTMLParser):
    """Tokenizer: records each event with its start offset in the text."""

    def __init__(self, text: str, limits: Limits) -> None:
        super().__init__(convert_charrefs=False)
        self.events: list[tuple[str, int, str, list[tuple[str, str | None]], str]] = []
        self.elements = 0
        self._limits = limits
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _pos(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _element(self) -> None:
        self.elements += 1
        if self.elements > self._limits.max_elements:
            raise DocumentFormatError(
                f"the HTML has more than {self._limits.max_elements} elements (element count limit)"
            )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element()
        self.events.append(("start", self._pos(), tag, attrs, self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element()
        self.events.append(("empty", self._pos(), tag, attrs, self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", self._pos(), tag, [], ""))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", self._pos(), "", [], data))

    def handle_entityref(self, name: str) -> None:
        self.events.append(("ref", self._pos(), "", [], "&" + name))

    def handle_charref(self, name: str) -> None:
        self.events.append(("ref", self._pos(), "", [], "&#" + name))

    def handle_comment(self, data: str) -> None:
        self.events.append(("other", self._pos(), "", [], ""))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("other", self._pos(), "", [], ""))

    def handle_pi(self, data: str) -> None:
        self.events.append(("other", self._pos(), "", [], ""))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("other", self._pos(), "", [], ""))


def _translate_state(attrs: list[tuple[str, str | None]], inherited: bool) -> bool:
    """The HTML5 translation mode of an element: class ``notranslate`` or ``translate="no"`` turn it
    off, ``translate="yes"`` or ``""`` on; otherwise inherited."""
    for name, value in attrs:
        if name == "class" and value and "notranslate" in value.split():
            return False
    for name, value in attrs:
        if name == "translate":
            mode = (value or "").lower()
            if mode in ("", "yes"):
                return True
            if mode == "no":
                return False
            return inherited
    return inherited


def _find_attribute(raw: str, name: str) -> tuple[int, int, str] | None:
    """The first ``name`` attribute of a raw start tag: (start, end) of its value as written, and
    its decoded value; None when absent or without a value."""
    match = _TAG_NAME.match(raw)
    if match is None:
        return None
    k = match.end()
    while k < len(raw):
        m = _ATTRIBUTE.match(raw, k)
        if m is None:
            break
        if m.group(1).lower() == name:
            if m.group(3) is None:
                return None
            value = m.group(3)
            if value[:1] == value[-1:] and value[:1] in ("'", '"') and len(value) >= 2:
                value = value[1:-1]
            return m.start(3), m.end(3), unescape(value)
        k = m.end()
    return None


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _collapse(text: str) -> str:
    return _SPACE_RUN.sub(" ", text).strip(" ")


class HtmlDocument:
    """A parsed HTML document or XHTML fragment (see the module docstring for the rules)."""

    def __init__(self, text: str, options: FormatOptions, encoding: str = "utf-8", bom: bool = False) -> None:
        self.blocks: list[Block] = []
        self.encoding = encoding
        self.bom = bom
        self._options = options
        self._limits = options.limits
        self._parts: list[_Item | _BlockPart] = []
        self._pending: list[tuple[tuple[int, int], Block]] = []
        self._stack: list[_Element] = []
        self._root: dict[str, int] = {}
        self._run: list[_Item] = []
        self._run_path = ""
        self._run_translate = True
        self._skip: _Skip | None = None
        self._chars = 0
        self._seen_html = False
        self._read(text)

    # Reading

    def _read(self, text: str) -> None:
        if len(text.encode("utf-8", "surrogatepass")) > self._limits.max_bytes:
            raise DocumentFormatError(f"the HTML is larger than {self._limits.max_bytes} bytes (size limit)")
        recorder = _Recorder(text, self._limits)
        try:
            recorder.feed(text)
            recorder.close()
        except (AssertionError, ValueError, IndexError) as error:  # html.parser's own complaints
            raise DocumentFormatError(f"the HTML cannot be read: {error}") from None
        events = recorder.events
        first = events[0][1] if events else len(text)
        if first > 0:  # what the tokenizer passed over silently (a lone "</>")
            self._add_item(_Item("point", text[:first], 0))
        for number, (kind, pos, tag, attrs, core) in enumerate(events):
            end = events[number + 1][1] if number + 1 < len(events) else len(text)
            chunk = text[pos:end]
            self._event(kind, pos, tag, attrs, core, chunk)
        if self._skip is not None:
            self._flush()
            self._parts.append(_Item("raw", "".join(self._skip.raw), self._skip.pos))
            self._skip = None
        self._flush()
        order = sorted(range(len(self._pending)), key=lambda i: self._pending[i][0])
        rank = {old: new for new, old in enumerate(order)}
        self.blocks = [self._pending[i][1] for i in order]
        self._parts = [self._renumber(part, rank) for part in self._parts]

    @staticmethod
    def _renumber(part: _Item | _BlockPart, rank: dict[int, int]) -> _Item | _BlockPart:
        def fix(item: _Item) -> _Item:
            item.attrs = tuple(_AttrRef(rank.get(a.block, -1), a.start, a.end) for a in item.attrs)
            return item

        if isinstance(part, _Item):
            return fix(part)
        for item in part.items:
            fix(item)
        return _BlockPart(rank[part.block], part.items, part.span_items, part.parents)

    def _event(
        self, kind: str, pos: int, tag: str, attrs: list[tuple[str, str | None]], core: str, chunk: str
    ) -> None:
        skip = self._skip
        if skip is not None:
            skip.raw.append(chunk)
            if kind == "start":
                skip.depth += tag not in VOID
                skip.count += tag == skip.tag
                self._check_depth()
            elif kind == "end":
                skip.depth = max(skip.depth - 1, 0)
                skip.count -= tag == skip.tag
            if skip.count == 0:
                self._skip = None
                raw = "".join(skip.raw)
                if skip.as_point:
                    self._add_item(_Item("point", raw, skip.pos))
                else:
                    self._flush()
                    self._parts.append(_Item("raw", raw, skip.pos))
            return
        # The token proper, then anything the tokenizer passed over silently (a "</>"), kept as read.
        if kind == "data":
            head = core if chunk.startswith(core) else chunk
            self._add_item(_Item("text", head, pos, text=core))
        elif kind == "ref":
            head = core + ";" if chunk.startswith(core + ";") else core
            self._add_item(_Item("text", head, pos, text=unescape(head)))
        elif kind in ("start", "empty"):
            head = core if chunk.startswith(core) else chunk
            self._start(kind == "empty", pos, tag, attrs, head)
        elif kind == "end":
            close = chunk.find(">")
            head = chunk[: close + 1] if close >= 0 else chunk
            self._end(pos, tag, head)
        else:
            head = chunk
            self._add_item(_Item("point", chunk, pos))
        if len(head) < len(chunk):
            if self._skip is not None:  # an untranslated element just opened holds it
                self._skip.raw.append(chunk[len(head) :])
            else:
                self._add_item(_Item("point", chunk[len(head) :], pos + len(head)))

    @property
    def _translating(self) -> bool:
        return self._stack[-1].translate if self._stack else True

    def _start(self, empty: bool, pos: int, tag: str, attrs: list[tuple[str, str | None]], raw: str) -> None:
        inherited = self._translating
        translate = _translate_state(attrs, inherited)
        untranslated_element = tag in UNTRANSLATED_INLINE or tag in UNTRANSLATED_BLOCK
        inline = tag in INLINE or tag in POINTS or tag in UNTRANSLATED_INLINE
        if not empty and tag not in VOID and not inline:
            self._flush()
            self._close_implied(tag)
        siblings = self._stack[-1].children if self._stack else self._root
        siblings[tag] = siblings.get(tag, 0) + 1
        path = self._child_path(tag, siblings[tag])
        refs: tuple[_AttrRef, ...] = ()
        if translate and not untranslated_element:
            refs = self._attribute_blocks(raw, tag, path, pos)
        if tag == "html" and not self._seen_html:
            self._seen_html = True
            found = _find_attribute(raw, "lang")
            if found is not None:
                refs += (_AttrRef(-1, found[0], found[1]),)
        item = _Item("point", raw, pos, tag=tag, attrs=refs)
        if empty or tag in VOID:
            if inline:
                self._add_item(item)
            else:
                self._flush()
                item.kind = "raw"
                self._parts.append(item)
            return
        if untranslated_element or (inline and inherited and not translate):
            self._skip = _Skip(tag, pos, as_point=inline, raw=[raw])
            self._check_depth()
            return
        self._stack.append(_Element(tag, path, translate))
        self._check_depth()
        if inline and translate == inherited:
            item.kind = "open"
            self._add_item(item)
        else:
            self._flush()
            item.kind = "raw"
            self._parts.append(item)

    def _end(self, pos: int, tag: str, raw: str) -> None:
        if tag in POINTS:  # "</br>" is a <br> to a browser
            self._add_item(_Item("point", raw, pos, tag=tag))
            return
        before = self._translating
        inner_blocks = False
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth].tag == tag:
                inner_blocks = any(e.tag not in INLINE for e in self._stack[depth:])
                del self._stack[depth:]
                break
        if tag in INLINE and before == self._translating and not inner_blocks:
            self._add_item(_Item("close", raw, pos, tag=tag))
        else:
            self._flush()
            self._parts.append(_Item("raw", raw, pos, tag=tag))

    def _close_implied(self, tag: str) -> None:
        """Pop what the start tag ``tag`` closes implicitly."""
        stack = self._stack
        if tag in _IMPLIED:
            group, stops = _IMPLIED[tag]
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].tag in group:
                    del stack[depth:]
                    break
                if stack[depth].tag in stops:
                    break
        if tag in _CLOSES_P:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].tag == "p":
                    del stack[depth:]
                    break
                if stack[depth].tag in _P_SCOPE:
                    break

    def _check_depth(self) -> None:
        depth = len(self._stack) + (self._skip.depth if self._skip is not None else 0)
        if depth > self._limits.max_depth:
            raise DocumentFormatError(
                f"the HTML nests elements deeper than {self._limits.max_depth} (nesting depth limit)"
            )

    def _child_path(self, tag: str, index: int) -> str:
        parent = self._stack[-1].path if self._stack else ""
        step = tag if tag in ("html", "head", "body") else f"{tag}[{index}]"
        if tag == "html":
            return ""
        return f"{parent}/{step}" if parent else step

    def _holder_path(self) -> str:
        for element in reversed(self._stack):
            if element.tag not in INLINE:
                return element.path or "/"
        return "/"

    def _attribute_blocks(self, raw: str, tag: str, path: str, pos: int) -> tuple[_AttrRef, ...]:
        if not self._options.translate_attributes:
            return ()
        refs: list[_AttrRef] = []
        names = ("title", "alt") if tag in ALT_ELEMENTS else ("title",)
        for name in names:
            found = _find_attribute(raw, name)
            if found is None:
                continue
            text = _collapse(found[2])
            if text and not text.isspace():
                block_id = self._new_block(Block(text, (), f"{path or tag}@{name}"), (pos, len(refs)))
                refs.append(_AttrRef(block_id, found[0], found[1]))
        refs.sort(key=lambda ref: ref.start)
        return tuple(refs)

    def _new_block(self, block: Block, key: tuple[int, int]) -> int:
        self._chars += len(block.text)
        if self._chars > self._limits.max_chars:
            raise DocumentFormatError(
                f"the HTML has more than {self._limits.max_chars} translatable characters "
                "(translatable characters limit)"
            )
        self._pending.append((key, block))
        return len(self._pending) - 1

    def _add_item(self, item: _Item) -> None:
        if not self._run:
            self._run_path = self._holder_path()
            self._run_translate = self._translating
        self._run.append(item)

    # Blocks

    def _flush(self) -> None:
        """End the current stretch: its well-matched parts with visible text become blocks, the rest
        is kept as read."""
        run, self._run = self._run, []
        if not run:
            return
        if not self._run_translate:
            self._parts.extend(run)
            return
        for piece in _matched_pieces(run):
            if isinstance(piece, _Item):
                self._parts.append(piece)
            else:
                self._block(piece)

    def _block(self, items: list[_Item]) -> None:
        start, end = 0, len(items)
        lead: list[_Item] = []
        trail: list[_Item] = []
        while start < end and items[start].kind == "text" and not items[start].text.strip(HTML_SPACE):
            lead.append(items[start])
            start += 1
        while end > start and items[end - 1].kind == "text" and not items[end - 1].text.strip(HTML_SPACE):
            end -= 1
            trail.insert(0, items[end])
        body = items[start:end]
        if body and body[0].kind == "text" and body[0].raw == body[0].text:
            first = body[0]
            stripped = first.text.lstrip(HTML_SPACE)
            if len(stripped) < len(first.text):
                cut = len(first.text) - len(stripped)
                lead.append(_Item("text", first.raw[:cut], first.pos, text=first.text[:cut]))
                body[0] = _Item("text", stripped, first.pos + cut, text=stripped)
        if body and body[-1].kind == "text" and body[-1].raw == body[-1].text:
            last = body[-1]
            stripped = last.text.rstrip(HTML_SPACE)
            if len(stripped) < len(last.text):
                body[-1] = _Item("text", stripped, last.pos, text=stripped)
                trail.insert(0, _Item("text", last.raw[len(stripped) :], last.pos + len(stripped)))
        built = _build_text(body)
        if built is None:
            self._parts.extend(items)
            return
        text, spans, span_items, parents = built
        self._parts.extend(lead)
        block_id = self._new_block(Block(text, spans, self._run_path), (body[0].pos, 2))
        self._parts.append(_BlockPart(block_id, tuple(body), span_items, parents))
        self._parts.extend(trail)

    # Writing

    def render(self, translated: list[TranslatedBlock], lang: str) -> bytes:
        """The document with each block replaced by its translation, encoded as it was read."""
        text = self.render_text(translated, lang)
        return ("\ufeff" if self.bom else "").encode(self.encoding) + text.encode(
            self.encoding, "xmlcharrefreplace"
        )

    def render_text(self, translated: list[TranslatedBlock], lang: str) -> str:
        """The document as text with each block replaced by its translation and ``<html lang>`` set
        to ``lang``; ValueError when the translations do not match the blocks."""
        if len(translated) != len(self.blocks):
            raise ValueError(f"{len(translated)} translations for {len(self.blocks)} blocks")
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, _Item):
                out.append(self._tag_text(part, translated, lang))
            else:
                out.append(self._block_text(part, translated, lang))
        return "".join(out)

    def _tag_text(self, item: _Item, translated: list[TranslatedBlock], lang: str) -> str:
        """A token as written, with translated attribute values (and ``lang``) put in."""
        raw = item.raw
        for ref in sorted(item.attrs, key=lambda ref: ref.start, reverse=True):
            if ref.block < 0:
                value = lang
                old = _find_attribute(raw, "lang")
                if old is not None and old[2] == lang:
                    continue
            else:
                value = translated[ref.block].text
                if value == self.blocks[ref.block].text:
                    continue
            raw = f'{raw[: ref.start]}"{_escape_attribute(value)}"{raw[ref.end :]}'
        return raw

    def _block_text(self, part: _BlockPart, translated: list[TranslatedBlock], lang: str) -> str:
        block = self.blocks[part.block]
        result = translated[part.block]
        if len(result.spans) != len(block.spans):
            raise ValueError(
                f"block {part.block} ({block.where}): {len(result.spans)} spans for {len(block.spans)}"
            )
        for number, (new, old) in enumerate(zip(result.spans, block.spans, strict=True)):
            if (new.open, new.close, new.point) != (old.open, old.close, old.point):
                raise ValueError(f"block {part.block} ({block.where}): span {number} is not the block's")
            if not 0 <= new.start <= new.end <= len(result.text) or (new.point and new.start != new.end):
                raise ValueError(f"block {part.block} ({block.where}): span {number} out of its text")
        unchanged = result.text == block.text and all(
            (new.start, new.end) == (old.start, old.end)
            for new, old in zip(result.spans, block.spans, strict=True)
        )
        if unchanged:
            return "".join(self._tag_text(item, translated, lang) for item in part.items)
        opens = [self._tag_text(open_item, translated, lang) for open_item, _ in part.span_items]
        closes = [close.raw if close is not None else "" for _, close in part.span_items]
        return _place_spans(result, opens, closes, part.parents, f"block {part.block} ({block.where})")


def _matched_pieces(run: list[_Item]) -> list[_Item | list[_Item]]:
    """Split a stretch at the inline tags without a partner in it (again in each piece, since a split
    can part a pair): the pieces left have properly nested tags; the partnerless tags stand alone."""
    out: list[_Item | list[_Item]] = []
    work: list[_Item | list[_Item]] = [run]
    while work:
        piece = work.pop()
        if isinstance(piece, _Item):
            out.append(piece)
            continue
        lonely: set[int] = set()
        stack: list[int] = []
        for index, item in enumerate(piece):
            if item.kind == "open":
                stack.append(index)
            elif item.kind == "close":
                depth = len(stack) - 1
                while depth >= 0 and piece[stack[depth]].tag != item.tag:
                    depth -= 1
                if depth < 0:
                    lonely.add(index)
                else:
                    lonely.update(stack[depth + 1 :])
                    del stack[depth:]
        lonely.update(stack)
        if not lonely:
            out.append(piece)
            continue
        parts: list[_Item | list[_Item]] = []
        current: list[_Item] = []
        for index, item in enumerate(piece):
            if index in lonely:
                if current:
                    parts.append(current)
                    current = []
                parts.append(item)
            else:
                current.append(item)
        if current:
            parts.append(current)
        work.extend(reversed(parts))
    return out


def _build_text(
    items: list[_Item],
) -> tuple[str, tuple[Span, ...], tuple[tuple[_Item, _Item | None], ...], tuple[int, ...]] | None:
    """A block's text (whitespace runs as one space, a ``<br>`` as a space between words, edges
    trimmed) and its spans in document order with their tokens and parents; None when the text has
    nothing visible."""
    pieces: list[str] = []
    length = 0
    last_space = False
    found: list[list[int]] = []  # per span: [start, end]
    tokens: list[list[_Item | None]] = []  # per span: [open or point token, close token]
    parents: list[int] = []
    open_spans: list[int] = []
    points: set[int] = set()
    for item in items:
        if item.kind == "text":
            text = _SPACE_RUN.sub(" ", item.text)
            if last_space and text.startswith(" "):
                text = text[1:]
            if text:
                pieces.append(text)
                length += len(text)
                last_space = text.endswith(" ")
            continue
        parents.append(open_spans[-1] if open_spans else -1)
        found.append([length, length])
        tokens.append([item, None])
        if item.kind == "open":
            open_spans.append(len(found) - 1)
        elif item.kind == "close":  # the pieces are matched: this closes the innermost open span
            parents.pop()
            found.pop()
            tokens.pop()
            number = open_spans.pop()
            found[number][1] = length
            tokens[number][1] = item
        else:
            points.add(len(found) - 1)
            if item.tag == "br" and not last_space:
                pieces.append(" ")
                length += 1
                last_space = True
    text = "".join(pieces)
    if not text or text.isspace():
        return None
    lead = 1 if text.startswith(" ") else 0
    text = text[lead:].rstrip(" ")

    def clamp(offset: int) -> int:
        return min(max(offset - lead, 0), len(text))

    spans = []
    span_items = []
    for number, ((start, end), (open_item, close_item)) in enumerate(zip(found, tokens, strict=True)):
        assert open_item is not None
        point = number in points
        spans.append(
            Span(clamp(start), clamp(end), open_item.raw, close_item.raw if close_item else "", point)
        )
        span_items.append((open_item, close_item))
    return text, tuple(spans), tuple(span_items), tuple(parents)


def _place_spans(
    result: TranslatedBlock, opens: list[str], closes: list[str], parents: tuple[int, ...], label: str
) -> str:
    """The translated text, escaped, with each span's tags at its offsets. Spans that start together
    open outermost first; an empty span or point keeps the side of a neighbouring span it had in the
    source; crossing spans are a ValueError."""
    spans = result.spans
    text = result.text
    ancestors: list[set[int]] = []
    for number in range(len(spans)):
        chain: set[int] = set()
        parent = parents[number]
        while parent >= 0:
            chain.add(parent)
            parent = parents[parent]
        ancestors.append(chain)
    filled = sorted(
        (i for i, span in enumerate(spans) if span.start < span.end),
        key=lambda i: (spans[i].start, -spans[i].end, i),
    )
    keys: dict[int, tuple[int, int, int, int]] = {i: (slot, 1, 0, 0) for slot, i in enumerate(filled)}
    starts = [spans[i].start for i in filled]
    for i, span in enumerate(spans):
        if span.start == span.end:
            slot = bisect_left(starts, span.start)
            while slot < len(filled) and spans[filled[slot]].start == span.start and filled[slot] < i:
                slot += 1
            keys[i] = (slot, 0, span.start, i)
    order = sorted(keys, key=keys.__getitem__)
    out: list[str] = []
    written = 0

    def write_to(offset: int) -> None:
        nonlocal written
        if offset < written:
            raise ValueError(f"{label}: spans out of order")
        out.append(_escape_text(text[written:offset]))
        written = offset

    stack: list[int] = []
    for i in order:
        span = spans[i]
        while stack:
            top = spans[stack[-1]]
            keep = top.end == span.start and span.start == span.end and stack[-1] in ancestors[i]
            if top.end > span.start or keep:
                break
            write_to(top.end)
            out.append(closes[stack.pop()])
        if stack and not (spans[stack[-1]].start <= span.start and span.end <= spans[stack[-1]].end):
            raise ValueError(f"{label}: spans cross")
        write_to(span.start)
        out.append(opens[i])
        if not span.point:
            stack.append(i)
    while stack:
        write_to(spans[stack[-1]].end)
        out.append(closes[stack.pop()])
    write_to(len(text))
    return "".join(out)


def parse_html(text: str, options: FormatOptions) -> HtmlDocument:
    """Parse HTML or an XHTML fragment given as text (see the module docstring)."""
    return HtmlDocument(text, options)


def parse(data: bytes, options: FormatOptions) -> HtmlDocument:
    """Parse an HTML file: decode it (UTF-8, or the charset an early ``<meta>`` declares) and read
    its blocks."""
    if len(data) > options.limits.max_bytes:
        raise DocumentFormatError(f"the HTML is larger than {options.limits.max_bytes} bytes (size limit)")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    encoding = "utf-8"
    declared = _META_CHARSET.search(data[:1024])
    if declared is not None and not bom:
        label = declared.group(1).decode("ascii").lower()
        try:
            encoding = codecs.lookup(label).name
        except LookupError:
            raise DocumentFormatError(f"the HTML declares an unknown charset {label!r}") from None
        if encoding.startswith(("utf-16", "utf-32")):  # a <meta> readable as ASCII is not UTF-16
            encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentFormatError(
            f"the HTML is not valid {encoding} (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "send UTF-8 or declare the charset with <meta charset>"
        ) from None
    if encoding != "utf-8" and text.encode(encoding) != data:
        raise DocumentFormatError(
            f"the HTML cannot be written back byte for byte in its charset {encoding}; send UTF-8"
        )
    return HtmlDocument(text, options, encoding=encoding, bom=bom)
