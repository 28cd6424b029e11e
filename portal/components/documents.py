"""The documents panel (what is asked for, what is on file, an upload) shared by the
borrower's and the dealer's application pages; the page State supplies the lists and the
upload handler."""
import reflex as rx

from domain.kernel.document_kinds import UPLOAD_KINDS

KIND_LABELS = {"id": "Photo ID", "proof_of_income": "Proof of income",
               "bank_statement": "Bank statement", "proof_of_address": "Proof of address",
               "other": "Other document", "agreement": "Loan agreement",
               "signed_agreement": "Signed loan agreement"}
ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}


def labelled(rows: list[dict]) -> list[dict]:
    return [{**r, "label": KIND_LABELS.get(r["kind"], r["kind"])} for r in rows]


def document_panel(requested, documents, kind, on_kind, on_upload) -> rx.Component:
    return rx.card(rx.flex(
        rx.heading("Documents", size="4", as_="h2"),
        rx.foreach(requested, lambda r: rx.callout(
            rx.text("Needed: ", rx.text.strong(r["label"]), " (", r["note"], ")"),
            color_scheme="amber")),
        rx.el.ul(rx.foreach(documents, lambda d: rx.el.li(d["label"], ": ", d["filename"])),
                 id="documents"),
        rx.flex(
            rx.el.label("Document type", html_for="upload-kind", style={"fontWeight": 500}),
            rx.el.select([rx.el.option(KIND_LABELS[k], value=k) for k in UPLOAD_KINDS],
                         id="upload-kind", value=kind, on_change=on_kind,
                         style={"padding": "0.5em", "borderRadius": "6px"}),
            direction="column", spacing="1"),
        rx.upload(rx.text("Choose a PDF, JPEG or PNG (at most 10 MB) or drop it here"),
                  id="doc-upload", accept=ACCEPT, max_files=1, border="1px dashed #718096",
                  padding="1em"),
        rx.button("Upload", on_click=on_upload(rx.upload_files(upload_id="doc-upload")),
                  variant="outline", id="upload-button"),
        direction="column", spacing="2"), width="100%")
