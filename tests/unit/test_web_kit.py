"""The shared web kit (ui/): every guarded page goes through `protected_page`, the guard does
what the pages used to hand-roll, and the portal and the admin stay apart."""
import ast
import importlib
import pkgutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from domain.kernel.errors import NotFound, PermissionDenied
from domain.kernel.permissions import CODES
from tests.unit.test_layers import _copy, _lint

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIRS = (ROOT / "portal" / "pages", ROOT / "admin" / "pages")
PUBLIC = {"home", "login", "signup", "claim"}  # pages anyone may open


def _page_modules():
    return [p for d in PAGE_DIRS for p in sorted(d.glob("*.py")) if p.stem != "__init__"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _page_modules(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_guarded_page_uses_protected_page(path: Path):
    source = path.read_text()
    assert "denied(" not in source, "the refusal is drawn by ui.protected_page only"
    assert "/login?next=" not in source, "the sign-in redirect belongs to ui.protected_page"
    if path.stem in PUBLIC:
        assert "@protected_page(" not in source
    else:
        assert "@protected_page(" in source and "@rx.page(" not in source


@pytest.mark.parametrize("package", ["admin", "portal", "ui"])
def test_the_portal_the_admin_and_the_kit_do_not_import_each_other(package: str):
    forbidden = {"admin": ("portal", "webapp"), "portal": ("admin", "webapp"),
                 "ui": ("portal", "admin", "webapp")}[package]
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = [m for m in _imports(path) if m.split(".")[0] in forbidden]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def _guarded_states():
    from ui.protected import ProtectedState, permissions_of
    for pkg in ("portal.pages", "admin.pages"):
        for m in pkgutil.iter_modules(importlib.import_module(pkg).__path__):
            importlib.import_module(f"{pkg}.{m.name}")
    found, todo = [], list(ProtectedState.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        found.append((cls, permissions_of(cls)))
    return found


def test_each_guarded_state_names_catalogue_permissions():
    states = _guarded_states()
    assert len(states) == len(_page_modules()) - len(PUBLIC)
    for cls, codes in states:
        assert codes, f"{cls.__name__} has no page registered through protected_page"
        assert set(codes) <= CODES, f"{cls.__name__}: unknown permission {codes}"


class _Page:
    """Stands in for a page state in the guard (the event's plain function runs on it)."""

    def __init__(self, state, *, actor=None, error=None, load_error=None, path="/admin/ledger"):
        self._state, self._actor, self._error, self._load_error = state, actor, error, load_error
        self.is_signed_in = actor is not None
        self.router = SimpleNamespace(url=SimpleNamespace(path=path))
        self.denied, self.loaded_for, self.asked = "stale", None, None

    def get_full_name(self):
        return self._state.get_full_name()

    def _require(self, *codes):
        self.asked = codes
        if self._error:
            raise self._error
        return self._actor

    def _load_page(self, actor):
        if self._load_error:
            raise self._load_error
        self.loaded_for = actor

    def _refuse(self, error):
        from ui.protected import ProtectedState
        ProtectedState._refuse(self, error)


def _redirect_path(spec) -> str:
    return dict((str(k), v._var_value) for k, v in spec.args)["path"]


def test_the_guard_sends_a_signed_out_visitor_to_sign_in_and_back():
    from admin.pages.ledger import LedgerState
    page = _Page(LedgerState, error=PermissionDenied("please sign in"), path="/admin/ledger")
    spec = LedgerState.load.fn(page)
    assert _redirect_path(spec) == "/login?next=/admin/ledger"
    assert page.denied == "Access refused: please sign in." and page.loaded_for is None
    assert page.asked == ("ledger.view",)


def test_the_guard_refuses_a_user_without_the_permission_and_stays():
    from admin.pages.ledger import LedgerState
    page = _Page(LedgerState, actor="borrower", error=PermissionDenied("Borrower role may not"
                                                                       " do this"))
    assert LedgerState.load.fn(page) is None
    assert page.denied == "Access refused: Borrower role may not do this."
    assert page.loaded_for is None


def test_the_guard_loads_the_page_for_an_allowed_user_and_refuses_what_the_page_refuses():
    from portal.pages.loan import LoanState
    page = _Page(LoanState, actor="staff", path="/loans/LN-000001")
    assert LoanState.load.fn(page) is None
    assert page.denied == "" and page.loaded_for == "staff"
    assert page.asked == ("self.loans", "loan.view")
    other = _Page(LoanState, actor="nosy", load_error=NotFound("not yours to see"))
    assert LoanState.load.fn(other) is None
    assert other.denied == "Access refused: not yours to see."


def test_an_admin_page_importing_the_portal_breaks_the_build(tmp_path):
    tree = _copy(tmp_path)
    with open(tree / "admin/pages/ledger.py", "a") as f:
        f.write("\nfrom portal import loan_view  # noqa\n")
    p = _lint(tree)
    assert p.returncode != 0
    assert "The portal and the admin are independent of each other BROKEN" in p.stdout
