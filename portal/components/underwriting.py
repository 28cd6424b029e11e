"""Stateless pieces of the underwriting pages, part one: what every part shares (colours, a
labelled choice, a section card, the stage badge) and the queue. The application's facts are
in underwriting_facts.py, its action forms and funding panel in underwriting_forms.py. Each
piece takes the page State's vars and handlers as arguments."""
import reflex as rx

from ui.components import card, table

MUTED = "#4a5568"  # 7.5:1 on white
STAGE_COLORS = (("underwriting", "orange"), ("funding", "green"), ("signature", "amber"),
                ("offer", "blue"), ("booked", "grass"), ("declined", "red"))


def choice(label: str, id_: str, name: str, options, **props) -> rx.Component:
    """A labelled native <select> whose form name differs from its id."""
    return rx.flex(
        rx.el.label(label, html_for=id_, style={"fontWeight": 500}),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))
            if isinstance(options, rx.Var)
            else [rx.el.option(text, value=value) for value, text in options],
            id=id_, name=name, custom_attrs={"aria-describedby": id_ + "-error"},
            style={"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #718096",
                   "background": "white", "fontSize": "1rem", "width": "100%"},
            **props),
        direction="column", spacing="1", width="100%")


def section(title: str, *children, id: str, **props) -> rx.Component:
    return card(rx.heading(title, size="4", as_="h2", margin_bottom="0.5em"), *children,
                id=id, **props)


def message(error, notice) -> rx.Component:
    return rx.fragment(
        rx.cond(error != "", rx.callout(error, color_scheme="red", role="alert", size="1",
                                        icon="triangle_alert", margin_y="0.5em")),
        rx.cond(notice != "", rx.callout(notice, color_scheme="green", role="status",
                                         size="1", icon="check", margin_y="0.5em")))


def stage_badge(stage, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(stage, *STAGE_COLORS, "violet"),
                    variant="soft", size="2", high_contrast=True)


# ---- queue ---------------------------------------------------------------------------------

def queue_filter(choices, value, on_change, shown, total) -> rx.Component:
    return rx.flex(
        rx.box(choice("Stage", "stage-filter", "stage", choices, value=value,
                      on_change=on_change), min_width="14rem"),
        rx.text(shown, " of ", total, " applications shown", size="2", color=MUTED,
                role="status", id="queue-count"),
        spacing="3", align="end", wrap="wrap")


def queue_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link("#" + r["id"], href=r["href"],
                                         aria_label="Open application " + r["id"],
                                         weight="bold")),
        rx.table.cell(rx.link(r["applicant"], href=r["href"])),
        rx.table.cell(r["product"]),
        rx.table.cell(r["amount"], text_align="right", white_space="nowrap"),
        rx.table.cell(r["term"], text_align="right"),
        rx.table.cell(r["channel"]),
        rx.table.cell(stage_badge(r["stage"], r["stage_label"])),
        rx.table.cell(r["reasons"], min_width="9rem"),
        rx.table.cell(r["waiting_since"], white_space="nowrap"),
        rx.table.cell(rx.cond(r["open_conditions"] == "0", rx.text("0", color=MUTED),
                              rx.badge(r["open_conditions"], color_scheme="orange")),
                      text_align="right"),
    )


def queue_card(r) -> rx.Component:
    """One application of the queue on a phone (the table needs a wider screen)."""
    return rx.el.li(card(
        rx.flex(rx.link("#" + r["id"] + " · " + r["applicant"], href=r["href"], weight="bold"),
                stage_badge(r["stage"], r["stage_label"]), spacing="2", align="center",
                justify="between", wrap="wrap"),
        rx.text(r["product"], " · ", r["amount"], " over ", r["term"], " · ", r["channel"],
                size="2"),
        rx.text(r["reasons"], size="2"),
        rx.text("Waiting since ", r["waiting_since"], " · open conditions: ",
                r["open_conditions"], size="1", color=MUTED)), style={"marginBottom": "0.5em"})


def queue_table(rows) -> rx.Component:
    return rx.box(rx.cond(
        rows.length() > 0,
        rx.fragment(
            rx.box(table(["ID", "Applicant", "Product", "Amount", "Term", "Channel", "Stage",
                          "Reasons", "Waiting since", "Open conditions"], rows, queue_row,
                         "Applications waiting for underwriting or funding"),
                   display=rx.breakpoints(initial="none", sm="block")),
            rx.el.ul(rx.foreach(rows, queue_card), id="queue-cards",
                     style={"listStyle": "none", "padding": 0, "margin": 0},
                     display=rx.breakpoints(initial="block", sm="none"))),
        card(rx.text("Nothing is waiting at this stage.", id="queue-empty"))), id="queue",
        width="100%")
