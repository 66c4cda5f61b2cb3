"""The shape of the code (docs/architecture.md): no import cycle, no oversized module, core
imports no app, and an app uses another app only through its public modules."""

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
APPS = ["core", "servicedesk", "billing", "governance", "facilities", "notices", "spaces", "iot"]
APPS.append("staff")
APPS.append("parking")
APPS.append("works")
APPS.append("life")
APPS.append("accounts")
APPS.append("gate")
APPS.append("green")
APPS.append("people")
APPS.append("finance")
APPS.append("handover")
# What one app may import of another: its services, its read side, its vocabulary.
PUBLIC = {"services", "selectors", "choices"}
MAX_LINES = 800
# Interface modules: they receive the actor from the request; the rule is for what they call.
INTERFACES = {"api", "views", "admin", "forms", "urls", "management", "tests", "migrations"}
# The audit recorder's first argument is who acted, in every one of its hundreds of calls.
POSITIONAL_ACTOR = {"anju.core.audit.record"}


def modules():
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or "tests" in rel.parts:
            continue
        name = ".".join(rel.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _is_type_checking(node):
    test = node.test
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree):
    """Every import statement, at any depth (a deferred import is still a dependency), except
    those under ``if TYPE_CHECKING``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def graph():
    mods = modules()
    edges = defaultdict(set)
    for name, path in mods.items():
        package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = name.split(".") if package else name.split(".")[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("anju"):
                    edges[name].add(target)
    return mods, edges


def cycles(mods, edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(mods):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    mods, edges = graph()
    # A package importing its own submodules (re-exports in __init__) is the package itself.
    folded = defaultdict(set)
    for source, targets in edges.items():
        for target in targets:
            if target.startswith(source + "."):
                continue
            folded[source].add(target)
    found = cycles(mods, folded)
    assert not found, "\n".join(" -> ".join(c) for c in found)


def test_no_module_over_the_limit():
    too_long = {}
    for path in (SRC / "anju").rglob("*.py"):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or "tests" in rel.parts:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            too_long[str(rel)] = lines
    assert not too_long, too_long


def _app(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in APPS else None


def test_core_imports_no_app_and_apps_meet_only_through_public_modules():
    mods, edges = graph()
    wrong = []
    for source, targets in edges.items():
        source_app = _app(source)
        for target in targets:
            target_app = _app(target)
            if not source_app or not target_app or source_app == target_app:
                continue
            if target_app == "core":
                continue  # core is the foundation every app builds on
            if source_app == "core":
                wrong.append(f"{source} -> {target} (core imports no app)")
            elif target.split(".")[2] not in PUBLIC:
                wrong.append(f"{source} -> {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_private_name_imported_from_another_module():
    """A leading underscore means "this module only": another module that needs it needs a
    public function (gettext's ``_`` aside)."""
    wrong = []
    for name, path in modules().items():
        for node in _imports(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("anju")
            ):
                for alias in node.names:
                    if alias.name.startswith("_") and alias.name != "__version__":
                        wrong.append(
                            f"{name}: from {'.' * node.level}{node.module or ''} import {alias.name}"
                        )
    assert not wrong, "\n".join(sorted(wrong))


def _service_functions():
    import inspect
    from importlib import import_module

    for name in sorted(modules()):
        parts = name.split(".")
        if len(parts) < 3 or parts[2] in INTERFACES:
            continue
        module = import_module(name)
        for attr, fn in vars(module).items():
            if (
                inspect.isfunction(fn)
                and fn.__module__ == name
                and not attr.startswith("_")
                and "actor" in inspect.signature(fn).parameters
            ):
                yield f"{name}.{attr}", inspect.signature(fn).parameters["actor"]


def test_actor_is_keyword_only_in_every_service():
    import inspect

    positional = [
        name
        for name, param in _service_functions()
        if param.kind is not inspect.Parameter.KEYWORD_ONLY and name not in POSITIONAL_ACTOR
    ]
    assert not positional, "\n".join(positional)
