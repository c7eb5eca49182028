"""No module of the project imports one that imports it back, directly or through others (imports inside functions count).

Between apps there is no cycle either: the apps stand in layers, each importing only those below it.
`common` (the shared helpers) imports no app; `people` (roles, who may do what, access, login) only
`common`; `registry` holds the models and reads of offices, enrollments, duplicates and Suket;
`printing` (the print jobs) stands on it, and `inventory` (the ledger, which names the print job a
blank went to) on both; `backlog`, the write side, writes all three; `desks` (the office's pages and
commands) and `public` (the residents' pages) are on top, and nothing imports them.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "common", "people", "registry", "inventory", "printing", "backlog", "desks", "public", "tools")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set[str]:
    """Every project module `name` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = project_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert "backlog.ledger" in graph["backlog.desks"]  # the graph sees the project's imports
    assert cycles(graph) == []


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "a.py").write_text("from b import thing\n")
    (tmp_path / "b.py").write_text("def thing():\n    from . import a\n    return a\n")
    modules = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    (tmp_path / "a.py").write_text("from pkg.b import thing\n")
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def app_graph(modules: dict[str, Path] | None = None) -> dict[str, set[str]]:
    modules = modules or project_modules()
    graph = {}
    for name, path in modules.items():
        app = name.split(".")[0]
        graph.setdefault(app, set()).update(t.split(".")[0] for t in imports_of(name, path, modules) if t.split(".")[0] != app)
    return graph


# Each app and the apps it may import: the layers of the module's docstring.
LAYERS = {
    "common": set(),
    "people": {"common"},
    "registry": {"common", "people"},
    "printing": {"common", "people", "registry"},
    "inventory": {"common", "people", "registry", "printing"},
    "backlog": {"common", "config", "people", "registry", "printing", "inventory"},
    "desks": {"common", "config", "people", "registry", "printing", "inventory", "backlog"},
    "public": {"common", "config", "people", "registry", "printing", "inventory"},
}


def test_no_app_imports_one_that_imports_it_back():
    graph = app_graph()
    assert "people" in graph["registry"] and "backlog" in graph["desks"]  # the graph sees the apps' imports
    assert cycles(graph) == []


def test_each_app_imports_only_the_apps_below_it():
    graph = app_graph()
    assert {app: sorted(graph[app] - allowed) for app, allowed in LAYERS.items() if graph[app] - allowed} == {}
    assert not any("desks" in imported or "public" in imported for app, imported in graph.items() if app != "tools")


def test_the_app_check_finds_the_write_side_called_from_the_registry(tmp_path):
    """A registry module that calls the write side (as the registry's views once did) is caught by both checks."""
    stray = tmp_path / "stray.py"
    stray.write_text("def upload(request):\n    from backlog.imports import accept_upload\n")
    graph = app_graph({**project_modules(), "registry.stray": stray})
    assert "backlog" in graph["registry"]
    assert any("registry" in component and "backlog" in component for component in cycles(graph))
