"""Stateless pieces of the dealer's point-of-sale pages: fields that show their own error,
status badges, the dealer's application table and an application's facts."""
import reflex as rx

from ui.components import table

STATUS_COLORS = {"approved": "green", "declined": "red", "referred": "amber", "booked": "blue"}
APPLICATION_HEADERS = ["#", "Date", "Customer", "Merchant · item", "Price", "Down",
                       "Financed", "Payments", "Installment", "Status"]
ERROR_COLOR = "#b71c1c"  # 6.6:1 on white
HINT_COLOR = "#4a5568"
INPUT_STYLE = {"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #a0aec0",
               "background": "white", "fontSize": "1rem", "minHeight": "2.75rem"}


def _label(label: str, name: str) -> rx.Component:
    # Fields are required unless their label says "(optional)"; the form says so once.
    return rx.el.label(label, html_for=name, style={"fontWeight": 500})


def _error(name: str, error) -> rx.Component:
    return rx.cond(error != "", rx.text(error, id=f"{name}-error", size="2", color=ERROR_COLOR,
                                        weight="medium"))


def checked_field(label: str, name: str, error, type_: str = "text", hint: str = "",
                  required: bool = True, **props) -> rx.Component:
    """A labelled input whose error is tied to it (aria-invalid, aria-describedby). Required
    is announced, not enforced by the browser: the backend names what is missing."""
    return rx.flex(
        _label(label, name),
        rx.input(id=name, name=name, type=type_, size="3",
                 aria_required="true" if required else "false",
                 aria_invalid=rx.cond(error != "", "true", "false"),
                 aria_describedby=f"{name}-error {name}-hint", **props),
        rx.cond(hint != "", rx.text(hint, id=f"{name}-hint", size="1", color=HINT_COLOR)),
        _error(name, error),
        direction="column", spacing="1", width="100%",
    )


def checked_select(label: str, name: str, options, error, **props) -> rx.Component:
    """Native <select> (keyboard and screen-reader friendly on tablets and phones)."""
    items = (rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))
             if isinstance(options, rx.Var)
             else [rx.el.option(text, value=value) for value, text in options])
    return rx.flex(
        _label(label, name),
        rx.el.select(items, id=name, name=name, style=INPUT_STYLE,
                     aria_invalid=rx.cond(error != "", "true", "false"),
                     aria_describedby=f"{name}-error", **props),
        _error(name, error),
        direction="column", spacing="1", width="100%",
    )


def consent_box(error, disclosure: str, **props) -> rx.Component:
    return rx.box(
        rx.el.label(
            rx.el.input(type="checkbox", id="consent", name="consent", **props,
                        aria_describedby="consent-text consent-error",
                        style={"width": "1.4rem", "height": "1.4rem", "flexShrink": "0",
                               "marginTop": "0.1rem"}),
            rx.text("The customer consents to a credit check", weight="bold"),
            html_for="consent", style={"display": "flex", "gap": "0.6rem",
                                       "alignItems": "flex-start", "cursor": "pointer"}),
        rx.text(disclosure, id="consent-text", size="2", color=HINT_COLOR, margin_top="0.4em"),
        _error("consent", error),
        padding="0.9em", border="1px solid #cbd5e0", border_radius="8px", background="#fff",
    )


def section(title: str, *children, columns=None) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(title, style={"fontWeight": 700, "fontSize": "1.05rem",
                                   "padding": "0 0.3em"}),
        rx.grid(*children, columns=columns or rx.breakpoints(initial="1", xs="2", md="3"),
                spacing="3", width="100%"),
        style={"border": "1px solid #cbd5e0", "borderRadius": "8px", "margin": "0",
               "minWidth": "0", "padding": rx.breakpoints(initial="0.6em 0.7em 0.8em",
                                                          sm="0.8em 1em 1em")},
    )


def status_badge(status, text) -> rx.Component:
    return rx.badge(text, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
                    size="2", variant="soft", high_contrast=True)


def application_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r["id"], href=r["href"], aria_label="Application " + r["id"])),
        rx.table.cell(r["date"], white_space="nowrap"), rx.table.cell(r["customer"]),
        rx.table.cell(rx.text(r["merchant"], weight="medium"),
                      rx.text(r["item"], size="1", color=HINT_COLOR)),
        rx.table.cell(r["price"], text_align="right"),
        rx.table.cell(r["down_payment"], text_align="right"),
        rx.table.cell(r["financed"], text_align="right"), rx.table.cell(r["term"]),
        rx.table.cell(r["installment"], text_align="right"),
        rx.table.cell(status_badge(r["status"], r["status_text"])),
    )


def application_card(r) -> rx.Component:
    """The same row as a card, for phones (a ten-column table does not fit 390 px)."""
    return rx.el.li(rx.link(
        rx.flex(rx.text(r["customer"], weight="bold"),
                status_badge(r["status"], r["status_text"]), justify="between", spacing="2"),
        rx.text(r["merchant"], " · ", r["item"], size="2"),
        rx.text(r["financed"], " financed · ", r["term"], " × ", r["installment"],
                size="2", color=HINT_COLOR),
        rx.text("#", r["id"], " · ", r["date"], size="1", color=HINT_COLOR),
        href=r["href"], underline="none", color="inherit", display="block",
        padding="0.7em 0.2em"), style={"borderTop": "1px solid #e2e8f0"})


def applications_table(rows) -> rx.Component:
    return rx.box(
        rx.tablet_and_desktop(table(APPLICATION_HEADERS, rows, application_row,
                                    "Your applications")),
        rx.mobile_only(rx.el.ul(rx.foreach(rows, application_card), id="dealer-cards",
                                style={"listStyle": "none", "padding": "0", "margin": "0"})),
        rx.cond(rows.length() == 0, rx.text("No applications yet.", color=HINT_COLOR,
                                            margin_top="0.5em")),
        id="dealer-applications",
    )


def facts(a) -> rx.Component:
    """One application's facts as a description list."""
    def item(label: str, key: str):
        return rx.box(rx.el.dt(label, style={"color": HINT_COLOR, "fontSize": "0.85rem"}),
                      rx.el.dd(a[key], id=f"app-{key}",
                               style={"margin": "0", "fontWeight": 600}))
    return rx.el.dl(
        rx.grid(item("Customer", "customer"), item("Date", "date"), item("Merchant", "merchant"),
                item("Item", "item"), item("Price", "price"), item("Down payment", "down_payment"),
                item("Amount financed", "financed"), item("Product", "product"),
                item("Number of payments", "term"), item("Installment", "installment"),
                item("Stage", "stage"),
                columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%"),
        style={"margin": "0"})
