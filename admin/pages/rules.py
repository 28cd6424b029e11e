"""Admin: decision rule sets. Edit a rule set as JSON, save it as a draft (every error named by
its path), test the draft against saved applications, publish it. No code, no redeploy."""
import json

import reflex as rx

from admin.definition_editor import DefinitionEditor, editor_card, versions_card
from domain.kernel.errors import DomainError
from domain.rules.examples import EXAMPLE
from domain.origination import rulesets
from ui.components import card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

HELP = ("Conditions read application fields (amount, term, monthly_income, installment, dti, "
        "payment_to_income, applicant.state, employment.status) and bureau fields "
        "(bureau.score, bureau.thin_file, bureau.fraud_flag, kyc.passed). Outcomes: approve, "
        "decline (with an adverse action code), refer, tier.")


class RulesState(ProtectedState, DefinitionEditor, AuthState):
    code: str = "credit"
    text: str = json.dumps(EXAMPLE, indent=2)
    tested: list[dict[str, str]] = []

    def _refresh(self, actor) -> None:
        self.versions = [{"code": v["code"], "version": str(v["version"]),
                          "status": v["status"],
                          "created": v["created_at"].strftime("%Y-%m-%d %H:%M")}
                         for v in rulesets.versions(actor)]

    def _load_page(self, actor):
        self._refresh(actor)

    @rx.event
    def save(self):
        self.tested = []
        try:
            actor = self._require("rules.edit")
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        if self._save_draft(lambda d: rulesets.save_draft(actor, self.code, d),
                            "rule set") is not None:
            self._refresh(actor)

    @rx.event
    def test(self):
        try:
            actor = self._require("rules.edit")
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
            actor = self._require("rules.edit")
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        if self._publish(lambda c, v: rulesets.publish(actor, c, v, "published in the admin"),
                         "the next decision uses it."):
            self._refresh(actor)


def tested_row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in ("application", "recorded", "draft",
                                                         "changed", "reasons")])


@protected_page("/admin/rules", "rules.edit", state=RulesState,
                title="Decision rules · Lendbook admin", heading="Decision rules")
def rules_page() -> rx.Component:
    s = RulesState
    return rx.flex(
        editor_card(s, HELP, "Rule set code", "ruleset-code", "Rule set (JSON)",
                    "ruleset-json",
                    rx.button("Test draft against saved applications", on_click=s.test,
                              size="3", variant="soft", disabled=s.draft_version == 0)),
        rx.cond(s.tested.length() > 0, card(table(
            ["Application", "Decided", "Draft would", "", "Draft's reasons"], s.tested,
            tested_row, "Draft tested against saved applications"))),
        versions_card(s.versions, ["Code", "Version", "Status", "Saved"],
                      ["code", "version", "status", "created"], "Rule set versions"),
        direction="column", spacing="4")
