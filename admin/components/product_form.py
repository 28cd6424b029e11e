"""Stateless pieces of the product configurator: one generated field per schema entry
(text, select, checkboxes) with its help and its error beside it, the draft preview (sample
schedule, APR, balance chart) and the diff shown before publishing. No setting is named here:
the fields come from `domain.configuration.product_schema_views.form_spec`."""
import reflex as rx

from ui.components import card, table

SELECT_STYLE = {"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #a0aec0",
                "background": "white", "fontSize": "1rem", "width": "100%"}


def _label(f: dict) -> rx.Component:
    return rx.el.label(f["label"], html_for=f"setting-{f['name']}", style={"fontWeight": 500})


def _error(state, name: str) -> rx.Component:
    return rx.cond(state.errors.contains(name), rx.text(
        state.errors[name], id=f"setting-{name}-error", size="2", color="#b91c1c",
        role="alert"))


def _options(state, f: dict):
    if f["widget"] == "select" and not f["options"]:  # a reference: codes from the database
        return rx.foreach(state.references[f["name"]],
                          lambda o: rx.el.option(o[1], value=o[0]))
    return [rx.el.option(text, value=value) for value, text in f["options"]]


def _checkbox(state, name: str, value: str, text: str) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=state.chosen[name].contains(value),
                    on_change=lambda on: state.toggle_choice(name, value, on),
                    id=f"setting-{name}-{value}"),
        text, style={"display": "flex", "gap": "0.4em", "alignItems": "center"})


def setting_field(state, f: dict) -> rx.Component:
    """One schema setting as a labelled control bound to `state.values[name]`."""
    name = f["name"]
    hint = rx.text(f["help"], size="1", color="#4a5568", id=f"setting-{name}-help")
    described = f"setting-{name}-help setting-{name}-error"
    if f["widget"] == "checkboxes":
        control = rx.flex(*[_checkbox(state, name, value, text)
                            for value, text in f["options"]],
                          wrap="wrap", spacing="3", role="group", aria_label=f["label"])
        return rx.flex(rx.text(f["label"], weight="medium"), control, hint,
                       _error(state, name), direction="column", spacing="1", width="100%")
    if f["widget"] == "select":
        control = rx.el.select(_options(state, f), id=f"setting-{name}",
                               value=state.values[name], style=SELECT_STYLE,
                               on_change=lambda v: state.set_setting(name, v),
                               aria_describedby=described)
    else:
        control = rx.input(id=f"setting-{name}", value=state.values[name], size="3",
                           input_mode=f["input_mode"],
                           on_change=lambda v: state.set_setting(name, v),
                           aria_describedby=described)
    return rx.flex(_label(f), control, hint, _error(state, name),
                   direction="column", spacing="1", width="100%")


def settings_groups(state, groups: list[tuple[str, list[dict]]]) -> rx.Component:
    """Every group of the schema as a fieldset of generated fields."""
    return rx.flex(*[rx.el.fieldset(
        rx.el.legend(title, style={"fontWeight": 600, "fontSize": "1.05rem"}),
        rx.grid(*[setting_field(state, f) for f in fields],
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        style={"border": "1px solid #cbd5e0", "borderRadius": "8px", "padding": "0.75em"})
        for title, fields in groups], direction="column", spacing="3", width="100%")


def _figure(label: str, value, id_: str) -> rx.Component:
    return rx.flex(rx.text(label, size="2", color="#4a5568"),
                   rx.text(value, weight="bold", size="4", id=id_), direction="column")


def _installment(title: str, r) -> rx.Component:
    return rx.text(title, " (", r["number"], ", due ", r["due_date"], "): ", r["total"],
                   " = principal ", r["principal"], " + interest ", r["interest"],
                   " + fees ", r["fees"], size="2")


def preview_card(state) -> rx.Component:
    return card(
        rx.heading("Preview: a sample loan", size="4", as_="h2"),
        rx.grid(
            rx.flex(rx.el.label("Sample amount", html_for="sample-amount",
                                style={"fontWeight": 500}),
                    rx.input(id="sample-amount", value=state.sample_amount, input_mode="decimal",
                             on_change=state.set_sample_amount, size="3"),
                    _error(state, "sample_amount"), direction="column", spacing="1"),
            rx.flex(rx.el.label("Sample number of payments", html_for="sample-term",
                                style={"fontWeight": 500}),
                    rx.input(id="sample-term", value=state.sample_term, input_mode="numeric",
                             on_change=state.set_sample_term, size="3"),
                    _error(state, "sample_term"), direction="column", spacing="1"),
            columns="2", spacing="3", width="100%"),
        rx.cond(state.preview_ok, rx.flex(
            rx.grid(_figure("APR", state.pv["apr"] + "%", "preview-apr"),
                    _figure("Payment", state.pv["installment"], "preview-installment"),
                    _figure("Finance charge", state.pv["finance_charge"],
                            "preview-finance-charge"),
                    _figure("Total of payments", state.pv["total_of_payments"],
                            "preview-total"),
                    columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%"),
            _installment("First installment", state.pv_first),
            _installment("Last installment", state.pv_last),
            rx.text(state.pv["count"], " installments; amount financed ",
                    state.pv["amount_financed"], size="2"),
            rx.box(rx.recharts.line_chart(
                rx.recharts.line(data_key="balance", stroke="#1d3557", dot=False,
                                 is_animation_active=False, name="Balance"),
                rx.recharts.x_axis(data_key="number"), rx.recharts.y_axis(),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.graphing_tooltip(),
                data=state.balances, width="100%", height=200),
                role="img", aria_label="Chart of the sample loan's balance after each payment",
                width="100%"),
            direction="column", spacing="2", id="preview"),
            rx.text("Correct the fields marked in red to see the preview.", size="2",
                    color="#b91c1c")),
        id="preview-card")


def diff_card(state) -> rx.Component:
    return card(
        rx.heading("Changes to publish", size="4", as_="h2"),
        rx.text(state.diff_title, size="2"),
        table(["Setting", "Published", "Draft"], state.diff,
              lambda r: rx.table.row(rx.table.cell(r["label"]), rx.table.cell(r["old"]),
                                     rx.table.cell(r["new"])), "Changes to publish"),
        id="diff")


def identity(s) -> rx.Component:
    """Product code (fixed once saved) and name, with their errors."""
    return rx.grid(
        rx.flex(rx.el.label("Product code", html_for="product-code", style={"fontWeight": 500}),
                rx.input(id="product-code", value=s.code, on_change=s.set_code, size="3",
                         disabled=s.editing != "", placeholder="PERSONAL"),
                rx.cond(s.errors.contains("code"),
                        rx.text(s.errors["code"], size="2", color="#b91c1c", role="alert")),
                direction="column", spacing="1"),
        rx.flex(rx.el.label("Product name", html_for="product-name", style={"fontWeight": 500}),
                rx.input(id="product-name", value=s.name, on_change=s.set_name, size="3",
                         placeholder="Personal Loan"),
                rx.cond(s.errors.contains("name"),
                        rx.text(s.errors["name"], size="2", color="#b91c1c", role="alert")),
                direction="column", spacing="1"),
        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")


def publish_box(s) -> rx.Component:
    """Once a draft is saved: its diff, a reason, and the publish button."""
    return rx.cond(s.draft_version > 0, rx.flex(
        diff_card(s),
        rx.el.label("Reason for the change", html_for="publish-reason",
                    style={"fontWeight": 500}),
        rx.input(id="publish-reason", value=s.reason, on_change=s.set_reason, size="3"),
        rx.button("Publish draft", on_click=s.publish, size="3", color_scheme="green"),
        direction="column", spacing="2", width="100%"))


def history_card(s) -> rx.Component:
    return rx.cond(s.history.length() > 0, card(
        rx.heading("Versions of ", s.code, size="4", as_="h2"),
        table(["Version", "Status", "Name", "Saved"], s.history, lambda r: rx.table.row(
            *[rx.table.cell(r[k]) for k in ("version", "status", "name", "created_at")]),
              "Product versions"), id="product-versions"))
