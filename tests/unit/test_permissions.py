"""The permission catalogue and the one check: codes are unique and grouped, the built-in roles
keep the behaviour of the old role strings, the grant rule, and what a refusal says."""
import pytest

from domain.kernel import permissions as catalogue
from domain.kernel.errors import PermissionDenied
from domain.kernel.actor import SYSTEM, Actor


def test_codes_are_unique_labelled_and_grouped():
    codes = [p.code for p in catalogue.CATALOGUE]
    assert len(codes) == len(set(codes)) == len(catalogue.CODES)
    for p in catalogue.CATALOGUE:
        assert p.label and p.description and p.group in catalogue.GROUPS
        assert p.code.count(".") == 1 and p.code == p.code.lower()


def test_built_in_roles_only_use_catalogue_codes_and_land_on_a_known_portal():
    assert set(catalogue.BUILT_IN_ROLES) == {"borrower", "dealer", "field_agent", "underwriter",
                                             "servicer", "admin"}
    for role in catalogue.BUILT_IN_ROLES.values():
        assert role.permissions <= catalogue.CODES and role.portal in catalogue.PORTALS


def test_built_in_roles_match_the_old_role_checks():
    b = catalogue.built_in
    assert b("borrower") == {"self.apply", "self.loans", "self.pay"}
    assert b("dealer") == {"dealer.submit"} and b("field_agent") == {"agent.capture"}
    staff = ("underwriter", "servicer", "admin")
    for perm in ("application.view", "application.decide", "document.view", "loan.view"):
        assert all(perm in b(r) for r in staff)  # the old STAFF tuple
    for perm in ("payment.post", "payment.reverse", "loan.modify", "bank_files.manage",
                 "onboarding.board", "application.fund"):  # the old ("servicer", "admin")
        assert {r for r in catalogue.BUILT_IN_ROLES if perm in b(r)} == {"servicer", "admin"}
    for perm in ("product.edit", "rules.edit", "workflow.edit", "branding.edit", "gl.manage",
                 "export.data", "audit.view", "users.manage", "roles.manage", "cob.run",
                 "config.approve", "partners.manage"):  # the old ("admin",)
        assert {r for r in catalogue.BUILT_IN_ROLES if perm in b(r)} == {"admin"}
    assert {r for r in catalogue.BUILT_IN_ROLES if "rules.view" in b(r)} == {"admin",
                                                                            "underwriter"}
    assert b("api_partner") == {"onboarding.board"} and b("nobody") == frozenset()


def test_the_grant_rule_lists_what_the_granter_lacks():
    assert catalogue.ungrantable(frozenset({"loan.view"}), ["loan.view"]) == []
    assert catalogue.ungrantable(frozenset({"loan.view"}),
                                 ["payment.post", "loan.view", "audit.view"]) == [
        "audit.view", "payment.post"]
    assert catalogue.unknown(["loan.view", "loan.fly"]) == ["loan.fly"]


def test_an_actor_carries_its_set_and_a_refusal_names_the_permission():
    clerk = Actor(7, "clerk", "c@x.test", frozenset({"loan.view", "payment.post"}),
                  role_name="Payments clerk")
    clerk.require_permission("payment.post")
    clerk.require_permission("audit.view", "loan.view")  # any one of them
    with pytest.raises(PermissionDenied) as e:
        clerk.require_permission("export.data")
    assert "Payments clerk role may not do this" in str(e.value)
    assert "export.data" in str(e.value) and "Export data" in str(e.value)
    assert Actor(1, "borrower", "b").can("self.pay") and not Actor(1, "borrower", "b").can(
        "loan.view")
    assert SYSTEM.can("config.approve") and not SYSTEM.can("self.apply")
    assert Actor(1, "dealer", "d").portal == "dealer"


def test_home_follows_the_portal_and_the_permissions():
    h = catalogue.home_for
    assert h("borrower", frozenset()) == "/loans" and h("dealer", frozenset()) == "/dealer"
    assert h("staff", catalogue.built_in("admin")) == "/admin/products"
    assert h("staff", catalogue.built_in("servicer")) == "/servicing"
    assert h("staff", catalogue.built_in("underwriter")) == "/underwriting"
    assert h("staff", frozenset({"loan.view", "payment.post"})) == "/servicing"
    assert h("staff", frozenset()) == "/"
