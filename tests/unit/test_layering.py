"""The layering rules of README's "Working on imagegen", checked on every import in the tree
(function-level ones too): who may import what, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "imagegen"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, wherever the import stands (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path)
    base = package.split(".") if path.name == "__init__.py" else package.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = ".".join(base[: len(base) - node.level + 1])
                mod = f"{stem}.{node.module}" if node.module else stem
            else:
                mod = node.module or ""
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}  # `from pkg import module`
    return found


GRAPH = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}
OURS = set(GRAPH)


def _hits(module: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        i for i in GRAPH[module] if any(i == f or i.startswith(f + ".") for f in forbidden)
    )


RULES = [
    # (who, may not import, why)
    ("imagegen.services", ("reflex", "fastapi", "starlette", "imagegen.api", "imagegen.state",
                           "imagegen.pages", "imagegen.components"), "domain logic only"),
    ("imagegen.worker", ("imagegen.models", "imagegen.db", "sqlmodel", "sqlalchemy", "reflex",
                         "imagegen.api", "imagegen.state", "imagegen.pages"),
     "the worker never touches the database or the UI"),
    ("imagegen.api", ("imagegen.db", "sqlmodel", "sqlalchemy", "imagegen.state"),
     "routes call services"),
    ("imagegen.pages", ("imagegen.db", "sqlmodel", "sqlalchemy", "imagegen.api"),
     "pages show state"),
    ("imagegen.components", ("imagegen.db", "sqlmodel", "sqlalchemy", "imagegen.api"),
     "components show state"),
    ("imagegen.state", ("imagegen.db", "sqlmodel", "sqlalchemy", "imagegen.api", "fastapi"),
     "state calls services"),
    ("imagegen.contract", ("imagegen",), "the wire contract stands alone"),
    ("imagegen.settings.base", ("imagegen.settings.app", "imagegen.settings.worker"),
     "the shared settings know neither process"),
]  # fmt: skip
# Each process reads its own settings class: the worker never the app's, the app never the
# worker's (the shared base is for code both run, such as storage).
APP_SIDE = ("api", "state", "pages", "components", "services", "db", "imagegen", "migrate")
RULES += [
    (f"imagegen.{m}", ("imagegen.settings.worker",), "the app reads AppSettings") for m in APP_SIDE
]


@pytest.mark.parametrize(("who", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_each_layer_imports_only_what_it_may(who, forbidden, why):
    broken = {m: _hits(m, forbidden) for m in GRAPH if m == who or m.startswith(who + ".")}
    broken = {m: h for m, h in broken.items() if h}
    assert broken == {}, f"{why}: {broken}"


def test_the_import_graph_has_no_cycle():
    edges = {m: {i for i in deps if i in OURS and i != m} for m, deps in GRAPH.items()}
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    for m in edges:
        edges[m] = {i for i in edges[m] if not m.startswith(i + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                return [*stack[stack.index(n) :], n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (cycle := visit(m)):
            pytest.fail(" -> ".join(cycle))


def _reachable(start: str) -> set[str]:
    """Every imagegen module start loads, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        for i in GRAPH.get(m, ()):
            # `import a.b.c` runs a/__init__ and a/b/__init__ too
            parts = i.split(".")
            for n in (".".join(parts[:k]) for k in range(1, len(parts) + 1)):
                if n in OURS and n not in seen:
                    seen.add(n)
                    todo.append(n)
    return seen


def test_the_worker_never_loads_the_app_settings():
    workers = [m for m in GRAPH if m == "imagegen.worker" or m.startswith("imagegen.worker.")]
    loaded = {m: sorted(_reachable(m) & {"imagegen.settings.app"}) for m in workers}
    assert {m: h for m, h in loaded.items() if h} == {}, "the worker reads WorkerSettings only"
