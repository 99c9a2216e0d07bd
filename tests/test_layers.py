"""The package's shape: each layer imports only the layers below it, and no module imports itself
back through another (imports inside functions count too).

The layers, lowest first (docs/architecture.md):
nn → recipes (and dtw, beside it) → project → osc → live → web, with mnist beside project; cli and bench on top.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "oscnet"

BELOW = {
    "errors": set(),
    "nn": {"errors"},
    "recipes": {"errors", "nn", "dtw"},
    "dtw": {"errors"},
    "project": {"errors", "nn", "recipes", "dtw"},
    "mnist": {"errors", "nn", "recipes"},
    "osc": {"errors", "nn", "recipes", "dtw", "project"},
    "testing": {"errors", "osc"},
    "live": {"errors", "nn", "recipes", "dtw", "project", "osc"},
    "web": {"errors", "nn", "recipes", "dtw", "project", "osc", "live"},
}
TOP = {"cli", "bench", "__init__", "__main__"}  # may import anything


def modules() -> dict[str, Path]:
    """Every module as its dotted name (oscnet.live.session) → file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, name: str) -> set[str]:
    """The oscnet modules a file imports, anywhere in it (top level or inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for type checkers only are not imports at run time
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("oscnet"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("oscnet"):
                out.add(base)
                out.update(f"{base}.{a.name}" for a in node.names)  # `from oscnet.mnist import runs`
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports_of(path, name) if m in known and m != name} for name, path in known.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.mark.parametrize("module", sorted(graph()))
def test_a_layer_imports_only_the_layers_below_it(module):
    mine = layer(module)
    if mine in TOP:
        return
    allowed = BELOW[mine] | {mine}
    wrong = sorted(m for m in graph()[module] if layer(m) not in allowed)
    assert not wrong, f"{module} ({mine}) imports {wrong}; {mine} may import only {sorted(allowed)}"


def test_no_module_imports_itself_back_through_others():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    # a package's __init__ importing its own modules is how a package presents them, not a cycle
    real = [c for c in cycles if not any(a == b.rpartition(".")[0] or b == a.rpartition(".")[0]
                                         for a, b in itertools.pairwise(c))]
    assert not real, "import cycles: " + "; ".join(" → ".join(c) for c in real)


def test_the_package_is_small_rooms():
    top_level = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top_level) <= 12, f"{len(top_level)} modules directly in oscnet/: {top_level}"
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"modules over 400 lines: {long}"
