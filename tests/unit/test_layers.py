"""The layer rules in pyproject.toml ([tool.importlinter]) hold, and they do catch a cycle."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
# Every package the linter reads, so the copied tree lints like the real one.
PACKAGES = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text())
                 ["tool"]["importlinter"]["root_packages"])


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_every_contract_is_kept():
    p = _lint(ROOT)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert "0 broken" in p.stdout


def _copy(tmp_path: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_upward_import_and_a_cycle_break_the_build(tmp_path):
    tree = _copy(tmp_path)
    with open(tree / "domain/kernel/money.py", "a") as f:  # kernel -> servicing: upward
        f.write("\nfrom domain.servicing import queries  # noqa\n")
    p = _lint(tree)
    assert p.returncode != 0
    assert "Bounded contexts import only downward BROKEN" in p.stdout
    assert "Pure calculation, rules and file formats touch no database BROKEN" in p.stdout


def test_a_cycle_inside_one_context_breaks_the_build(tmp_path):
    tree = _copy(tmp_path)
    with open(tree / "domain/origination/rulesets.py", "a") as f:  # intake already imports it
        f.write("\nfrom domain.origination import intake  # noqa\n")
    p = _lint(tree)
    assert p.returncode != 0
    assert "No import cycles between the modules of a package BROKEN" in p.stdout
    assert ".rulesets -> .intake" in p.stdout


def test_the_domain_may_not_import_a_provider_sdk(tmp_path):
    tree = _copy(tmp_path)
    with open(tree / "domain/servicing/payments.py", "a") as f:
        f.write("\nimport stripe  # noqa\n")
    p = _lint(tree)
    assert p.returncode != 0
    assert "provider SDK or edge package BROKEN" in p.stdout
