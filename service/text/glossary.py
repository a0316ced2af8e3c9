"""A glossary of Korean names and recurring terms in French, English and Korean, and tolerant matching.

The shipped glossary (``service/data/glossary.tsv``) lists people, places, organizations, parties,
companies, North Korean institutions and recurring terms as they are written in French, English and
Korean Yonhap dispatches. Users can add their own files (TSV or YAML) and requests can carry their own
entries; both override shipped entries that share a French form.

File formats
------------
TSV: a header line ``kind<TAB>fr<TAB>en<TAB>ko<TAB>note`` (the ``note`` column is optional), then one
entry a line. Blank lines and lines starting with ``#`` are skipped. In the ``fr``, ``en`` and ``ko``
columns several variants are separated by ``|``; the first is the canonical form. ``fr`` must not be
empty; an empty ``en`` or ``ko`` cell means the entry has no form in that language.

YAML: a list of mappings with the keys ``kind`` (default ``term``), ``fr``, ``en``, ``ko`` and ``note``;
``fr``, ``en`` and ``ko`` hold a string or a list of strings. In every format a string is split on
``|`` into variants.

Matching rules (:meth:`Glossary.find`)
--------------------------------------
Text and forms are compared after folding: case and accents are ignored (NFD, combining marks dropped,
casefold; Hangul syllables are kept whole), typographic apostrophes are read as ``'``, hyphens and
dashes as spaces, and runs of spaces count as one. A hyphen in a form also matches nothing at all
("Cho Tae-yul" matches "Cho Tae yul" and "Cho Taeyul"). Matches are leftmost-longest and do not
overlap: "Corée du Nord" wins over "Corée", "Parti démocrate de Corée" over "Parti démocrate".

French and English: a form matches whole words only ("Kia" is not found in "Kiang"). An elided article
before the form ("l'Assemblée nationale", "d'Incheon") is outside the match. Every lowercase word of
three letters or more that does not already end in s, x or z may take a plural: ``s`` or ``x`` in
French (``-al`` also gives ``-aux``), ``s`` in English (``-y`` also gives ``-ies``, ``-ch``/``-sh`` give
``-es``). Capitalised words (names) and acronyms are never pluralised.

Korean: particles are written after nouns with no space ("서울에서", "국회는"), so any Hangul may follow
a form. Before a form, a Hangul syllable is refused when the form is one or two syllables long, so
"서울" is not found in "동서울" and "북한" not in "남북한"; longer forms are specific enough to be found
inside compounds. A one-syllable form ("원") must also stand alone or be followed by a common particle
("원을", "원대", "원어치"); it may come right after a number word ("3억원", "1조 원"). Spaces in a
Korean form are optional in the text ("단거리 탄도미사일" also matches "단거리탄도미사일").

When two entries share a form in one language, the later entry wins that form.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from service.errors import MtsError
from service.languages import CODES

__all__ = [
    "DEFAULT_GLOSSARY_PATH",
    "KINDS",
    "LANGS",
    "Glossary",
    "GlossaryEntry",
    "GlossaryError",
    "GlossaryMatch",
    "default_glossary",
    "glossary_from_mapping",
    "glossary_from_settings",
    "load_glossary",
]

KINDS: frozenset[str] = frozenset(
    {"person", "place", "organization", "party", "company", "nk_institution", "term"}
)
LANGS: tuple[str, ...] = CODES
DEFAULT_GLOSSARY_PATH: Path = Path(__file__).resolve().parent.parent / "data" / "glossary.tsv"

_REQUIRED_COLUMNS = ("kind", *CODES)
_COLUMNS = (*_REQUIRED_COLUMNS, "note")
_ITEM_KEYS = frozenset(_COLUMNS)
_DEFAULT_KIND = "term"


class GlossaryError(MtsError):
    """A glossary file or a request glossary that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class GlossaryEntry:
    """One name or term with its forms in French, English and Korean (first form = canonical)."""

    kind: str
    fr: tuple[str, ...]
    en: tuple[str, ...]
    ko: tuple[str, ...]
    note: str = ""

    def forms(self, lang: str) -> tuple[str, ...]:
        """All forms in ``lang`` ("fr", "en" or "ko"), canonical first."""
        if lang == "fr":
            return self.fr
        if lang == "en":
            return self.en
        if lang == "ko":
            return self.ko
        raise ValueError(f"unknown glossary language {lang!r} (expected one of: {', '.join(LANGS)})")

    def target(self, lang: str) -> str:
        """The canonical form in ``lang``; :class:`GlossaryError` when the entry has none."""
        forms = self.forms(lang)
        if not forms:
            name = self.fr[0] if self.fr else "?"
            raise GlossaryError(f"glossary entry {name!r} has no {lang} form")
        return forms[0]


@dataclass(frozen=True)
class GlossaryMatch:
    """A glossary form found in a text; ``text == searched[start:end]``."""

    entry: GlossaryEntry
    start: int
    end: int
    text: str


# --------------------------------------------------------------------------------------------------
# Folding

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_HANGUL = "\uac00-\ud7a3"
_APOSTROPHES = frozenset("'’ʼ‘`´′")
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_LIGATURES = {"œ": "oe", "æ": "ae"}


def _is_hangul(char: str) -> bool:
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """The folded form of one character: "", one character or a few (ß → ss)."""
    if _is_hangul(char):
        return char
    if char in _APOSTROPHES:
        return "'"
    if char in _HYPHENS or char.isspace():
        return " "
    if unicodedata.category(char) == "Cf":  # soft hyphen, zero-width space and joiners
        return ""
    decomposed = unicodedata.normalize("NFD", char)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(_LIGATURES.get(c, c) for c in folded)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Folded text (single spaces, no leading space) and, for each folded character, its source index."""
    chars: list[str] = []
    index: list[int] = []
    last_space = True
    for i, char in enumerate(text):
        folded = _fold_char(char)
        for piece in folded:
            if piece == " ":
                if last_space:
                    continue
                last_space = True
            else:
                last_space = False
            chars.append(piece)
            index.append(i)
    return "".join(chars), index


def _fold_key(form: str) -> str:
    """A form as compared across entries (for overrides and duplicate checks)."""
    return _fold_with_offsets(form)[0].strip()


# --------------------------------------------------------------------------------------------------
# Form patterns

# A Latin letter or digit of folded text (lowercase, accents stripped). Kept within Latin-1: the class
# is repeated after every Latin form, and characters above U+00FF make compiling the pattern slow.
_LATIN_WORD = "[0-9a-z\u00df-\u00f6\u00f8-\u00ff]"
_LEFT_LATIN = f"(?<!{_LATIN_WORD})"
_RIGHT_LATIN = f"(?!{_LATIN_WORD})"
_LEFT_HANGUL_SHORT = f"(?<![{_HANGUL}])"
_LEFT_HANGUL_SYLLABLE = f"(?:(?<![{_HANGUL}])|(?<=[십백천만억조]))"
_PARTICLES = (
    "은", "는", "이", "을", "를", "의", "에", "에서", "에는", "에도", "으로", "로", "도", "과", "와",
    "만", "씩", "대", "어치", "가량", "까지", "부터", "이나", "이며", "이다", "인", "보다", "정도",
    "규모", "상당",
)  # fmt: skip
_RIGHT_HANGUL_SYLLABLE = (
    "(?=(?:" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + f")?(?![{_HANGUL}]))"
)
# Root branches, tried in this order so that a longer Korean form wins over a shorter one.
_ROOTS = ("", _LEFT_LATIN, _LEFT_HANGUL_SHORT, _LEFT_HANGUL_SYLLABLE)

_WORD_RE = re.compile(r"[^\W\d_]+")
_ESCAPED_SPACE = re.escape(" ")


def _plural_suffix(word: str, lang: str) -> tuple[int, str]:
    """(folded characters to drop from the end of ``word``, regex to put instead) for a plural."""
    if lang == "fr":
        if word.endswith("al"):
            return 2, "(?:aux|als?)"
        return 0, "[sx]?"
    if len(word) >= 2 and word.endswith("y") and word[-2] not in "aeiou":
        return 1, "(?:ies|y)"
    if word.endswith(("ch", "sh")):
        return 0, "(?:es)?"
    return 0, "s?"


def _form_atoms(form: str, lang: str) -> tuple[str, ...]:
    """A form as a sequence of regex fragments: left boundary, characters, tolerances, right boundary."""
    form = unicodedata.normalize("NFC", form)
    plural_ends: dict[int, str] = {}
    if lang in ("fr", "en"):
        for word in _WORD_RE.finditer(form):
            raw = word.group()
            folded = _fold_key(raw)
            if raw[0].islower() and len(folded) >= 3 and not folded.endswith(("s", "x", "z")):
                plural_ends[word.end() - 1] = folded
    atoms: list[str] = []
    literal_count = 0  # trailing atoms that are single literal characters
    for i, char in enumerate(form):
        if char in _HYPHENS:
            if atoms and atoms[-1] != _ESCAPED_SPACE and not atoms[-1].startswith("(?:\\ )"):
                atoms.append("(?:\\ )?")
            literal_count = 0
        elif char.isspace():
            if atoms and atoms[-1] not in (_ESCAPED_SPACE, "(?:\\ )?"):
                atoms.append("(?:\\ )?" if lang == "ko" else _ESCAPED_SPACE)
            literal_count = 0
        elif char in _APOSTROPHES:
            following = form[i + 1 : i + 2]
            atoms.append("'(?:\\ )?" if following.isalnum() else "'")
            literal_count = 0
        else:
            for piece in _fold_char(char):
                atoms.append(re.escape(piece))
                literal_count += 1
        if i in plural_ends:
            drop, suffix = _plural_suffix(plural_ends[i], lang)
            if drop <= literal_count:
                del atoms[len(atoms) - drop :]
                atoms.append(suffix)
                literal_count = 0
    while atoms and atoms[-1] in (_ESCAPED_SPACE, "(?:\\ )?"):
        atoms.pop()
    if not atoms:
        return ()
    core = form.strip()
    first, last = core[0], core[-1]
    syllables = sum(1 for c in core if _is_hangul(c))
    if _is_hangul(first):
        if syllables == 1:
            left = _LEFT_HANGUL_SYLLABLE
        elif syllables == 2:
            left = _LEFT_HANGUL_SHORT
        else:
            left = ""
    elif first.isalnum():
        left = _LEFT_LATIN
    else:
        left = ""
    if _is_hangul(last):
        right = _RIGHT_HANGUL_SYLLABLE if syllables == 1 and _is_hangul(first) else ""
    elif last.isalnum():
        right = _RIGHT_LATIN
    else:
        right = ""
    return (left, *atoms, right)


@dataclass
class _Node:
    children: dict[str, _Node]
    slot: int | None = None  # index of the form ending here
    depth: int = 0  # atoms on the longest path below


def _set_depths(node: _Node) -> int:
    node.depth = 1 + max((_set_depths(child) for child in node.children.values()), default=0)
    return node.depth


def _render(node: _Node, slots: list[int]) -> str:
    """The regex of a trie node: longer continuations first, then the end of a form.

    The end of a form is an empty capturing group; ``slots`` receives the form index of each group in
    pattern order, which is the order in which :mod:`re` numbers them.
    """
    alternatives: list[str] = []
    for first_atom, first_child in sorted(node.children.items(), key=lambda item: -item[1].depth):
        fragment, child = first_atom, first_child
        while child.slot is None and len(child.children) == 1:  # fold a chain into one fragment
            next_atom, child = next(iter(child.children.items()))
            fragment += next_atom
        alternatives.append(fragment + _render(child, slots))
    if node.slot is not None:
        slots.append(node.slot)
        alternatives.append("()")
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


class _Matcher:
    """One compiled regex over all forms of one language."""

    def __init__(self, keyed: Mapping[tuple[str, ...], GlossaryEntry]) -> None:
        self._keys = list(keyed)
        self._entries = list(keyed.values())
        slots: list[int] = []
        branches: list[str] = []
        for root in _ROOTS:
            trie = _Node(children={})
            for slot, key in enumerate(self._keys):
                if key[0] == root:
                    node = trie
                    for atom in key[1:]:
                        if atom:
                            node = node.children.setdefault(atom, _Node(children={}))
                    node.slot = slot
            if trie.children:
                _set_depths(trie)
                branches.append(root + _render(trie, slots))
        self._group_slots = [-1, *slots]  # group number -> form index
        self._regex = re.compile("|".join(branches)) if branches else None

    def scan(self, text: str) -> Iterator[tuple[int, int, tuple[str, ...], GlossaryEntry]]:
        """(start, end, form key, entry) of every match, in text order, offsets in ``text``."""
        if self._regex is None or not text:
            return
        folded, index = _fold_with_offsets(text)
        for match in self._regex.finditer(folded):
            group = match.lastindex
            if group is None or match.end() == match.start():
                continue
            start = index[match.start()]
            end = index[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            slot = self._group_slots[group]
            yield start, end, self._keys[slot], self._entries[slot]


class Glossary:
    """Glossary entries and fast, tolerant search of their forms in a text."""

    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self.entries: tuple[GlossaryEntry, ...] = tuple(entries)
        self._members = frozenset(self.entries)
        self._matchers: dict[str, _Matcher] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[GlossaryEntry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return f"Glossary({len(self.entries)} entries)"

    def merged(self, other: Glossary) -> Glossary:
        """This glossary plus ``other``; an entry of ``other`` replaces those sharing a French form.

        The result searches with both glossaries' own matchers (``other``'s matches win where they
        overlap), so a small request glossary costs no recompilation of a large one."""
        return _Layered(self, other)

    def find(self, text: str, lang: str) -> list[GlossaryMatch]:
        """Non-overlapping, leftmost-longest matches of the ``lang`` forms in ``text``, in text order."""
        return [
            GlossaryMatch(entry=entry, start=start, end=end, text=text[start:end])
            for start, end, _, entry in self._matcher(lang).scan(text)
        ]

    def rendered(self, entry: GlossaryEntry, text: str, lang: str) -> bool:
        """True when one of ``entry``'s ``lang`` forms is found in ``text`` (same rules as :meth:`find`).

        For an entry of this glossary the search sees the other entries too, so "Korea" inside
        "North Korea" is not taken as South Korea.
        """
        keys = {key for form in entry.forms(lang) if (key := _form_atoms(form, lang))}
        if not keys:
            return False
        glossary = self if entry in self._members else Glossary([entry])
        return any(key in keys for _, _, key, _ in glossary._matcher(lang).scan(text))

    def _matcher(self, lang: str) -> _Matcher:
        if lang not in LANGS:
            raise ValueError(f"unknown glossary language {lang!r} (expected one of: {', '.join(LANGS)})")
        matcher = self._matchers.get(lang)
        if matcher is None:
            matcher = self._matchers[lang] = _compiled_matcher(self.entries, lang)
        return matcher


class _Layered(Glossary):
    """A base glossary with another laid over it (see :meth:`Glossary.merged`)."""

    def __init__(self, base: Glossary, top: Glossary) -> None:
        replaced = {_fold_key(form) for entry in top.entries for form in entry.fr}
        self._base, self._top = base, top
        self._kept = frozenset(e for e in base.entries if not any(_fold_key(f) in replaced for f in e.fr))
        super().__init__([e for e in base.entries if e in self._kept] + list(top.entries))

    def find(self, text: str, lang: str) -> list[GlossaryMatch]:
        top = self._top.find(text, lang)
        below = [
            m
            for m in self._base.find(text, lang)
            if m.entry in self._kept and not any(m.start < t.end and t.start < m.end for t in top)
        ]
        return sorted(top + below, key=lambda m: m.start)

    def rendered(self, entry: GlossaryEntry, text: str, lang: str) -> bool:
        if entry in self._top._members:
            return self._top.rendered(entry, text, lang)
        return self._base.rendered(entry, text, lang)


@functools.lru_cache(maxsize=32)
def _compiled_matcher(entries: tuple[GlossaryEntry, ...], lang: str) -> _Matcher:
    """The matcher of ``lang`` forms, shared by glossaries with the same entries (compiling takes ~0.2 s)."""
    keyed: dict[tuple[str, ...], GlossaryEntry] = {}
    for entry in entries:
        for form in entry.forms(lang):
            key = _form_atoms(form, lang)
            if key:
                keyed.pop(key, None)  # the later entry wins
                keyed[key] = entry
    return _Matcher(keyed)


# --------------------------------------------------------------------------------------------------
# Loading


def _split_forms(value: str) -> list[str]:
    return [" ".join(part.split()) for part in value.split("|")]


def _forms(value: object, field: str, *, required: bool) -> tuple[str, ...]:
    """Validated forms of one field: a string (variants separated by ``|``) or a list of strings."""
    if value is None or value in ("", []):
        if required:
            raise ValueError(f"no {field} form")
        return ()
    if isinstance(value, str):
        parts = _split_forms(value)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        parts = [part for item in value for part in _split_forms(item)]
    else:
        raise ValueError(f"{field} must be a string or a list of strings, not {type(value).__name__}")
    forms: list[str] = []
    seen: set[str] = set()
    for part in parts:
        form = unicodedata.normalize("NFC", part)
        key = _fold_key(form)
        if not key or not any(c.isalnum() for c in key):
            raise ValueError(f"empty form in {field}")
        if key not in seen:
            seen.add(key)
            forms.append(form)
    return tuple(forms)


def _entry(item: Mapping[str, object]) -> GlossaryEntry:
    """An entry from a mapping with the keys kind, fr, en, ko and note; ``ValueError`` when invalid."""
    unknown = sorted(str(key) for key in item if key not in _ITEM_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (expected: {', '.join(_COLUMNS)})")
    kind = item.get("kind")
    if kind is None or kind == "":
        kind = _DEFAULT_KIND
    if not isinstance(kind, str) or kind.strip() not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of: {', '.join(sorted(KINDS))})")
    note = item.get("note")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValueError(f"note must be a string, not {type(note).__name__}")
    return GlossaryEntry(
        kind=kind.strip(),
        fr=_forms(item.get("fr"), "fr", required=True),
        en=_forms(item.get("en"), "en", required=False),
        ko=_forms(item.get("ko"), "ko", required=False),
        note=" ".join(note.split()),
    )


def _load_tsv(path: Path, text: str) -> list[GlossaryEntry]:
    header: list[str] | None = None
    entries: list[GlossaryEntry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if header is None:
            header = [cell.lower() for cell in cells]
            for column in header:
                if column not in _COLUMNS:
                    raise GlossaryError(
                        f"{path}:{lineno}: unknown column {column!r} (expected: {', '.join(_COLUMNS)})"
                    )
                if header.count(column) > 1:
                    raise GlossaryError(f"{path}:{lineno}: column {column!r} appears twice")
            for column in _REQUIRED_COLUMNS:
                if column not in header:
                    raise GlossaryError(
                        f"{path}:{lineno}: missing column {column!r} in the header line "
                        f"(expected tab-separated: {', '.join(_COLUMNS)})"
                    )
            continue
        needed = 1 + max(header.index(column) for column in _REQUIRED_COLUMNS)
        if not needed <= len(cells) <= len(header):
            raise GlossaryError(
                f"{path}:{lineno}: expected {len(header)} tab-separated columns, found {len(cells)}"
            )
        try:
            entries.append(_entry(dict(zip(header, cells, strict=False))))
        except ValueError as exc:
            raise GlossaryError(f"{path}:{lineno}: {exc}") from None
    if header is None:
        raise GlossaryError(f"{path}: missing header line (expected tab-separated: {', '.join(_COLUMNS)})")
    return entries


def _load_yaml(path: Path, text: str) -> list[GlossaryEntry]:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise GlossaryError(f"{where}: invalid YAML: {problem}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise GlossaryError(f"{path}: expected a list of entries, found {type(data).__name__}")
    lines = [node.start_mark.line + 1 for node in root.value] if isinstance(root, yaml.SequenceNode) else []
    entries: list[GlossaryEntry] = []
    for number, item in enumerate(data, start=1):
        where = f"{path}: entry {number}" + (f" (line {lines[number - 1]})" if number <= len(lines) else "")
        if not isinstance(item, dict):
            raise GlossaryError(f"{where}: expected a mapping with keys {', '.join(_COLUMNS)}")
        try:
            entries.append(_entry(item))
        except ValueError as exc:
            raise GlossaryError(f"{where}: {exc}") from None
    return entries


def load_glossary(path: str | Path) -> Glossary:
    """A glossary from a ``.tsv``, ``.yaml`` or ``.yml`` file; :class:`GlossaryError` when unusable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".tsv", ".yaml", ".yml"):
        raise GlossaryError(
            f"{path}: unsupported glossary file type {suffix or '(none)'!r} (use .tsv or .yaml)"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GlossaryError(f"{path}: glossary file not found") from None
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read glossary file ({exc.strerror or exc})") from None
    entries = _load_tsv(path, text) if suffix == ".tsv" else _load_yaml(path, text)
    return Glossary(entries)


@functools.cache
def default_glossary() -> Glossary:
    """The glossary shipped with the service."""
    return load_glossary(DEFAULT_GLOSSARY_PATH)


@functools.lru_cache(maxsize=16)
def glossary_from_settings(paths: str | None) -> Glossary:
    """The shipped glossary merged with each file of ``paths`` (separated by ``os.pathsep`` or commas).

    Later files override earlier ones and the shipped glossary. Results are cached by ``paths``: an
    edited file is read again only by a new process.
    """
    glossary = default_glossary()
    if not paths:
        return glossary
    for part in re.split(f"[{re.escape(os.pathsep)},]", paths):
        if part.strip():
            glossary = glossary.merged(load_glossary(part.strip()))
    return glossary


def glossary_from_mapping(items: list[dict[str, Any]]) -> Glossary:
    """A glossary from request data: items ``{"fr": ..., "en": ..., "ko": ..., "kind": ..., "note": ...}``.

    ``fr`` is required; ``en`` and ``ko`` are optional; ``kind`` defaults to "term". Each form field
    holds a string (variants separated by ``|``) or a list of strings. :class:`GlossaryError` names the
    index of the first invalid item.
    """
    if not isinstance(items, list):
        raise GlossaryError(f"glossary: expected a list of items, found {type(items).__name__}")
    entries: list[GlossaryEntry] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise GlossaryError(f"glossary item {index}: expected an object with keys {', '.join(_COLUMNS)}")
        try:
            entries.append(_entry(item))
        except ValueError as exc:
            raise GlossaryError(f"glossary item {index}: {exc}") from None
    return Glossary(entries)
