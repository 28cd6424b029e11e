"""The documentation: README.md stays the short entry page, every page under docs/ is in the
site's navigation, and the site builds with `mkdocs build --strict` (broken links, anchors,
pages left out of the nav, a failing API reference hook: all refused)."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MKDOCS = Path(sys.executable).parent / "mkdocs"  # the venv's, beside its python


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    return []


def test_readme_is_a_short_entry_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert "make run" in text and "make test" in text
    for link in ("docs/index.md", "docs/operator/settings.md", "docs/conventions/schedule.md"):
        assert f"]({link})" in text, link


def test_every_page_is_in_the_nav_and_every_nav_page_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["docs_dir"] == "docs"
    nav = _nav_pages(config["nav"])
    generated = {"api/partner-api.md"}  # written at build time by docs/hooks/openapi.py
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
             if "hooks" not in p.relative_to(DOCS).parts}
    assert pages - set(nav) == set(), "pages missing from the nav in mkdocs.yml"
    assert set(nav) - pages - generated == set(), "nav entries without a page"
    assert len(nav) == len(set(nav)), "a page is in the nav twice"


def test_the_site_builds_strictly(tmp_path):
    """Not `-q`: quiet mode hides the warnings that strict mode counts, and the build passes."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "WARNING" not in out.stderr, out.stderr
    page = (tmp_path / "site" / "api" / "partner-api" / "index.html").read_text()
    assert "/api/v1/applications" in page and "ApplicationRequest" in page
    assert (tmp_path / "site" / "api" / "openapi.json").exists()


def test_every_cli_command_is_in_the_operator_guide():
    """The command line page names every `lendbook` subcommand (operators read it, not the
    source)."""
    import argparse

    from cli.main import build_parser
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    page = (ROOT / "docs" / "operator" / "cli.md").read_text()
    missing = [c for c in commands.choices if f"lendbook {c}" not in page]
    assert not missing, f"docs/operator/cli.md does not describe: {missing}"
