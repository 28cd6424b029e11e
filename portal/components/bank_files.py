"""Stateless pieces of the bank files page: the outcome, a return file's lines, past files."""
import reflex as rx

from ui.components import card, table


def result_card(message, errors) -> rx.Component:
    return rx.fragment(
        rx.cond(message != "", rx.callout(message, color_scheme="green", role="status",
                                          id="bank-file-result")),
        rx.cond(errors.length() > 0, rx.box(
            rx.text("Nothing was changed:", weight="medium"),
            rx.el.ul(rx.foreach(errors, lambda e: rx.el.li(e)), style={"margin": "0.3em 0 0"}),
            role="alert", id="bank-file-errors", color="#9b1c1c", background="#fdecec",
            border="1px solid #f5c2c2", border_radius="6px", padding="0.75em 1em")))


def _line(r) -> rx.Component:
    return rx.table.row(rx.table.cell(r["line"]), rx.table.cell(r["trace"]),
                        rx.table.cell(r["code"]), rx.table.cell(r["reason"]),
                        rx.table.cell(r["outcome"]))


def return_lines(lines) -> rx.Component:
    return rx.cond(lines.length() > 0, card(table(
        ["Line", "Original trace", "Code", "Reason", "What was done"], lines, _line,
        "Returns and notifications in this file")))


def _file(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["direction"]),
        # a plain download link: a navigation would drop the page's websocket
        rx.table.cell(rx.el.a(r["filename"], href=r["href"], download=r["filename"])),
        rx.table.cell(r["date"]), rx.table.cell(r["entries"]), rx.table.cell(r["total"]),
        rx.table.cell(r["summary"]))


def files_table(files) -> rx.Component:
    return card(table(["", "File", "Date", "Entries", "Total", "Outcome"], files, _file,
                      "Files sent and received"), id="bank-files")
