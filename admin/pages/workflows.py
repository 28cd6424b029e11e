"""Admin: application workflows. Edit a workflow as JSON (stages, who acts, when/entry
conditions, funding approval levels), save a draft (every error named by its path), see its
stages, publish it. Applications in flight keep the version they started with."""
import json

import reflex as rx

from domain.errors import DomainError, PermissionDenied, ValidationError
from domain.services import workflows
from domain.workflow import STANDARD, Workflow
from portal.components.layout import alert, card, denied, shell, table
from portal.state import AuthState


class WorkflowsState(AuthState):
    denied: str = ""
    code: str = "standard"
    text: str = json.dumps(STANDARD, indent=2)
    versions: list[dict[str, str]] = []
    preview: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    draft_version: int = 0

    def _refresh(self, actor) -> None:
        self.versions = [{"code": v["code"], "version": str(v["version"]),
                          "status": v["status"], "created": v["created_at"],
                          "stages": " → ".join(s["key"] for s in v["definition"]["stages"])}
                         for v in workflows.versions(actor)]

    @rx.event
    def load(self):
        try:
            actor = self._require("admin")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/admin/workflows")
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
        self.notice, self.error, self.preview = "", "", []
        try:
            actor = self._require("admin")
            definition = json.loads(self.text)
            self.draft_version = workflows.save_draft(actor, self.code, definition)
        except json.JSONDecodeError as e:
            self.error = f"Not saved: not valid JSON (line {e.lineno}, column {e.colno}: " \
                         f"{e.msg})."
            return
        except ValidationError as e:
            self.error = "Not saved: " + "; ".join(f"{k}: {v}" for k, v in e.errors.items())
            return
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        wf = Workflow.from_dict(self.code, self.draft_version, definition)
        self.preview = [{"n": str(i + 1), "key": s.key, "name": s.name,
                         "actors": ", ".join(s.actors) or "system",
                         "when": s.when.text if s.when else "always",
                         "entry": s.entry.text if s.entry else ""}
                        for i, s in enumerate(wf.stages)]
        self.notice = f"Saved {self.code} version {self.draft_version} as a draft."
        self._refresh(actor)

    @rx.event
    def publish(self):
        try:
            actor = self._require("admin")
            workflows.publish(actor, self.code, self.draft_version, "published in the admin")
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        self.notice = f"Published {self.code} version {self.draft_version}: new applications " \
                      "follow it; those in flight keep theirs."
        self._refresh(actor)


def _row(keys):
    return lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in keys])


@rx.page(route="/admin/workflows", title="Workflows · Lendbook admin",
         on_load=WorkflowsState.load)
def workflows_page() -> rx.Component:
    s = WorkflowsState
    return shell("Workflows", rx.cond(
        s.denied != "", denied(s.denied),
        rx.flex(
            card(
                rx.text("Stages run in order: decision first, booked last. Built-in stages: "
                        "decision, underwriting, offer, signature, funding, booked; any other "
                        "key is a review stage its actors complete. `when` (the stage applies) "
                        "and `entry` (needed to enter) read status, amount, term, channel, "
                        "tier, bureau.score, kyc.passed, conditions_open, documents_missing, "
                        "signed, point_of_sale. Products name a workflow by its code.",
                        size="2"),
                rx.el.label("Workflow code", html_for="workflow-code",
                            style={"fontWeight": 500}),
                rx.input(id="workflow-code", value=s.code, on_change=s.set_code, size="3"),
                rx.el.label("Workflow (JSON)", html_for="workflow-json",
                            style={"fontWeight": 500}),
                rx.text_area(id="workflow-json", value=s.text, on_change=s.set_text,
                             rows="18", style={"fontFamily": "monospace"}),
                rx.flex(rx.button("Save draft", on_click=s.save, size="3"),
                        rx.button("Publish draft", on_click=s.publish, size="3",
                                  color_scheme="green", disabled=s.draft_version == 0),
                        spacing="2", wrap="wrap"),
                alert(s.error), alert(s.notice, color="green")),
            rx.cond(s.preview.length() > 0, card(table(
                ["#", "Key", "Stage", "Who acts", "Applies when", "Entry needs"], s.preview,
                _row(["n", "key", "name", "actors", "when", "entry"]), "Draft stages"))),
            card(rx.heading("Versions", size="4", as_="h2"),
                 table(["Code", "Version", "Status", "Saved", "Stages"], s.versions,
                       _row(["code", "version", "status", "created", "stages"]),
                       "Workflow versions")),
            direction="column", spacing="4"),
    ))
