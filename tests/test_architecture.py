"""The house rules of docs/architecture.md, checked on the source: every module belongs to one
layer and imports only from the layers below it (or its own), no two modules import each other
round a cycle, no project import hides inside a function (outside the command line, which
imports a command's modules when it runs), `prens/` imports neither Flask nor gspread, and no
production module or function is too long to read."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("prens", "webhooks", "sheets_bridge", "jobs")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

# Lowest first. A module's layer is the first whose prefix names it (longest prefix wins).
LAYERS: dict[str, tuple[str, ...]] = {
    "rules": ("prens", "prens.errors", "prens.privacy", "prens.rules", "prens.config"),
    "store": ("prens.store",),
    "intake": ("prens.intake",),
    "reports": ("prens.reports",),
    "sheets": ("sheets_bridge",),
    "providers": ("jobs.providers",),
    "runtime": ("prens.runtime", "prens.deployment"),
    "jobs": ("jobs",),
    "web": ("webhooks",),
    "operator": ("prens.cli", "prens.doctor", "prens.demo", "prens.demo_sender", "prens.__main__"),
}
# What each layer may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "rules": set(),
    "store": {"rules"},
    "intake": {"rules", "store"},
    "reports": {"rules", "store"},
    "sheets": {"rules", "store", "reports"},
    "providers": {"rules"},
    "runtime": {"rules", "store", "intake", "sheets", "providers"},
    "jobs": {"rules", "store", "intake", "reports", "sheets", "providers", "runtime"},
    "web": {"rules", "store", "intake", "reports", "sheets", "runtime"},
    "operator": set(LAYERS) - {"operator"},
}
LAZY_IMPORTS_ALLOWED = ("prens.cli",)  # commands import what they need when they run
NOT_IN_PRENS = ("flask", "gspread", "werkzeug")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the project module imported
    line: int
    in_function: bool
    type_only: bool  # under `if TYPE_CHECKING:`


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def production_files() -> list[Path]:
    return sorted(
        p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.relative_to(ROOT).parts
    )


MODULES = {module_name(p): p for p in production_files()}


def layer_of(module: str) -> str:
    best, best_len = "", -1
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = layer, len(prefix)
    assert best, f"{module} belongs to no layer: add it to LAYERS"
    return best


def _resolve(name: str) -> str | None:
    """The project module `name` is, or is in (a name imported from a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports_of(module: str, path: Path) -> tuple[list[Import], list[tuple[str, int]]]:
    """Project imports of a module, and the third-party modules it imports (name, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []
    external: list[tuple[str, int]] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                visit(child, in_function, True)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                names: list[str] = []
                if isinstance(child, ast.Import):
                    names = [a.name for a in child.names]
                else:
                    base = child.module or ""
                    if child.level:
                        up = package.split(".")[: len(package.split(".")) - child.level + 1]
                        base = ".".join([*up, base] if base else up)
                    names = [f"{base}.{a.name}" for a in child.names] or [base]
                for name in names:
                    if name.split(".")[0] in PACKAGES:
                        target = _resolve(name)
                        if target and target != module:
                            found.append(
                                Import(module, target, child.lineno, in_function, type_only)
                            )
                    else:
                        external.append((name.split(".")[0], child.lineno))
            else:
                visit(child, in_function, type_only)

    visit(tree, False, False)
    return found, external


ALL = {m: imports_of(m, p) for m, p in MODULES.items()}


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    wrong = []
    for module, (found, _) in ALL.items():
        mine = layer_of(module)
        for imp in found:
            theirs = layer_of(imp.target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(
                    f"{MODULES[module].relative_to(ROOT)}:{imp.line}: {module} ({mine}) "
                    f"imports {imp.target} ({theirs})"
                )
    assert wrong == [], "\n".join(wrong)


def test_no_project_import_inside_a_function() -> None:
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{imp.line}: {imp.target}"
        for module, (found, _) in ALL.items()
        for imp in found
        if imp.in_function and not module.startswith(LAZY_IMPORTS_ALLOWED)
    ]
    assert wrong == [], "\n".join(wrong)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, (found, _) in ALL.items():
        for imp in found:
            if not imp.type_only:
                graph[module].add(imp.target)
                # Importing a package's submodule runs the package's __init__ first.
                parent = imp.target.rpartition(".")[0]
                while parent and parent != module and not module.startswith(parent + "."):
                    if parent in MODULES:
                        graph[module].add(parent)
                    parent = parent.rpartition(".")[0]
    assert cycles(graph) == []


def test_prens_imports_neither_flask_nor_gspread() -> None:
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: {name}"
        for module, (_, external) in ALL.items()
        if module.split(".")[0] == "prens"
        for name, line in external
        if name in NOT_IN_PRENS
    ]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_are_short_enough_to_read(module: str) -> None:
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: {lines} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"{path.relative_to(ROOT)}: " + ", ".join(long)


def test_no_two_url_rules_answer_one_path_and_method(app) -> None:  # type: ignore[no-untyped-def]
    # `/` was routed twice: the health blueprint's bare page won, and the citizens' home page
    # was never shown.
    from collections import Counter

    seen = Counter(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    )
    assert [key for key, n in seen.items() if n > 1] == []
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Cek status pendaftaran Anda" in page  # the citizens' home page


def test_every_domain_error_is_in_the_documented_tree() -> None:
    # prens/errors.py drew a tree that omitted five of its subclasses, and two domain errors
    # were plain ValueErrors.
    import importlib
    import inspect
    import pkgutil

    import jobs
    import prens
    import prens.errors
    import sheets_bridge
    import webhooks
    from sheets_bridge.base import SheetError

    classes = set()
    for package in (prens, jobs, webhooks, sheets_bridge):
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in found.name or found.name.endswith(("__main__", ".wsgi")):
                continue
            module = importlib.import_module(found.name)
            classes |= {
                c
                for _, c in inspect.getmembers(module, inspect.isclass)
                if issubclass(c, Exception) and c.__module__ == module.__name__
            }
    tree = prens.errors.__doc__ or ""
    for error in classes:
        assert issubclass(error, (prens.errors.PrensError, SheetError)), error
        if issubclass(error, prens.errors.PrensError) and error is not prens.errors.PrensError:
            assert f" {error.__name__} " in tree, f"{error.__name__} is not in prens/errors.py"


def test_every_path_a_comment_or_doc_names_exists() -> None:
    # Comments cited a design document outside the repository, and modules that had moved
    # (the responses, the rate store, the fingerprints). CHANGELOG.md is history: what it names
    # may have moved since.
    import re
    import subprocess

    named = re.compile(
        r"(?<![\w/.-])((?:prens|webhooks|jobs|sheets_bridge|tests|docs|bench|deploy|config)/"
        r"[\w./-]*\w\.(?:py|md|html|toml|csv|js|gs|conf|lua|json))"
    )
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = []
    for name in files:
        if name == "CHANGELOG.md" or not name.endswith((".py", ".md", ".html", ".toml", ".conf")):
            continue
        text = (ROOT / name).read_text(encoding="utf-8")
        missing += [(name, p) for p in named.findall(text) if not (ROOT / p).exists()]
        if "DESIGN.md" in text and name != "tests/test_architecture.py":
            missing.append((name, "DESIGN.md"))
    assert missing == []
