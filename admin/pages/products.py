"""Admin: loan products (create; every change is a new version, booked loans keep theirs)."""
import reflex as rx

from domain.errors import DomainError, PermissionDenied, ValidationError
from domain.money import fmt
from domain.services import products, workflows
from portal.components.layout import alert, card, denied, field, select_field, shell, table
from portal.state import AuthState

FREQUENCIES = [("monthly", "Monthly"), ("biweekly", "Every two weeks"), ("weekly", "Weekly")]
AMORTIZATIONS = [("equal_installments", "Equal installments (annuity)"),
                 ("equal_principal", "Equal principal")]


class ProductsState(AuthState):
    denied: str = ""
    rows: list[dict[str, str]] = []
    workflow_options: list[list[str]] = [["standard", "standard"]]
    error: str = ""
    notice: str = ""

    def _list(self):
        self.rows = [{"code": p.code, "name": p.name, "version": str(p.version),
                      "amounts": f"{fmt(p.terms.min_amount_minor)}-{fmt(p.terms.max_amount_minor)}",
                      "terms": f"{p.terms.min_term}-{p.terms.max_term}",
                      "rate": f"{p.terms.annual_rate}%", "frequency": p.terms.frequency,
                      "amortization": p.terms.amortization.replace("_", " "),
                      "pti": f"{p.terms.max_payment_to_income}%"}
                     for p in products.list_products(active_only=False)]

    @rx.event
    def load(self):
        try:
            self._require("product.edit")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/admin/products")
        self.denied, self.error, self.notice = "", "", ""
        self._list()
        codes = sorted({v["code"] for v in workflows.versions(self._require("product.edit"))
                        if v["status"] in ("published", "built-in")},
                       key=lambda c: (c != "standard", c))
        self.workflow_options = [[c, c] for c in codes]

    @rx.event
    def create(self, form: dict):
        try:
            actor = self._require("product.edit")
            fields = {k: form.get(k, "") for k in products.ProductForm.__dataclass_fields__
                      if k != "settings"}
            products.create_product(actor, products.ProductForm(
                **fields, settings=(("workflow", form.get("workflow") or "standard"),)))
        except ValidationError as e:
            self.error = "Product not saved: " + "; ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
            self.notice = ""
            return
        except DomainError as e:
            self.error, self.notice = f"Product not saved: {e}", ""
            return
        self.error = ""
        self.notice = f"Product {form.get('name', '')} created."
        self._list()


def product_row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in
                          ("code", "name", "version", "amounts", "terms", "rate", "frequency",
                           "amortization", "pti")])


def product_form() -> rx.Component:
    return card(
        rx.heading("New product", size="4", as_="h2"),
        rx.form(rx.flex(
            rx.grid(
                field("Product code", "code", placeholder="PERSONAL"),
                field("Product name", "name", placeholder="Personal Loan"),
                field("Minimum amount", "min_amount", placeholder="1000.00", input_mode="decimal"),
                field("Maximum amount", "max_amount", placeholder="25000.00", input_mode="decimal"),
                field("Minimum number of payments", "min_term", placeholder="6",
                      input_mode="numeric"),
                field("Maximum number of payments", "max_term", placeholder="60",
                      input_mode="numeric"),
                field("Annual interest rate (%)", "annual_rate", placeholder="11.99",
                      input_mode="decimal"),
                field("Maximum payment-to-income (%)", "max_payment_to_income",
                      placeholder="40", default_value="40", input_mode="decimal"),
                select_field("Repayment frequency", "frequency", FREQUENCIES),
                select_field("Amortization", "amortization", AMORTIZATIONS),
                select_field("Workflow", "workflow", ProductsState.workflow_options),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            alert(ProductsState.error),
            alert(ProductsState.notice, color="green"),
            rx.button("Create product", type="submit", size="3"),
            direction="column", spacing="3"),
            on_submit=ProductsState.create),
    )


@rx.page(route="/admin/products", title="Products · Lendbook admin", on_load=ProductsState.load)
def products_page() -> rx.Component:
    return shell("Loan products", rx.cond(
        ProductsState.denied != "", denied(ProductsState.denied),
        rx.flex(
            card(table(["Code", "Name", "Version", "Amount", "Payments", "Rate", "Frequency",
                        "Amortization", "Max PTI"], ProductsState.rows, product_row,
                       "Loan products")),
            product_form(),
            direction="column", spacing="4"),
    ))
