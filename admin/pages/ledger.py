"""Admin: the trial balance (every account, derived from postings) and close of business."""
from datetime import date

import reflex as rx

from domain.kernel.errors import DomainError
from domain.kernel.money import fmt
from domain.servicing import cob
from domain.ledger import reports
from ui.components import alert, card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


class LedgerState(ProtectedState, AuthState):
    rows: list[dict[str, str]] = []
    totals: dict[str, str] = {}
    pending: int = 0
    running: bool = False
    message: str = ""

    def _refresh(self, actor) -> None:
        rows = reports.trial_balance(actor)
        self.rows = [{"account": r.account, "name": r.name, "debit": fmt(r.debit_minor),
                      "credit": fmt(r.credit_minor)} for r in rows]
        debit, credit = sum(r.debit_minor for r in rows), sum(r.credit_minor for r in rows)
        self.totals = {"debit": fmt(debit), "credit": fmt(credit),
                       "balanced": "yes" if debit == credit else "NO"}
        self.pending = len(cob.pending_dates(date.today()))

    def _load_page(self, actor):
        self.message = ""
        self._refresh(actor)

    @rx.event
    def start_cob(self):
        self.running, self.message = True, ""
        return LedgerState.run_cob

    @rx.event
    def run_cob(self):
        try:
            actor = self._require("cob.run")
            done = cob.run_cob(date.today(), actor)
            self.message = (f"Close of business ran for {len(done)} business date(s)"
                            + (f", through {done[-1].business_date}." if done else "."))
            self._refresh(actor)
        except DomainError as e:
            self.message = f"Close of business failed: {e}"
        self.running = False


def account_row(r) -> rx.Component:
    return rx.table.row(rx.table.cell(r["account"]), rx.table.cell(r["name"]),
                        rx.table.cell(r["debit"]), rx.table.cell(r["credit"]))


@protected_page("/admin/ledger", "ledger.view", state=LedgerState,
                title="Ledger · Lendbook admin", heading="Ledger")
def ledger_page() -> rx.Component:
    s = LedgerState
    return rx.flex(
        card(rx.heading("Trial balance", size="4", as_="h2"),
             table(["Account", "Name", "Debit", "Credit"], s.rows, account_row,
                   "Trial balance"),
             rx.text("Totals: debit ", s.totals["debit"], ", credit ", s.totals["credit"],
                     ". Balanced: ", rx.text.strong(s.totals["balanced"]),
                     id="trial-balance-totals")),
        card(rx.heading("Close of business", size="4", as_="h2"),
             rx.text("Accrues interest, ages delinquency and assesses late fees for every "
                     "active loan, one business date at a time. Business dates not yet "
                     "closed: ", rx.text.strong(s.pending), "."),
             rx.button(rx.cond(s.running, rx.spinner(size="2"), rx.fragment()),
                       "Run close of business through today", on_click=s.start_cob,
                       disabled=s.running | (s.pending == 0), size="3"),
             alert(s.message, color="blue")),
        direction="column", spacing="4")
