"""Admin: application workflows. Edit a workflow as JSON (stages, who acts, when/entry
conditions, funding approval levels), save a draft (every error named by its path), see its
stages, publish it. Applications in flight keep the version they started with."""
import json

import reflex as rx

from admin.definition_editor import DefinitionEditor, editor_card, versions_card
from domain.configuration import workflow_editing as editing
from domain.kernel.errors import DomainError
from domain.configuration import workflow_versions
from domain.configuration.workflow import STANDARD, Workflow
from admin.components.workflow_editor import stage_editor
from ui.components import card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

HELP = ("Stages run in order: decision first, booked last. Built-in stages: decision, "
        "underwriting, offer, signature, funding, booked; any other key is a review stage its "
        "actors complete. `when` (the stage applies) and `entry` (needed to enter) read "
        "status, amount, term, channel, tier, bureau.score, kyc.passed, conditions_open, "
        "documents_missing, signed, point_of_sale. Products name a workflow by its code.")


class WorkflowsState(ProtectedState, DefinitionEditor, AuthState):
    code: str = "standard"
    text: str = json.dumps(STANDARD, indent=2)
    preview: list[dict[str, str]] = []
    rows: list[dict[str, str]] = editing.rows(STANDARD)  # the structured editor's stages
    actor_sets: list[list[str]] = [r["actors"] for r in editing.rows(STANDARD)]
    structured_error: str = ""
    wf_name: str = STANDARD["name"]

    def _sync(self) -> None:
        """The structured editor follows the JSON (while it is valid JSON)."""
        try:
            d = json.loads(self.text)
            if not isinstance(d, dict):
                raise ValueError
        except ValueError:
            self.structured_error = "The JSON below is not valid: fix it to edit the stages."
            return
        self.structured_error = ""
        self.wf_name = str(d.get("name", ""))
        found = editing.rows(d)
        self.rows = [{k: v for k, v in r.items() if k != "actors"} for r in found]
        self.actor_sets = [r["actors"] for r in found]

    def _edit(self, change) -> None:
        try:
            d = json.loads(self.text)
        except ValueError:
            return
        self.text = json.dumps(change(d), indent=2)
        self.draft_version, self.preview = 0, []
        self._sync()

    @rx.event
    def set_text(self, value: str):
        self.text = value
        self._sync()

    @rx.event
    def set_workflow_name(self, value: str):
        self._edit(lambda d: editing.set_name(d, value))

    @rx.event
    def add_stage(self):
        self._edit(editing.add_stage)

    @rx.event
    def remove_stage(self, index: int):
        self._edit(lambda d: editing.remove_stage(d, index))

    @rx.event
    def move_stage(self, index: int, delta: int):
        self._edit(lambda d: editing.move_stage(d, index, delta))

    @rx.event
    def set_stage_field(self, index: int, field: str, value: str):
        self._edit(lambda d: editing.set_field(d, index, field, value))

    @rx.event
    def toggle_actor(self, index: int, role: str, on: bool):
        self._edit(lambda d: editing.set_actor(d, index, role, on))

    def _refresh(self, actor) -> None:
        self.versions = [{"code": v["code"], "version": str(v["version"]),
                          "status": v["status"], "created": v["created_at"],
                          "stages": " → ".join(s["key"] for s in v["definition"]["stages"])}
                         for v in workflow_versions.versions(actor)]

    def _load_page(self, actor):
        self._refresh(actor)
        self._sync()

    @rx.event
    def save(self):
        self.preview = []
        try:
            actor = self._require("workflow.edit")
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        definition = self._save_draft(lambda d: workflow_versions.save_draft(actor, self.code, d),
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
        if self._publish(lambda c, v: workflow_versions.publish(actor, c, v, "published in the admin"),
                         "new applications follow it; those in flight keep theirs."):
            self._refresh(actor)


@protected_page("/admin/workflows", "workflow.edit", state=WorkflowsState,
                title="Workflows · Lendbook admin", heading="Workflows")
def workflows_page() -> rx.Component:
    s = WorkflowsState
    return rx.flex(
        stage_editor(s),
        editor_card(s, HELP, "Workflow code", "workflow-code", "Workflow (JSON)",
                    "workflow-json"),
        rx.cond(s.preview.length() > 0, card(table(
            ["#", "Key", "Stage", "Who acts", "Applies when", "Entry needs"], s.preview,
            lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in (
                "n", "key", "name", "actors", "when", "entry")]), "Draft stages"))),
        versions_card(s.versions, ["Code", "Version", "Status", "Saved", "Stages"],
                      ["code", "version", "status", "created", "stages"],
                      "Workflow versions"),
        direction="column", spacing="4")
