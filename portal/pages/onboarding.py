"""Servicing console: bulk loan upload. Upload a CSV or XLSX file, read its validation report
(row, column, value, reason; downloadable), fix and re-upload, or book it: every row, or the
valid rows only by an explicit choice; then the Bulk Loan Upload Report."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.onboarding import uploads
from portal.components.onboarding import upload_report_card, validation_card
from ui.components import card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

NEEDS = "onboarding.board"


class OnboardingState(ProtectedState, AuthState):
    source: str = "file"
    products: list[str] = []
    filename: str = ""
    issues: list[dict[str, str]] = []
    summary: str = ""
    checked: bool = False
    can_book_all: bool = False
    can_book_valid: bool = False
    error: str = ""
    working: bool = False
    booked: bool = False
    batch: str = ""
    reconciled: str = ""
    results: list[dict[str, str]] = []
    totals: list[dict[str, str]] = []
    _sha: str = ""
    _validation_csv: str = ""
    _upload_csv: str = ""

    def _load_page(self, actor):
        self.products = uploads.product_codes()

    @rx.event
    def set_source(self, value: str):
        self.source = (value or "").strip() or "file"

    @rx.event
    def download_template(self, code: str):
        return rx.download(data=uploads.template_csv(code), filename=f"template-{code}.csv")

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self.error, self.checked, self.booked, self.issues = "", False, False, []
        if not files:
            self.error = "Choose a CSV or XLSX file first."
            return
        self.working = True
        yield
        try:
            actor = self._require(NEEDS)
            f = files[0]
            self._sha, self.filename = uploads.store(actor, f.name or "", await f.read())
            c = uploads.check(actor, self._sha, self.filename, self.source)
        except DomainError as e:
            self.working, self.error = False, _text(e)
            return
        r = c.report
        self.working, self.checked = False, True
        self.issues = [{"row": str(i.row), "column": i.column, "value": str(i.value),
                        "reason": i.reason} for i in r.issues]
        self._validation_csv = uploads.validation_csv(r)
        if r.status == "duplicate_file":
            self.summary = "This file was booked already: nothing to do."
        elif c.header_only:
            self.summary = "The file's columns are refused: nothing was read past the header."
        else:
            self.summary = (f"{r.rows_total} rows: {r.rows_valid} valid, "
                            f"{len(r.invalid_rows)} with {len(r.issues)} errors.")
        self.can_book_all = r.status == "valid" and r.rows_valid > 0
        self.can_book_valid = r.status == "invalid" and not c.header_only and r.rows_valid > 0

    @rx.event
    def download_validation(self):
        return rx.download(data=self._validation_csv, filename="validation-report.csv")

    @rx.event
    def book(self, valid_only: bool):
        self.error = ""
        try:
            actor = self._require(NEEDS)
            r = uploads.book(actor, self._sha, self.filename, self.source, valid_only)
        except DomainError as e:
            self.error = _text(e)
            return
        if r.status != "booked":
            self.error = f"Nothing was booked ({r.status.replace('_', ' ')})."
            return
        self.booked, self.can_book_all, self.can_book_valid = True, False, False
        self.batch = str(r.batch_id)
        self._upload_csv, ok = uploads.upload_report_csv(r)
        self.reconciled = "yes" if ok else "NO"
        errors: dict[int, list[str]] = {}
        for i in r.issues:
            errors.setdefault(i.row, []).append(f"{i.column}: {i.reason}")
        booked = {n: (ref, loan) for n, ref, loan in r.loans}
        self.results = [{"row": str(n), "external_ref": booked.get(n, (r.invalid_refs.get(n, ""),
                                                                        ""))[0],
                         "loan": booked.get(n, ("", ""))[1],
                         "errors": "; ".join(errors.get(n, []))}
                        for n in sorted(set(booked) | set(errors))]
        self.totals = []
        for code in sorted(r.file_totals):
            f_rows, f_sum = r.file_totals[code]
            b_rows, b_sum = r.booked_totals.get(code, (0, 0))
            self.totals.append({"product": code, "file_rows": str(f_rows),
                                "file_funded": fmt(f_sum), "boarded_rows": str(b_rows),
                                "boarded_funded": fmt(b_sum), "not_rows": str(f_rows - b_rows),
                                "not_funded": fmt(f_sum - b_sum)})

    @rx.event
    def download_upload_report(self):
        return rx.download(data=self._upload_csv,
                           filename=f"bulk-loan-upload-report-{self.batch}.csv")


def _text(e: DomainError) -> str:
    if isinstance(e, ValidationError):
        return "Nothing was booked: " + "; ".join(f"{k}: {v}" for k, v in e.errors.items())
    return f"Nothing was booked: {e}"


@protected_page("/servicing/onboarding", NEEDS, state=OnboardingState,
                title="Loan upload · Lendbook", heading="Loan upload")
def onboarding_page() -> rx.Component:
    s = OnboardingState
    return rx.flex(
        card(rx.flex(
            rx.heading("Upload loans boarded elsewhere", size="4", as_="h2"),
            rx.link("Or enter one loan by hand", href="/servicing/onboarding/manual",
                    id="manual-entry-link", size="2"),
            rx.text("CSV or XLSX, one loan per row, with the template's columns (or the "
                    "source's saved mapping). The whole file is checked before anything "
                    "is booked; booking is one transaction.", size="2"),
            rx.flex(rx.text("Templates:", size="2"), rx.foreach(s.products, lambda c: rx.button(
                c, on_click=s.download_template(c), variant="soft", size="1")),
                spacing="2", wrap="wrap", align="center"),
            rx.el.label("Source system", html_for="source", style={"fontWeight": 500}),
            rx.input(id="source", value=s.source, on_change=s.set_source, max_width="20rem"),
            rx.upload(rx.text("Choose the file or drop it here"), id="loan-file", max_files=1,
                      border="1px dashed #718096", padding="1em",
                      aria_label="Loan file"),
            rx.button(rx.cond(s.working, rx.spinner(size="1"), rx.fragment()),
                      "Validate file", id="validate-file", width="fit-content",
                      disabled=s.working,
                      on_click=s.upload(rx.upload_files(upload_id="loan-file"))),
            direction="column", spacing="2")),
        rx.cond(s.error != "", rx.callout(s.error, color_scheme="red", role="alert",
                                          id="upload-error")),
        rx.cond(s.checked, validation_card(s.issues, s.summary, s.download_validation)),
        rx.cond(s.can_book_all, rx.button("Book every row", on_click=s.book(False),
                                          id="book-all", width="fit-content")),
        rx.cond(s.can_book_valid, card(rx.flex(
            rx.text("Some rows have errors. Fix the file and validate it again, or book "
                    "only the valid rows (the others are listed as not booked).", size="2"),
            rx.button("Book the valid rows only", on_click=s.book(True), color_scheme="amber",
                      id="book-valid", width="fit-content"),
            direction="column", spacing="2"))),
        rx.cond(s.booked, upload_report_card(s.results, s.totals, s.reconciled, s.batch,
                                             s.download_upload_report)),
        direction="column", spacing="4")
