"""Admin: application workflows. Edit a workflow as JSON (stages, who acts, when/entry
conditions, funding approval levels), save a draft (every error named by its path), see its
stages, publish it. Applications in flight keep the version they started with."""
import json

import reflex as rx

from admin.definition_editor import DefinitionEditor, editor_card, versions_card
from domain.errors import DomainError, PermissionDenied
from domain.services import workflows
from domain.workflow import STANDARD, Workflow
from portal.components.layout import card, denied, shell, table
from portal.state import AuthState

HELP = ("Stages run in order: decision first, booked last. Built-in stages: decision, "
        "underwriting, offer, signature, funding, booked; any other key is a review stage its "
        "actors complete. `when` (the stage applies) and `entry` (needed to enter) read "
        "status, amount, term, channel, tier, bureau.score, kyc.passed, conditions_open, "
        "documents_missing, signed, point_of_sale. Products name a workflow by its code.")


class WorkflowsState(DefinitionEditor, AuthState):
    code: str = "standard"
    text: str = json.dumps(STANDARD, indent=2)
    preview: list[dict[str, str]] = []

    def _refresh(self, actor) -> None:
        self.versions = [{"code": v["code"], "version": str(v["version"]),
                          "status": v["status"], "created": v["created_at"],
                          "stages": " → ".join(s["key"] for s in v["definition"]["stages"])}
                         for v in workflows.versions(actor)]

    @rx.event
    def load(self):
        try:
            actor = self._require("workflow.edit")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/admin/workflows")
        self.denied = ""
        self._refresh(actor)

    @rx.event
    def save(self):
        self.preview = []
        try:
            actor = self._require("workflow.edit")
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        definition = self._save_draft(lambda d: workflows.save_draft(actor, self.code, d),
                                      "workflow")
        if definition is None:
            return
        wf = Workflow.from_dict(self.code, self.draft_version, definition)
        self.preview = [{"n": str(i + 1), "key": s.key, "name": s.name,
                         "actors": ", ".join(s.actors) or "system",
                         "when": s.when.text if s.when else "always",
                         "entry": s.entry.text if s.entry else ""}
                        for i, s in enumerate(wf.stages)]
        self._refresh(actor)

    @rx.event
    def publish(self):
        try:
            actor = self._require("workflow.edit")
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        if self._publish(lambda c, v: workflows.publish(actor, c, v, "published in the admin"),
                         "new applications follow it; those in flight keep theirs."):
            self._refresh(actor)


@rx.page(route="/admin/workflows", title="Workflows · Lendbook admin",
         on_load=WorkflowsState.load)
def workflows_page() -> rx.Component:
    s = WorkflowsState
    return shell("Workflows", rx.cond(
        s.denied != "", denied(s.denied),
        rx.flex(
            editor_card(s, HELP, "Workflow code", "workflow-code", "Workflow (JSON)",
                        "workflow-json"),
            rx.cond(s.preview.length() > 0, card(table(
                ["#", "Key", "Stage", "Who acts", "Applies when", "Entry needs"], s.preview,
                lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in (
                    "n", "key", "name", "actors", "when", "entry")]), "Draft stages"))),
            versions_card(s.versions, ["Code", "Version", "Status", "Saved", "Stages"],
                          ["code", "version", "status", "created", "stages"],
                          "Workflow versions"),
            direction="column", spacing="4"),
    ))
