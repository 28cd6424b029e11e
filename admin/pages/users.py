"""Admin: users and organisations. List users, create a staff, dealer or agent user with a
role and an organisation, change a user's role or organisation, deactivate a user; create
the organisations (dealers, agencies) dealers and field agents belong to. Assigning a role
is granting its permissions: the domain refuses a role with permissions the admin lacks."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.access import organisations, roles, users
from ui.components import alert, card, field, select_field, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


def _org(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


class UsersState(ProtectedState, AuthState):
    rows: list[dict[str, str]] = []
    role_choices: list[list[str]] = []
    org_choices: list[list[str]] = []
    errors: list[str] = []
    notice: str = ""

    def _refresh(self, actor) -> None:
        self.rows = [{"id": str(u["id"]), "email": u["email"], "name": u["name"],
                      "role": u["role_name"], "organisation": u["organisation"],
                      "active": "active" if u["active"] else "deactivated"}
                     for u in users.listing(actor)]
        self.role_choices = [[r["code"], r["name"]] for r in roles.listing(actor)]
        self.org_choices = [["", "(none)"]] + [[str(o["id"]), f"{o['name']} ({o['kind']})"]
                                               for o in organisations.listing(actor)]

    def _load_page(self, actor):
        self.errors, self.notice = [], ""
        self._refresh(actor)

    def _run(self, done: str, fn) -> None:
        self.errors, self.notice = [], ""
        try:
            actor = self._require("users.manage")
            fn(actor)
        except ValidationError as e:
            self.errors = [f"{k}: {v}" for k, v in e.errors.items()]
            return
        except DomainError as e:
            self.errors = [f"Not done: {e}"]
            return
        self.notice = done
        self._refresh(actor)

    @rx.event
    def create(self, form: dict):
        self._run(f"User {form.get('email', '')} created.", lambda a: users.create(
            a, form.get("email", ""), form.get("password", ""), form.get("name", ""),
            form.get("role", ""), _org(form.get("organisation", ""))))

    @rx.event
    def assign(self, form: dict):
        uid = form.get("user", "")
        self._run("Role assigned.", lambda a: users.assign(
            a, int(uid) if uid.isdigit() else 0, form.get("assign_role", ""),
            _org(form.get("assign_organisation", "")), form.get("assign_reason", "")))

    @rx.event
    def deactivate(self, user_id: str):
        self._run("User deactivated.", lambda a: users.deactivate(
            a, int(user_id), "deactivated in the admin"))

    @rx.event
    def create_org(self, form: dict):
        self._run(f"Organisation {form.get('org_name', '')} created.",
                  lambda a: organisations.create(a, form.get("org_name", ""),
                                                 form.get("org_kind", "")))


def user_row(u) -> rx.Component:
    return rx.table.row(
        rx.table.cell(u["id"]), rx.table.row_header_cell(u["email"]), rx.table.cell(u["name"]),
        rx.table.cell(u["role"]), rx.table.cell(u["organisation"]), rx.table.cell(u["active"]),
        rx.table.cell(rx.cond(u["active"] == "active", rx.button(
            "Deactivate", on_click=UsersState.deactivate(u["id"]), size="1", variant="soft",
            color_scheme="red", aria_label="Deactivate " + u["email"]))))


def create_form() -> rx.Component:
    return rx.el.form(
        rx.heading("New user", size="4", as_="h2"),
        rx.grid(field("E-mail", "email", "email"), field("Full name", "name"),
                field("Password", "password", "password", hint="at least 10 characters"),
                select_field("Role", "role", UsersState.role_choices),
                select_field("Organisation", "organisation", UsersState.org_choices),
                columns={"initial": "1", "sm": "2"}, spacing="3", width="100%"),
        rx.button("Create user", type="submit", size="3", margin_top="0.75em"),
        on_submit=UsersState.create, reset_on_submit=True, aria_label="New user")


def assign_form() -> rx.Component:
    return rx.el.form(
        rx.heading("Change a user's role", size="4", as_="h2"),
        rx.grid(field("User id", "user", "number"),
                select_field("New role", "assign_role", UsersState.role_choices),
                select_field("Organisation ", "assign_organisation", UsersState.org_choices),
                field("Reason", "assign_reason"),
                columns={"initial": "1", "sm": "2"}, spacing="3", width="100%"),
        rx.button("Assign role", type="submit", size="3", margin_top="0.75em"),
        on_submit=UsersState.assign, aria_label="Assign role")


def org_form() -> rx.Component:
    return rx.el.form(
        rx.heading("New organisation", size="4", as_="h2"),
        rx.grid(field("Organisation name", "org_name"),
                select_field("Kind", "org_kind", [("dealer", "Dealer"), ("agency", "Agency")]),
                columns={"initial": "1", "sm": "2"}, spacing="3", width="100%"),
        rx.button("Create organisation", type="submit", size="3", margin_top="0.75em"),
        on_submit=UsersState.create_org, reset_on_submit=True, aria_label="New organisation")


@protected_page("/admin/users", "users.manage", state=UsersState,
                title="Users · Lendbook admin", heading="Users")
def users_page() -> rx.Component:
    return rx.flex(
        alert(UsersState.notice, color="green", id="users-notice"),
        rx.foreach(UsersState.errors, lambda e: alert(e)),
        card(table(["Id", "E-mail", "Name", "Role", "Organisation", "Status", ""],
                   UsersState.rows, user_row, "Users"), id="users-table"),
        card(create_form()), card(assign_form()), card(org_form()),
        direction="column", spacing="3")
