"""Admin: the product configurator. Every setting's field is generated from the product
schema; a live preview shows a sample schedule and APR as settings change; a draft is saved,
its diff with the published version shown, then published (new applications get it at once;
booked loans keep their version). Retired products take no new applications."""
from datetime import date
from decimal import Decimal

import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt, to_minor
from domain.configuration.product_preview import preview
from domain.configuration.product_schema_views import form_spec, form_text, groups
from domain.configuration.product_schema import SCHEMA
from domain.configuration import products
from domain.configuration import workflow_versions
from domain.origination import rulesets
from admin.components.product_form import (history_card, identity, preview_card,
                                             publish_box, settings_groups)
from ui.components import alert, card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

SPEC = form_spec()
MULTI = [f["name"] for f in SPEC if f["widget"] == "checkboxes"]
BY_NAME = {s.name: s for s in SCHEMA}


MONEY_KEYS = ("principal", "interest", "fees", "total", "balance")


def _money(text: str) -> str:
    """A quote amount ('6334.20') as the pages show money ('6,334.20')."""
    return fmt(to_minor(Decimal(text)))


def _defaults() -> tuple[dict[str, str], dict[str, list[str]]]:
    values = {f["name"]: f["default"] for f in SPEC if f["name"] not in MULTI}
    return values, {n: [x.strip() for x in next(f["default"] for f in SPEC if f["name"] == n)
                        .split(",") if x.strip()] for n in MULTI}


class ProductsState(ProtectedState, AuthState):
    rows: list[dict[str, str]] = []
    references: dict[str, list[list[str]]] = {"workflow": [], "rule_set": []}
    editing: str = ""  # code of the product being edited; "" for a new one
    code: str = ""
    name: str = ""
    values: dict[str, str] = _defaults()[0]
    chosen: dict[str, list[str]] = _defaults()[1]
    errors: dict[str, str] = {}
    sample_amount: str = "5000"
    sample_term: str = "24"
    preview_ok: bool = False
    pv: dict[str, str] = {}
    pv_first: dict[str, str] = {}
    pv_last: dict[str, str] = {}
    balances: list[dict[str, float]] = []
    draft_version: int = 0
    diff: list[dict[str, str]] = []
    diff_title: str = ""
    reason: str = ""
    history: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""

    def _list(self) -> None:
        self.rows = [{"code": p["code"], "name": p["name"],
                      "version": str(p["version"] or "-"), "status": p["status"],
                      "draft": f"v{p['draft']}" if p["draft"] else "",
                      "amounts": f"{fmt(t.min_amount_minor)}-{fmt(t.max_amount_minor)}",
                      "terms": f"{t.min_term}-{t.max_term}", "rate": f"{t.annual_rate}%",
                      "frequency": t.frequency}
                     for p in products.overview() for t in [p["terms"]]]

    def _settings(self) -> dict:
        return {**self.values, **{n: ",".join(self.chosen.get(n, [])) for n in MULTI}}

    def _refresh_preview(self) -> None:
        """The draft's sample loan from the domain quote; field errors as they are typed."""
        self.draft_version, self.diff, self.diff_title = 0, [], ""
        try:
            p = preview(self._settings(), self.sample_amount, self.sample_term, date.today())
        except ValidationError as e:
            self.errors, self.preview_ok = e.errors, False
            return
        self.errors, self.preview_ok = {}, True
        self.pv = {**{k: _money(p[k]) for k in ("installment", "amount_financed",
                                                 "finance_charge", "total_of_payments")},
                   "apr": p["apr"], "count": str(p["count"])}
        self.pv_first = {k: _money(v) if k in MONEY_KEYS else str(v)
                         for k, v in p["first"].items()}
        self.pv_last = {k: _money(v) if k in MONEY_KEYS else str(v)
                        for k, v in p["last"].items()}
        self.balances = p["balances"]

    def _start(self, code: str, name: str, settings: dict | None) -> None:
        self.editing, self.code, self.name = code, code, name
        values, chosen = _defaults()
        for k, v in (settings or {}).items():
            if k in MULTI:
                chosen[k] = [str(x) for x in v]
            elif k in BY_NAME:
                values[k] = form_text(BY_NAME[k], v)
        self.values, self.chosen = values, chosen
        self.error, self.reason = "", ""
        self.history = [{k: str(v) for k, v in r.items()} for r in products.versions(code)] \
            if code else []
        self._refresh_preview()

    def _load_page(self, actor):
        self.notice = ""
        self._list()
        wf = sorted({v["code"] for v in workflow_versions.versions(actor)
                     if v["status"] in ("published", "built-in")},
                    key=lambda c: (c != "standard", c))
        rs = sorted({v["code"] for v in rulesets.versions(actor)})
        self.references = {"workflow": [[c, c] for c in wf],
                           "rule_set": [["", "none (built-in rules)"]] + [[c, c] for c in rs]}
        self._start("", "", None)

    @rx.event
    def new_product(self):
        self.notice = ""
        self._start("", "", None)

    @rx.event
    def edit(self, code: str):
        """Open the product's draft waiting to be published (with its diff), else the
        version in use."""
        self.notice = ""
        waiting = next((r["draft"] for r in self.rows if r["code"] == code), "")
        v = products.version_settings(code, int(waiting[1:]) if waiting else None)
        self._start(code, v["name"], v["settings"])
        if waiting:
            self._show_draft(v["version"])

    def _show_draft(self, version: int) -> None:
        self.draft_version = version
        self.diff = products.diff(self.code, version)
        published = any(r["code"] == self.code and r["version"] != "-" for r in self.rows)
        self.diff_title = (f"{self.code} version {version} (draft) against the " + (
            "version in use." if published else "nothing: a new product."))

    @rx.event
    def set_setting(self, name: str, value: str):
        self.values = {**self.values, name: value}
        self._refresh_preview()

    @rx.event
    def toggle_choice(self, name: str, value: str, on: bool):
        now = [x for x in self.chosen.get(name, []) if x != value] + ([value] if on else [])
        self.chosen = {**self.chosen, name: now}
        self._refresh_preview()

    @rx.event
    def set_sample_amount(self, value: str):
        self.sample_amount = value
        self._refresh_preview()

    @rx.event
    def set_sample_term(self, value: str):
        self.sample_term = value
        self._refresh_preview()

    @rx.event
    def set_code(self, value: str):
        self.code = value
        self.draft_version, self.diff = 0, []

    @rx.event
    def set_name(self, value: str):
        self.name = value
        self.draft_version, self.diff = 0, []

    @rx.event
    def set_reason(self, value: str):
        self.reason = value

    @rx.event
    def save_draft(self):
        self.error, self.notice = "", ""
        try:
            actor = self._require("product.edit")
            code = self.editing or self.code
            self.draft_version = products.save_draft(actor, code, self.name, self._settings())
            self.code = code.strip().upper()
        except ValidationError as e:
            self.errors = {**self.errors, **e.errors}
            self.error = "Draft not saved: " + "; ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
            return
        except DomainError as e:
            self.error = f"Draft not saved: {e}"
            return
        self._list()
        self._show_draft(self.draft_version)
        self.editing = self.code
        self.history = [{k: str(v) for k, v in r.items()} for r in products.versions(self.code)]
        self.notice = f"Saved {self.code} version {self.draft_version} as a draft."

    @rx.event
    def publish(self):
        self.error = ""
        try:
            actor = self._require("product.edit")
            request = products.publish(actor, self.code, self.draft_version, self.reason)
        except DomainError as e:
            self.error = f"Not published: {e}"
            return
        self.notice = (f"Sent {self.code} version {self.draft_version} for approval (change "
                       f"request #{request}): a second admin approves it under Approvals."
                       if request else
                       f"Published {self.code} version {self.draft_version}: new applications "
                       "get it now; booked loans keep their version.")
        self.editing, self.draft_version, self.diff = self.code, 0, []
        self.history = [{k: str(v) for k, v in r.items()} for r in products.versions(self.code)]
        self._list()

    @rx.event
    def retire(self, code: str):
        try:
            products.retire(self._require("product.edit"), code, "retired in the admin")
        except DomainError as e:
            self.error = f"Not retired: {e}"
            return
        self.notice = f"Retired {code}: it takes no new applications."
        self._list()


def product_row(r) -> rx.Component:
    return rx.table.row(
        *[rx.table.cell(r[k]) for k in ("code", "name", "version", "status", "draft",
                                         "amounts", "terms", "rate", "frequency")],
        rx.table.cell(rx.flex(
            rx.button("Edit", size="1", variant="soft", aria_label="Edit " + r["code"],
                      on_click=ProductsState.edit(r["code"])),
            rx.cond(r["status"] == "published", rx.button(
                "Retire", size="1", variant="soft", color_scheme="red",
                aria_label="Retire " + r["code"], on_click=ProductsState.retire(r["code"]))),
            spacing="2")))


def editor() -> rx.Component:
    s = ProductsState
    return card(
        rx.flex(rx.heading(rx.cond(s.editing != "", "Edit " + s.editing, "New product"),
                           size="4", as_="h2"),
                rx.button("New product", on_click=s.new_product, variant="soft", size="2"),
                justify="between", align="center", wrap="wrap"),
        rx.flex(identity(s), settings_groups(s, groups(SPEC)),
                alert(s.error), alert(s.notice, color="green"),
                rx.button("Save draft", on_click=s.save_draft, size="3"),
                direction="column", spacing="3"),
        id="product-editor")


@protected_page("/admin/products", "product.edit", state=ProductsState,
                title="Products · Lendbook admin", heading="Loan products")
def products_page() -> rx.Component:
    s = ProductsState
    return rx.flex(
        card(table(["Code", "Name", "In use", "Status", "Draft waiting", "Amount",
                    "Payments", "Rate", "Frequency", "Actions"], s.rows, product_row,
                   "Loan products")),
        rx.grid(rx.flex(editor(), publish_box(s), history_card(s), direction="column",
                        spacing="4"),
                rx.box(preview_card(s), position=rx.breakpoints(initial="static",
                                                                md="sticky"), top="1em"),
                columns=rx.breakpoints(initial="1", md="3fr 2fr"), spacing="4",
                width="100%", align="start"),
        direction="column", spacing="4")
