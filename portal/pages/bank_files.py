"""Servicing console: bank files. Write the NACHA debit file for due autopay drafts (entries a
loan cannot take are held back and listed here), upload the bank's return /
notification-of-change file, and see every file sent and received."""
from datetime import date

import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.payments import ach_files, collections, queued
from portal import payment_view
from portal.components.bank_files import files_table, result_card, return_lines
from portal.components.queued import held_table
from ui.components import card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

NEEDS = "bank_files.manage"


class BankFilesState(ProtectedState, AuthState):
    files: list[dict[str, str]] = []
    message: str = ""
    errors: list[str] = []
    lines: list[dict[str, str]] = []
    held: list[dict[str, str]] = []  # entries held back from debit files, not cancelled
    working: bool = False

    def _refresh(self, actor) -> None:
        self.files = [{
            "id": str(f.id), "direction": "Sent" if f.direction == "outgoing" else "Received",
            "filename": f.filename, "date": f.file_date.isoformat(),
            "entries": str(f.entry_count), "total": fmt(f.total_minor),
            "summary": ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.summary.items()
                                 if v) or "—",
            "href": f"/api/v1/ach-files/{f.id}"} for f in ach_files.list_files(actor)]
        self.held = payment_view.queued_rows(queued.held_back(actor))

    def _load_page(self, actor):
        self.message, self.errors, self.lines = "", [], []
        self._refresh(actor)

    @rx.event
    def make_debit_file(self):
        self.message, self.errors, self.lines = "", [], []
        try:
            actor = self._require(NEEDS)
            today = date.today()
            drafted = collections.schedule_drafts(today)
            result = ach_files.generate_debit_file(actor, today)
        except DomainError as e:
            self.errors = _errors(e)
            return
        held = f" {len(result.held)} held back (listed below)." if result and result.held else ""
        self.message = (f"{drafted} new drafts; nothing is due on the bank-file rail today."
                        if result is None else
                        f"Every debit due was held back: no file written.{held}"
                        if result.file_id is None else
                        f"{result.filename}: {result.entry_count} debits, "
                        f"{fmt(result.total_minor)}. Download it below and send it to the "
                        f"bank.{held}")
        self._refresh(actor)

    @rx.event
    async def upload_returns(self, files: list[rx.UploadFile]):
        self.message, self.errors, self.lines = "", [], []
        if not files:
            self.errors = ["file: choose the bank's return file first"]
            return
        self.working = True
        yield
        try:
            actor = self._require(NEEDS)
            upload = files[0]
            raw = await upload.read()
            try:
                content = raw.decode("ascii")
            except UnicodeDecodeError:
                raise ValidationError({"file": "is not a NACHA file (not plain ASCII text)"})
            r = ach_files.process_return_file(actor, content, upload.name or "returns.ach")
        except DomainError as e:
            self.errors, self.working = _errors(e), False
            return
        self.working = False
        self.message = ("This file was processed before: nothing changed." if
                        r.already_processed else
                        f"{r.returns} returns ({r.reversed} reversed, {r.fees} fees, "
                        f"{r.retries} re-presentments scheduled, {r.autopay_disabled} autopay "
                        f"stopped) and {r.notifications} notifications of change.")
        self.lines = [{"line": str(x["line"]), "trace": x["trace"], "code": x["code"],
                       "reason": x["reason"], "outcome": _outcome(x)} for x in r.lines]
        self._refresh(actor)


def _errors(e: DomainError) -> list[str]:
    if isinstance(e, ValidationError):
        return [f"{where}: {why}" for where, why in e.errors.items()]
    return [str(e)]


def _outcome(x: dict) -> str:
    if "applied" in x:
        return "account corrected" if x["applied"] else "recorded"
    parts = [x.get("status", "")]
    if x.get("fee"):
        parts.append("fee charged")
    if x.get("retry_attempt_id"):
        parts.append("re-presentment scheduled")
    if x.get("autopay_disabled"):
        parts.append("autopay stopped")
    return ", ".join(p for p in parts if p)


@protected_page("/servicing/bank-files", NEEDS, state=BankFilesState,
                title="Bank files · Lendbook", heading="Bank files")
def bank_files() -> rx.Component:
    s = BankFilesState
    return rx.flex(
        card(rx.flex(
            rx.heading("Debit file", size="4", as_="h2"),
            rx.text("Creates today's autopay drafts and writes one NACHA file (PPD/WEB) "
                    "with every bank-file debit due; each entry is posted as written.",
                    size="2"),
            rx.button("Write today's debit file", on_click=s.make_debit_file,
                      id="make-debit-file", width="fit-content"),
            direction="column", spacing="2")),
        card(rx.flex(
            rx.heading("Return file", size="4", as_="h2"),
            rx.text("Upload the bank's return or notification-of-change file. It is "
                    "processed whole or not at all; a file uploaded twice changes nothing.",
                    size="2"),
            rx.upload(rx.text("Choose the .ach file or drop it here"), id="return-upload",
                      max_files=1, border="1px dashed #718096", padding="1em",
                      aria_label="Return file"),
            rx.button(rx.cond(s.working, rx.spinner(size="1"), rx.fragment()),
                      "Process return file", id="process-returns", width="fit-content",
                      disabled=s.working,
                      on_click=s.upload_returns(rx.upload_files(upload_id="return-upload"))),
            direction="column", spacing="2")),
        result_card(s.message, s.errors),
        return_lines(s.lines),
        held_table(s.held),
        files_table(s.files),
        direction="column", spacing="4")
