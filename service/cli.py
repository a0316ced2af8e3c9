"""The ``mts`` command line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from service.errors import MtsError
from service.languages import TARGETS

if TYPE_CHECKING:
    from service.config import Settings
    from service.glossaries import GlossaryStore, StoredGlossary
    from service.runtime import Runtime


def _flags_without_type(params: list[Any]) -> list[Any]:
    """Flags take no value, so their help shows none (typer's would print ``--json <bool>``)."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class _Command(TyperCommand):
    """A command whose help reads the usual way: ``mts batch [OPTIONS] INPUT OUTPUT``, required
    arguments bare, optional ones in brackets, flags without a value type."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperOption) or not param.get_usage_pieces(ctx):
                continue
            name = (param.metavar or param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_type(super().get_params(ctx))


class _Group(TyperGroup):
    """A command group whose help shows flags without a value type."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_type(super().get_params(ctx))


class _Typer(typer.Typer):
    """A Typer app whose commands and groups print their help the usual way."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=_Group, **kwargs)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or _Command, **kwargs)


app = _Typer(
    help="Translate French Yonhap dispatches into English and Korean.\n\n"
    "Exit codes: 0 done, nothing to check;\n"
    "1 done, but something needs attention (flags, failed records, a regression);\n"
    "2 usage, configuration or input error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = _Typer(help="List and download the models the service uses.", no_args_is_help=True)
app.add_typer(models_app, name="models")
eval_app = _Typer(
    help="Score translations and summaries; run suites; gate regressions.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
glossary_app = _Typer(
    help="Store glossaries for `glossary_id` (HTTP API, batch jobs): add, list, show, remove.\n\n"
    "Works on the store at MTS_GLOSSARIES_PATH directly and sees every glossary in it. A glossary "
    "added here belongs to the key MTS_API_KEY names (the id the server gives that key), or to "
    "`anonymous` (every caller of a server with no MTS_API_KEYS) when it is unset.",
    no_args_is_help=True,
)
app.add_typer(glossary_app, name="glossary")


LANGS_OPTION = typer.Option("--langs", help="Target languages, comma-separated.")
GLOB_OPTION = typer.Option(
    "--glob",
    metavar="PATTERN",
    help="The files of a directory INPUT, at any depth (README and hidden files never); "
    "default *.txt, or *.html, *.md, *.xml for --format html, markdown, newsml.",
)
BATCH_FORMAT_OPTION = typer.Option(
    "--format",
    metavar="FORMAT",
    help="What each record is: auto (by the --glob pattern's extension, else text), text, html, "
    "markdown or newsml.",
)
ITEMS_OPTION = typer.Option(
    "--items",
    metavar="DIR",
    help="Also write each translation as a file here: <id without extension>.<lang><ext>.",
)
VALIDATE_OPTION = typer.Option(
    "--validate", help="Check each NewsML-G2 translation against the schema (a failure fails the record)."
)
ALLOW_FLAGS_OPTION = typer.Option("--allow-flags", help="Exit 0 even when something is flagged.")
FORMAT_OPTION = typer.Option(
    "--format",
    metavar="FORMAT",
    help="auto (by the file's extension), text, html, markdown, docx or newsml.",
)
STYLE_OPTION = typer.Option(
    "--style",
    metavar="STYLE",
    help='Korean output: news (한다체, "~했다") or polite (합니다체); default MTS_KOREAN_STYLE.',
)
# Exit status of a command that ran but found something a person should look at.
ATTENTION = 1


def _settings() -> Settings:
    from pydantic import ValidationError

    from service.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"MTS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise MtsError(f"invalid configuration: {problems}") from None


@contextlib.contextmanager
def _runtime() -> Iterator[Runtime]:
    """The runtime of one command, closed when it ends."""
    from service.runtime import Runtime

    runtime = Runtime(_settings())
    try:
        yield runtime
    finally:
        runtime.close()


def _echo_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def read_bytes(source: str) -> bytes:
    """Bytes of FILE, or of stdin for ``-``; a clear error for a missing or unreadable file."""
    try:
        return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise MtsError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise MtsError(f"{source}: is a directory, not a file") from None
    except OSError as exc:
        raise MtsError(f"{source}: cannot read ({exc.strerror})") from None


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text of what ``source`` held (a byte-order mark dropped); a clear error otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        name = "standard input" if source == "-" else source
        raise MtsError(f"{name} is not UTF-8 text (invalid byte at offset {exc.start})") from None


def read_input(source: str) -> str:
    """Text of FILE, or of stdin for ``-``; a clear error for missing or non-UTF-8 files."""
    return decode_text(read_bytes(source), source)


def _input_format(source: str, fmt: str) -> str:
    """The format of the input: ``--format``, else the file's extension (text for stdin and
    unknown extensions such as ``.txt``-less dispatch files)."""
    from service.formats import EXTENSIONS, check_format, detect_format

    chosen = fmt.strip().lower()
    if chosen != "auto":
        return check_format(chosen)
    if source == "-" or Path(source).suffix.lower() not in {
        s for group in EXTENSIONS.values() for s in group
    }:
        return "text"
    return detect_format(source)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failed write leaves no half file."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise MtsError(f"{path}: cannot write ({exc.strerror})") from None


def version_lines() -> Iterator[str]:
    """The package version, then the configured models as id@revision and the backend setting
    with what it resolves to here; no model is loaded."""
    from importlib.metadata import PackageNotFoundError, version

    from service.models.store import is_ready, resolve
    from service.runtime.plan import LanguagePlan
    from service.translation.backends import describe_backend

    try:
        yield f"mts {version('mts')}"
    except PackageNotFoundError:
        yield "mts (version unknown: the package is not installed)"
    settings = _settings()
    roles = LanguagePlan(settings).configured_models()
    width = max((len(role.env) for role in roles), default=0)
    yield "models:"
    for role in roles:
        if role.remote is not None:
            yield f"  {role.env:<{width}}  {role.remote} (a model of the LLM server at MTS_LLM_URL)"
            continue
        try:
            model = resolve(role.ref, settings)
        except MtsError as exc:
            shown = f"{role.ref} (cannot resolve: {exc})"
        else:
            shown = model.display + ("" if is_ready(model) else " (missing: mts models pull)")
        yield f"  {role.env:<{width}}  {shown}"
    yield f"backend: {settings.backend} → {describe_backend(settings)}"


def _show_version(value: bool) -> None:
    if value:
        for line in version_lines():
            typer.echo(line)
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Show the version, the configured models and the backend, and exit.",
        ),
    ] = False,
) -> None:
    """Options of ``mts`` itself (the help text is the app's)."""


def _to_check(count: int, total: int, what: str = "sentences") -> str:
    return f"{count} of {total} {what}"


@app.command()
def translate(
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help="Dispatch file, or - for standard input.")
    ] = "-",
    to: Annotated[str, typer.Option("--to", help="Target language: en or ko.")] = "en",
    from_: Annotated[str, typer.Option("--from", help="Source language: fr, or auto to detect it.")] = "fr",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with segments.")] = False,
    fmt: Annotated[str, FORMAT_OPTION] = "auto",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the translated file here (needed for .docx)."),
    ] = None,
    style: Annotated[str | None, STYLE_OPTION] = None,
    allow_flags: Annotated[bool, ALLOW_FLAGS_OPTION] = False,
) -> None:
    """Translate a dispatch or a document, keeping its paragraphs and markup.

    HTML, Markdown, Word (.docx) and NewsML-G2 files come back in the same format.

    Exit codes: 0 nothing flagged;
    1 sentences to check (0 with --allow-flags);
    2 usage, configuration or input error."""
    src, tgt = from_.strip().lower(), to.strip().lower()
    chosen = _input_format(source, fmt)
    if chosen == "docx" and output is None and not as_json:
        raise MtsError("a Word document is translated into a file: add --output FILE.docx")
    with _runtime() as runtime:
        runtime.plan.check_pair(src, tgt)  # the same pairs as the API, refused before reading input
        data = read_bytes(source)
        if chosen == "text":
            [(result, detected)] = runtime.pipeline.translate(
                [decode_text(data, source)], src, tgt, style=style
            )
            written = result.translation.encode("utf-8")
        else:
            translated = runtime.pipeline.translate_file(data, chosen, tgt, source=src, style=style)
            result, detected, written = translated.document, translated.detected, translated.data
    if detected is not None:
        typer.echo(f"mts: detected language: {detected.language} ({detected.confidence:g}%)", err=True)
    if output is not None:
        _write_atomically(output, written)
    if as_json:
        from service.schemas import TranslationOut

        _echo_json(TranslationOut.of(result).model_dump(mode="json"))
    else:
        if output is None:
            typer.echo(result.translation.rstrip("\n"))
        flagged = [s for s in result.segments if s.flags]
        if flagged:
            typer.echo(
                f"mts: {_to_check(len(flagged), len(result.segments))} to check (--json shows which and why)",
                err=True,
            )
    if result.review and not allow_flags:
        raise typer.Exit(ATTENTION)


@app.command()
def process(
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help="Dispatch file, or - for standard input.")
    ] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    langs: Annotated[str, LANGS_OPTION] = ",".join(TARGETS),
    bullets: Annotated[
        int | None, typer.Option("--bullets", min=3, max=5, help="Bullets per language (3 to 5).")
    ] = None,
    summarizer: Annotated[
        str | None,
        typer.Option(
            "--summarizer",
            help="extractive, seq2seq:<model>, instruct:<model> or openai:<model> (MTS_LLM_URL).",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Drop bullets not supported by the source.")
    ] = False,
    dispatch_id: Annotated[
        str | None, typer.Option("--id", help="Id to report (default: content hash).")
    ] = None,
    fmt: Annotated[str, FORMAT_OPTION] = "auto",
    style: Annotated[str | None, STYLE_OPTION] = None,
    allow_flags: Annotated[bool, ALLOW_FLAGS_OPTION] = False,
) -> None:
    """Translate a dispatch and write bullet summaries in French, English and Korean.

    The Markdown lists, under each translation, the sentences to check and why. An HTML or
    Markdown dispatch is translated with its markup; its bullets are plain text.

    Exit codes: 0 nothing flagged;
    1 a sentence or bullet to check (0 with --allow-flags);
    2 usage, configuration or input error."""
    from service.pipeline import DispatchRequest, parse_langs

    chosen = _input_format(source, fmt)
    if chosen not in ("text", "html", "markdown"):
        raise MtsError(
            f"mts process takes text, HTML or Markdown; translate a {chosen} file with "
            "mts translate FILE --output OUT"
        )
    text = read_input(source)
    request = DispatchRequest(
        text=text,
        format=chosen,
        id=dispatch_id,
        langs=parse_langs(langs),
        bullets=bullets,
        summarizer=summarizer,
        strict=strict,
        style=style,
    )
    with _runtime() as runtime:
        result = runtime.pipeline.process(request)
    if as_json:
        from service.schemas import DispatchOut

        _echo_json(DispatchOut.of(result).model_dump(mode="json"))
    else:
        typer.echo(result.to_markdown().rstrip("\n"))
        segments = [s for t in result.translations.values() for s in t.segments]
        flagged = sum(1 for s in segments if s.flags)
        written = [b for lang_bullets in result.summaries.values() for b in lang_bullets]
        doubtful = sum(1 for b in written if b.flags or not b.supported)
        if flagged or doubtful:
            parts = [_to_check(flagged, len(segments))] if flagged else []
            parts += [_to_check(doubtful, len(written), "bullets")] if doubtful else []
            typer.echo(f"mts: {' and '.join(parts)} to check (--json shows which and why)", err=True)
    if result.review and not allow_flags:
        raise typer.Exit(ATTENTION)


@app.command()
def batch(
    input_path: Annotated[
        Path,
        typer.Argument(metavar="INPUT", help="JSONL file, or a directory of files (see --glob)."),
    ],
    output_path: Annotated[Path, typer.Argument(metavar="OUTPUT", help="JSONL output file.")],
    langs: Annotated[str, LANGS_OPTION] = ",".join(TARGETS),
    summaries: Annotated[
        bool, typer.Option("--summaries/--no-summaries", help="Write bullet summaries.")
    ] = True,
    engine: Annotated[str, typer.Option("--engine", help="local or ray.")] = "local",
    batch_tokens: Annotated[
        int | None, typer.Option("--batch-tokens", min=16, help="Token budget per model batch.")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (local) or actors (ray).")
    ] = 1,
    resume: Annotated[
        bool, typer.Option("--resume/--restart", help="Continue where OUTPUT stops, or start over.")
    ] = True,
    bullets: Annotated[
        int | None, typer.Option("--bullets", min=3, max=5, help="Bullets per language.")
    ] = None,
    summarizer: Annotated[str | None, typer.Option("--summarizer", help="Summarizer (see process).")] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Use the translation cache.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
    summary_json: Annotated[
        bool, typer.Option("--summary-json", help="Print the final summary as JSON on stdout.")
    ] = False,
    allow_failures: Annotated[
        bool, typer.Option("--allow-failures", help="Exit 0 even when some records failed.")
    ] = False,
    glob: Annotated[str | None, GLOB_OPTION] = None,
    fmt: Annotated[str, BATCH_FORMAT_OPTION] = "auto",
    items: Annotated[Path | None, ITEMS_OPTION] = None,
    validate: Annotated[bool, VALIDATE_OPTION] = False,
    glossary_id: Annotated[
        str | None,
        typer.Option(
            "--glossary-id",
            metavar="ID",
            help="A stored glossary (`mts glossary add`) added to the configured one (MTS_GLOSSARY).",
        ),
    ] = None,
    style: Annotated[str | None, STYLE_OPTION] = None,
) -> None:
    """Translate (and summarize) an archive of dispatches; resumable and crash-safe.

    Records are plain text, or HTML, Markdown or NewsML-G2 documents (--format):
    a document's translations keep its markup, and --items writes them as files.

    Exit codes: 0 every record done;
    1 some records failed (error lines in OUTPUT; 0 with --allow-failures);
    2 usage, configuration, input or environment error (nothing partial
    counted as done). Flagged sentences are in OUTPUT: no change to the code.
    """
    from service.batch.reader import resolve_format
    from service.batch.records import BatchOptions
    from service.batch.runner import run_batch
    from service.pipeline import parse_langs

    if engine not in ("local", "ray"):
        raise MtsError(f"unknown engine {engine!r}; use local or ray")
    fmt, pattern = resolve_format(fmt, glob)
    options = BatchOptions(
        langs=parse_langs(langs),
        summaries=summaries,
        bullets=bullets,
        summarizer=summarizer,
        batch_tokens=batch_tokens,
        cache=cache,
        format=fmt,
        validate=validate,
        glossary_id=glossary_id,
        style=style,
    )
    result = run_batch(
        input_path,
        output_path,
        _settings(),
        options,
        engine=engine,  # type: ignore[arg-type]
        workers=workers,
        restart=not resume,
        quiet=quiet,
        warn=None if quiet else (lambda message: typer.echo(f"mts: warning: {message}", err=True)),
        pattern=pattern,
        items=items,
    )
    if summary_json:
        typer.echo(json.dumps(result.as_dict()))
    if not quiet:
        typer.echo(result.text(), err=True)
    if result.failures and not allow_failures:
        typer.echo(
            f"mts: error: {result.failure_text()} (error lines in {output_path}; --allow-failures exits 0)",
            err=True,
        )
        raise typer.Exit(ATTENTION)


@app.command("batch-verify")
def batch_verify(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="The batch job's input.")],
    output_path: Annotated[Path, typer.Argument(metavar="OUTPUT", help="Its JSONL output.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    glob: Annotated[str | None, GLOB_OPTION] = None,
    fmt: Annotated[str, BATCH_FORMAT_OPTION] = "auto",
) -> None:
    """Check a batch OUTPUT against its INPUT: missing, duplicate and failed ids.

    Give the --glob and --format of the batch job: they choose the files of a directory INPUT.

    Exit codes: 0 every input id in OUTPUT exactly once, none failed;
    1 anything else; 2 usage error, or INPUT or OUTPUT unreadable."""
    from service.batch.reader import resolve_format
    from service.batch.verify import verify_output

    _, pattern = resolve_format(fmt, glob)
    report = verify_output(input_path, output_path, pattern=pattern)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        typer.echo(report.text())
    if not report.clean:
        raise typer.Exit(ATTENTION)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (MTS_HOST).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (MTS_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes, one model copy each (MTS_WORKERS)."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local: uvicorn worker processes; ray: Ray Serve replicas.")
    ] = "local",
    replicas: Annotated[
        int | None, typer.Option("--replicas", min=1, help="Ray Serve replicas (--engine ray only).")
    ] = None,
) -> None:
    """Run the HTTP API (FastAPI + uvicorn, or Ray Serve with --engine ray)."""
    import shutil
    import tempfile

    import uvicorn

    from service.api.server import uvicorn_options
    from service.api.store import require_shared_store
    from service.logging_setup import configure_logging
    from service.runtime.plan import LanguagePlan

    if engine not in ("local", "ray"):
        raise MtsError(f"--engine must be local or ray, not {engine!r}")
    if replicas is not None and engine != "ray":
        raise MtsError("--replicas applies to --engine ray only; use --workers for local worker processes")
    if workers is not None and engine == "ray":
        raise MtsError("--workers applies to --engine local only; use --replicas with --engine ray")
    settings = _settings()
    LanguagePlan(settings)  # a setting only the plan can check fails here, in one line
    if engine == "ray":
        from service.api.ray_serve import serve_on_ray

        configure_logging(settings)
        serve_on_ray(settings, host=host or settings.host, port=port or settings.port, replicas=replicas)
        return
    processes = workers or settings.workers
    # Several processes must share their counters, else every limit multiplies: one line, exit 2.
    require_shared_store(settings, processes)
    configure_logging(settings)
    if workers:
        # Each worker process reads its settings anew: this is how it learns its share of the
        # CPU threads (MTS_THREADS=0 divides the cores among MTS_WORKERS).
        os.environ["MTS_WORKERS"] = str(workers)
    metrics_dir = None
    if processes > 1:
        # prometheus_client reads PROMETHEUS_MULTIPROC_DIR when a worker imports it: set before
        # uvicorn spawns them, every worker writes its values there and /metrics sums them all.
        metrics_dir = tempfile.mkdtemp(prefix="mts-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "service.api.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=processes,
            access_log=False,
            log_level=settings.log_level,
            # header and keep-alive timeouts, header size and connection cap (MTS_TIMEOUT_*,
            # MTS_MAX_HEADER_BYTES, MTS_MAX_CONNECTIONS); the body timeout is the app's
            **uvicorn_options(settings),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@app.command()
def bench(
    device: Annotated[str, typer.Option("--device", help="cpu or cuda.")] = "cpu",
    batch: Annotated[int, typer.Option("--batch", min=1, help="Sentences per batch.")] = 16,
    beams: Annotated[int, typer.Option("--beams", min=1, max=16, help="Beam width (1 = greedy).")] = 4,
    sentences: Annotated[
        int, typer.Option("--sentences", min=1, help="Sentences in the throughput run.")
    ] = 64,
    output_tokens: Annotated[int, typer.Option("--output-tokens", min=1, help="Forced output length.")] = 40,
    latency_runs: Annotated[int, typer.Option("--latency-runs", min=1, help="Single-sentence runs.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    pipeline: Annotated[
        bool,
        typer.Option(
            "--pipeline",
            help="Whole dispatches through the service's pipeline (both routes, real-size random "
            "models) against stock generate, sentence by sentence and batched.",
        ),
    ] = False,
    dispatches: Annotated[
        int, typer.Option("--dispatches", min=1, help="--pipeline: dispatches measured.")
    ] = 6,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="The HTTP API under concurrent clients (real-size random models) against a plain "
            "FastAPI app calling stock generate per sentence.",
        ),
    ] = False,
    clients: Annotated[int, typer.Option("--clients", min=1, help="--serve: concurrent clients.")] = 16,
    requests: Annotated[int, typer.Option("--requests", min=1, help="--serve: requests per client.")] = 1,
    lead: Annotated[
        int,
        typer.Option(
            "--lead",
            min=0,
            help="--serve: the first N sentences of a dispatch per request (0, the default: whole "
            "dispatches; 3 keeps a run within minutes).",
        ),
    ] = 0,
) -> None:
    """Measure the service's engines against stock transformers generate (no download needed);
    with --pipeline, whole dispatches through the pipeline (uses --beams, --device, --dispatches);
    with --serve, the HTTP API under load against a plain FastAPI peer (uses --beams, --device,
    --clients, --requests, --lead).

    Exit codes: 0 measured; 2 usage or configuration error."""
    from service.bench import BenchConfig, format_table, run_bench

    if device not in ("cpu", "cuda"):
        raise MtsError(f"--device must be cpu or cuda, not {device!r}")
    if pipeline and serve:
        raise MtsError("--pipeline and --serve are two benchmarks: choose one")
    engine_only = {
        "--batch": (batch, 16),
        "--sentences": (sentences, 64),
        "--output-tokens": (output_tokens, 40),
        "--latency-runs": (latency_runs, 10),
    }
    mode = "--pipeline" if pipeline else "--serve" if serve else None
    not_for_mode = dict(engine_only)
    if mode != "--pipeline":
        not_for_mode["--dispatches"] = (dispatches, 6)
    if mode != "--serve":
        not_for_mode |= {"--clients": (clients, 16), "--requests": (requests, 1), "--lead": (lead, 0)}
    if mode is None:
        not_for_mode = {k: v for k, v in not_for_mode.items() if k not in engine_only}
    unused = [name for name, (value, default) in not_for_mode.items() if value != default]
    if unused:
        raise MtsError(
            f"{', '.join(unused)}: not used {f'with {mode}' if mode else 'without --pipeline or --serve'}"
        )
    if serve:
        from service.bench_serve import ServeBenchConfig, format_serve_table, run_serve_bench

        serve_report = run_serve_bench(
            ServeBenchConfig(device=device, clients=clients, requests=requests, sentences=lead, beams=beams),
            progress=_bench_progress,
        )
        typer.echo(_bench_output(serve_report, as_json, format_serve_table))
        return
    if pipeline:
        from service.bench_pipeline import PipelineBenchConfig, format_pipeline_table, run_pipeline_bench

        pipeline_report = run_pipeline_bench(
            PipelineBenchConfig(device=device, dispatches=dispatches, beams=beams),
            progress=_bench_progress,
        )
        typer.echo(_bench_output(pipeline_report, as_json, format_pipeline_table))
        return
    config = BenchConfig(
        device=device,
        batch=batch,
        beams=beams,
        sentences=max(sentences, batch),
        target_tokens=output_tokens,
        latency_runs=latency_runs,
    )
    report = run_bench(config, progress=_bench_progress)
    typer.echo(_bench_output(report, as_json, format_table))


def _bench_progress(message: str) -> None:
    typer.echo(f"bench: {message}", err=True)


def _bench_output(report: dict[str, Any], as_json: bool, table: Callable[[dict[str, Any]], str]) -> str:
    """A benchmark's report as JSON (``--json``) or as its table."""
    return json.dumps(report, indent=2, ensure_ascii=False) if as_json else table(report)


def _glossary_store() -> GlossaryStore:
    from service.glossaries import open_store

    return open_store(_settings())


def _glossary_json(stored: StoredGlossary) -> dict[str, Any]:
    created = datetime.fromtimestamp(stored.created, UTC).isoformat(timespec="seconds")
    return {
        "id": stored.id,
        "name": stored.name,
        "entries": stored.entries,
        "counts": dict(stored.counts),
        "created": created.replace("+00:00", "Z"),
        "owner": stored.owner,
    }


def local_owner() -> str:
    """The owner of glossaries added by `mts glossary add`: the id of the key in MTS_API_KEY (as the
    server names that key), else ``anonymous``, the caller of a server without API keys."""
    from service.api.store import key_id

    return key_id(os.environ.get("MTS_API_KEY", "").strip() or None)


@glossary_app.command("add")
def glossary_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for people.")],
    source: Annotated[str, typer.Argument(metavar="FILE", help="The entries (- for stdin).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="tsv, csv or json; default: from FILE's extension."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored glossary as JSON.")] = False,
) -> None:
    """Store a glossary from a TSV, CSV or JSON file; prints its id.

    Columns (TSV, CSV) or keys (JSON objects): kind, fr, en, ko, note.

    Exit codes: 0 stored; 2 invalid file or configuration (the line or item is named)."""
    from service.text.glossary import FORMATS, parse_entries

    settings = _settings()
    chosen = (fmt or Path(source).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise MtsError(f"{source}: cannot tell the format; pass --format ({', '.join(FORMATS)})")
    data = read_bytes(source)
    if len(data) > settings.glossary_max_bytes:
        raise MtsError(
            f"{source}: {len(data)} bytes (the limit is MTS_GLOSSARY_MAX_BYTES={settings.glossary_max_bytes})"
        )
    entries = parse_entries(
        decode_text(data, source), chosen, where=source, max_entries=settings.glossary_max_entries
    )
    stored = _glossary_store().create(
        owner=local_owner(),
        name=name,
        entries=entries,
        max_entries=settings.glossary_max_entries,
        max_glossaries=settings.glossaries_per_key,
    )
    if as_json:
        _echo_json(_glossary_json(stored))
    else:
        typer.echo(stored.id)


@glossary_app.command("list")
def glossary_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every stored glossary, oldest first: id, entries, owner, created, name."""
    found = [_glossary_json(stored) for stored in _glossary_store().list_glossaries()]
    if as_json:
        _echo_json(found)
        return
    for item in found:
        typer.echo(f"{item['id']}\t{item['entries']}\t{item['owner']}\t{item['created']}\t{item['name']}")


@glossary_app.command("show")
def glossary_show(
    glossary_id: Annotated[str, typer.Argument(metavar="ID")],
    entries: Annotated[bool, typer.Option("--entries", help="Print every entry (TSV) instead.")] = False,
) -> None:
    """A glossary's metadata as JSON, or with --entries its entries as TSV (`mts glossary add` reads
    them back)."""
    from service.text.glossary import format_entries

    store = _glossary_store()
    stored = store.owned(glossary_id, None)
    if entries:
        typer.echo(format_entries(store.entries(stored.id), "tsv"), nl=False)
    else:
        _echo_json(_glossary_json(stored))


@glossary_app.command("rm")
def glossary_rm(glossary_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Delete a glossary (serving processes stop using it at their next request)."""
    store = _glossary_store()
    if not store.delete(glossary_id):
        raise MtsError(f"no glossary with id {glossary_id!r}")


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show the catalog and the configured models.

    For each: id@revision, family, licence, present or missing, size, the
    settings that use it (the same report as GET /v1/models).

    Exit codes: 0 listed; 2 usage or configuration error."""
    from service.runtime.describe import describe_models

    with _runtime() as runtime:
        report = describe_models(runtime)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(f"models directory: {report.models_dir}")
    typer.echo(f"backend: {report.backend.setting} → {report.backend.resolves_to}")
    header = ("NAME", "ID@REVISION", "FAMILY", "LICENCE", "STATUS", "SIZE", "USED BY")
    table = [header]
    for row in report.models:
        size = row.size_mb
        size_text = "" if size is None else (f"{size} MB" if row.status == "present" else f"~{size} MB")
        table.append(
            (
                row.name,
                f"{row.id}@{row.revision}",
                row.family,
                row.licence,
                row.status,
                size_text,
                ", ".join(row.used_by) or "-",
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@models_app.command("pull")
def models_pull(
    names: Annotated[
        list[str] | None, typer.Argument(metavar="NAME", help="Catalog names, hub ids or id@revision.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every model in the catalog.")] = False,
) -> None:
    """Download models into the models directory (default: the configured ones).

    Exit codes: 0 every model present;
    2 usage or configuration error, or a download failed."""
    from service.models.catalog import CATALOG
    from service.models.store import is_ready, pull, resolve

    settings = _settings()
    if all_:
        refs = [e.name for e in CATALOG]
    elif names:
        refs = list(names)
    else:
        from service.runtime.plan import LanguagePlan

        refs = []
        for role in LanguagePlan(settings).configured_models():
            if role.remote is not None:
                typer.echo(f"{role.ref}: a model of the LLM server (MTS_LLM_URL), nothing to pull")
            else:
                refs.append(role.ref)
    for ref in refs:
        model = resolve(ref, settings)
        if model.is_local_dir:
            typer.echo(f"{ref}: local directory, nothing to pull")
            continue
        if is_ready(model):
            typer.echo(f"{model.display}: already present in {model.path}")
            continue
        if model.entry and not model.entry.commercial_use:
            typer.echo(f"note: {model.id} is licensed {model.entry.licence_label}", err=True)
        typer.echo(f"pulling {model.id} ...", err=True)
        path = pull(model, settings)
        typer.echo(f"{resolve(ref, settings).display}: pulled into {path}")


@eval_app.command("suites")
def eval_suites() -> None:
    """List the evaluation suites.

    Exit codes: 0 listed; 2 usage error or an unreadable suite."""
    from service.evaluation.suites import list_suites

    for suite in list_suites():
        required = ", ".join(suite.models_required) or "no models"
        tasks = ", ".join(suite.tasks)
        typer.echo(f"{suite.name}: {len(suite.dispatches())} dispatches, tasks {tasks}; needs {required}")
        typer.echo(f"    {suite.description}")


@eval_app.command("run")
def eval_run(
    suite_name: Annotated[
        str | None, typer.Option("--suite", help="Suite name (default: every suite).")
    ] = None,
    report_dir: Annotated[Path, typer.Option("--report", help="Where to write reports.")] = Path(
        "eval/reports"
    ),
    gate: Annotated[
        bool, typer.Option("--gate", help="Fail on a regression beyond the baseline's tolerance.")
    ] = False,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Rewrite the suite's baseline from this run.")
    ] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for CIs.")] = 1000,
    summarizer: Annotated[
        str | None,
        typer.Option(
            "--summarizer",
            help="Score this summarizer instead of each suite's own (e.g. openai:<model> with MTS_LLM_URL).",
        ),
    ] = None,
) -> None:
    """Run suites through the pipeline, score them, write reports, and optionally gate.

    Exit codes: 0 done (with --gate: no regression);
    1 a regression beyond the baseline's tolerance;
    2 usage or configuration error, or an unknown suite."""
    import dataclasses

    from service.evaluation import run as evaluation
    from service.evaluation.suites import list_suites, load_suite
    from service.summarization.registry import parse_summarizer

    settings = _settings()
    suites = [load_suite(suite_name)] if suite_name else list_suites()
    if summarizer is not None:
        parse_summarizer(summarizer)  # an unknown form is a usage error before anything runs
        suites = [dataclasses.replace(suite, summarizer=summarizer) for suite in suites]
    regressions: list[str] = []
    for suite in suites:
        report = evaluation.run_suite(suite, settings, bootstrap=bootstrap)
        json_path, _ = evaluation.write_report(report, report_dir)
        if report.skipped:
            typer.echo(f"SKIPPED suite {suite.name}: {report.skipped}", err=True)
            continue
        typer.echo(report.markdown())
        typer.echo(f"report: {json_path}", err=True)
        if update_baseline:
            evaluation.update_baseline(report, suite.baseline_path)
            typer.echo(f"baseline updated: {suite.baseline_path}", err=True)
        elif gate:
            failures = evaluation.gate(report, suite.baseline_path)
            regressions += [f"{suite.name}: {f}" for f in failures]
            if not failures:
                typer.echo(f"gate passed: suite {suite.name}", err=True)
    if regressions:
        for line in regressions:
            typer.echo(f"REGRESSION {line}", err=True)
        raise typer.Exit(ATTENTION)


@eval_app.command("score")
def eval_score(
    hyp: Annotated[Path, typer.Option("--hyp", help="Hypotheses: one segment per line, or JSONL.")],
    ref: Annotated[
        list[Path], typer.Option("--ref", metavar="<path>", help="References (repeat for several).")
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language of hypotheses and references: en, ko or fr.")],
    task: Annotated[
        str, typer.Option("--task", help="translation (BLEU, chrF++, TER) or summary (ROUGE).")
    ] = "translation",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for CIs.")] = 1000,
) -> None:
    """Score line-aligned files (no model needed).

    Exit codes: 0 scored;
    2 usage error, or files that are unreadable or do not align."""
    from service.evaluation.metrics import summary_scores, translation_scores

    if task not in ("translation", "summary"):
        raise MtsError(f"unknown task {task!r}; use translation or summary")
    from service.languages import CODES

    if lang not in CODES:
        raise MtsError(f"unsupported language {lang!r}; use en, ko or fr")
    hyps = _read_segments(hyp)
    refs = [_read_segments(r) for r in ref]
    for path, stream in zip(ref, refs, strict=True):
        if len(stream) != len(hyps):
            raise MtsError(f"{path} has {len(stream)} segments but {hyp} has {len(hyps)}")
    if not hyps:
        raise MtsError(f"{hyp} has no segments")
    scorer = translation_scores if task == "translation" else summary_scores
    scores = scorer(hyps, refs, lang, bootstrap=bootstrap)
    if as_json:
        # Each score as in evaluation reports, less `higher_is_better` (not part of this output).
        _echo_json([s.model_dump(mode="json", exclude={"higher_is_better"}) for s in scores])
        return
    for s in scores:
        ci = "" if s.ci_low is None else f"  (95% CI {s.ci_low:.2f}–{s.ci_high:.2f})"
        typer.echo(f"{s.metric:8} {s.value:6.2f}{ci}  {s.signature}")


@eval_app.command("fidelity")
def eval_fidelity(
    suite: Annotated[str, typer.Option("--suite", help="Suite whose references are used.")] = "offline",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    examples: Annotated[int, typer.Option("--examples", min=0, help="Show this many misses.")] = 0,
    seed: Annotated[
        int, typer.Option("--seed", help="Draws where each fault is put; printed with the rates.")
    ] = 0,
    without_years: Annotated[
        bool,
        typer.Option(
            "--without-years",
            help="Read every dateline without its year, as the service does with MTS_DATELINE_YEAR=none.",
        ),
    ] = False,
) -> None:
    """How the quality flags do: false alarms on reference translations, detection of broken ones,
    for the whole suite and its tuning and test halves; and, where the data marks sentences, how
    often the splitter splits a dispatch exactly so. A dispatch's year (its data's ``year``) is
    written into its dateline, as the service does with MTS_DATELINE_YEAR ``auto`` for live copy.

    Exit codes: 0 measured; 2 usage error or an unknown suite."""
    from service.evaluation.fidelity import format_report, measure_flags
    from service.evaluation.segmentation import measure_segmentation
    from service.evaluation.suites import load_suite
    from service.text.glossary import glossary_from_settings

    chosen = load_suite(suite)
    glossary = glossary_from_settings(_settings().glossary)
    report = measure_flags(chosen, glossary, keep_examples=examples, seed=seed, years=not without_years)
    report["segmentation"] = measure_segmentation(chosen, keep_examples=examples)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    typer.echo(format_report(report))
    if examples:
        shown = dict(report["examples"])
        if report["segmentation"]:
            shown["segmentation"] = report["segmentation"]["misses"]
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@eval_app.command("langid")
def eval_langid(
    suite: Annotated[
        str, typer.Option("--suite", help="Suite whose dispatches give the strings.")
    ] = "offline",
    samples: Annotated[
        Path, typer.Option("--samples", help="Folder of French samples (*.fr.txt) added to the strings.")
    ] = Path("samples"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    misses: Annotated[int, typer.Option("--misses", min=0, help="Show this many misses per detector.")] = 0,
) -> None:
    """Compare the service's language identifier with lingua and fastText on the project's texts.

    Needs the `langid` extra. Takes a minute or two: lingua with all its languages is slow on
    paragraphs.

    Exit codes: 0 measured; 2 usage error, an unknown suite, or the extra missing."""
    from service.evaluation.langid_compare import build_cases, compare, detectors, format_table

    factories = detectors()
    cases = build_cases(suite, samples)
    results = compare(cases, factories)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
        return
    typer.echo(format_table(cases, results, misses=misses))


@app.command()
def check(
    source: Annotated[
        Path, typer.Argument(metavar="SOURCE", help="Source text, one sentence or paragraph a line.")
    ],
    translation: Annotated[
        Path, typer.Argument(metavar="TRANSLATION", help="Its translation, line for line.")
    ],
    from_lang: Annotated[str, typer.Option("--from", help="Source language.")] = "fr",
    to_lang: Annotated[str, typer.Option("--to", help="Translation language: en or ko.")] = "en",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: [{line, flags, findings: [{flag, note}]}, ...].")
    ] = False,
    allow_flags: Annotated[bool, ALLOW_FLAGS_OPTION] = False,
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            help='Year of the datelines, so a weekday is checked against its date ("mardi" → "7일"): '
            "a year such as 2026, or auto (the latest year that puts each dateline no later than "
            "two days after today, for live copy). Without it, a weekday may be any day near the "
            "dateline's.",
        ),
    ] = None,
) -> None:
    """Flag the lines of a translation made elsewhere.

    Checks numbers, glossary names, copies, loops and length; no model
    needed, so no `low_confidence`.

    Exit codes: 0 no line flagged;
    1 lines flagged (0 with --allow-flags);
    2 usage error, or files that are unreadable or do not align."""
    from service.config import parse_dateline_year
    from service.languages import CODES
    from service.quality.flags import dated, dateline_of, flags_of, segment_findings
    from service.text.glossary import glossary_from_settings

    try:
        dateline_year = parse_dateline_year(year) if year is not None else None
    except ValueError as exc:
        raise MtsError(f"--year: {exc}") from None
    for lang, option in ((from_lang, "--from"), (to_lang, "--to")):
        if lang not in CODES:
            raise MtsError(f"{option} must be one of {', '.join(CODES)}, not {lang!r}")
    if from_lang == to_lang:
        raise MtsError("--from and --to must differ")
    sources = read_input(str(source)).splitlines()
    outputs = read_input(str(translation)).splitlines()
    if len(sources) != len(outputs):
        raise MtsError(
            f"{source} has {len(sources)} lines but {translation} has {len(outputs)}: they must align"
        )
    glossary = glossary_from_settings(_settings().glossary)
    # A line with a dateline starts a dispatch, which runs to the next one: each line is checked
    # in its dispatch (its weekdays against the dateline, its names against the whole dispatch).
    starts = [i for i, line in enumerate(sources) if dateline_of(line)]
    dispatches: list[str | None] = [None] * len(sources)
    for first, end in zip(starts, [*starts[1:], len(sources)][: len(starts)], strict=True):
        dispatch = dated("\n\n".join(sources[first:end]), dateline_year, src=from_lang)
        dispatches[first:end] = [dispatch] * (end - first)
    checked = [
        # As given, without repairs: the file is someone else's output.
        segment_findings(src_line, out_line, from_lang, to_lang, glossary=glossary, dispatch=dispatch)
        for src_line, out_line, dispatch in zip(sources, outputs, dispatches, strict=True)
    ]
    flagged = [(number, findings) for number, findings in enumerate(checked, start=1) if findings]
    if as_json:
        results = [
            {
                "line": number,
                "flags": flags_of(findings),
                "findings": [{"flag": f.flag, "note": f.note} for f in findings],
            }
            for number, findings in enumerate(checked, start=1)
        ]
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for number, findings in flagged:
            typer.echo(f"line {number}: {', '.join(flags_of(findings))}")
            for finding in findings:
                if finding.note:
                    typer.echo(f"  {finding}")
        typer.echo(f"{len(flagged)} of {len(checked)} lines flagged")
    if flagged and not allow_flags:
        raise typer.Exit(ATTENTION)


def _read_segments(path: Path) -> list[str]:
    """Lines of a text file, or the `text` (or `hyp`/`ref`) field of each JSONL line."""
    text = read_input(str(path))
    lines = text.splitlines()
    if path.suffix == ".jsonl":
        segments = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                raise MtsError(f"{path}:{number}: not valid JSON") from None
            value = data.get("text", data.get("hyp", data.get("ref"))) if isinstance(data, dict) else data
            if not isinstance(value, str):
                raise MtsError(f"{path}:{number}: needs a string `text` field")
            segments.append(value)
        return segments
    return lines


def main() -> None:
    """Entry point: turn every expected failure into one line on stderr and exit code 2.

    Usage errors (unknown option, out-of-range value) are reported by typer itself, also with
    exit code 2.
    """
    try:
        app()
    except MtsError as exc:
        typer.echo(f"mts: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("mts: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
