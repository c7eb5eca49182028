"""No module of the project imports one that imports it back, directly or through others (imports inside functions count).

Between apps: `common` (the shared helpers) imports no app of the project, and `people` (roles, who
may do what, access, login) only `common`, so neither is part of a cycle of apps. The desk apps and
the write side do depend on each other (a desk's view calls the write side, which writes the desk
app's models); splitting each app into its models and its desks would end that, and is not done.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "common", "people", "registry", "inventory", "printing", "backlog", "public", "tools")


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


def app_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        app = name.split(".")[0]
        graph.setdefault(app, set()).update(t.split(".")[0] for t in imports_of(name, path, modules) if t.split(".")[0] != app)
    return graph


def test_the_shared_helpers_and_the_people_app_are_in_no_cycle_of_apps():
    graph = app_graph()
    assert graph["common"] == set()
    assert graph["people"] <= {"common"}
    assert "people" in graph["registry"] and "common" in graph["backlog"]  # the graph sees the apps' imports
    assert not any("common" in component or "people" in component for component in cycles(graph))
