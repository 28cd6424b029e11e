"""Admin: the audit trail, newest first (who, what, when, why, before/after)."""
import json

import reflex as rx

from domain.errors import PermissionDenied
from domain.services import audit_queries
from portal.components.layout import card, denied, shell, table
from portal.state import AuthState


class AuditState(AuthState):
    denied: str = ""
    rows: list[dict[str, str]] = []

    @rx.event
    def load(self):
        try:
            actor = self._require("audit.view")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/admin/audit")
        self.denied = ""
        self.rows = [{"at": r.at.strftime("%Y-%m-%d %H:%M:%S"), "actor": r.actor_label,
                      "action": r.action, "entity": f"{r.entity} {r.entity_id}",
                      "reason": r.reason,
                      "change": json.dumps(r.after, default=str)[:300] if r.after else ""}
                     for r in audit_queries.recent(actor, 200)]


def audit_row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in ("at", "actor", "action", "entity",
                                                           "reason")],
                        rx.table.cell(rx.code(r["change"], size="1")))


@rx.page(route="/admin/audit", title="Audit trail · Lendbook admin", on_load=AuditState.load)
def audit_page() -> rx.Component:
    return shell("Audit trail", rx.cond(
        AuditState.denied != "", denied(AuditState.denied),
        card(table(["When (UTC)", "Who", "Action", "Entity", "Why", "After"], AuditState.rows,
                   audit_row, "Audit trail")),
    ))
