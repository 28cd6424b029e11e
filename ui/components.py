"""Stateless building blocks of portal and admin pages: labelled fields, alerts, cards,
tables, and the refusal `protected_page` shows in place of a page."""
import reflex as rx


def field(label: str, name: str, type_: str = "text", placeholder: str = "",
          hint: str = "", **props) -> rx.Component:
    return rx.flex(
        rx.el.label(label, html_for=name, style={"fontWeight": 500}),
        rx.input(id=name, name=name, type=type_, placeholder=placeholder, size="3", **props),
        rx.cond(hint != "", rx.text(hint, size="1", color="#4a5568")),
        direction="column", spacing="1", width="100%",
    )


def select_field(label: str, name: str, options, **props) -> rx.Component:
    """Native <select>: keyboard and screen-reader friendly on every phone."""
    return rx.flex(
        rx.el.label(label, html_for=name, style={"fontWeight": 500}),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])) if isinstance(options, rx.Var)
            else [rx.el.option(text, value=value) for value, text in options],
            id=name, name=name,
            style={"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #a0aec0",
                   "background": "white", "fontSize": "1rem"},
            **props),
        direction="column", spacing="1", width="100%",
    )


def alert(message, color: str = "red", **props) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme=color, role="alert", margin_y="0.75em", **props),
    )


def card(*children, **props) -> rx.Component:
    return rx.card(*children, width="100%", **props)


def stat(label: str, value, **props) -> rx.Component:
    return rx.card(rx.text(label, size="2", color="#4a5568"),
                   rx.text(value, size="6", weight="bold", **props), min_width="10rem", flex="1")


def table(headers: list[str], rows, row_fn, label: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, row_fn)),
            variant="surface", size="2", aria_label=label,
        ),
        overflow_x="auto", width="100%",
    )


def denied(message) -> rx.Component:
    return rx.callout(message, color_scheme="red", role="alert", id="access-denied")
