"""Admin: roles. List the roles (who holds each), create a role, edit a role's permissions as
a grouped checkbox list generated from the catalogue (domain/kernel/permissions.py), delete a custom
role. The domain refuses granting a permission the admin does not hold, and deleting a
built-in role; where role changes need approval, a save becomes a change request."""
import reflex as rx

from domain.kernel import permissions as catalogue
from domain.kernel.errors import DomainError, PermissionDenied, ValidationError
from domain.access import roles
from ui.components import alert, card, field, select_field, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

PORTAL_CHOICES = [("staff", "Staff console"), ("dealer", "Dealer portal"),
                  ("agent", "Field agent capture"), ("borrower", "Borrower portal")]


class RolesState(ProtectedState, AuthState):
    rows: list[dict[str, str]] = []
    creating: bool = True
    f_code: str = ""
    f_name: str = ""
    f_description: str = ""
    f_portal: str = "staff"
    f_perms: list[str] = []
    errors: list[str] = []
    notice: str = ""

    def _refresh(self, actor) -> None:
        self.rows = [{"code": r["code"], "name": r["name"], "portal": r["portal"],
                      "kind": "built-in" if r["built_in"] else "custom",
                      "revision": str(r["revision"]), "count": str(len(r["permissions"])),
                      "users": ", ".join(r["users"][:5])
                      + (f" and {len(r['users']) - 5} more" if len(r["users"]) > 5 else "")}
                     for r in roles.listing(actor)]

    def _load_page(self, actor):
        self.errors, self.notice = [], ""
        self._refresh(actor)
        self._blank()

    def _blank(self) -> None:
        self.creating, self.f_code, self.f_name, self.f_description = True, "", "", ""
        self.f_portal, self.f_perms = "staff", []

    @rx.event
    def new_role(self):
        self.errors, self.notice = [], ""
        self._blank()

    @rx.event
    def edit(self, code: str):
        self.errors, self.notice = [], ""
        try:
            actor = self._require("roles.manage")
        except PermissionDenied as e:
            self.errors = [str(e)]
            return
        for r in roles.listing(actor):
            if r["code"] == code:
                self.creating, self.f_code, self.f_name = False, r["code"], r["name"]
                self.f_description, self.f_portal = r["description"], r["portal"]
                self.f_perms = list(r["permissions"])

    @rx.event
    def toggle(self, code: str, checked: bool):
        perms = set(self.f_perms)
        perms.add(code) if checked else perms.discard(code)
        self.f_perms = sorted(perms)

    @rx.event
    def set_text(self, name: str, value: str):
        setattr(self, f"f_{name}", value)

    @rx.event
    def save(self, form: dict):
        self.errors, self.notice = [], ""
        change = {"code": form.get("code", self.f_code), "name": form.get("name", ""),
                  "description": form.get("description", ""),
                  "portal": form.get("portal", "staff"), "permissions": list(self.f_perms),
                  "create": self.creating}
        try:
            actor = self._require("roles.manage")
            pending = roles.save(actor, change, form.get("reason", ""))
        except ValidationError as e:
            self.errors = [f"{k}: {v}" for k, v in e.errors.items()]
            return
        except DomainError as e:
            self.errors = [f"Not saved: {e}"]
            return
        self.notice = (f"Sent for approval: change request {pending}." if pending
                       else f"Role {change['code']} saved.")
        self.creating, self.f_code = False, change["code"].strip()
        self._refresh(actor)

    @rx.event
    def delete(self, code: str):
        self.errors, self.notice = [], ""
        try:
            actor = self._require("roles.manage")
            roles.delete(actor, code, "deleted in the admin")
        except DomainError as e:
            self.errors = [f"Not deleted: {e}"]
            return
        self.notice = f"Role {code} deleted."
        self._blank()
        self._refresh(actor)


def role_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(r["name"], weight="medium"),
                                 rx.text(r["code"], size="1", color="#4a5568")),
        rx.table.cell(r["portal"]), rx.table.cell(r["kind"]), rx.table.cell(r["count"]),
        rx.table.cell(r["revision"]), rx.table.cell(r["users"]),
        rx.table.cell(rx.flex(
            rx.button("Edit", on_click=RolesState.edit(r["code"]), size="1", variant="soft",
                      aria_label="Edit role " + r["code"]),
            rx.cond(r["kind"] == "custom",
                    rx.button("Delete", on_click=RolesState.delete(r["code"]), size="1",
                              color_scheme="red", variant="soft",
                              aria_label="Delete role " + r["code"])),
            spacing="2")))


def permission_box(p: catalogue.Permission) -> rx.Component:
    box_id = "perm-" + p.code.replace(".", "-")
    return rx.el.label(
        rx.checkbox(id=box_id, checked=RolesState.f_perms.contains(p.code),
                    on_change=lambda v: RolesState.toggle(p.code, v), margin_top="0.2em"),
        rx.box(rx.text(p.label, weight="medium", size="2"),
               rx.text(f"{p.code}: {p.description}", size="1", color="#4a5568")),
        html_for=box_id,
        style={"display": "flex", "gap": "0.5em", "alignItems": "flex-start",
               "cursor": "pointer", "padding": "0.25em 0"})


def permission_groups() -> rx.Component:
    return rx.grid(*[
        rx.el.fieldset(
            rx.el.legend(group, style={"fontWeight": 600, "padding": "0 0.25em"}),
            *[permission_box(p) for p in catalogue.CATALOGUE if p.group == group],
            style={"border": "1px solid #cbd5e0", "borderRadius": "6px",
                   "padding": "0.5em 0.75em"})
        for group in catalogue.GROUPS], columns={"initial": "1", "md": "2"}, spacing="3",
        width="100%")


def role_form() -> rx.Component:
    return rx.el.form(
        rx.heading(rx.cond(RolesState.creating, "New role", "Edit role " + RolesState.f_code),
                   size="4", as_="h2"),
        rx.grid(
            rx.cond(RolesState.creating,
                    field("Code", "code", value=RolesState.f_code,
                          on_change=lambda v: RolesState.set_text("code", v),
                          hint="lower-case letters, digits and _, e.g. collections_clerk"),
                    rx.el.input(type="hidden", name="code", value=RolesState.f_code)),
            field("Name", "name", value=RolesState.f_name,
                  on_change=lambda v: RolesState.set_text("name", v)),
            field("Description", "description", value=RolesState.f_description,
                  on_change=lambda v: RolesState.set_text("description", v)),
            select_field("Lands on", "portal", PORTAL_CHOICES, value=RolesState.f_portal,
                         on_change=lambda v: RolesState.set_text("portal", v)),
            columns={"initial": "1", "sm": "2"}, spacing="3", width="100%"),
        rx.heading("Permissions", size="3", as_="h3", margin_top="0.75em"),
        permission_groups(),
        field("Reason for the change", "reason", placeholder="why (kept in the audit log)"),
        rx.flex(rx.button("Save role", type="submit", size="3"),
                rx.button("New role", type="button", variant="outline", size="3",
                          on_click=RolesState.new_role),
                spacing="3", margin_top="0.75em"),
        on_submit=RolesState.save, aria_label="Role",
    )


@protected_page("/admin/roles", "roles.manage", state=RolesState,
                title="Roles · Lendbook admin", heading="Roles and permissions")
def roles_page() -> rx.Component:
    return rx.flex(
        alert(RolesState.notice, color="green", id="roles-notice"),
        rx.foreach(RolesState.errors, lambda e: alert(e)),
        card(table(["Role", "Lands on", "Kind", "Permissions", "Revision", "Held by", ""],
                   RolesState.rows, role_row, "Roles"), id="roles-table"),
        card(role_form()),
        direction="column", spacing="3")
