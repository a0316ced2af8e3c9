"""The package layering: imports only point down, the import graph has no cycles, and no module
outside text/, quality/ and evaluation/ keeps a module-level cache (loaded models belong to the
runtime's model registry)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "service"

# Lower layers never import higher ones. Modules in one layer may import each other only within
# their own package (translation and summarization are peers and stay apart).
LAYERS: dict[str, int] = {
    "service.errors": 0,
    "service.languages": 0,
    "service.config": 1,
    "service.work": 1,
    "service.logging_setup": 2,
    "service.text": 2,
    "service.models": 2,
    "service.llm": 2,
    "service.quality": 3,
    "service.formats": 3,
    "service.glossaries": 3,
    "service.translation": 4,
    "service.summarization": 4,
    "service.pipeline": 5,
    "service.schemas": 6,
    "service.runtime": 7,
    "service.documents": 7,
    "service.api": 8,
    "service.batch": 8,
    "service.evaluation": 8,
    "service.bench": 8,
    "service.glossaries.bench": 9,
    "service.bench_pipeline": 9,
    "service.bench_serve": 10,
    "service.cli": 11,
}
# Caches that hold no model: compiled text rules, parsed files, settings, metric helpers.
CACHES_ALLOWED = (
    "service.text",
    "service.formats",
    "service.evaluation",
    "service.config",
    "service.llm.prompts",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The layer unit a module belongs to (its package, or itself for a top-level module)."""
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {__file__}")


def _imports(path: Path, module: str) -> set[str]:
    """Every service module imported anywhere in the file (lazy and type-checking imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.rsplit(".", node.level)[0] if path.name != "__init__.py" else module
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules and name != module}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p, _module_name(p)) for p in PACKAGE.rglob("*.py")}


def _has_layer(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in LAYERS)


def test_every_module_has_a_layer() -> None:
    modules = [module for module in _graph() if module != "service"]
    assert len(modules) > 50, "the package's modules were found"
    missing = [module for module in modules if not _has_layer(module)]
    assert missing == [], f"modules with no layer (add them to LAYERS in {__file__}): {missing}"
    assert not _has_layer("service.somewhere_new")


def _upward(graph: dict[str, set[str]]) -> list[str]:
    upward = []
    for module, imported in graph.items():
        if module == "service":
            continue
        unit = _unit(module)
        for target in imported:
            other = _unit(target)
            if other != unit and LAYERS[other] >= LAYERS[unit]:
                upward.append(f"{module} → {target} ({unit} {LAYERS[unit]} → {other} {LAYERS[other]})")
    return sorted(upward)


def test_imports_only_point_down() -> None:
    upward = _upward(_graph())
    assert not upward, "imports that do not point down:\n" + "\n".join(upward)


def test_the_layer_check_catches_upward_and_sideways_imports() -> None:
    assert _upward({"service.text.segment": {"service.runtime"}})
    assert _upward({"service.translation.seq2seq": {"service.summarization.base"}})
    assert _upward({"service.config": {"service.quality.flags"}})
    assert not _upward({"service.runtime.plan": {"service.pipeline", "service.text.segment"}})


def _cycle(nodes: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, if it has any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(nodes.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_cycles() -> None:
    graph = _graph()
    units: dict[str, set[str]] = {}
    for module, imported in graph.items():
        if module != "service":
            units.setdefault(_unit(module), set()).update(
                _unit(t) for t in imported if _unit(t) != _unit(module)
            )
    for nodes in (graph, units):
        cycle = _cycle(nodes)
        assert cycle is None, "import cycle: " + " → ".join(cycle or [])
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_level_caches_outside_text_rules() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        module = _module_name(path)
        if module.startswith(CACHES_ALLOWED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    text = ast.unparse(decorator)
                    if "cache" in text:
                        offenders.append(f"{module}.{node.name}: @{text}")
    assert not offenders, "module-level caches (models belong to the runtime's registry):\n" + "\n".join(
        offenders
    )
