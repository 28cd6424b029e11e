"""Admin: decision rule sets. Edit a rule set as JSON, save it as a draft (every error named by
its path), test the draft against saved applications, publish it. No code, no redeploy."""
import json

import reflex as rx

from domain.errors import DomainError, PermissionDenied, ValidationError
from domain.rules.examples import EXAMPLE
from domain.services import rulesets
from portal.components.layout import alert, card, denied, shell, table
from portal.state import AuthState

class RulesState(AuthState):
    denied: str = ""
    code: str = "credit"
    text: str = json.dumps(EXAMPLE, indent=2)
    versions: list[dict[str, str]] = []
    tested: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    draft_version: int = 0

    def _refresh(self, actor) -> None:
        self.versions = [{"code": v["code"], "version": str(v["version"]),
                          "status": v["status"],
                          "created": v["created_at"].strftime("%Y-%m-%d %H:%M")}
                         for v in rulesets.versions(actor)]

    @rx.event
    def load(self):
        try:
            actor = self._require("admin")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/admin/rules")
        self.denied = ""
        self._refresh(actor)

    @rx.event
    def set_code(self, value: str):
        self.code = value.strip()

    @rx.event
    def set_text(self, value: str):
        self.text = value

    @rx.event
    def save(self):
        self.notice, self.error, self.tested = "", "", []
        try:
            actor = self._require("admin")
            definition = json.loads(self.text)
            self.draft_version = rulesets.save_draft(actor, self.code, definition)
        except json.JSONDecodeError as e:
            self.error = f"Not saved: the rule set is not valid JSON (line {e.lineno}, " \
                         f"column {e.colno}: {e.msg})."
            return
        except ValidationError as e:
            self.error = "Not saved: " + "; ".join(f"{k}: {v}" for k, v in e.errors.items())
            return
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        self.notice = f"Saved {self.code} version {self.draft_version} as a draft."
        self._refresh(actor)

    @rx.event
    def test(self):
        try:
            actor = self._require("admin")
            rows = rulesets.test_draft(actor, self.code, self.draft_version)
        except DomainError as e:
            self.error = f"Not tested: {e}"
            return
        self.tested = [{"application": str(r.application_id), "recorded": r.recorded,
                        "draft": r.draft, "changed": "changed" if r.recorded != r.draft else "",
                        "reasons": "; ".join(r.reasons)} for r in rows]
        changed = sum(1 for r in rows if r.recorded != r.draft)
        self.notice = (f"Draft version {self.draft_version} tested against {len(rows)} saved "
                       f"applications: {changed} would be decided differently.")

    @rx.event
    def publish(self):
        try:
            actor = self._require("admin")
            rulesets.publish(actor, self.code, self.draft_version, "published in the admin")
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        self.notice = f"Published {self.code} version {self.draft_version}: the next " \
                      "decision uses it."
        self._refresh(actor)


def version_row(r) -> rx.Component:
    return rx.table.row(rx.table.cell(r["code"]), rx.table.cell(r["version"]),
                        rx.table.cell(rx.badge(r["status"])), rx.table.cell(r["created"]))


def tested_row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in ("application", "recorded", "draft",
                                                         "changed", "reasons")])


@rx.page(route="/admin/rules", title="Decision rules · Lendbook admin", on_load=RulesState.load)
def rules_page() -> rx.Component:
    s = RulesState
    return shell("Decision rules", rx.cond(
        s.denied != "", denied(s.denied),
        rx.flex(
            card(
                rx.text("Conditions read application fields (amount, term, monthly_income, "
                        "installment, dti, payment_to_income, applicant.state, "
                        "employment.status) and bureau fields (bureau.score, "
                        "bureau.thin_file, bureau.fraud_flag, kyc.passed). Outcomes: "
                        "approve, decline (with an adverse action code), refer, tier.",
                        size="2"),
                rx.el.label("Rule set code", html_for="ruleset-code",
                            style={"fontWeight": 500}),
                rx.input(id="ruleset-code", value=s.code, on_change=s.set_code, size="3"),
                rx.el.label("Rule set (JSON)", html_for="ruleset-json",
                            style={"fontWeight": 500}),
                rx.text_area(id="ruleset-json", value=s.text, on_change=s.set_text,
                             rows="18", style={"fontFamily": "monospace"}),
                rx.flex(rx.button("Save draft", on_click=s.save, size="3"),
                        rx.button("Test draft against saved applications", on_click=s.test,
                                  size="3", variant="soft", disabled=s.draft_version == 0),
                        rx.button("Publish draft", on_click=s.publish, size="3",
                                  color_scheme="green", disabled=s.draft_version == 0),
                        spacing="2", wrap="wrap"),
                alert(s.error), alert(s.notice, color="green")),
            rx.cond(s.tested.length() > 0, card(table(
                ["Application", "Decided", "Draft would", "", "Draft's reasons"], s.tested,
                tested_row, "Draft tested against saved applications"))),
            card(rx.heading("Versions", size="4", as_="h2"),
                 table(["Code", "Version", "Status", "Saved"], s.versions, version_row,
                       "Rule set versions")),
            direction="column", spacing="4"),
    ))
