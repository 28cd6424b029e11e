"""What the rule-set and workflow admin pages share: a definition edited as JSON under a code,
saved as a draft (errors named by JSON path), published, with its versions listed. A state
mixin (each page keeps its own values) and the stateless editor card."""
import json

import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from ui.components import alert, table


class DefinitionEditor(rx.State, mixin=True):
    code: str = ""
    text: str = ""
    versions: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    draft_version: int = 0

    @rx.event
    def set_code(self, value: str):
        self.code = value.strip()

    @rx.event
    def set_text(self, value: str):
        self.text = value

    def _save_draft(self, save, what: str) -> dict | None:
        """Parse the JSON and call `save(definition) -> version`; the definition, or None
        with the reason in `error`."""
        self.notice, self.error = "", ""
        try:
            definition = json.loads(self.text)
            self.draft_version = save(definition)
        except json.JSONDecodeError as e:
            self.error = f"Not saved: the {what} is not valid JSON (line {e.lineno}, " \
                         f"column {e.colno}: {e.msg})."
            return None
        except ValidationError as e:
            self.error = "Not saved: " + "; ".join(f"{k}: {v}" for k, v in e.errors.items())
            return None
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return None
        self.notice = f"Saved {self.code} version {self.draft_version} as a draft."
        return definition

    def _publish(self, publish, done: str) -> bool:
        try:
            pending = publish(self.code, self.draft_version)
        except DomainError as e:
            self.error = f"Not published: {e}"
            return False
        self.notice = (f"Sent for approval: change request {pending} (a second admin publishes "
                       "it from Approvals)." if pending else
                       f"Published {self.code} version {self.draft_version}: {done}")
        return True


def editor_card(state, help_text: str, code_label: str | None, code_id: str, json_label: str,
                json_id: str, *buttons) -> rx.Component:
    """`code_label` None: one definition under a fixed code (no code input)."""
    code = () if code_label is None else (
        rx.el.label(code_label, html_for=code_id, style={"fontWeight": 500}),
        rx.input(id=code_id, value=state.code, on_change=state.set_code, size="3"))
    return rx.card(
        rx.text(help_text, size="2"),
        *code,
        rx.el.label(json_label, html_for=json_id, style={"fontWeight": 500}),
        rx.text_area(id=json_id, value=state.text, on_change=state.set_text, rows="18",
                     style={"fontFamily": "monospace"}),
        rx.flex(rx.button("Save draft", on_click=state.save, size="3"), *buttons,
                rx.button("Publish draft", on_click=state.publish, size="3",
                          color_scheme="green", disabled=state.draft_version == 0),
                spacing="2", wrap="wrap"),
        alert(state.error), alert(state.notice, color="green"), width="100%")


def versions_card(rows, headers: list[str], keys: list[str], label: str) -> rx.Component:
    return rx.card(rx.heading("Versions", size="4", as_="h2"),
                   table(headers, rows, lambda r: rx.table.row(
                       *[rx.table.cell(r[k]) for k in keys]), label), width="100%")
