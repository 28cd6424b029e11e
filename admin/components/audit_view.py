"""Stateless pieces of the audit viewer: the chain banner, the filter form with its export
links, one audit row as a card (phone-friendly, no wide table) and its before/after diff."""
import reflex as rx

from ui.components import field

FILTERS = (("Actor (name or e-mail contains)", "actor", "text", "admin@"),
           ("Action (starts with)", "action", "text", "product."),
           ("Entity", "entity", "text", "loan"),
           ("Entity id", "entity_id", "text", "42"),
           ("From (UTC date)", "since", "date", ""),
           ("To (UTC date, inclusive)", "until", "date", ""),
           ("Reason contains", "text", "text", "rate"))


def download_link(*children, href, **props) -> rx.Component:
    """A plain download: a navigation would drop the page's websocket (see admin/pages/gl)."""
    return rx.link(*children, href=href, reload_document=True, download=True, **props)


def chain_banner(chain, on_verify) -> rx.Component:
    color = rx.match(chain["state"], ("ok", "green"), ("broken", "red"), "amber")
    return rx.callout(
        rx.flex(
            rx.text(rx.text.strong("Hash chain: "), chain["text"], id="chain-status"),
            rx.button("Verify now", on_click=on_verify, size="1", variant="outline",
                      id="audit-verify"),
            spacing="3", align="center", wrap="wrap", justify="between", width="100%"),
        color_scheme=color, role="status", width="100%")


def filter_form(on_submit, on_clear, csv_href, jsonl_href) -> rx.Component:
    return rx.form(
        rx.grid(*[field(label, name, type_, placeholder) for label, name, type_, placeholder
                  in FILTERS],
                columns=rx.breakpoints(initial="1", sm="2", md="4"), spacing="3",
                width="100%"),
        rx.flex(
            rx.button("Search", type="submit", id="audit-search"),
            rx.button("Clear", type="reset", variant="soft", on_click=on_clear,
                      id="audit-clear"),
            rx.spacer(),
            download_link("Export CSV", href=csv_href, id="audit-export-csv"),
            download_link("Export JSON lines", href=jsonl_href, id="audit-export-jsonl"),
            spacing="3", align="center", wrap="wrap", margin_top="0.75em"),
        on_submit=on_submit, reset_on_submit=False, aria_label="Filter the audit trail",
        id="audit-filter")


def row_card(r, is_open, on_toggle, panel) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.text(rx.text.strong(r["action"]), " on ", r["entity"], " ", r["entity_id"],
                        size="3"),
                rx.text(r["at"], " UTC · ", r["actor"], " · ", r["seq"], size="2",
                        color="#4a5568"),
                rx.text("Why: ", r["reason"], size="2"),
                direction="column", spacing="1", flex="1", min_width="14rem"),
            rx.button(rx.cond(is_open, "Hide changes", "Show changes"), on_click=on_toggle,
                      variant="outline", size="2", aria_expanded=rx.cond(is_open, "true",
                                                                         "false"),
                      class_name="audit-toggle"),
            spacing="3", align="start", wrap="wrap", justify="between"),
        rx.cond(is_open, panel),
        width="100%", role="listitem", class_name="audit-row",
        custom_attrs={"data-audit-id": r["id"]})


def _value(text, changed, side: str) -> rx.Component:
    return rx.box(
        rx.text(side, size="1", color="#4a5568"),
        rx.code(rx.cond(text != "", text, "(none)"), size="2", variant="ghost",
                white_space="pre-wrap", word_break="break-word"),
        padding="0.4em", border_radius="6px", flex="1", min_width="10rem",
        background=rx.cond(changed != "", "#fff5f5" if side == "Before" else "#f0fff4",
                           "transparent"))


def diff_panel(lines) -> rx.Component:
    return rx.flex(
        rx.cond(lines.length() == 0, rx.text("No before/after recorded.", size="2")),
        rx.foreach(lines, lambda d: rx.flex(
            rx.text(d["field"], rx.cond(d["changed"] != "", " (changed)", ""),
                    weight=rx.cond(d["changed"] != "", "bold", "regular"), size="2"),
            rx.flex(_value(d["before"], d["changed"], "Before"),
                    _value(d["after"], d["changed"], "After"), spacing="2", wrap="wrap"),
            direction="column", spacing="1", padding="0.5em",
            border_left=rx.cond(d["changed"] != "", "4px solid #c05621", "4px solid #e2e8f0"),
            class_name=rx.cond(d["changed"] != "", "diff-line diff-changed", "diff-line"))),
        direction="column", spacing="2", margin_top="0.75em", id="audit-diff",
        aria_label="Changes, field by field")
