"""Migrations never import live code (a later change to the code must not change what an old
migration does); where one needs a rule of the code, it carries a frozen copy, checked here
against the live rule."""
import ast
import importlib.util
import random
from datetime import datetime, timezone
from pathlib import Path

from domain.audit import chain
from domain.kernel.permissions import BUILT_IN_ROLES

VERSIONS = Path(__file__).resolve().parents[2] / "domain/db/migrations/versions"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, VERSIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_migration_imports_the_project():
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n.split(".")[0] in ("domain", "portal", "admin", "integrations",
                                               "cli", "webapp", "ui") for n in names), \
                f"{path.name}:{node.lineno} imports {names}"


def test_the_audit_chain_migration_hashes_as_the_chain_does():
    m = _load("0010_audit_chain")
    rnd = random.Random(10)
    for i in range(300):
        row = {"id": i, "action": rnd.choice(["loan.booked", "é.x"]),
               "actor_id": rnd.choice([None, 3]), "actor_label": rnd.choice(["Zoë", "SYSTEM"]),
               "after": {"x": rnd.random(), "k": [1, "ü", None]},
               "at": datetime(2026, 1, 2, 3, 4, 5, rnd.randint(0, 999_999),
                              tzinfo=rnd.choice([None, timezone.utc])),
               "before": rnd.choice([None, {"a": 1}]), "entity": "loan",
               "entity_id": f"LN-{i}", "reason": rnd.choice([None, "", "why"])}
        assert m.content_sha(row) == chain.content_sha(row)
        assert m.link_hash(i + 1, i, chain.GENESIS, "ab" * 32) == \
            chain.link_hash(i + 1, i, chain.GENESIS, "ab" * 32)
    assert m.GENESIS == chain.GENESIS


def test_the_roles_migration_seeds_the_built_in_roles_of_its_day():
    m = _load("0009_roles_permissions")
    frozen = {code: (name, description, portal, set(perms))
              for code, name, description, portal, perms in m.BUILT_IN_ROLES}
    live = {r.code: (r.name, r.description, r.portal, set(r.permissions))
            for r in BUILT_IN_ROLES.values()}
    assert frozen == live  # today they agree; a later catalogue change needs a new migration
