"""Markdown: blocks cut from the source, markup written back byte for byte, translations placed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.formats.base import DocumentFormatError, FormatOptions, Limits, Span, TranslatedBlock
from service.formats.markdown import MarkdownDocument, parse

DISPATCH = """# Séoul et Paris *renforcent* leur coopération

SÉOUL, 12 mars (Yonhap) -- Le **président** a reçu [le ministre](https://fr.yna.co.kr/view/1 "Yonhap") à la `Maison bleue`.

> Une citation _importante_ du porte-parole.

- Premier point ![carte](carte.png)
  1. Sous-point __fort__
- Second point avec <https://yna.co.kr>

| Pays | Montant |
| --- | ---: |
| Corée | 12 \\| 13 |

```python
print("pas traduit")
```

    code indenté

<div class="x">
bloc HTML
</div>

[ref]: https://example.org "Réf"
"""

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _identity(doc: MarkdownDocument) -> list[TranslatedBlock]:
    return [TranslatedBlock(block.text, block.spans) for block in doc.blocks]


def _doubled(doc: MarkdownDocument) -> list[TranslatedBlock]:
    """Every word written twice ("mot" → "motmot"), spans moved with the words: offsets change
    while the markup must land on the same words."""
    out = []
    for block in doc.blocks:
        text, positions = "", []
        for index, char in enumerate(block.text):
            positions.append(len(text))  # a word's first character: where its first copy starts
            word_start = char != " " and (index == 0 or block.text[index - 1] == " ")
            if word_start:
                word = block.text[index:].split(" ")[0]
                text += word
            text += char
        positions.append(len(text))
        spans = tuple(
            Span(positions[s.start], positions[s.end], s.open, s.close, s.point) for s in block.spans
        )
        out.append(TranslatedBlock(_double_words(block.text), spans))
    return out


def _double_words(text: str) -> str:
    return " ".join(word + word for word in text.split(" "))


def _tokens(markdown: str) -> list[Token]:
    """All tokens, inline children flattened, in document order."""
    flat = []
    for token in MD.parse(markdown):
        flat.append(token)
        flat.extend(_children(token))
    return flat


def _children(token: Token) -> list[Token]:
    out = []
    for child in token.children or []:
        out.append(child)
        out.extend(_children(child))
    return out


VERBATIM = {"code_inline", "code_block", "fence", "html_block", "html_inline", "image"}


def _structure(markdown: str) -> list[tuple[object, ...]]:
    """Everything but the translated words: block and inline markup, URLs, titles, code, HTML,
    and images with their alt text (images are kept verbatim)."""
    return [
        (
            token.type,
            token.tag,
            token.markup,
            tuple(sorted(token.attrs.items())),
            token.info,
            token.content if token.type in VERBATIM else None,
        )
        for token in _tokens(markdown)
        if token.type != "text"
    ]


def test_dispatch_blocks_and_places() -> None:
    doc = parse(DISPATCH.encode(), FormatOptions())
    texts = [block.text for block in doc.blocks]
    assert texts == [
        "Séoul et Paris renforcent leur coopération",
        "SÉOUL, 12 mars (Yonhap) -- Le président a reçu le ministre à la .",
        "Une citation importante du porte-parole.",
        "Premier point ",
        "Sous-point fort",
        "Second point avec ",
        "Pays",
        "Montant",
        "Corée",
        "12 \\| 13",
    ]
    assert [block.where for block in doc.blocks][:3] == ["heading 1, line 1", "line 3", "line 5"]
    assert doc.blocks[6].where == "table cell 1, line 11"
    link = doc.blocks[1].spans[1]
    assert (link.open, link.close) == ("[", '](https://fr.yna.co.kr/view/1 "Yonhap")')
    assert doc.blocks[1].text[link.start : link.end] == "le ministre"
    code = doc.blocks[1].spans[2]
    assert code == Span(64, 64, "`Maison bleue`", point=True)
    assert doc.blocks[3].spans == (Span(14, 14, "![carte](carte.png)", point=True),)


def test_identity_is_byte_for_byte() -> None:
    doc = parse(DISPATCH.encode(), FormatOptions())
    assert doc.render(_identity(doc), "en") == DISPATCH.encode()


def test_translation_keeps_markup_and_urls() -> None:
    doc = parse(DISPATCH.encode(), FormatOptions())
    # upper case keeps the lengths, so the spans stay where they are
    translated = [TranslatedBlock(block.text.upper(), block.spans) for block in doc.blocks]
    out = doc.render(translated, "en").decode()
    assert '[LE MINISTRE](https://fr.yna.co.kr/view/1 "Yonhap")' in out
    assert "`Maison bleue`" in out
    assert 'print("pas traduit")' in out
    assert "    code indenté\n" in out
    assert '<div class="x">\nbloc HTML\n</div>' in out
    assert '[ref]: https://example.org "Réf"' in out
    assert "| CORÉE | 12 \\| 13 |" in out
    assert _structure(out) == _structure(DISPATCH)


def test_soft_line_breaks_join_into_one_line() -> None:
    source = "> Le président a dit\n> que **la\n> coopération** continue.\n\nFin.\n"
    doc = parse(source.encode(), FormatOptions())
    assert doc.blocks[0].text == "Le président a dit que la coopération continue."
    out = doc.render(_identity(doc), "en").decode()
    assert out == "> Le président a dit que **la coopération** continue.\n\nFin.\n"
    assert " ".join(MD.render(out).split()) == " ".join(MD.render(source).split())


def test_translation_with_a_newline_stays_one_paragraph() -> None:
    doc = parse(b"- un\n- deux\n", FormatOptions())
    out = doc.render([TranslatedBlock("one\n# two"), TranslatedBlock("two")], "en")
    assert out == b"- one # two\n- two\n"


def test_hard_line_break_keeps_words_apart() -> None:
    source = "> Séoul  \n> Paris\\\n> x\n"
    doc = parse(source.encode(), FormatOptions())
    assert doc.blocks[0].text == "Séoul Paris x"
    assert [span.open for span in doc.blocks[0].spans] == ["  \n> ", "\\\n> "]
    assert doc.render(_identity(doc), "en").decode() == source


def test_setext_heading_entities_escapes_and_references() -> None:
    source = "Titre *un*\n---\n\nR&amp;D \\*pas\\* [lien][r] et [r].\n\n[r]: /u\n"
    doc = parse(source.encode(), FormatOptions())
    assert doc.blocks[0].where == "heading 2, line 1"
    assert doc.blocks[1].text == "R&amp;D \\*pas\\* lien et r."
    assert [(s.open, s.close) for s in doc.blocks[1].spans] == [("[", "][r]"), ("[", "]")]
    assert doc.render(_identity(doc), "en").decode() == source


def test_empty_and_image_only_blocks_are_not_translated() -> None:
    source = "![seule](a.png)\n\n#\n\n|  |  |\n|--|--|\n"
    doc = parse(source.encode(), FormatOptions())
    assert doc.blocks == []
    assert doc.render([], "en") == source.encode()


def test_bom_and_crlf_are_kept() -> None:
    source = "\ufeff# Titre\r\n\r\nTexte *ici*\r\n"
    doc = parse(source.encode(), FormatOptions())
    assert [block.text for block in doc.blocks] == ["Titre", "Texte ici"]
    assert doc.render(_identity(doc), "en") == source.encode()


def test_wrong_number_of_translations() -> None:
    doc = parse(b"a\n\nb\n", FormatOptions())
    with pytest.raises(ValueError, match="1 translations for 2 blocks"):
        doc.render([TranslatedBlock("x")], "en")


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"\xff\xfe", Limits(), "not UTF-8"),
        (b"a" * 20, Limits(max_bytes=10), "20 bytes; the limit is 10"),
        (b"word " * 20, Limits(max_chars=10), "characters; the limit is 10"),
        (b"> " * 10 + b"deep", Limits(max_depth=5), "levels deep; the limit is 5"),
        (b"- a\n" * 50, Limits(max_elements=30), "elements; the limit is 30"),
    ],
)
def test_bad_input(data: bytes, limits: Limits, message: str) -> None:
    with pytest.raises(DocumentFormatError, match=message):
        parse(data, FormatOptions(limits=limits))


# Generated documents: every paragraph on one line, inline markup nested at random.
WORDS = st.sampled_from(["Séoul", "Paris", "président", "accord", "été", "Yonhap", "12", "l'ONU", "(Corée)"])


def _inline(depth: int, links: bool = True) -> st.SearchStrategy[str]:
    """Inline Markdown: words, code, images, autolinks, HTML, and emphasis and links (links do not
    nest in links) around inline Markdown."""
    leaf = st.one_of(
        WORDS,
        WORDS.map(lambda w: f"`{w}`"),
        WORDS.map(lambda w: f"![{w}](img/{w}.png)"),
        st.just("<https://yna.co.kr/a?b=1>"),
        st.just("<b>"),
    )
    if depth == 0:
        return leaf
    inner = st.lists(_inline(depth - 1, links), min_size=1, max_size=3).map(" ".join)
    label = st.lists(_inline(depth - 1, links=False), min_size=1, max_size=3).map(" ".join)
    emphasis = st.tuples(st.sampled_from(["*", "**", "_", "__", "~~"]), inner)
    choices = [leaf, leaf, emphasis.map(lambda p: f"{p[0]}{p[1]}{p[0]}")]
    if links:
        choices.append(label.map(lambda t: f'[{t}](https://example.org/{len(t)} "titre")'))
        choices.append(label.map(lambda t: f"[{t}](<a b.html>)"))
    return st.one_of(*choices)


LINE = st.lists(_inline(2), min_size=1, max_size=5).map(" ".join)


def _block() -> st.SearchStrategy[str]:
    return st.one_of(
        LINE,
        st.tuples(st.integers(1, 6), LINE).map(lambda p: "#" * p[0] + " " + p[1]),
        LINE.map(lambda t: t + "\n===="),
        LINE.map(lambda t: "> " + t),
        st.lists(LINE, min_size=1, max_size=3).map(lambda items: "\n".join("- " + i for i in items)),
        st.lists(LINE, min_size=1, max_size=3).map(
            lambda items: "\n".join(f"{n}. {i}\n   - {i}" for n, i in enumerate(items, 1))
        ),
        st.lists(WORDS, min_size=2, max_size=4).map(
            lambda cells: (
                "| " + " | ".join(cells) + " |\n|" + "---|" * len(cells) + "\n| " + " | ".join(cells) + " |"
            )
        ),
        LINE.map(lambda t: f"```\n{t}\n```"),
        LINE.map(lambda t: "    " + t),
        LINE.map(lambda t: f"<div>\n{t}\n</div>"),
    )


DOCUMENTS = st.lists(_block(), min_size=1, max_size=6).map(lambda blocks: "\n\n".join(blocks) + "\n")


@settings(max_examples=60, deadline=None)
@given(DOCUMENTS)
def test_generated_identity_round_trip(source: str) -> None:
    doc = parse(source.encode(), FormatOptions())
    assert doc.render(_identity(doc), "en").decode() == source
    # every heading, paragraph and cell with words became a block (none was left aside)
    with_words = [token for token in MD.parse(source) if token.type == "inline" and _has_words(token)]
    assert len(doc.blocks) == len(with_words)


def _has_words(inline: Token) -> bool:
    """Whether an inline token has text outside autolinks (images hold theirs as children)."""
    in_autolink = False
    for child in inline.children or []:
        if child.type in ("link_open", "link_close") and child.markup == "autolink":
            in_autolink = child.type == "link_open"
        elif child.type == "text" and child.content.strip() and not in_autolink:
            return True
    return False


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("upper", lambda doc: [TranslatedBlock(b.text.upper(), b.spans) for b in doc.blocks]),
        ("doubled", _doubled),
    ],
)
@settings(max_examples=40, deadline=None)
@given(source=DOCUMENTS)
def test_generated_translation_keeps_structure(
    name: str,
    transform: Callable[[MarkdownDocument], list[TranslatedBlock]],
    source: str,
) -> None:
    doc = parse(source.encode(), FormatOptions())
    out = doc.render(transform(doc), "en").decode()
    assert _structure(out) == _structure(source), name
    assert len(parse(out.encode(), FormatOptions()).blocks) == len(doc.blocks)
