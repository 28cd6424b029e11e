"""The structured workflow editor (stateless): one card per stage with its key, name, entry
and `when` conditions, the roles that act as checkboxes, and move up / down / remove buttons;
"Add stage" below. It edits the same JSON the text editor shows."""
import reflex as rx

from domain.kernel.actor import ROLE_LABELS
from domain.configuration.workflow import ROLES


def _role(state, i, role: str) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=state.actor_sets[i].contains(role),
                    on_change=lambda on: state.toggle_actor(i, role, on)),
        ROLE_LABELS.get(role, role),
        style={"display": "flex", "gap": "0.4em", "alignItems": "center"})


def _text(state, i, field: str, label: str, r) -> rx.Component:
    n = (i + 1).to_string()
    return rx.flex(
        rx.text(label, size="2", weight="medium"),
        rx.input(value=r[field], aria_label="Stage " + n + " " + label.lower(),
                 on_change=lambda v: state.set_stage_field(i, field, v), size="2"),
        direction="column", spacing="1", width="100%")


def _stage(state, r, i) -> rx.Component:
    n = (i + 1).to_string()
    return rx.card(rx.flex(
        rx.flex(rx.heading("Stage ", n, ": ", r["name"], size="3", as_="h3"),
                rx.flex(
                    rx.button("↑", size="1", variant="soft", aria_label="Move stage " + n + " up",
                              on_click=state.move_stage(i, -1), disabled=i == 0),
                    rx.button("↓", size="1", variant="soft",
                              aria_label="Move stage " + n + " down",
                              on_click=state.move_stage(i, 1),
                              disabled=i == state.rows.length() - 1),
                    rx.button("Remove", size="1", variant="soft", color_scheme="red",
                              aria_label="Remove stage " + n, on_click=state.remove_stage(i)),
                    spacing="2"),
                justify="between", align="center", wrap="wrap"),
        rx.grid(_text(state, i, "key", "Key", r), _text(state, i, "name", "Name", r),
                _text(state, i, "when", "Applies when", r),
                _text(state, i, "entry", "Entry condition", r),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="2", width="100%"),
        rx.flex(rx.text("Who acts:", size="2", weight="medium"),
                *[_role(state, i, role) for role in ROLES],
                role="group", aria_label="Roles that act at stage " + n, wrap="wrap",
                spacing="3", align="center"),
        direction="column", spacing="2"), width="100%")


def stage_editor(state) -> rx.Component:
    return rx.card(
        rx.heading("Stages", size="4", as_="h2"),
        rx.text("Edit the stages here or the JSON below: both are the same draft. Empty "
                "conditions mean always.", size="2"),
        rx.cond(state.structured_error != "",
                rx.callout(state.structured_error, color_scheme="amber", role="status"),
                rx.flex(rx.flex(
                    rx.el.label("Workflow name", html_for="workflow-name",
                                style={"fontWeight": 500}),
                    rx.input(id="workflow-name", value=state.wf_name,
                             on_change=state.set_workflow_name, size="3"),
                    direction="column", spacing="1"),
                        rx.foreach(state.rows, lambda r, i: _stage(state, r, i)),
                        rx.button("Add stage", on_click=state.add_stage, variant="soft",
                                  size="2"),
                        direction="column", spacing="2", id="stage-editor")),
        width="100%")
