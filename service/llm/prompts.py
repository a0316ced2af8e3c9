"""Prompt templates kept as data: one file per prompt in the repository's ``prompts/`` folder.

A prompt file ``prompts/<id>.j2`` is YAML front matter between two ``---`` lines, then a Jinja2 body.
Inside the body, a line holding only ``<<system>>`` or ``<<user>>`` starts the message with that
role; :meth:`PromptTemplate.render` returns those messages as ``[{"role": ..., "content": ...}]``.
The full convention is in ``prompts/README.md``.

Rendering happens in a Jinja2 sandbox with every variable required (``StrictUndefined``) and the
inputs checked against the types the front matter declares, so a typo or a missing value is an
error, never an empty string silently sent to a model.

``prompts/versions.lock`` records, for every prompt, the version and the sha256 of its file. A
prompt whose text changes must get a new ``version`` so that outputs recorded with ``id@version``
stay traceable to the exact text that produced them; :func:`check_lock` (run by the test suite)
enforces this, and ``python -m service.llm.prompts --update-lock`` rewrites the lock.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.sandbox
import yaml

from service.errors import MtsError

__all__ = [
    "LOCK_FILENAME",
    "PROMPT_SUFFIX",
    "UPDATE_LOCK_COMMAND",
    "PromptError",
    "PromptTemplate",
    "check_lock",
    "compute_lock",
    "load_all",
    "load_prompt",
    "main",
    "prompts_dir",
    "read_lock",
    "update_lock",
]

PROMPT_SUFFIX = ".j2"
LOCK_FILENAME = "versions.lock"
UPDATE_LOCK_COMMAND = "python -m service.llm.prompts --update-lock"

INPUT_TYPES = ("str", "int", "list[str]")
ROLES = ("system", "user")
_REQUIRED_FIELDS = ("id", "version", "task", "languages", "inputs", "sample_inputs", "description")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<meta>.*?)^---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S | re.M)
# A role marker is a whole line; anything else on the line means it is ordinary text.
_ROLE_MARKER = re.compile(r"^[ \t]*<<(?P<role>[A-Za-z_]+)>>[ \t]*(?:\r?\n|\Z)", re.M)
_PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_FENCE_LABEL = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Runs of three or more angle brackets are the only way to write a fence delimiter; in fenced data
# they become look-alike single guillemets, so the data stays readable but can never close a fence.
_OPEN_RUN = re.compile(r"<{3,}")
_CLOSE_RUN = re.compile(r">{3,}")
# Name under which render() passes the per-render section separator into the template.
_SECTION_FN = "_mts_section"


class PromptError(MtsError):
    """A prompt file is malformed, its lock entry is stale, or a render got unusable inputs."""


def fence(text: object, label: str = "DATA") -> str:
    """Jinja filter: ``text`` between the lines ``<<<LABEL`` and ``LABEL>>>``, unable to close the fence.

    Every run of three or more ``<`` or ``>`` inside ``text`` is replaced by as many ``‹`` or ``›``,
    so no line of the data can equal (or contain) either delimiter, whatever the label. Leading and
    trailing blank space is dropped; the rest of the text is kept as is.
    """
    if not isinstance(text, str):
        raise PromptError(f"the fence filter takes a string, got {type(text).__name__}")
    if not _FENCE_LABEL.match(label):
        raise PromptError(f"fence label {label!r} must be upper-case letters, digits and '_'")
    data = _OPEN_RUN.sub(lambda m: "‹" * len(m.group()), text.strip())
    data = _CLOSE_RUN.sub(lambda m: "›" * len(m.group()), data)
    return f"<<<{label}\n{data}\n{label}>>>"


def _make_environment() -> jinja2.sandbox.SandboxedEnvironment:
    env = jinja2.sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is a chat for a model, not HTML
        keep_trailing_newline=True,
        # Block tags on their own line leave no blank line behind, so templates can be laid out
        # readably without stray whitespace in the messages.
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fence"] = fence
    return env


_ENV = _make_environment()


@functools.lru_cache(maxsize=64)
def _compile(body: str) -> jinja2.Template:
    """Compile ``body`` with its role-marker lines turned into calls that emit a separator.

    The separator is chosen per render (see :meth:`PromptTemplate.render`), so no input value can
    forge a message boundary: a dispatch containing a ``<<user>>`` line stays inside its message.
    """
    source = _ROLE_MARKER.sub(lambda m: "{{ " + f"{_SECTION_FN}({m.group('role')!r})" + " }}", body)
    return _ENV.from_string(source)


def _type_ok(value: object, declared: str) -> bool:
    if declared == "str":
        return isinstance(value, str)
    if declared == "int":
        # bool is an int subclass, but True as a bullet count is a caller bug.
        return isinstance(value, int) and not isinstance(value, bool)
    if declared == "list[str]":
        return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)
    raise AssertionError(f"unknown input type {declared!r}")  # excluded when the file is loaded


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file: its front matter, its Jinja2 body and where it was read from."""

    id: str
    version: str
    task: str
    languages: tuple[str, ...]
    inputs: dict[str, str]
    sample_inputs: dict[str, object]
    description: str
    body: str
    path: Path

    @property
    def ref(self) -> str:
        """``id@version``: recorded in every output produced with this prompt."""
        return f"{self.id}@{self.version}"

    def variables(self) -> set[str]:
        """The variables the body reads without defining them (its real inputs).

        Jinja's own globals (``range``, ``dict``, ...) are not inputs and are left out.
        """
        try:
            ast = _ENV.parse(self.body)
        except jinja2.TemplateSyntaxError as exc:
            raise PromptError(
                f"{self.path}: Jinja2 syntax error on body line {exc.lineno}: {exc.message}"
            ) from exc
        return set(jinja2.meta.find_undeclared_variables(ast)) - set(_ENV.globals)

    def check_inputs(self, inputs: Mapping[str, object]) -> None:
        """Raise :class:`PromptError` unless ``inputs`` has exactly the declared names and types."""
        missing = sorted(set(self.inputs) - set(inputs))
        if missing:
            raise PromptError(f"prompt {self.ref}: missing input(s) {', '.join(missing)}")
        extra = sorted(set(inputs) - set(self.inputs))
        if extra:
            raise PromptError(
                f"prompt {self.ref}: unexpected input(s) {', '.join(extra)} "
                f"(it takes {', '.join(sorted(self.inputs))})"
            )
        for name, declared in self.inputs.items():
            value = inputs[name]
            if not _type_ok(value, declared):
                raise PromptError(
                    f"prompt {self.ref}: input {name} must be {declared}, "
                    f"got {type(value).__name__} {value!r:.60}"
                )

    def render(self, **inputs: object) -> list[dict[str, str]]:
        """The chat messages for ``inputs``: ``[{"role": "system"|"user", "content": str}, ...]``.

        Raises:
            PromptError: on a missing, extra or wrongly typed input, or when the body fails to render
                (an undefined variable or key, a sandbox violation, an empty message).
        """
        self.check_inputs(inputs)
        separator = f"\x00{secrets.token_hex(16)}:"
        try:
            text = _compile(self.body).render(**inputs, **{_SECTION_FN: lambda role: f"{separator}{role}\n"})
        except jinja2.TemplateError as exc:
            raise PromptError(f"prompt {self.ref} ({self.path.name}) failed to render: {exc}") from exc
        head, *sections = text.split(separator)
        if head.strip():
            raise PromptError(
                f"prompt {self.ref}: text before the first <<system>>/<<user>> marker: {head!r:.60}"
            )
        messages: list[dict[str, str]] = []
        for section in sections:
            role, _, content = section.partition("\n")
            content = content.strip()
            if not content:
                raise PromptError(f"prompt {self.ref}: the {role} message rendered empty")
            messages.append({"role": role, "content": content})
        _check_roles(self.ref, [m["role"] for m in messages])
        return messages


def _check_roles(where: str, roles: Sequence[str]) -> None:
    # Chat templates of instruction-tuned models accept an optional system message, then the user.
    if roles not in (["user"], ["system", "user"]):
        raise PromptError(
            f"{where}: messages must be an optional <<system>> then one <<user>>, "
            f"got {', '.join(roles) or 'none'}"
        )


def prompts_dir() -> Path:
    """The repository's ``prompts/`` folder (the default for every ``directory`` argument here)."""
    return Path(__file__).resolve().parents[2] / "prompts"


def _version(path: Path, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return str(value)
    if isinstance(value, str) and _SEMVER.match(value):
        return value
    raise PromptError(
        f"{path}: version must be a positive integer or a 'MAJOR.MINOR.PATCH' string, got {value!r}"
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _parse_file(path: Path) -> PromptTemplate:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: cannot read prompt file: {exc}") from exc
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise PromptError(
            f"{path}: no front matter: the file must start with a '---' line, then YAML, then '---'"
        )
    try:
        meta = yaml.safe_load(match.group("meta"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise PromptError(f"{path}: front matter must be a YAML mapping of fields")
    missing = [name for name in _REQUIRED_FIELDS if name not in meta]
    if missing:
        raise PromptError(f"{path}: front matter lacks field(s) {', '.join(missing)}")
    unknown = sorted(str(name) for name in meta if name not in _REQUIRED_FIELDS)
    if unknown:
        raise PromptError(f"{path}: unknown front matter field(s) {', '.join(unknown)}")

    prompt_id = meta["id"]
    if not isinstance(prompt_id, str) or not _PROMPT_ID.match(prompt_id):
        raise PromptError(
            f"{path}: id must be lower-case letters, digits, '.', '_' or '-', got {prompt_id!r}"
        )
    if path.name != prompt_id + PROMPT_SUFFIX:
        raise PromptError(
            f"{path}: id {prompt_id!r} does not match the file name (expected {prompt_id}{PROMPT_SUFFIX})"
        )
    for name in ("task", "description"):
        if not isinstance(meta[name], str) or not meta[name].strip():
            raise PromptError(f"{path}: {name} must be a non-empty string")
    languages = meta["languages"]
    # YAML 1.1 reads an unquoted `no` (Norwegian) as false: the check makes that visible.
    if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
        raise PromptError(f"{path}: languages must be a non-empty list of language codes (quote them)")
    inputs = meta["inputs"]
    if not isinstance(inputs, dict) or not all(isinstance(k, str) for k in inputs):
        raise PromptError(f"{path}: inputs must be a mapping of variable name to type")
    for name, declared in inputs.items():
        if declared not in INPUT_TYPES:
            raise PromptError(
                f"{path}: input {name} has type {declared!r}; use one of {', '.join(INPUT_TYPES)}"
            )
    samples = meta["sample_inputs"]
    if not isinstance(samples, dict):
        raise PromptError(f"{path}: sample_inputs must be a mapping with a value for every input")

    prompt = PromptTemplate(
        id=prompt_id,
        version=_version(path, meta["version"]),
        task=meta["task"],
        languages=tuple(languages),
        inputs=dict(inputs),
        sample_inputs=dict(samples),
        description=meta["description"].strip(),
        body=match.group("body"),
        path=path,
    )
    _check_body(prompt)
    try:
        prompt.check_inputs(prompt.sample_inputs)
    except PromptError as exc:
        raise PromptError(f"{path}: sample_inputs do not fit inputs: {exc}") from exc
    return prompt


def _check_body(prompt: PromptTemplate) -> None:
    """Catch body mistakes when the file is loaded rather than at the first real request."""
    roles = [m.group("role") for m in _ROLE_MARKER.finditer(prompt.body)]
    for role in roles:
        if role not in ROLES:
            raise PromptError(f"{prompt.path}: unknown role marker <<{role}>>; use <<system>> or <<user>>")
    _check_roles(str(prompt.path), roles)
    used = prompt.variables()  # also reports syntax errors
    if used != set(prompt.inputs):
        undeclared = sorted(used - set(prompt.inputs))
        unused = sorted(set(prompt.inputs) - used)
        parts = []
        if undeclared:
            parts.append(f"the body uses undeclared variable(s) {', '.join(undeclared)}")
        if unused:
            parts.append(f"declared input(s) {', '.join(unused)} are never used")
        raise PromptError(f"{prompt.path}: {'; '.join(parts)}")
    try:
        _compile(prompt.body)
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"{prompt.path}: Jinja2 syntax error: {exc.message}") from exc


def load_prompt(prompt_id: str, directory: Path | None = None) -> PromptTemplate:
    """Load and validate ``<directory>/<prompt_id>.j2`` (default directory: :func:`prompts_dir`).

    Raises:
        PromptError: when the file is missing or its front matter or body is invalid.
    """
    folder = prompts_dir() if directory is None else directory
    path = folder / f"{prompt_id}{PROMPT_SUFFIX}"
    if not _PROMPT_ID.match(prompt_id) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob(f"*{PROMPT_SUFFIX}"))) or "none"
        raise PromptError(f"no prompt {prompt_id!r} in {folder} (available: {known})")
    return _parse_file(path)


def load_all(directory: Path | None = None) -> list[PromptTemplate]:
    """Every prompt in ``directory`` (default :func:`prompts_dir`), sorted by id."""
    folder = prompts_dir() if directory is None else directory
    return [_parse_file(path) for path in sorted(folder.glob(f"*{PROMPT_SUFFIX}"))]


# --- version lock -------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    """sha256 of a prompt file, with CRLF read as LF so a Windows checkout hashes the same."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def compute_lock(directory: Path | None = None) -> dict[str, dict[str, str]]:
    """``{id: {"version": ..., "sha256": ...}}`` for the prompt files as they are now."""
    return {p.id: {"version": p.version, "sha256": file_sha256(p.path)} for p in load_all(directory)}


def read_lock(directory: Path | None = None) -> dict[str, dict[str, str]]:
    """The entries of ``<directory>/versions.lock`` (empty when there is no lock file yet)."""
    path = (prompts_dir() if directory is None else directory) / LOCK_FILENAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["prompts"]
        if not isinstance(entries, dict):
            raise TypeError("'prompts' is not an object")
        return {
            str(k): {"version": str(v["version"]), "sha256": str(v["sha256"])} for k, v in entries.items()
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise PromptError(f"{path}: unreadable lock ({exc}); run `{UPDATE_LOCK_COMMAND}`") from exc


def check_lock(directory: Path | None = None) -> list[str]:
    """What is wrong between the prompt files and ``versions.lock``: one message per problem."""
    current = compute_lock(directory)
    locked = read_lock(directory)
    problems: list[str] = []
    for prompt_id, now in current.items():
        then = locked.get(prompt_id)
        if then is None:
            problems.append(
                f"prompt {prompt_id} has no entry in {LOCK_FILENAME}: run `{UPDATE_LOCK_COMMAND}`"
            )
        elif then == now:
            continue
        elif then["version"] == now["version"]:
            problems.append(
                f"prompt {prompt_id} changed without a version bump: bump `version` in its front matter "
                f"and run `{UPDATE_LOCK_COMMAND}`"
            )
        elif _version_key(now["version"]) < _version_key(then["version"]):
            problems.append(
                f"prompt {prompt_id} went back from version {then['version']} to {now['version']}: "
                f"versions only go up (an old id@version must keep meaning the old text)"
            )
        else:
            problems.append(
                f"prompt {prompt_id} is at version {now['version']} but {LOCK_FILENAME} records "
                f"version {then['version']}: run `{UPDATE_LOCK_COMMAND}`"
            )
    problems.extend(
        f"{LOCK_FILENAME} lists prompt {prompt_id}, which no longer exists: run `{UPDATE_LOCK_COMMAND}`"
        for prompt_id in sorted(set(locked) - set(current))
    )
    return problems


def update_lock(directory: Path | None = None) -> Path:
    """Rewrite ``versions.lock`` from the prompt files and return its path.

    Refuses (PromptError) when a prompt's text changed while its version did not, or its version went
    down: recording that would make one ``id@version`` stand for two different texts.
    """
    folder = prompts_dir() if directory is None else directory
    current = compute_lock(folder)
    refused = [p for p in check_lock(folder) if "without a version bump" in p or "went back" in p]
    if refused:
        raise PromptError("not updating the lock: " + "; ".join(refused))
    path = folder / LOCK_FILENAME
    payload = {
        "comment": f"Written by `{UPDATE_LOCK_COMMAND}`; do not edit by hand.",
        "prompts": {k: current[k] for k in sorted(current)},
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], object] = print) -> int:
    """``python -m service.llm.prompts``: list prompts, check or update the lock."""
    parser = argparse.ArgumentParser(
        prog="python -m service.llm.prompts", description="Prompt templates and their version lock."
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--update-lock", action="store_true", help=f"rewrite {LOCK_FILENAME}")
    action.add_argument("--check", action="store_true", help=f"exit 1 when {LOCK_FILENAME} is not current")
    parser.add_argument("--dir", type=Path, default=None, help="prompt folder (default: the repository's)")
    args = parser.parse_args(argv)
    try:
        if args.update_lock:
            out(f"wrote {update_lock(args.dir)}")
            return 0
        if args.check:
            problems = check_lock(args.dir)
            for problem in problems:
                out(problem)
            return 1 if problems else 0
        for prompt in load_all(args.dir):
            out(f"{prompt.ref}\t{prompt.task}\t{','.join(prompt.languages)}\t{prompt.description}")
        return 0
    except PromptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
