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
``-es``). Capitalised words (names) and acronyms are never pluralised, but for English peoples in
``-an`` ("South Koreans").

Korean: particles are written after nouns with no space ("서울에서", "국회는"), so any Hangul may follow
a form. Before a form, a Hangul syllable is refused when the form is one or two syllables long, so
"서울" is not found in "동서울" and "북한" not in "남북한"; longer forms are specific enough to be found
inside compounds. A one-syllable form ("원") must also stand alone or be followed by a common particle
("원을", "원대", "원어치"); it may come right after a number word ("3억원", "1조 원"). Spaces in a
Korean form are optional in the text ("단거리 탄도미사일" also matches "단거리탄도미사일").

When two entries share a form in one language, the later entry wins that form.

Limits
------
A form has at most :data:`MAX_FORM_CHARS` characters and :data:`MAX_FORM_WORDS` words, a field at most
:data:`MAX_FORMS_PER_FIELD` forms, a note :data:`MAX_NOTE_CHARS` characters. A request glossary has at
most :data:`MAX_REQUEST_ENTRIES` entries and :data:`MAX_REQUEST_CHARS` characters of forms per
language; a file at most :data:`MAX_FILE_BYTES` bytes and :data:`MAX_FILE_ENTRIES` entries, and must be
a regular file. Each limit is a :class:`GlossaryError` naming the file and line or the request item.
Patterns are built and compiled without recursion over a form, and a large glossary compiles per
text only the forms the text may contain.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import stat
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from service.errors import MtsError
from service.languages import CODES

__all__ = [
    "DEFAULT_GLOSSARY_PATH",
    "FORMATS",
    "KINDS",
    "LANGS",
    "MAX_FILE_BYTES",
    "MAX_FILE_ENTRIES",
    "MAX_FORMS_PER_FIELD",
    "MAX_FORM_CHARS",
    "MAX_FORM_WORDS",
    "MAX_NOTE_CHARS",
    "MAX_REQUEST_CHARS",
    "MAX_REQUEST_ENTRIES",
    "Glossary",
    "GlossaryEntry",
    "GlossaryError",
    "GlossaryMatch",
    "GlossaryTooLargeError",
    "default_glossary",
    "entries_from_items",
    "entry_item",
    "format_entries",
    "glossary_from_mapping",
    "glossary_from_settings",
    "load_glossary",
    "parse_entries",
]

KINDS: frozenset[str] = frozenset(
    {"person", "place", "organization", "party", "company", "nk_institution", "term"}
)
LANGS: tuple[str, ...] = CODES
DEFAULT_GLOSSARY_PATH: Path = Path(__file__).resolve().parent.parent / "data" / "glossary.tsv"

# Limits. Every form becomes part of a compiled pattern, so these bound the time and memory one file
# or one request can cost; each is enforced with a GlossaryError that names the file or the item.
MAX_FORM_CHARS = 200
"""Characters in one form (after runs of spaces are made one)."""
MAX_FORM_WORDS = 20
"""Words in one form (runs of letters or digits: "Cho Tae-yul" has three)."""
MAX_FORMS_PER_FIELD = 20
"""Forms (variants) in one ``fr``, ``en`` or ``ko`` field."""
MAX_NOTE_CHARS = 1000
"""Characters in one note."""
MAX_REQUEST_ENTRIES = 500
"""Entries in a request glossary (:func:`glossary_from_mapping`)."""
MAX_REQUEST_CHARS = 20_000
"""Characters of all forms of one language in a request glossary (40 a entry on average; the shipped
glossary has 26): this bounds the time a request spends compiling its glossary to about a second."""
MAX_FILE_BYTES = 4 * 1024 * 1024
"""Size of a glossary file (:func:`load_glossary`); larger files and files that are not regular files
(``/dev/zero``, a pipe, a directory) are refused before they are read."""
MAX_FILE_ENTRIES = 20_000
"""Entries in one glossary file."""

_REQUIRED_COLUMNS = ("kind", *CODES)
_COLUMNS = (*_REQUIRED_COLUMNS, "note")
_ITEM_KEYS = frozenset(_COLUMNS)
_DEFAULT_KIND = "term"


class GlossaryError(MtsError):
    """A glossary file or a request glossary that cannot be used; the message names the file and line."""


class GlossaryTooLargeError(GlossaryError):
    """Glossary text or a list of entries over its entry limit (the API answers 413)."""


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
    return " ".join("".join(map(_fold_char, form)).split())


# --------------------------------------------------------------------------------------------------
# Form patterns

# A Latin letter or digit of folded text (lowercase, accents stripped). Kept within Latin-1: the class
# is repeated after every Latin form, and characters above U+00FF make compiling the pattern slow.
_LATIN_WORD = "[0-9a-z\u00df-\u00f6\u00f8-\u00ff]"
_LEFT_LATIN = f"(?<!{_LATIN_WORD})"
_RIGHT_LATIN = f"(?!{_LATIN_WORD})"
# A two-syllable name begins no word, and follows no digit: "1대만" is "only one" (a counter and a
# particle), no Taiwan (yna-fr2-333).
_LEFT_HANGUL_SHORT = f"(?<![{_HANGUL}0-9])"
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


_escape = functools.lru_cache(maxsize=8192)(re.escape)


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
            elif lang == "en" and len(folded) >= 4 and folded.endswith("an"):
                plural_ends[word.end() - 1] = folded  # a people: "South Koreans" (yna-fr2-183)
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
                atoms.append(_escape(piece))
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


class _Node:
    """A trie node: one atom further than its parent."""

    __slots__ = ("children", "depth", "slot")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.slot: int | None = None  # index of the form ending here
        self.depth = 0  # atoms on the longest path below


# Alternations nested deeper than this in a pattern are written flat: :mod:`re` parses and compiles
# nested groups recursively, so a long chain of forms sharing prefixes must not nest without bound.
_MAX_NESTING = 24


def _insert(root: _Node, atoms: Iterable[str], slot: int) -> None:
    """Add a form to a trie, keeping each node's ``depth`` (1 + the depth of its deepest child)."""
    path = [atom for atom in atoms if atom]
    depth = len(path) + 1
    node = root
    node.depth = max(node.depth, depth)
    for atom in path:
        depth -= 1
        child = node.children.get(atom)
        if child is None:
            child = node.children[atom] = _Node()
        child.depth = max(child.depth, depth)
        node = child
    node.slot = slot


def _ordered_children(node: _Node) -> list[tuple[str, _Node]]:
    """Children in the order their alternatives are tried: longer continuations first."""
    if len(node.children) == 1:
        return list(node.children.items())
    return sorted(node.children.items(), key=lambda item: -item[1].depth)


def _flat(node: _Node) -> list[tuple[str, int]]:
    """(rest of the pattern, form index) of every form below ``node``, in the order of :func:`_render`."""
    forms: list[tuple[str, int]] = []
    stack: list[tuple[_Node, str] | tuple[None, str, int]] = [(node, "")]
    while stack:
        item = stack.pop()
        if item[0] is None:
            forms.append((item[1], item[2]))
            continue
        current, prefix = item
        pending: list[tuple[_Node, str] | tuple[None, str, int]] = [
            (child, prefix + atom) for atom, child in _ordered_children(current)
        ]
        if current.slot is not None:
            pending.append((None, prefix, current.slot))
        stack.extend(reversed(pending))
    return forms


def _render(root: _Node, slots: list[int]) -> str:
    """The regex of a trie: at each node, longer continuations first, then the end of a form.

    The end of a form is an empty capturing group; ``slots`` receives the form index of each group in
    pattern order, which is the order in which :mod:`re` numbers them. Built with an explicit stack;
    below :data:`_MAX_NESTING` nested alternations, a subtree is written as a flat alternation of its
    forms, tried in the same order.
    """
    parts: list[str] = []
    stack: list[str | tuple[_Node, int] | int] = [(root, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if isinstance(item, int):  # the end of a form
            slots.append(item)
            parts.append("()")
            continue
        node, nesting = item
        alternatives = len(node.children) + (node.slot is not None)
        if alternatives > 1 and nesting >= _MAX_NESTING:
            flat = _flat(node)
            slots.extend(slot for _, slot in flat)
            parts.append("(?:" + "|".join(rest + "()" for rest, _ in flat) + ")")
            continue
        inner = nesting + (alternatives > 1)
        sequence: list[str | tuple[_Node, int] | int] = []
        for first_atom, first_child in _ordered_children(node):
            fragment, child = first_atom, first_child
            while child.slot is None and len(child.children) == 1:  # fold a chain into one fragment
                next_atom, child = next(iter(child.children.items()))
                fragment += next_atom
            if sequence:
                sequence.append("|")
            sequence += [fragment, (child, inner)]
        if node.slot is not None:
            if sequence:
                sequence.append("|")
            sequence.append(node.slot)
        if alternatives > 1:
            sequence = ["(?:", *sequence, ")"]
        stack.extend(reversed(sequence))
    return "".join(parts)


# A matcher compiles one pattern of all its forms when they have at most this many atoms (the shipped
# glossary has about 12,000 in French, a request glossary at its limits about 22,000). A larger one
# (a big MTS_GLOSSARY file) compiles, for each text, a pattern of only the forms whose longest literal
# run the folded text contains (cached): compiling costs several µs an atom and a text holds few of the
# forms. The subset is tried in the same order; only the "longer continuation first" order between
# forms sharing a prefix is computed among the subset, which can only favour a longer match.
_FULL_PATTERN_ATOMS = 40_000
_SUBSET_CACHE_SIZE = 256
_INDEX_CHARS = 3


def _compile(keys: list[tuple[str, ...]], slots: Iterable[int]) -> tuple[re.Pattern[str] | None, list[int]]:
    """The pattern of the forms ``keys[slot]`` and its group number -> form index table."""
    chosen = list(slots)
    group_slots: list[int] = []
    branches: list[str] = []
    for root in _ROOTS:
        trie = _Node()
        for slot in chosen:
            if keys[slot][0] == root:
                _insert(trie, keys[slot][1:], slot)
        if trie.children:
            branches.append(root + _render(trie, group_slots))
    return (re.compile("|".join(branches)) if branches else None), [-1, *group_slots]


def _literal_run(key: tuple[str, ...]) -> str:
    """The longest run of literal characters that every match of ``key`` contains ("" if none)."""
    best = run = ""
    for atom in key[1:]:
        if len(atom) == 1 or (len(atom) == 2 and atom[0] == "\\"):
            run += atom[-1]
            if len(run) > len(best):
                best = run
        elif atom:
            run = ""
    return best


class _Matcher:
    """A compiled regex over all forms of one language (per text, a subset of them when many)."""

    def __init__(self, keyed: Mapping[tuple[str, ...], GlossaryEntry]) -> None:
        self._keys = list(keyed)
        self._entries = list(keyed.values())
        self._regex: re.Pattern[str] | None = None
        self._group_slots: list[int] = [-1]
        self._sparse = sum(map(len, self._keys)) > _FULL_PATTERN_ATOMS
        if not self._sparse:
            self._regex, self._group_slots = _compile(self._keys, range(len(self._keys)))
            return
        # Forms indexed by the first characters of their literal run; shorter runs are always tried.
        self._always: list[int] = []
        self._runs: list[str] = []
        self._by_prefix: dict[str, list[int]] = {}
        for slot, key in enumerate(self._keys):
            run = _literal_run(key)
            self._runs.append(run)
            if len(run) < _INDEX_CHARS:
                self._always.append(slot)
            else:
                self._by_prefix.setdefault(run[:_INDEX_CHARS], []).append(slot)
        self._subsets: OrderedDict[tuple[int, ...], tuple[re.Pattern[str] | None, list[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def _pattern(self, folded: str) -> tuple[re.Pattern[str] | None, list[int]]:
        if not self._sparse:
            return self._regex, self._group_slots
        prefixes = {folded[i : i + _INDEX_CHARS] for i in range(len(folded) - _INDEX_CHARS + 1)}
        candidates = list(self._always)
        for prefix in prefixes:
            for slot in self._by_prefix.get(prefix, ()):
                if self._runs[slot] in folded:
                    candidates.append(slot)
        subset = tuple(sorted(candidates))  # the glossary's order: the later entry wins a shared form
        with self._lock:
            compiled = self._subsets.get(subset)
            if compiled is not None:
                self._subsets.move_to_end(subset)
                return compiled
        compiled = _compile(self._keys, subset)
        with self._lock:
            self._subsets[subset] = compiled
            while len(self._subsets) > _SUBSET_CACHE_SIZE:
                self._subsets.popitem(last=False)
        return compiled

    def scan(self, text: str) -> Iterator[tuple[int, int, tuple[str, ...], GlossaryEntry]]:
        """(start, end, form key, entry) of every match, in text order, offsets in ``text``."""
        if not self._keys or not text:
            return
        folded, index = _fold_with_offsets(text)
        regex, group_slots = self._pattern(folded)
        if regex is None:
            return
        for match in regex.finditer(folded):
            group = match.lastindex
            if group is None or match.end() == match.start():
                continue
            start = index[match.start()]
            end = index[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            slot = group_slots[group]
            yield start, end, self._keys[slot], self._entries[slot]


class Glossary:
    """Glossary entries and fast, tolerant search of their forms in a text."""

    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self.entries: tuple[GlossaryEntry, ...] = tuple(entries)
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

    def prepare(self, langs: Iterable[str] = LANGS) -> None:
        """Compile the matchers of ``langs`` now rather than at the first search, and index the
        French forms that :meth:`merged` compares."""
        for lang in langs:
            self._matcher(lang)
        _ = self._french_key_set

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

    @functools.cached_property
    def _members(self) -> frozenset[GlossaryEntry]:
        """The entries as a set (computed when first needed: a merged glossary rarely needs it)."""
        return frozenset(self.entries)

    @functools.cached_property
    def _french_keys(self) -> tuple[frozenset[str], ...]:
        """The folded French forms of each entry (computed once: a large base is merged per request)."""
        return tuple(frozenset(_fold_key(form) for form in entry.fr) for entry in self.entries)

    @functools.cached_property
    def _french_key_set(self) -> frozenset[str]:
        """Every folded French form (computed once: a large glossary is laid over the base per request)."""
        return frozenset(key for keys in self._french_keys for key in keys)

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
        replaced = top._french_key_set
        self._base, self._top = base, top
        self._kept = frozenset(
            e for e, keys in zip(base.entries, base._french_keys, strict=True) if keys.isdisjoint(replaced)
        )
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


_WORDS_RE = re.compile(r"[^\W_]+")


def _split_forms(value: str) -> list[str]:
    return [" ".join(part.split()) for part in value.split("|")]


def _check_form(form: str, field: str) -> None:
    """``ValueError`` when ``form`` is over :data:`MAX_FORM_CHARS` or :data:`MAX_FORM_WORDS`."""
    shown = form if len(form) <= 40 else form[:40] + "…"
    if len(form) > MAX_FORM_CHARS:
        raise ValueError(
            f"{field} form {shown!r} is {len(form)} characters long (the limit is {MAX_FORM_CHARS})"
        )
    words = sum(1 for _ in _WORDS_RE.finditer(form))
    if words > MAX_FORM_WORDS:
        raise ValueError(f"{field} form {shown!r} has {words} words (the limit is {MAX_FORM_WORDS})")


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
    if len(parts) > MAX_FORMS_PER_FIELD:
        raise ValueError(f"{field} has {len(parts)} forms (the limit is {MAX_FORMS_PER_FIELD})")
    forms: list[str] = []
    seen: set[str] = set()
    for part in parts:
        _check_form(part, field)
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
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"note is {len(note)} characters long (the limit is {MAX_NOTE_CHARS})")
    return GlossaryEntry(
        kind=kind.strip(),
        fr=_forms(item.get("fr"), "fr", required=True),
        en=_forms(item.get("en"), "en", required=False),
        ko=_forms(item.get("ko"), "ko", required=False),
        note=" ".join(note.split()),
    )


def _split_rows(text: str, separated: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row of TSV (``separated == "tab"``) or CSV (RFC 4180 quoting)
    text that is not blank or a ``#`` comment; a CSV row is numbered by the line it starts on."""
    if separated == "tab":
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                yield lineno, line.split("\t")
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # comma-separated
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#"):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValueError(f"{reader.line_num}: invalid CSV: {exc}") from None


def _load_rows(where: str | Path, text: str, separated: str, max_entries: int) -> list[GlossaryEntry]:
    """Entries of TSV or CSV text: a header line naming the columns, then one entry a row."""
    try:
        rows = list(_split_rows(text, separated))
    except ValueError as exc:
        raise GlossaryError(f"{where}:{exc}") from None
    if len(rows) > max_entries + 1:  # and the header line; refused before any entry is built
        raise GlossaryTooLargeError(
            f"{where}:{rows[max_entries + 1][0]}: more than {max_entries} entries (the limit)"
        )
    header: list[str] | None = None
    entries: list[GlossaryEntry] = []
    for lineno, row in rows:
        cells = [cell.strip() for cell in row]
        if header is None:
            header = [cell.lower() for cell in cells]
            for column in header:
                if column not in _COLUMNS:
                    raise GlossaryError(
                        f"{where}:{lineno}: unknown column {column!r} (expected: {', '.join(_COLUMNS)})"
                    )
                if header.count(column) > 1:
                    raise GlossaryError(f"{where}:{lineno}: column {column!r} appears twice")
            for column in _REQUIRED_COLUMNS:
                if column not in header:
                    raise GlossaryError(
                        f"{where}:{lineno}: missing column {column!r} in the header line "
                        f"(expected {separated}-separated: {', '.join(_COLUMNS)})"
                    )
            continue
        needed = 1 + max(header.index(column) for column in _REQUIRED_COLUMNS)
        if not needed <= len(cells) <= len(header):
            raise GlossaryError(
                f"{where}:{lineno}: expected {len(header)} {separated}-separated columns, found {len(cells)}"
            )
        try:
            entries.append(_entry(dict(zip(header, cells, strict=False))))
        except ValueError as exc:
            raise GlossaryError(f"{where}:{lineno}: {exc}") from None
    if header is None:
        raise GlossaryError(
            f"{where}: missing header line (expected {separated}-separated: {', '.join(_COLUMNS)})"
        )
    return entries


def _load_tsv(path: Path, text: str) -> list[GlossaryEntry]:
    return _load_rows(path, text, "tab", MAX_FILE_ENTRIES)


# libyaml's parser when PyYAML has it: ten times faster on a large file.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml_size(path: Path, text: str) -> None:
    """Refuse a list of more than :data:`MAX_FILE_ENTRIES` entries from the parser's events, which
    cost a fifth of building the document; syntax errors are left to :func:`_load_yaml`."""
    loader = _YAML_LOADER(text)
    depth = entries = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if depth == 1 and isinstance(event, yaml.NodeEvent):
                entries += 1
                if entries > MAX_FILE_ENTRIES:
                    mark = event.start_mark
                    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
                    raise GlossaryError(f"{where}: more than {MAX_FILE_ENTRIES} entries (the limit per file)")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def _load_yaml(path: Path, text: str) -> list[GlossaryEntry]:
    _check_yaml_size(path, text)
    loader = _YAML_LOADER(text)
    try:  # one pass: the node tree gives each entry's line, then the data is built from it
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise GlossaryError(f"{where}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()
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


def _read_text(path: Path) -> str:
    """The text of a glossary file: a regular file of at most :data:`MAX_FILE_BYTES`, UTF-8."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise GlossaryError(f"{path}: not a regular file (a glossary must be a .tsv or .yaml file)")
        if info.st_size > MAX_FILE_BYTES:
            raise GlossaryError(
                f"{path}: glossary file too large ({info.st_size} bytes; the limit is {MAX_FILE_BYTES})"
            )
        # O_NONBLOCK: a file swapped for a pipe after the check must not block the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise GlossaryError(f"{path}: not a regular file (a glossary must be a .tsv or .yaml file)")
            data = file.read(MAX_FILE_BYTES + 1)  # the file may have grown since the check
    except FileNotFoundError:
        raise GlossaryError(f"{path}: glossary file not found") from None
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read glossary file ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise GlossaryError(f"{path}: glossary file too large (the limit is {MAX_FILE_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load_glossary(path: str | Path) -> Glossary:
    """A glossary from a ``.tsv``, ``.yaml`` or ``.yml`` file; :class:`GlossaryError` when unusable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".tsv", ".yaml", ".yml"):
        raise GlossaryError(
            f"{path}: unsupported glossary file type {suffix or '(none)'!r} (use .tsv or .yaml)"
        )
    text = _read_text(path)
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
    if len(items) > MAX_REQUEST_ENTRIES:
        raise GlossaryError(f"glossary: {len(items)} items (the limit is {MAX_REQUEST_ENTRIES})")
    entries: list[GlossaryEntry] = []
    chars = dict.fromkeys(LANGS, 0)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise GlossaryError(f"glossary item {index}: expected an object with keys {', '.join(_COLUMNS)}")
        try:
            entry = _entry(item)
        except ValueError as exc:
            raise GlossaryError(f"glossary item {index}: {exc}") from None
        for lang in LANGS:
            chars[lang] += sum(len(form) for form in entry.forms(lang))
            if chars[lang] > MAX_REQUEST_CHARS:
                raise GlossaryError(
                    f"glossary item {index}: the {lang} forms of the glossary exceed {MAX_REQUEST_CHARS} "
                    "characters in all (the limit per request)"
                )
        entries.append(entry)
    return Glossary(entries)


# --------------------------------------------------------------------------------------------------
# Stored glossaries: entries parsed from uploaded text, and written back out

FORMATS: tuple[str, ...] = ("tsv", "csv", "json")
"""Formats of uploaded and downloaded entries: TSV and CSV (a header line ``kind,fr,en,ko,note``, CSV
with RFC 4180 quoting) and JSON (a list of objects with those keys, the shape of a request glossary)."""


def entries_from_items(
    items: object, *, where: str = "entries", max_entries: int = MAX_FILE_ENTRIES
) -> list[GlossaryEntry]:
    """Entries from a list of ``{"kind", "fr", "en", "ko", "note"}`` objects (as a request glossary
    takes them); :class:`GlossaryError` names the first invalid item by its index."""
    if not isinstance(items, list):
        raise GlossaryError(f"{where}: expected a list of entries, found {type(items).__name__}")
    if len(items) > max_entries:
        raise GlossaryTooLargeError(f"{where}: {len(items)} entries (the limit is {max_entries})")
    entries: list[GlossaryEntry] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise GlossaryError(f"{where} item {index}: expected an object with keys {', '.join(_COLUMNS)}")
        try:
            entries.append(_entry(item))
        except ValueError as exc:
            raise GlossaryError(f"{where} item {index}: {exc}") from None
    return entries


def parse_entries(
    text: str, fmt: str, *, where: str = "entries", max_entries: int = MAX_FILE_ENTRIES
) -> list[GlossaryEntry]:
    """Entries from uploaded text in one of :data:`FORMATS`; :class:`GlossaryError` names the line
    (TSV, CSV) or the item (JSON) of the first problem, and refuses more than ``max_entries``."""
    if fmt == "tsv":
        return _load_rows(where, text, "tab", max_entries)
    if fmt == "csv":
        return _load_rows(where, text.lstrip("\ufeff"), "comma", max_entries)
    if fmt == "json":
        try:
            items = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            reason = getattr(exc, "msg", str(exc))
            raise GlossaryError(f"{where}{f':{line}' if line else ''}: invalid JSON: {reason}") from None
        return entries_from_items(items, where=where, max_entries=max_entries)
    raise GlossaryError(f"unknown glossary format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def entry_item(entry: GlossaryEntry) -> dict[str, str]:
    """An entry as a JSON object: forms of a language joined with ``|`` (canonical first), as read."""
    return {
        "kind": entry.kind,
        "fr": "|".join(entry.fr),
        "en": "|".join(entry.en),
        "ko": "|".join(entry.ko),
        "note": entry.note,
    }


def format_entries(entries: Iterable[GlossaryEntry], fmt: str) -> str:
    """Entries written in one of :data:`FORMATS`; :func:`parse_entries` reads them back unchanged."""
    items = [entry_item(entry) for entry in entries]
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False, indent=1) + "\n"
    if fmt == "tsv":  # cells hold no tab or line break: forms and notes have their spaces collapsed
        rows = [_COLUMNS, *([item[column] for column in _COLUMNS] for item in items)]
        return "".join("\t".join(row) + "\n" for row in rows)
    if fmt != "csv":
        raise GlossaryError(f"unknown glossary format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    sink = io.StringIO(newline="")
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for item in items:
        writer.writerow([item[column] for column in _COLUMNS])
    return sink.getvalue()
