"""Admin: the audit trail. Filter by actor, action prefix, entity and id, dates and reason
text; newest first in keyset pages; each row opens a field-by-field before/after diff; the
current filter downloads as CSV or JSON lines; the hash chain's last verification shows on
top, and "Verify now" walks the chain again."""
from urllib.parse import urlencode

import reflex as rx

from domain.kernel.errors import PermissionDenied, ValidationError
from domain.audit import queries as audit_queries, verify as audit_verify
from domain.audit.chain import utc_iso
from admin.components.audit_view import chain_banner, diff_panel, filter_form, row_card
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

EXPORT_PATH = "/api/v1/audit/export"
NEEDS = "audit.view"


def _when(at) -> str:
    return utc_iso(at)[:19].replace("T", " ")


class AuditState(ProtectedState, AuthState):
    error: str = ""
    filters: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    open_id: str = ""
    diff: list[dict[str, str]] = []
    cursors: list[int] = []  # `before` of each page shown so far (0: the newest page)
    next_before: int = 0
    chain: dict[str, str] = {}

    @rx.var
    def export_csv(self) -> str:
        return f"{EXPORT_PATH}.csv?{urlencode(self.filters)}"

    @rx.var
    def export_jsonl(self) -> str:
        return f"{EXPORT_PATH}.jsonl?{urlencode(self.filters)}"

    @rx.var
    def has_newer(self) -> bool:
        return len(self.cursors) > 1

    def _actor_or_deny(self):
        try:
            return self._require(NEEDS)
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None

    def _show(self, actor, before: int | None) -> bool:
        try:
            page = audit_queries.search(actor, audit_queries.Filter.of(self.filters), before)
        except ValidationError as e:
            self.error = "; ".join(f"{k}: {v}" for k, v in e.errors.items())
            return False
        self.error, self.open_id, self.diff = "", "", []
        self.rows = [{"id": str(r.id), "at": _when(r.at), "actor": r.actor_label,
                      "action": r.action, "entity": r.entity, "entity_id": r.entity_id,
                      "reason": r.reason or "—",
                      "seq": f"#{r.chain_seq}" if r.chain_seq else "not yet sealed"}
                     for r in page.rows]
        self.next_before = page.next_before or 0
        return True

    def _chain(self, actor) -> None:
        st = audit_queries.chain_status(actor)
        self.chain = {"state": "never", "text": "The chain has not been verified yet."} \
            if st is None else {"state": "ok" if st["ok"] else "broken",
                                "text": f"{'Intact' if st['ok'] else 'BROKEN'}, verified "
                                        f"{_when(st['at'])} UTC by {st['by']}: {st['summary']}"}

    def _load_page(self, actor):
        self.filters, self.cursors = {}, [0]
        self._show(actor, None)
        self._chain(actor)

    @rx.event
    def apply(self, form: dict):
        actor = self._actor_or_deny()
        if actor is None:
            return
        self.filters = {k: str(v).strip() for k, v in form.items() if str(v).strip()}
        if self._show(actor, None):
            self.cursors = [0]

    @rx.event
    def clear(self):
        self.filters = {}
        return AuditState.load

    @rx.event
    def older(self):
        actor = self._actor_or_deny()
        if actor is not None and self.next_before and self._show(actor, self.next_before):
            self.cursors = self.cursors + [self.next_before]

    @rx.event
    def newer(self):
        actor = self._actor_or_deny()
        if actor is not None and len(self.cursors) > 1:
            cursors = self.cursors[:-1]
            if self._show(actor, cursors[-1] or None):
                self.cursors = cursors

    @rx.event
    def toggle(self, row_id: str):
        actor = self._actor_or_deny()
        if actor is None:
            return
        if self.open_id == row_id:
            self.open_id, self.diff = "", []
            return
        r = audit_queries.get(actor, int(row_id))
        self.open_id = row_id
        self.diff = [] if r is None else [
            {**d, "changed": "yes" if d["changed"] else ""}
            for d in audit_queries.diff(r.before, r.after)]

    @rx.event
    def verify_now(self):
        actor = self._actor_or_deny()
        if actor is None:
            return
        audit_verify.verify_and_record(actor)
        self._chain(actor)
        self._show(actor, None)
        self.cursors = [0]


@protected_page("/admin/audit", NEEDS, state=AuditState,
                title="Audit trail · Lendbook admin", heading="Audit trail")
def audit_page() -> rx.Component:
    s = AuditState
    return rx.flex(
        chain_banner(s.chain, s.verify_now),
        card(filter_form(s.apply, s.clear, s.export_csv, s.export_jsonl)),
        alert(s.error, id="audit-error"),
        rx.cond(s.rows.length() == 0,
                rx.text("No audit rows match this filter.", id="audit-empty")),
        rx.flex(rx.foreach(s.rows, lambda r: row_card(
            r, s.open_id == r["id"], s.toggle(r["id"]), diff_panel(s.diff))),
            direction="column", spacing="2", id="audit-rows", role="list"),
        rx.flex(
            rx.button("Newer", on_click=s.newer, disabled=~s.has_newer, variant="soft",
                      id="audit-newer"),
            rx.button("Older", on_click=s.older, disabled=s.next_before == 0,
                      variant="soft", id="audit-older"),
            spacing="2", justify="end"),
        direction="column", spacing="3", width="100%")
