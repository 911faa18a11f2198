"""The README keeps up with the code (datasette-style docs tests)."""

from __future__ import annotations

import argparse

from data_access.__main__ import build_parser
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_every_subcommand_is_documented_in_the_readme():
    missing = [name for name in _subcommands() if f"`{name}" not in README]
    assert not missing


def test_the_readme_names_the_two_commands_and_they_exist():
    for script in ("./run.sh", "./test.sh"):
        assert script in README
        assert (REPO / script[2:]).exists()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "./test.sh" in ci  # CI runs the README's test command


def test_every_page_is_in_the_catalogue_and_the_menu():
    from i18n import catalogue
    from ui.frame import PAGES

    for spec in PAGES:
        assert (REPO / spec.path).exists()
        assert f"nav_{spec.key}" in catalogue()
