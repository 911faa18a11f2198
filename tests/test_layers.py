"""The architecture tests itself: each layer imports only what docs/ARCHITECTURE.md says
it may, and every module is named there.

An AST walk over every import (top-level and inside functions), so a lazy import
cannot hide a dependency. When one of these fails, either the change put something in the
wrong layer, or the architecture changed and ARCHITECTURE.md must say so.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

ARCHITECTURE = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
LAYERS = ("rules", "i18n", "data_access", "ui", "pages")
UI_FRAMEWORKS = {"streamlit", "altair", "pydeck"}
DATABASE = {"sqlalchemy", "alembic", "psycopg"}

# Modules that hand out an engine's reads and writes unscoped (or scoped by the run, not
# the viewer): only `data_access.store` may call them for a page.
BEHIND_THE_DOOR = (
    "data_access.db",
    "data_access.queries",
    "data_access.models",
    "data_access.importer",
    "data_access.intake",
    "data_access.template",
    "data_access.audit",
    "data_access.locks",
    "data_access.meeting_docx",
    "data_access.progress",
    "data_access.protect",
    "data_access.results_cache",
)
# What ui/ may still name from those modules: types and errors, never a function that
# takes an engine (`from data_access.progress import Progress` is a type for a signature).
NAMES_FROM_BEHIND = {
    "data_access.progress": {"Progress", "Predecessor"},
    "data_access.db": {"DatabaseUnavailable"},
}

# What each layer must not import (a top-level package name, or a dotted module).
FORBIDDEN: dict[str, set[str]] = {
    # Pure rules: plain data in and out, testable without Streamlit, a database or pandas.
    "rules": UI_FRAMEWORKS | DATABASE | {"pandas", "i18n", "data_access", "ui", "pages"},
    # The vocabulary for words and numbers is shared by pages, exports and the CLI.
    "i18n": UI_FRAMEWORKS | DATABASE | {"pandas", "data_access", "ui", "pages"},
    # The one door to the database and files never reaches up into the UI.
    "data_access": UI_FRAMEWORKS | {"ui", "pages"},
    # Pages and their building blocks go through the door (`data_access.store.Store`, made
    # for the viewer by `ui.auth.store()` and by ui/data.py's cache; `Gate` for the login),
    # never around it: no engine, no query module, no progress computation, none of the
    # intake's, audit's or locks' functions.
    "ui": DATABASE | {"pages", *BEHIND_THE_DOOR},
    "pages": DATABASE | {"data_access", "sqlalchemy"},
}
# An engine: nothing in ui/ or pages/ opens or holds one (ui/data.py's cache included).
ENGINE_NAMES = {"get_engine", "ready_engine", "Engine"}
ENGINE_ALLOWED: dict[str, set[str]] = {}


def _modules(layer: str) -> list[Path]:
    return sorted(p for p in (REPO / layer).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path, named: dict[str, set[str]] | None = None) -> set[str]:
    """Every module `path` imports, dotted, including `from x import y` as `x.y`.

    With `named` (module -> names), a `from module import Name` counts only for the names
    `named[module]` does not list, and not as the module itself:
    `from data_access.progress import Progress` names a type, while
    `from data_access import progress` or `from data_access.progress import compute_progress`
    still reach the module."""
    named = named or {}
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            allowed = named.get(node.module)
            if allowed is None:
                found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if a.name not in (allowed or ()))
    return found


def _breaks(imported: str, rule: str) -> bool:
    return imported == rule or imported.startswith(rule + ".")


def _layer_breaches(path: Path, layer: str) -> list[str]:
    return [
        imported
        for imported in sorted(_imports(path, NAMES_FROM_BEHIND if layer == "ui" else None))
        if any(_breaks(imported, rule) for rule in FORBIDDEN[layer])
    ]


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_what_the_architecture_allows(layer):
    bad = []
    for path in _modules(layer):
        rel = path.relative_to(REPO).as_posix()
        bad += [f"{rel} imports {imported}" for imported in _layer_breaches(path, layer)]
    assert not bad, "\n".join(bad)


def _engine_uses(path: Path) -> set[str]:
    """Every `get_engine`, `ready_engine` or `Engine` named in `path` (as `db.x`, `x`, or imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENGINE_NAMES:
            found.add(node.attr)
        elif isinstance(node, ast.Name) and node.id in ENGINE_NAMES:
            found.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            found.update(a.name for a in node.names if a.name in ENGINE_NAMES)
    return found


@pytest.mark.parametrize("layer", ("ui", "pages"))
def test_pages_and_their_blocks_never_hold_an_engine(layer):
    """An engine in a page's hands is a door around the viewer's scope: they use the store."""
    bad = []
    for path in _modules(layer):
        rel = path.relative_to(REPO).as_posix()
        extra = _engine_uses(path) - ENGINE_ALLOWED.get(rel, set())
        if extra:
            bad.append(f"{rel} uses {sorted(extra)}")
    assert not bad, "\n".join(bad)


def test_the_engine_rule_would_catch_a_block_opening_its_own_engine(tmp_path):
    block = tmp_path / "b.py"
    block.write_text(
        "from data_access import audit, db\n\ndef f(url):\n    return audit.recent_imports(db.get_engine(url), None)\n",
        encoding="utf-8",
    )
    assert _engine_uses(block) == {"get_engine"}
    assert any(_breaks(i, rule) for i in _imports(block) for rule in BEHIND_THE_DOOR)


def test_the_door_rule_would_catch_the_cache_reading_around_the_store(tmp_path):
    """What ui/data.py did before the door took its reads: an engine of its own, a query
    module, the progress computation, the protection and the results file. A type from
    behind the door stays nameable; a function next to it does not."""
    cache = tmp_path / "data.py"
    cache.write_text(
        "from data_access import db, queries, results_cache\n"
        "from data_access.progress import Progress, compute_progress\n"
        "from data_access.protect import protect_in_tree\n"
        "from data_access.db import DatabaseUnavailable\n\n"
        "def version(url):\n    return queries.data_version(db.get_engine(url))\n",
        encoding="utf-8",
    )
    breaches = _layer_breaches(cache, "ui")
    for module in ("db", "queries", "results_cache", "progress.compute_progress", "protect.protect_in_tree"):
        assert f"data_access.{module}" in breaches, module
    assert "data_access.progress.Progress" not in breaches
    assert "data_access.db.DatabaseUnavailable" not in breaches
    assert _engine_uses(cache) == {"get_engine"}
    assert ENGINE_ALLOWED.get("ui/data.py", set()) == set()
    # Naming only types from a module behind the door is no breach.
    types_only = tmp_path / "view.py"
    types_only.write_text("from data_access.progress import Predecessor, Progress\n", encoding="utf-8")
    assert _layer_breaches(types_only, "ui") == []


def test_the_layer_rules_would_catch_a_page_reaching_the_database(tmp_path):
    """The walk sees a lazy import inside a function, and a `from … import …` name."""
    page = tmp_path / "p.py"
    page.write_text("def f():\n    from data_access.queries import figures\n    import sqlalchemy\n", encoding="utf-8")
    imported = _imports(page)
    assert any(_breaks(i, "data_access.queries") for i in imported)
    assert any(_breaks(i, "sqlalchemy") for i in imported)


def test_the_frame_is_only_the_frame():
    """app.py builds the frame: it reaches the data through ui/, never directly."""
    imported = _imports(REPO / "app.py")
    assert not [i for i in imported if any(_breaks(i, r) for r in DATABASE | {"data_access"})]


@pytest.mark.parametrize("layer", ("rules", "i18n", "data_access", "ui", "benchmarks"))
def test_every_module_is_named_in_the_architecture(layer):
    missing = [
        p.relative_to(REPO).as_posix()
        for p in _modules(layer)
        if p.name not in ("__init__.py", "__main__.py") and p.name not in ARCHITECTURE
    ]
    assert not missing, f"not in docs/ARCHITECTURE.md: {missing}"


# pydeck (and its JSON serialiser) only where a map deck is built: the overview shares the
# projector's choice of communes (`ui.selections`), never its decks.
DECK_BUILDERS = {"ui/map.py", "ui/projector_deck.py"}
OVERVIEW = ("pages/overview.py", "ui/leader.py")


def _module_file(dotted: str) -> Path | None:
    """The repository file a dotted import names (a module or a package), else None."""
    base = REPO.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _reached(start: Path) -> set[str]:
    """Every repository module `start` imports, directly or through others (lazy imports
    inside functions included), as paths relative to the repository."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        rel = path.relative_to(REPO).as_posix()
        if rel in seen:
            continue
        seen.add(rel)
        todo += [f for f in map(_module_file, _imports(path)) if f is not None]
    return seen


def test_pydeck_is_imported_only_where_a_deck_is_built():
    users = {
        p.relative_to(REPO).as_posix()
        for layer in ("ui", "pages")
        for p in _modules(layer)
        if any(_breaks(i, "pydeck") for i in _imports(p))
    }
    assert users <= DECK_BUILDERS, users - DECK_BUILDERS


@pytest.mark.parametrize("start", OVERVIEW)
def test_the_overview_never_loads_pydeck(start):
    """The leader's first screen draws no map: loading pydeck (and the projector's decks)
    for it cost the overview's first run an import it never used."""
    builders = _reached(REPO / start) & DECK_BUILDERS
    assert not builders, f"{start} reaches {sorted(builders)}"


def test_the_pydeck_rule_would_catch_the_overview_borrowing_from_the_projector():
    """Before the split, ui/leader.py took `communes_off_track` from ui/projector.py,
    whose slides import the decks."""
    assert "ui/projector_deck.py" in _reached(REPO / "ui" / "projector.py")
    assert "ui/map.py" in _reached(REPO / "ui" / "projector.py")


def test_importing_the_overview_leaves_pydeck_unloaded():
    """The same, as Python sees it: a fresh interpreter imports the overview's blocks."""
    code = "import sys, ui.leader, ui.followup_view, ui.scorecard; print('pydeck' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
