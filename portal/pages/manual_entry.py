"""Servicing console: one loan boarded elsewhere, keyed in by hand. The same checks as a file,
the schedule previewed before it is saved, and a second person's approval before it is
booked (maker-checker, unless switched off)."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.onboarding.rows import COLUMNS, REQUIRED
from domain.onboarding import manual_entry
from ui.components import card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

NEEDS = "onboarding.board"
LABELS = {c: c.replace("_", " ").capitalize() for c in COLUMNS}


class ManualEntryState(ProtectedState, AuthState):
    errors: dict[str, str] = {}
    message: str = ""
    schedule: list[dict[str, str]] = []
    pending: list[dict[str, str]] = []
    reject_reason: str = ""
    mode: str = "preview"  # which button sent the form

    def _refresh(self, actor) -> None:
        self.pending = [{"id": str(e.id), "ref": e.data.get("external_ref", ""),
                         "borrower": e.data.get("borrower_name", ""),
                         "product": e.data.get("product_code", ""),
                         "amount": e.data.get("funded_amount", ""), "maker": e.maker_label}
                        for e in manual_entry.pending(actor)]

    def _load_page(self, actor):
        self._refresh(actor)

    @rx.event
    def check(self, form: dict):
        """Preview (the default button) or submit for approval (the other)."""
        self.errors, self.message, self.schedule = {}, "", []
        submit = self.mode == "submit"
        data = {c: form.get(c, "") for c in COLUMNS}
        try:
            actor = self._require(NEEDS)
            if submit:
                out = manual_entry.submit(actor, data)
                self.message = (f"Booked as {out['loan_number']}." if out["status"] == "booked"
                                else f"Entry {out['entry_id']} waits for a second person's "
                                     "approval.")
                self._refresh(actor)
                return
            p = manual_entry.preview(actor, data)
        except ValidationError as e:
            self.errors = dict(e.errors)
            self.message = "Nothing was saved: please correct the fields marked below."
            return
        except DomainError as e:
            self.message = f"Nothing was saved: {e}."
            return
        if p.issues:
            self.errors = {c: why for c, _, why in p.issues}
            self.message = "Nothing was saved: please correct the fields marked below."
            return
        self.schedule = [{"n": str(i.number), "due": i.due_date.isoformat(),
                          "principal": fmt(i.principal_minor), "interest": fmt(i.interest_minor),
                          "balance": fmt(i.balance_minor)} for i in p.installments]
        self.message = (f"{len(p.installments)} installments, total interest "
                        f"{fmt(p.total_interest_minor)}. Submit to send it for approval.")

    @rx.event
    def set_mode(self, value: str):
        self.mode = value

    @rx.event
    def set_reject_reason(self, value: str):
        self.reject_reason = value

    @rx.event
    def decide(self, entry_id: str, approve: bool):
        try:
            actor = self._require(NEEDS)
            if approve:
                out = manual_entry.approve(actor, int(entry_id))
                self.message = f"Entry {entry_id} approved and booked as {out['loan_number']}."
            else:
                manual_entry.reject(actor, int(entry_id), self.reject_reason)
                self.message = f"Entry {entry_id} rejected."
        except DomainError as e:
            self.message = "Nothing was changed: " + (
                "; ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e))
            return
        self._refresh(actor)


def _field(name: str) -> rx.Component:
    s = ManualEntryState
    return rx.flex(
        rx.el.label(LABELS[name] + (" *" if name in REQUIRED else ""), html_for=f"m-{name}",
                    style={"fontWeight": 500, "fontSize": "0.9rem"}),
        rx.input(id=f"m-{name}", name=name, aria_invalid=rx.cond(
            s.errors.contains(name), "true", "false")),
        rx.cond(s.errors.contains(name), rx.text(s.errors[name], color="#9b1c1c", size="1",
                                                 id=f"m-{name}-error")),
        direction="column", spacing="1")


def _row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in ("n", "due", "principal", "interest",
                                                         "balance")])


def _pending(r) -> rx.Component:
    s = ManualEntryState
    return rx.table.row(
        rx.table.cell(r["id"]), rx.table.cell(r["ref"]), rx.table.cell(r["borrower"]),
        rx.table.cell(r["product"]), rx.table.cell(r["amount"]), rx.table.cell(r["maker"]),
        rx.table.cell(rx.flex(
            rx.button("Approve", size="1", on_click=s.decide(r["id"], True)),
            rx.button("Reject", size="1", variant="soft", color_scheme="red",
                      on_click=s.decide(r["id"], False)), spacing="2")))


@protected_page("/servicing/onboarding/manual", NEEDS, state=ManualEntryState,
                title="Manual loan entry · Lendbook", heading="Manual loan entry")
def manual_entry_page() -> rx.Component:
    s = ManualEntryState
    return rx.flex(
        card(rx.form(rx.flex(
            rx.grid(*[_field(c) for c in COLUMNS], columns=rx.breakpoints(
                initial="1", sm="2", md="3"), spacing="3", width="100%"),
            rx.flex(rx.button("Preview schedule", type="submit",
                              on_click=s.set_mode("preview")),
                    rx.button("Submit for approval", type="submit", variant="outline",
                              on_click=s.set_mode("submit")), spacing="2"),
            direction="column", spacing="3"), on_submit=s.check, reset_on_submit=False)),
        rx.cond(s.message != "", rx.callout(s.message, id="manual-message")),
        rx.cond(s.schedule.length() > 0, card(table(
            ["#", "Due", "Principal", "Interest", "Balance"], s.schedule, _row,
            "Schedule preview"))),
        card(rx.flex(
            rx.heading("Waiting for approval", size="4", as_="h2"),
            rx.el.label("Reason (to reject)", html_for="reject-reason"),
            rx.input(id="reject-reason", value=s.reject_reason,
                     on_change=s.set_reject_reason, max_width="30rem"),
            table(["Entry", "External ref", "Borrower", "Product", "Amount", "Entered by",
                   ""], s.pending, _pending, "Entries waiting for approval"),
            direction="column", spacing="2")),
        direction="column", spacing="4")
