"""The layout holds: imports point down the layers, no file imports itself round a cycle, the front ends
use only the service, and no test hook lives in product code.

The graph is computed here from the code itself (every `import`, `from ... import`,
`import_module("...")` and "module:attr" string), independently of import-linter, which
enforces the same layers in `make test` through the contracts in pyproject.toml.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

# lower number = lower layer; packages that share a layer (ingest, retrieval and prompts; evaluation and
# generation) may not import each other
LAYERS = {"core": 0, "ingest": 1, "retrieval": 1, "prompts": 1, "answering": 2, "evaluation": 3, "generation": 3,
          "inspection_qa": 4, "app": 5, "pages": 5}
PACKAGES = ("core", "ingest", "retrieval", "prompts", "answering", "generation", "evaluation", "inspection_qa")
MODULE_ATTR = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*):[A-Za-z_][A-Za-z0-9_]*$")
FRONT_ENDS = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), ROOT / "inspection_qa" / "cli.py"]


def product_files() -> dict[str, Path]:
    """Module name -> file, for all product code (not tests, bench or scripts)."""
    out = {"app": ROOT / "app.py"}
    for page in sorted((ROOT / "pages").glob("*.py")):
        out[f"pages.{page.stem}"] = page
    for pkg in PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            parts = f.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = f
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """Every project module named by `path`'s imports, import_module calls and module:attr strings."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = MODULE_ATTR.match(node.value)
            if m and m.group(1).split(".")[0] in PACKAGES:
                found.add(m.group(1))
    return {f for f in found if f.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    files = product_files()
    out = {}
    for name, path in files.items():
        targets = set()
        for imp in imports_of(name, path):
            while imp and imp not in files:  # `from pkg import name` names a module or an attribute
                imp = imp.rpartition(".")[0]
            if imp and imp != name:
                targets.add(imp)
        out[name] = targets
    return out


def layer(module: str) -> tuple[str, int]:
    top = module.split(".")[0]
    return top, LAYERS[top]


def test_every_import_points_down_or_within_its_package():
    wrong = []
    for source, targets in graph().items():
        top, rank = layer(source)
        for target in targets:
            ttop, trank = layer(target)
            if ttop == top:
                continue
            if trank >= rank:
                wrong.append(f"{source} -> {target}")
    assert wrong == []


def test_no_cycle_between_files():
    g = graph()
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(g):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_graph_sees_what_it_must():
    """The checks above are only as good as the graph: it must see relative imports, lazy imports
    inside functions, and the layers' real edges."""
    g = graph()
    assert "core.errors" in g["core.settings"]  # from .errors import ...
    assert "answering.answerer" in g["inspection_qa.service"]
    assert "inspection_qa.presentation" in g["inspection_qa.cli"]  # imported inside a command
    assert "inspection_qa.webapp" in g["app"]


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: p.name)
def test_front_ends_use_only_the_service(path):
    text = path.read_text("utf-8")
    for attr in (".index.", ".docstore.", ".embedder.", ".dense.", ".lexical."):
        assert attr not in text, f"{path.name} reaches past the service through {attr!r}"


def test_no_test_hooks_in_product_code():
    for name, path in product_files().items():
        text = path.read_text("utf-8")
        for hook in ("crash_at", "questions_path", "failpoint"):
            assert hook not in text, f"{name} holds the test hook {hook!r}"


def test_import_linter_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "broken" in run.stdout and " 0 broken" in run.stdout
