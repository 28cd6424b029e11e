"""Stateless pieces of the bulk upload page: the validation report and the Bulk Loan Upload
Report (rows, then totals by product reconciled to the file)."""
import reflex as rx

from ui.components import card, table


def _issue(r) -> rx.Component:
    return rx.table.row(rx.table.cell(r["row"]), rx.table.cell(r["column"]),
                        rx.table.cell(r["value"]), rx.table.cell(r["reason"]))


def validation_card(issues, summary, on_download) -> rx.Component:
    return card(rx.flex(
        rx.heading("Validation report", size="4", as_="h2"),
        rx.text(summary, id="validation-summary"),
        rx.cond(issues.length() > 0, rx.fragment(
            rx.button("Download the validation report (CSV)", on_click=on_download,
                      variant="outline", width="fit-content", id="download-validation"),
            table(["Row", "Column", "Value", "Reason"], issues, _issue, "Validation report"))),
        direction="column", spacing="2"), id="validation-report")


def _result(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["row"]), rx.table.cell(r["external_ref"]),
        rx.table.cell(rx.cond(r["loan"] != "", rx.link(r["loan"], href="/servicing/" + r["loan"]),
                              rx.text("not booked"))),
        rx.table.cell(r["errors"]))


def _total(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in (
        "product", "file_rows", "file_funded", "boarded_rows", "boarded_funded",
        "not_rows", "not_funded")])


def upload_report_card(rows, totals, reconciled, batch, on_download) -> rx.Component:
    return card(rx.flex(
        rx.heading("Bulk Loan Upload Report", size="4", as_="h2"),
        rx.text("Batch ", batch, " · reconciled to the file: ",
                rx.text.strong(reconciled, id="reconciled")),
        rx.button("Download the upload report (CSV)", on_click=on_download, variant="outline",
                  width="fit-content", id="download-upload-report"),
        table(["Product", "Rows in file", "Funded in file", "Rows boarded", "Funded boarded",
               "Rows not boarded", "Funded not boarded"], totals, _total, "Totals by product"),
        table(["Row", "External reference", "Loan ID", "Errors"], rows, _result,
              "Every row of the file"),
        direction="column", spacing="3"), id="upload-report")
