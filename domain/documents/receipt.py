"""A payment receipt as a one-page PDF (fpdf2, built-in fonts, as the loan agreement): lender,
borrower, loan, dates, amount, how it was allocated, channel and status. Pure: the caller
reads the data (domain.servicing.receipts) and checks who may have it.

The status and channel wording here is also what the portal shows beside each payment, so the
page and the receipt say the same thing."""
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.documents.agreement import FONT, _t, long_date, money

STATUS_TEXT = {
    "pending": "Pending: the bank debit was sent and has not settled yet",
    "posted": "Posted",
    "returned": "Returned by the bank",
    "reversed": "Reversed",
    "failed": "Failed",
    "scheduled": "Scheduled",
    "cancelled": "Cancelled",
}
CHANNEL_TEXT = {"servicer": "Received by staff", "portal": "Borrower portal",
                "autopay": "Autopay", "ach": "Bank debit (ACH)", "nacha": "Bank debit (ACH)",
                "stripe": "Online (card or bank via Stripe)", "lockbox": "Lockbox / cheque",
                "import": "Imported"}
METHOD_TEXT = {"regular": "Payment", "payoff": "Payoff", "refund": "Refund of an advance",
               "capitalization": "Arrears capitalized", "autopay": "Autopay draft",
               "retry": "Re-presentment of a returned debit", "one_time": "One-time payment"}


def channel_text(channel: str) -> str:
    return CHANNEL_TEXT.get(channel, channel.replace("_", " ").capitalize())


def status_text(status: str, return_code: str = "", return_text: str = "",
                reversed_on: date | None = None) -> str:
    text = STATUS_TEXT.get(status, status.capitalize())
    if status == "returned" and return_code:
        text += f" ({return_code}: {return_text})" if return_text else f" ({return_code})"
    elif status in ("reversed", "failed") and return_text:
        text += f": {return_text}"
    if reversed_on and status in ("returned", "reversed"):
        text += f" on {long_date(reversed_on)}"
    return text


@dataclass(frozen=True)
class ReceiptLine:
    installment: int  # 0: held as an advance
    principal_minor: int = 0
    interest_minor: int = 0
    fee_minor: int = 0
    advance_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor + self.advance_minor


@dataclass(frozen=True)
class ReceiptData:
    lender_name: str
    borrower_name: str
    loan_number: str
    payment_id: int
    received_on: date
    amount_minor: int
    status: str
    channel: str
    method: str = "regular"
    lines: tuple[ReceiptLine, ...] = ()
    return_code: str = ""
    return_text: str = ""
    reversed_on: date | None = None
    instrument: str = ""
    note: str = ""
    issued_on: date | None = None


def render_receipt(r: ReceiptData) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_margins(20, 18, 20)
    pdf.set_title(_t(f"Payment receipt {r.loan_number}-{r.payment_id}"))
    pdf.set_author(_t(r.lender_name))
    pdf.set_creator("Lendbook")
    if r.issued_on:  # same inputs, same bytes
        pdf.set_creation_date(datetime.combine(r.issued_on, time(), timezone.utc))
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, "Payment receipt", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, _t(r.lender_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    facts = [("Borrower", r.borrower_name), ("Loan", r.loan_number),
             ("Receipt number", f"{r.loan_number}-{r.payment_id}"),
             ("Payment date", long_date(r.received_on)),
             ("Amount", money(r.amount_minor)),
             ("Kind", METHOD_TEXT.get(r.method, r.method)), ("Channel", channel_text(r.channel)),
             ("Status", status_text(r.status, r.return_code, r.return_text, r.reversed_on))]
    if r.instrument:
        facts.append(("Paid from", r.instrument))
    if r.note:
        facts.append(("Note", r.note))
    for label, value in facts:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(45, 6.5, label)
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 6.5, _t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "How the payment was applied", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    total = ReceiptLine(-1, *(sum(getattr(x, f) for x in r.lines) for f in (
        "principal_minor", "interest_minor", "fee_minor", "advance_minor")))
    with pdf.table(col_widths=(40, 28, 28, 28, 28, 28), line_height=6, width=pdf.epw,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(("Installment", "Principal", "Interest", "Fees", "Advance", "Total"))
        for line in (*r.lines, total):
            table.row((("Total" if line.installment < 0 else "Held in advance"
                        if line.installment == 0 else f"No. {line.installment}"),
                       *(money(v) for v in (line.principal_minor, line.interest_minor,
                                            line.fee_minor, line.advance_minor,
                                            line.total_minor))))
    pdf.ln(5)
    pdf.set_font(FONT, "", 8.5)
    if r.status in ("returned", "reversed"):
        note = ("This payment was taken off the loan: the amounts above are how it had been "
                "applied. The loan's balances no longer include it.")
    elif r.status == "pending":
        note = ("A bank debit takes a few business days to settle. If the bank returns it, "
                "the payment is taken off the loan and you will be told in the portal.")
    else:
        note = "Keep this receipt for your records."
    issued = f" Issued {long_date(r.issued_on)}." if r.issued_on else ""
    pdf.multi_cell(0, 4.5, _t(note + issued), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
