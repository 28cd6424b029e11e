"""Admin: GL export. The chart-of-accounts mapping (JSON, draft and publish, like rule sets),
an export of a date range as CSV or JSON (each journal entry exported once), its totals and a
reconciliation against the trial balance, and every past export with its download."""
import json
from datetime import date, timedelta

import reflex as rx

from admin.definition_editor import DefinitionEditor, editor_card, versions_card
from domain.ledger import gl
from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.ledger import gl_export, gl_mapping
from ui.components import alert, card, select_field, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

HELP = ('Maps each Lendbook ledger account to your GL account: {"default": {"1000-cash-'
        'clearing": {"code": "1010", "name": "Operating cash"}, …}, "by_product": {"PERSONAL":'
        ' {"4000-interest-income": {"code": "4010", "name": "Interest, personal loans"}}}}. '
        "Every ledger account needs a default; a product may override some. Exports use the "
        "published version (the built-in default until one is published).")
PREVIEW = 20


def _href(export_id, fmt_: str) -> str:
    return f"/api/v1/gl-exports/{export_id}.{fmt_}"


def _last_month() -> tuple[str, str]:
    end = date.today().replace(day=1) - timedelta(days=1)
    return end.replace(day=1).isoformat(), end.isoformat()


class GlState(ProtectedState, DefinitionEditor, AuthState):
    code: str = "GL mapping"  # one mapping; the name its messages use
    from_date: str = ""
    to_date: str = ""
    fmt: str = "csv"
    result: dict[str, str] = {}
    has_result: bool = False
    preview: list[dict[str, str]] = []
    recon: list[dict[str, str]] = []
    recon_scope: str = ""
    exports: list[dict[str, str]] = []
    export_error: str = ""
    export_notice: str = ""

    def _refresh(self, actor) -> None:
        self.versions = [{"version": str(v["version"]), "status": v["status"],
                          "created": gl.timestamp(v["created_at"])}
                         for v in gl_mapping.versions(actor)]
        self.exports = [{"id": str(e.export_id), "from": str(e.from_date), "to": str(e.to_date),
                         "lines": str(e.lines), "entries": str(e.entries),
                         "debit": fmt(e.debit_minor), "credit": fmt(e.credit_minor),
                         "mapping": f"v{e.mapping_version}" if e.mapping_version else "default",
                         "by": e.created_by, "at": gl.timestamp(e.created_at),
                         "csv": _href(e.export_id, "csv"), "json": _href(e.export_id, "json")}
                        for e in gl_export.exports(actor)]

    def _reconcile(self, actor, start: str = "", end: str = "") -> None:
        rows = gl_export.reconcile(actor, start or None, end or None)
        self.recon = [{"account": r.account, "name": r.name, "ledger": fmt(r.ledger_minor),
                       "exported": fmt(r.exported_minor),
                       "unexported": fmt(r.unexported_minor),
                       "matches": "yes" if r.matches else "no"} for r in rows]
        self.recon_scope = f"{start} to {end}" if start else "all history"

    def _load_page(self, actor):
        self.error, self.notice = "", ""
        self.export_error, self.export_notice, self.result, self.preview = "", "", {}, []
        self.has_result = False
        if not self.from_date:
            self.from_date, self.to_date = _last_month()
        _, mapping = gl_mapping.current(actor)
        self.text = json.dumps(mapping.to_dict(), indent=2)
        self._refresh(actor)
        self._reconcile(actor)

    @rx.event
    def set_from(self, value: str):
        self.from_date = value

    @rx.event
    def set_to(self, value: str):
        self.to_date = value

    @rx.event
    def set_fmt(self, value: str):
        self.fmt = value

    @rx.event
    def save(self):
        try:
            actor = self._require("gl.manage")
        except DomainError as e:
            self.error = f"Not saved: {e}"
            return
        if self._save_draft(lambda m: gl_mapping.save_draft(actor, m), "mapping") is not None:
            self._refresh(actor)

    @rx.event
    def publish(self):
        try:
            actor = self._require("gl.manage")
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        if self._publish(lambda _c, v: gl_mapping.publish(actor, v, "published in the admin"),
                         "the next export uses it."):
            self._refresh(actor)

    @rx.event
    def dry_run(self):
        self._export(True)

    @rx.event
    def run_export(self):
        self._export(False)

    def _export(self, dry_run: bool) -> None:
        self.export_error, self.export_notice, self.result, self.preview = "", "", {}, []
        self.has_result = False
        try:
            actor = self._require("export.data")
            r = gl_export.export(actor, self.from_date, self.to_date, self.fmt,
                                 dry_run=dry_run)
        except ValidationError as e:
            self.export_error = "Not exported: " + "; ".join(
                f"{k}: {v}" for k, v in e.errors.items())
            return
        except DomainError as e:
            self.export_error = f"Not exported: {e}"
            return
        t = r.totals
        self.result = {"lines": str(t.lines), "entries": str(t.entries),
                       "debit": fmt(t.debit_minor), "credit": fmt(t.credit_minor),
                       "balanced": "yes" if t.balanced else "NO",
                       "skipped": str(r.skipped_already_exported),
                       "href": _href(r.export_id, r.fmt) if r.export_id else "",
                       "file": f"gl-export-{r.export_id}.{r.fmt}" if r.export_id else ""}
        self.has_result = True
        self.preview = [{k: str(v) for k, v in gl.line_dict(line).items()}
                        for line in r.lines[:PREVIEW]]
        self.export_notice = (
            f"Dry run: {t.lines} lines from {t.entries} entries would be exported; nothing "
            "was recorded." if dry_run else
            f"Export {r.export_id} recorded: {t.lines} lines from {t.entries} entries."
            if r.export_id else
            "Nothing new to export in this range: its entries were all exported before.")
        self._refresh(actor)
        self._reconcile(actor, self.from_date.strip(), self.to_date.strip())


def _cells(*keys):
    return lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in keys])


def download_link(*children, href, **props) -> rx.Component:
    """A plain download (`download`, no navigation): a navigation, even one that ends in a
    download, fires `beforeunload`, and Reflex then drops the page's websocket."""
    return rx.link(*children, href=href, reload_document=True, download=True, **props)


def export_row(r) -> rx.Component:
    return rx.table.row(
        *[rx.table.cell(r[k]) for k in ("id", "from", "to", "lines", "entries", "debit",
                                        "credit", "mapping", "by", "at")],
        rx.table.cell(rx.flex(
            download_link("CSV", href=r["csv"]), download_link("JSON", href=r["json"]),
            spacing="2")))


def export_card() -> rx.Component:
    s = GlState
    inputs = rx.flex(
        rx.flex(rx.el.label("From", html_for="gl-from", style={"fontWeight": 500}),
                rx.input(id="gl-from", type="date", value=s.from_date, on_change=s.set_from,
                         size="3"), direction="column", spacing="1"),
        rx.flex(rx.el.label("To", html_for="gl-to", style={"fontWeight": 500}),
                rx.input(id="gl-to", type="date", value=s.to_date, on_change=s.set_to,
                         size="3"), direction="column", spacing="1"),
        rx.box(select_field("Format", "gl-format", [("csv", "CSV"), ("json", "JSON")],
                            value=s.fmt, on_change=s.set_fmt)),
        spacing="3", wrap="wrap", align="end")
    result = rx.cond(s.has_result, rx.flex(
        rx.text("Lines ", rx.text.strong(s.result["lines"]), " · entries ",
                rx.text.strong(s.result["entries"]), " · debit ",
                rx.text.strong(s.result["debit"]), " · credit ",
                rx.text.strong(s.result["credit"]), " · balanced ",
                rx.text.strong(s.result["balanced"]), " · already exported, skipped ",
                rx.text.strong(s.result["skipped"]), id="gl-export-totals"),
        rx.cond(s.result["href"] != "", download_link(
            "Download ", s.result["file"], href=s.result["href"], id="gl-export-download")),
        rx.cond(s.preview.length() > 0, table(
            ["Entry", "Date", "GL account", "Account", "Loan", "Debit", "Credit"], s.preview,
            _cells("entry_id", "date", "gl_account", "account", "loan", "debit", "credit"),
            f"First {PREVIEW} lines")),
        direction="column", spacing="2"))
    return card(
        rx.heading("Export", size="4", as_="h2"),
        rx.text("Journal lines of the entries effective from/to these dates (inclusive) that "
                "no earlier export took. Each entry is exported once.", size="2"),
        inputs,
        rx.flex(rx.button("Dry run", on_click=s.dry_run, size="3", variant="soft"),
                rx.button("Export", on_click=s.run_export, size="3"), spacing="2"),
        alert(s.export_error), alert(s.export_notice, color="green"), result)


@protected_page("/admin/gl", "gl.manage", state=GlState,
                title="GL export · Lendbook admin", heading="GL export")
def gl_page() -> rx.Component:
    s = GlState
    return rx.flex(
        export_card(),
        card(rx.heading("Reconciliation: ", s.recon_scope, size="4", as_="h2"),
             rx.text("Per ledger account, net (debit +, credit −): the trial balance of "
                     "the entries in the range beside what exports took of it.", size="2"),
             table(["Account", "Name", "Trial balance", "Exported", "Not yet exported",
                    "Reconciled"], s.recon,
                   _cells("account", "name", "ledger", "exported", "unexported",
                          "matches"), "Reconciliation with the trial balance"),
             id="gl-reconciliation"),
        card(rx.heading("Past exports", size="4", as_="h2"),
             table(["Export", "From", "To", "Lines", "Entries", "Debit", "Credit",
                    "Mapping", "By", "At (UTC)", "Download"], s.exports, export_row,
                   "Past GL exports"), id="gl-exports"),
        editor_card(s, HELP, None, "", "GL mapping (JSON)", "gl-mapping-json"),
        versions_card(s.versions, ["Version", "Status", "Saved (UTC)"],
                      ["version", "status", "created"], "GL mapping versions"),
        direction="column", spacing="4")
