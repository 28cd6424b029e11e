"""Admin: maker-checker. Which configuration kinds need a second admin's approval to publish
(the setting, stored as data), and the pending change requests to approve or reject with a
reason. The domain refuses approving one's own request."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.access import approvals
from ui.components import alert, card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


class ApprovalsState(ProtectedState, AuthState):
    policies: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    reasons: dict[str, str] = {}  # request id -> the reason typed beside it
    errors: list[str] = []
    notice: str = ""

    def _refresh(self, actor) -> None:
        on = approvals.policies(actor)
        self.policies = [{"kind": k, "label": label, "on": "yes" if on[k] else ""}
                         for k, label in approvals.KINDS.items()]
        self.rows = [{k: str(v if v is not None else "") for k, v in r.items()}
                     for r in approvals.pending(actor)]

    def _load_page(self, actor):
        self.errors, self.notice = [], ""
        self._refresh(actor)

    def _run(self, done: str, fn) -> None:
        self.errors, self.notice = [], ""
        try:
            actor = self._require("config.approve")
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
    def set_policy(self, kind: str, on: bool):
        self._run(f"Approval for {kind} {'required' if on else 'no longer required'}.",
                  lambda a: approvals.set_policy(a, kind, on))

    @rx.event
    def set_reason(self, rid: str, value: str):
        self.reasons = {**self.reasons, rid: value}

    @rx.event
    def approve(self, rid: str):
        self._run(f"Change request {rid} approved and applied.",
                  lambda a: approvals.approve(a, int(rid), self.reasons.get(rid, "")))

    @rx.event
    def reject(self, rid: str):
        self._run(f"Change request {rid} rejected.",
                  lambda a: approvals.reject(a, int(rid), self.reasons.get(rid, "")))


def policy_row(p) -> rx.Component:
    box = "policy-" + p["kind"]
    return rx.el.label(
        rx.checkbox(id=box, checked=p["on"] == "yes",
                    on_change=lambda v: ApprovalsState.set_policy(p["kind"], v)),
        rx.text(p["label"], " need a second admin's approval", size="2"),
        html_for=box, style={"display": "flex", "gap": "0.5em", "alignItems": "center",
                             "cursor": "pointer", "padding": "0.2em 0"})


def request_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["id"]), rx.table.cell(r["kind_label"]),
        rx.table.row_header_cell(r["summary"]), rx.table.cell(r["reason"]),
        rx.table.cell(r["requested_by"]), rx.table.cell(r["requested_at"]),
        rx.table.cell(rx.flex(
            rx.input(placeholder="reason", size="2", aria_label="Reason for request " + r["id"],
                     on_change=lambda v: ApprovalsState.set_reason(r["id"], v)),
            rx.button("Approve", on_click=ApprovalsState.approve(r["id"]), size="2",
                      aria_label="Approve request " + r["id"]),
            rx.button("Reject", on_click=ApprovalsState.reject(r["id"]), size="2",
                      color_scheme="red", variant="soft", aria_label="Reject request " + r["id"]),
            spacing="2", wrap="wrap")))


@protected_page("/admin/approvals", "config.approve", state=ApprovalsState,
                title="Approvals · Lendbook admin", heading="Approvals")
def approvals_page() -> rx.Component:
    return rx.flex(
        alert(ApprovalsState.notice, color="green", id="approvals-notice"),
        rx.foreach(ApprovalsState.errors, lambda e: alert(e)),
        card(rx.el.fieldset(
            rx.el.legend("Maker-checker", style={"fontWeight": 600}),
            rx.foreach(ApprovalsState.policies, policy_row),
            style={"border": "none", "padding": 0})),
        card(table(["#", "Kind", "Change", "Why", "Requested by", "When", "Decision"],
                   ApprovalsState.rows, request_row, "Pending change requests"),
             id="approvals-table"),
        direction="column", spacing="3")
