"""The shape of the house, checked: layers point one way and nothing imports in a circle.

- no import cycles among the project's modules;
- a service never imports another service (they talk through Kafka and HTTP only);
- the vocabulary (``shared.domain``, ``shared.calendar``, ``shared.events``, ``shared.clock``, roles and principals)
  imports nothing above it; the machinery (storage, bus, runtime) never imports the HTTP layer (``shared.api``);
- in a service, only ``resources.py``, ``schemas.py`` (the HTTP contract) and ``app.py`` speak HTTP (flask,
  flask-smorest, ``shared.api``): the rules and the services below them do not know a request exists.
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("services", "shared", "tools", "bench")
VOCABULARY = ("shared.domain", "shared.calendar", "shared.events", "shared.clock", "shared.auth.roles",
              "shared.auth.principal", "shared.config")
MACHINERY = ("shared.storage", "shared.bus", "shared.runtime", "shared.logging", "shared.failpoints")
HTTP = ("shared.api", "flask", "flask_smorest", "werkzeug")


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: pathlib.Path) -> set[str]:
    """What a module imports (at any depth, TYPE_CHECKING-only imports excepted), as module names: ``from
    package import submodule`` counts as importing the submodule."""
    tree = ast.parse(path.read_text())
    typing_only = {id(node) for guard in ast.walk(tree) if isinstance(guard, ast.If)
                   and ast.unparse(guard.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                   for node in ast.walk(guard)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


GRAPH = {name: {i for i in _imports(name, path)} for name, path in MODULES.items()}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_there_are_no_import_cycles():
    internal = {n: {i for i in deps if i in MODULES} for n, deps in GRAPH.items()}
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in internal[node]:
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
                cycles.append(sorted(component))

    for node in sorted(internal):
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("service", sorted({n.split(".")[1] for n in MODULES if n.startswith("services.")
                                            and n.count(".") >= 1 and (ROOT / "services" / n.split(".")[1]).is_dir()}))
def test_a_service_never_imports_another(service):
    mine = f"services.{service}"
    offending = {(name, dep) for name, deps in GRAPH.items() if _within(name, (mine,)) for dep in deps
                 if dep.startswith("services.") and not _within(dep, (mine,)) and dep != "services"}
    assert offending == set()


def test_the_vocabulary_imports_nothing_above_it():
    offending = {(name, dep) for name, deps in GRAPH.items() if _within(name, VOCABULARY) for dep in deps
                 if _within(dep, MACHINERY + HTTP + ("services", "shared.auth.tokens", "shared.auth.policy"))}
    assert offending == set()


def test_the_machinery_never_imports_the_http_layer():
    offending = {(name, dep) for name, deps in GRAPH.items() if _within(name, MACHINERY) for dep in deps
                 if _within(dep, HTTP)}
    assert offending == set()


def test_in_a_service_only_resources_schemas_and_the_app_speak_http():
    """The web front (services/portal) is HTTP through and through: it owns no rule and reaches the services
    through their APIs only, so it is not held to this."""
    speaking = {name for name in MODULES if name.startswith("services.") and not _within(name, ("services.portal",))
                and name.rsplit(".", 1)[-1] not in ("resources", "schemas", "app")}
    offending = {(name, dep) for name in speaking for dep in GRAPH[name] if _within(dep, HTTP)}
    assert offending == set()


def test_every_api_blueprint_reads_requests_with_the_one_parser():
    """shared/api/parsing.Blueprint: one request parser (415, bad UTF-8, deep nesting, huge integers) and bodies
    documented as required exactly when a field is. flask-smorest's own Blueprint would skip both."""
    offending = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "services").rglob("*.py")
                       if re.search(r"^from flask_smorest import .*\bBlueprint\b", path.read_text(), re.MULTILINE))
    assert offending == []
