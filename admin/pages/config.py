"""Admin: configuration as data. Download the whole configuration (YAML or JSON), upload a
document to see its dry-run diff per section and item (added, changed field by field,
unchanged, removed-not-applied) or each error with its JSON path, then apply it: new published
versions in one transaction, audited with the document's SHA-256."""
import reflex as rx

from domain.config_document.document import ADDED, CHANGED, REMOVED, UNCHANGED
from domain.kernel.errors import DomainError, ValidationError
from domain.config_document import export_import as config_io
from ui.components import alert, card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

STATUS_COLOURS = {ADDED: "green", CHANGED: "amber", UNCHANGED: "gray", REMOVED: "red"}


def _short(value, limit: int = 80) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ConfigState(ProtectedState, AuthState):
    fmt: str = "yaml"
    doc_name: str = ""
    doc_sha: str = ""
    errors: list[dict[str, str]] = []  # path, reason
    summary: list[dict[str, str]] = []  # section, counts
    rows: list[dict[str, str]] = []  # section, item, status, colour, field, before, after
    can_apply: bool = False
    notice: str = ""
    _doc: bytes = b""

    def _load_page(self, actor):
        self.errors, self.notice, self.can_apply = [], "", False
        self.summary, self.rows, self.doc_name, self.doc_sha, self._doc = [], [], "", "", b""

    @rx.event
    def set_fmt(self, value: str):
        self.fmt = value if value in ("yaml", "json") else "yaml"

    @rx.event
    def download(self):
        try:
            text = config_io.export(self._require("export.data"), self.fmt)
        except DomainError as e:
            self.errors = [{"path": "(export)", "reason": str(e)}]
            return None
        return rx.download(data=text, filename=f"lendbook-config.{self.fmt}",
                           mime_type="application/json" if self.fmt == "json"
                           else "application/yaml")

    def _show(self, result) -> None:
        counts = result.counts()
        self.summary = [{"section": name, "counts": ", ".join(
            f"{n} {status}" for status, n in counts[name].items()) or "no items"}
            for name in result.changes]
        self.rows = []
        for name, items in result.changes.items():
            for c in items:
                base = {"section": name, "item": c.key, "status": c.status,
                        "colour": STATUS_COLOURS[c.status], "field": "", "before": "",
                        "after": ""}
                if c.status != CHANGED:
                    self.rows.append(base)
                for i, (path, before, after) in enumerate(c.fields if c.status == CHANGED
                                                          else ()):
                    self.rows.append({**base, "field": path, "before": _short(before),
                                      "after": _short(after)} if i == 0 else
                                     {**base, "item": "", "status": "", "field": path,
                                      "before": _short(before), "after": _short(after)})
        self.can_apply = any(c.status in (ADDED, CHANGED)
                             for items in result.changes.values() for c in items)

    def _run(self, dry_run: bool):
        actor = self._require("export.data")
        try:
            result = config_io.import_document(actor, self._doc, dry_run=dry_run)
        except ValidationError as e:
            self.errors = [{"path": p, "reason": r} for p, r in e.errors.items()]
            self.summary, self.rows, self.can_apply = [], [], False
            return None
        self.errors = []
        return result

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self.notice, self.errors = "", []
        if not files:
            self.errors = [{"path": "(document)", "reason": "choose a YAML or JSON file first"}]
            return None
        try:
            self._doc = await files[0].read()
            self.doc_name = files[0].name or "document"
            from domain.config_document.document import sha256
            self.doc_sha = sha256(self._doc)
            result = self._run(dry_run=True)
        except DomainError as e:
            self.errors = [{"path": "(document)", "reason": str(e)}]
            return None
        if result is not None:
            self._show(result)
            self.notice = ("Dry run: nothing has changed yet. Check the differences, then "
                           "apply." if self.can_apply else
                           "Dry run: this document matches the configuration here; there is "
                           "nothing to apply.")
        return rx.clear_selected_files("config-upload")

    @rx.event
    def apply(self):
        self.notice = ""
        try:
            result = self._run(dry_run=False)
        except DomainError as e:
            self.errors = [{"path": "(import)", "reason": str(e)}]
            return
        if result is None:
            return
        self.notice = (f"Applied document sha256:{result.sha256[:12]}…: "
                       f"{', '.join(result.applied) or 'nothing to change'}.")
        self.can_apply = False


def _diff_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["section"]), rx.table.cell(r["item"]),
        rx.table.cell(rx.cond(r["status"] != "",
                              rx.badge(r["status"], color_scheme=r["colour"]))),
        rx.table.cell(rx.cond(r["field"] != "", rx.code(r["field"]))),
        rx.table.cell(r["before"]),
        rx.table.cell(r["after"]))


@protected_page("/admin/config", "export.data", state=ConfigState,
                title="Configuration export/import · Lendbook admin",
                heading="Configuration export/import")
def config_page() -> rx.Component:
    s = ConfigState
    return rx.flex(
        card(rx.flex(
            rx.heading("Export", size="4", as_="h2"),
            rx.text("Products, workflows, rule sets, branding and the GL mapping as one "
                    "document (no users, passwords, secrets or loans).", size="2"),
            rx.flex(
                rx.el.label("Format", html_for="config-format",
                            style={"fontWeight": 500}),
                rx.el.select(rx.el.option("YAML", value="yaml"),
                             rx.el.option("JSON", value="json"),
                             id="config-format", value=s.fmt, on_change=s.set_fmt,
                             style={"padding": "0.4em"}),
                rx.button("Download export", id="config-download", size="3",
                          on_click=s.download),
                spacing="3", align="center", wrap="wrap"),
            direction="column", spacing="3")),
        card(rx.flex(
            rx.heading("Import", size="4", as_="h2"),
            rx.el.label("Configuration document (YAML or JSON)", html_for="config-upload",
                        style={"fontWeight": 500}),
            rx.upload(rx.text("Choose a lendbook-config document"), id="config-upload",
                      max_files=1, border="1px dashed #718096", padding="1em"),
            rx.foreach(rx.selected_files("config-upload"), rx.text),
            rx.flex(
                rx.button("Check (dry run)", id="config-check", size="3",
                          on_click=s.upload(rx.upload_files(upload_id="config-upload"))),
                rx.button("Apply", id="config-apply", size="3", color_scheme="green",
                          on_click=s.apply, disabled=~s.can_apply),
                spacing="2"),
            rx.cond(s.doc_sha != "", rx.text(s.doc_name, " · sha256:", s.doc_sha,
                                              size="1", id="config-doc")),
            rx.cond(s.errors.length() > 0, rx.box(
                rx.text("The document was refused; nothing was changed:", weight="bold"),
                rx.el.ul(rx.foreach(s.errors, lambda e: rx.el.li(
                    rx.code(e["path"]), ": ", e["reason"]))),
                role="alert", id="config-errors", color="#9b2c2c", background="#fff5f5",
                border="1px solid #feb2b2", border_radius="6px", padding="0.5em 1em")),
            alert(s.notice, color="green", id="config-notice"),
            direction="column", spacing="3")),
        rx.cond(s.summary.length() > 0, card(
            rx.heading("Differences", size="4", as_="h2"),
            rx.el.ul(rx.foreach(s.summary, lambda x: rx.el.li(
                rx.text.strong(x["section"]), ": ", x["counts"])), id="config-summary"),
            table(["Section", "Item", "Status", "Field", "Here", "Document"], s.rows,
                  _diff_row, "Differences by section and item"),
            id="config-diff")),
        direction="column", spacing="4")
