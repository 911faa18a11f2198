"""Running the app in Streamlit's AppTest against a given database."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent


def run_app(monkeypatch, db_url: str, page: str | None = None, timeout: float = 60, **params: str) -> AppTest:
    """The app as a user opening `/<page>?<params>`; fails on any exception."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page and page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def all_text(at: AppTest) -> str:
    """Every piece of text the run drew (markdown, captions, metrics, alerts, tables)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning", "info", "success"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    for m in at.metric:
        parts.append(f"{m.label} {m.value} {m.delta or ''}")
    for df in at.dataframe:
        parts.append(df.value.to_string())
    for table in at.table:
        parts.append(table.value.to_string())
    return "\n".join(parts)
