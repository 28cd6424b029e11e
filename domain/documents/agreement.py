"""The loan agreement PDF: federal Truth-in-Lending box, payment schedule, terms, signature.

The figures come from the same quote the borrower accepted, never recomputed here, and are
checked for consistency before anything is drawn: a contract whose disclosed finance charge
does not match its own schedule must not be sent for signature. Built-in PDF fonts only (no
downloads), so names are reduced to the Latin-1 characters those fonts can draw.

Over 300 lines on purpose: one document's layout, section by section in page order.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.kernel.money import CENT, fmt, to_minor
from domain.calculation.quote import parse_request, quote

SIGN_ANCHOR = "/sn1/"  # DocuSign anchor tab for the borrower's signature
DEFAULT_SIGNATURE_TEXT = (
    "By signing below, you agree to the terms of this agreement and acknowledge that you "
    "received a completed copy of it, including the Truth-in-Lending disclosures above, "
    "before signing.")
_FREQUENCY_LABELS = {"monthly": "Monthly", "semimonthly": "Twice a month",
                     "biweekly": "Every two weeks", "weekly": "Weekly",
                     "quarterly": "Every three months"}
_PUNCTUATION = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                              "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " "})
FONT = "Helvetica"


@dataclass(frozen=True)
class ScheduledPayment:
    number: int
    due_date: date
    amount_minor: int
    principal_minor: int = 0
    interest_minor: int = 0
    fee_minor: int = 0
    balance_minor: int = 0


@dataclass(frozen=True)
class AgreementData:
    lender_name: str
    borrower_name: str
    borrower_address: tuple[str, ...]
    reference: str  # loan or application reference
    product_name: str
    apr: Decimal  # percent, as disclosed (two decimals)
    finance_charge_minor: int
    amount_financed_minor: int
    total_of_payments_minor: int
    installment_minor: int
    frequency: str  # monthly, biweekly, ..., every_N_days
    payments: tuple[ScheduledPayment, ...]
    origination_fee_minor: int = 0  # the prepaid finance charge
    late_fee_minor: int = 0
    late_grace_days: int = 0
    nsf_fee_minor: int = 0
    agreement_date: date | None = None
    annual_rate: Decimal | None = None  # nominal interest rate, percent, if to be stated
    signature_text: str = DEFAULT_SIGNATURE_TEXT

    @property
    def scheduled(self) -> tuple[ScheduledPayment, ...]:
        """Payments that are actually due (a grace period can produce 0.00 rows)."""
        return tuple(p for p in self.payments if p.amount_minor)

    @property
    def principal_minor(self) -> int:
        """The note amount: what the borrower receives plus the prepaid finance charge."""
        return self.amount_financed_minor + self.origination_fee_minor

    @classmethod
    def from_quote(cls, request: dict, result: dict | None = None, **fields) -> "AgreementData":
        """From a `lendbook quote` request (and its result, if already computed); `fields`
        gives the parties, reference, product name and any optional field."""
        _, fees, _ = parse_request(request)
        q = result if result is not None else quote(request)
        m = lambda row, *keys: [to_minor(Decimal(row[k])) for k in keys]  # noqa: E731
        payments = tuple(ScheduledPayment(r["number"], date.fromisoformat(r["due_date"]),
                                          *m(r, "total", "principal", "interest", "fees",
                                             "balance")) for r in q["schedule"])
        fc, af, top, inst = m(q, "finance_charge", "amount_financed", "total_of_payments",
                              "installment")
        return cls(apr=Decimal(q["apr"]), finance_charge_minor=fc, amount_financed_minor=af,
                   total_of_payments_minor=top, installment_minor=inst,
                   frequency=request["frequency"], payments=payments,
                   origination_fee_minor=fees.origination_minor,
                   late_fee_minor=fees.late_minor, late_grace_days=fees.late_grace_days,
                   nsf_fee_minor=fees.nsf_minor, **fields)


def check(a: AgreementData) -> None:
    """Refuse figures that contradict each other (ValueError: a programming error upstream)."""
    if not a.scheduled:
        raise ValueError("the agreement has no scheduled payments")
    if sum(p.amount_minor for p in a.payments) != a.total_of_payments_minor:
        raise ValueError("total of payments does not equal the sum of the scheduled payments")
    if a.total_of_payments_minor - a.amount_financed_minor != a.finance_charge_minor:
        raise ValueError("finance charge is not total of payments minus amount financed")


def money(minor: int) -> str:
    return f"${fmt(minor)}"


def percent(rate: Decimal) -> str:
    return f"{rate.quantize(CENT)}%"


def long_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def frequency_label(frequency: str) -> str:
    match = re.fullmatch(r"every_(\d+)_days", frequency)
    return f"Every {match.group(1)} days" if match else _FREQUENCY_LABELS.get(
        frequency, frequency.replace("_", " ").capitalize())


def schedule_lines(a: AgreementData) -> list[tuple[str, str, str]]:
    """(number of payments, amount, when due): runs of equal payments summarised as one line,
    a different payment (such as the final one) on a line of its own."""
    runs: list[list[ScheduledPayment]] = []
    for p in a.scheduled:
        if runs and runs[-1][0].amount_minor == p.amount_minor:
            runs[-1].append(p)
        else:
            runs.append([p])
    return [(str(len(run)), money(run[0].amount_minor),
             f"{frequency_label(a.frequency)} beginning {long_date(run[0].due_date)}"
             if len(run) > 1 else long_date(run[0].due_date)) for run in runs]


def _t(text) -> str:
    """Text the built-in (Latin-1) fonts can draw; other characters become '?'."""
    text = unicodedata.normalize("NFC", str(text)).translate(_PUNCTUATION)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Document(FPDF):
    """Letter-size pages with a numbered footer and the few text helpers the layout uses."""

    def __init__(self, reference: str):
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.reference = reference
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def footer(self):
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"Loan agreement {self.reference} - page {self.page_no()} of {{nb}}",
                  align="C")

    def heading(self, text: str, size: float = 11):
        self.set_font(FONT, "B", size)
        self.cell(0, 7, _t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text: str, size: float = 9, style: str = "", h: float = 4.6):
        self.set_font(FONT, style, size)
        self.multi_cell(0, h, _t(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def labelled(self, label: str, text: str):
        self.set_font(FONT, "B", 9)
        self.write(4.6, label)
        self.set_font(FONT, "", 9)
        self.write(4.6, _t(text))
        self.ln(5.6)


def render_agreement(a: AgreementData) -> bytes:
    """The agreement as PDF bytes, ready to store (encrypted) and to send for signature."""
    check(a)
    pdf = _Document(_t(a.reference))
    pdf.set_title(_t(f"Loan agreement {a.reference}"))
    pdf.set_author(_t(a.lender_name))
    pdf.set_creator("Lendbook")
    if a.agreement_date:  # same inputs, same bytes
        pdf.set_creation_date(datetime.combine(a.agreement_date, time(), timezone.utc))
    pdf.add_page()
    for part in (_header, _tila_box, _payment_schedule, _statements, _itemization, _terms,
                 _signature):
        part(pdf, a)
    if any(p.principal_minor or p.interest_minor for p in a.payments):
        _schedule_detail(pdf, a)
    return bytes(pdf.output())


def _header(pdf: _Document, a: AgreementData):
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, "Consumer Loan Agreement", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    dated = f"   Date: {long_date(a.agreement_date)}" if a.agreement_date else ""
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, _t(f"Loan reference: {a.reference}   Product: {a.product_name}{dated}"),
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    half, top = pdf.epw / 2, pdf.get_y() + 3
    bottom = top
    for col, lines in enumerate((('Lender ("we", "us")', a.lender_name),
                                 ('Borrower ("you")', a.borrower_name, *a.borrower_address))):
        pdf.set_xy(pdf.l_margin + col * half, top)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(half - 4, 4.6, _t("\n".join(lines)), align="L", new_x=XPos.LEFT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 4)


def _tila_box(pdf: _Document, a: AgreementData):
    """The four-column federal box; APR and finance charge framed more heavily (Reg Z
    wants them more conspicuous than the other disclosures)."""
    cols = (("ANNUAL PERCENTAGE RATE", "The cost of your credit as a yearly rate.",
             percent(a.apr), 0.7),
            ("FINANCE CHARGE", "The dollar amount the credit will cost you.",
             money(a.finance_charge_minor), 0.7),
            ("Amount Financed", "The amount of credit provided to you or on your behalf.",
             money(a.amount_financed_minor), 0.25),
            ("Total of Payments", "The amount you will have paid after you have made all "
             "payments as scheduled.", money(a.total_of_payments_minor), 0.25))
    pdf.heading("FEDERAL TRUTH-IN-LENDING DISCLOSURES")
    x0, y0, w, pad = pdf.l_margin, pdf.get_y(), pdf.epw / 4, 2.5
    bottoms = []
    for i, (head, desc, _, _) in enumerate(cols):
        pdf.set_xy(x0 + i * w + pad, y0 + pad)
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(w - 2 * pad, 4.4, head, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(w - 2 * pad, 3.8, desc, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(pdf.get_y())
    figure_y = max(bottoms) + 2
    height = figure_y + 8 + pad - y0
    for i, (_, _, figure, line_width) in enumerate(cols):
        pdf.set_xy(x0 + i * w + pad, figure_y)
        pdf.set_font(FONT, "B", 13)
        pdf.cell(w - 2 * pad, 8, figure, align="C")
        pdf.set_line_width(line_width)
        pdf.rect(x0 + i * w, y0, w, height)
    pdf.set_line_width(0.2)
    pdf.set_xy(x0, y0 + height + 4)


def _payment_schedule(pdf: _Document, a: AgreementData):
    pdf.para("Your payment schedule will be:", style="B")
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(35, 40, 105), text_align=("CENTER", "RIGHT", "LEFT"),
                   line_height=5.5, width=pdf.epw) as table:
        table.row(("Number of payments", "Amount of payments", "When payments are due"))
        for line in schedule_lines(a):
            table.row(line)
    pdf.ln(3)


def _statements(pdf: _Document, a: AgreementData):
    days = f"is more than {a.late_grace_days} days late" if a.late_grace_days else "is late"
    pdf.labelled("Late charge: ", f"If a payment {days}, you will be charged "
                 f"{money(a.late_fee_minor)}." if a.late_fee_minor
                 else "None. You will not be charged a fee for a late payment.")
    refund = (" You will not be entitled to a refund of the prepaid finance charge of "
              f"{money(a.origination_fee_minor)}." if a.origination_fee_minor else "")
    pdf.labelled("Prepayment: ", "If you pay off early, you will not have to pay a penalty, "
                 "and you will not pay interest for the time after you pay off." + refund)
    pdf.para("See the terms of this agreement for any additional information about "
             "nonpayment, default, any required repayment in full before the scheduled "
             "date, and prepayment refunds and penalties.", size=8.5, style="I")
    pdf.ln(3)


def _itemization(pdf: _Document, a: AgreementData):
    pdf.heading("Itemization of the Amount Financed", 10)
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(130, 50), text_align=("LEFT", "RIGHT"), line_height=5.5,
                   width=pdf.epw * 0.75, align="LEFT", first_row_as_headings=False) as table:
        for label, amount in (("Amount given to you directly", a.amount_financed_minor),
                              ("Amount Financed", a.amount_financed_minor),
                              ("Prepaid finance charge (origination fee)",
                               a.origination_fee_minor),
                              ("Principal amount of your loan", a.principal_minor)):
            table.row((label, money(amount)))
    pdf.ln(3)


def _terms(pdf: _Document, a: AgreementData):
    rate = (f" with interest at the rate of {percent(a.annual_rate)} a year"
            if a.annual_rate is not None else "")
    pdf.heading("Terms", 10)
    pdf.labelled("Promise to pay. ", f"You promise to pay us the principal amount of "
                 f"{money(a.principal_minor)}{rate}, in the payments shown in the payment "
                 f"schedule above: {len(a.scheduled)} payments, "
                 f"{frequency_label(a.frequency).lower()}, the first due on "
                 f"{long_date(a.scheduled[0].due_date)}; the regular payment is "
                 f"{money(a.installment_minor)}.")
    pdf.labelled("Returned payments. ", f"If a payment you make is returned unpaid, you will "
                 f"be charged {money(a.nsf_fee_minor)}." if a.nsf_fee_minor
                 else "We do not charge a fee for a returned payment.")
    pdf.ln(3)


def _signature(pdf: _Document, a: AgreementData):
    if pdf.get_y() + 45 > pdf.page_break_trigger:  # keep the block on one page
        pdf.add_page()
    pdf.heading("Signatures", 10)
    pdf.para(a.signature_text)
    pdf.ln(12)
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_text_color(255, 255, 255)  # invisible anchor; DocuSign places the tab on it
    pdf.set_font(FONT, "", 8)
    pdf.text(x + 1, y - 1.5, SIGN_ANCHOR)
    pdf.set_text_color(0, 0, 0)
    pdf.line(x, y, x + 100, y)
    pdf.line(x + 120, y, pdf.w - pdf.r_margin, y)
    pdf.set_xy(x, y + 1)
    pdf.set_font(FONT, "", 8.5)
    pdf.cell(120, 4.5, _t(f"Borrower: {a.borrower_name}"))
    pdf.cell(0, 4.5, "Date", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.para(f"Lender: {a.lender_name}", size=8.5)


def _schedule_detail(pdf: _Document, a: AgreementData):
    pdf.add_page()
    pdf.heading("Schedule A: payments in detail")
    pdf.para("Each scheduled payment and how it is applied if paid on its due date.", 8.5)
    pdf.ln(1)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=(12, 28, 24, 24, 24, 18, 28), line_height=4.4, width=pdf.epw,
                   text_align=("RIGHT", "LEFT", *["RIGHT"] * 5), repeat_headings=1) as table:
        table.row(("No.", "Due date", "Payment", "Principal", "Interest", "Fees", "Balance"))
        for p in a.payments:
            table.row((str(p.number), p.due_date.isoformat(), *map(fmt, (
                p.amount_minor, p.principal_minor, p.interest_minor, p.fee_minor,
                p.balance_minor))))
