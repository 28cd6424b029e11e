"""Double-entry journal, after TigerBeetle's model: immutable entries, the id is the
idempotency key, `code` says why, the effective date is kept apart from the recorded time.

Amounts are signed cents: debit positive, credit negative; an entry must sum to zero.
"""
from dataclasses import dataclass
from datetime import date

# Chart of accounts (asset accounts carry debit balances). Every posting also carries its
# loan, so per-loan and per-product balances are sums over the same postings.
CASH = "1000-cash-clearing"
LOANS_RECEIVABLE = "1100-loans-receivable"  # principal
INTEREST_RECEIVABLE = "1110-interest-receivable"  # accrued, unpaid (credit: paid ahead)
FEES_RECEIVABLE = "1120-fees-receivable"
SUSPENSE = "2100-suspense"  # money received and not yet applied (advances, overpayments)
INTEREST_INCOME = "4000-interest-income"
FEE_INCOME = "4100-fee-income"
CREDIT_LOSSES = "5000-credit-losses"  # principal, interest and fees written off

ACCOUNTS = (CASH, LOANS_RECEIVABLE, INTEREST_RECEIVABLE, FEES_RECEIVABLE, SUSPENSE,
            INTEREST_INCOME, FEE_INCOME, CREDIT_LOSSES)
ACCOUNT_NAMES = {
    CASH: "Cash / clearing", LOANS_RECEIVABLE: "Loan principal receivable",
    INTEREST_RECEIVABLE: "Interest receivable", FEES_RECEIVABLE: "Fees receivable",
    SUSPENSE: "Suspense (unapplied cash)", INTEREST_INCOME: "Interest income",
    FEE_INCOME: "Fee income", CREDIT_LOSSES: "Credit losses (write-off)",
}

# Entry codes: why money moved.
DISBURSEMENT = "disbursement"
REPAYMENT = "repayment"
ACCRUAL = "accrual"
FEE = "fee"
REVERSAL = "reversal"
WRITE_OFF = "write_off"
REFUND = "refund"
MODIFICATION = "modification"


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: str
    amount_minor: int  # debit > 0, credit < 0
    loan_id: int | None = None  # the posting's loan when it differs from the entry's (batches)


@dataclass(frozen=True)
class Entry:
    entry_id: str
    code: str
    effective_date: date
    loan_id: int | None
    lines: tuple[Line, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        check(self)


def check(entry: Entry) -> Entry:
    """Refuse an entry that does not balance, has fewer than two lines or names an account
    outside the chart. Entries check themselves when built; the journal writer checks again
    on every path, so nothing unbalanced reaches the database however it was assembled."""
    if len(entry.lines) < 2:
        raise UnbalancedEntry(f"entry {entry.entry_id} needs at least two lines")
    if sum(line.amount_minor for line in entry.lines) != 0:
        raise UnbalancedEntry(f"entry {entry.entry_id} does not balance")
    if any(line.account not in ACCOUNTS for line in entry.lines):
        raise UnbalancedEntry(f"entry {entry.entry_id} names an unknown account")
    return entry


def _entry(entry_id, code, on, loan_id, memo, *pairs) -> Entry:
    """Build an entry from (account, signed amount) pairs, leaving out zero lines."""
    return Entry(entry_id, code, on, loan_id,
                 tuple(Line(a, m) for a, m in pairs if m), memo)


def disbursement(entry_id: str, loan_id: int, on: date, principal_minor: int,
                 financed_fee_minor: int = 0, deducted_fee_minor: int = 0) -> Entry:
    """Funding: the borrower owes the principal (a financed fee included); cash goes out net
    of a deducted fee; an origination fee is earned as fee income."""
    fee = financed_fee_minor + deducted_fee_minor
    return _entry(entry_id, DISBURSEMENT, on, loan_id, "Loan funded",
                  (LOANS_RECEIVABLE, principal_minor), (CASH, fee - principal_minor),
                  (FEE_INCOME, -fee))


def repayment(entry_id: str, loan_id: int, on: date, principal_minor: int,
              interest_minor: int, fee_minor: int = 0, advance_minor: int = 0) -> Entry:
    total = principal_minor + interest_minor + fee_minor + advance_minor
    return _entry(entry_id, REPAYMENT, on, loan_id, "Payment received", (CASH, total),
                  (LOANS_RECEIVABLE, -principal_minor), (INTEREST_RECEIVABLE, -interest_minor),
                  (FEES_RECEIVABLE, -fee_minor), (SUSPENSE, -advance_minor))


def accrual(entry_id: str, loan_id: int, on: date, interest_minor: int) -> Entry:
    return _entry(entry_id, ACCRUAL, on, loan_id, "Interest accrued",
                  (INTEREST_RECEIVABLE, interest_minor), (INTEREST_INCOME, -interest_minor))


def fee_charge(entry_id: str, loan_id: int, on: date, amount_minor: int, memo: str) -> Entry:
    return _entry(entry_id, FEE, on, loan_id, memo,
                  (FEES_RECEIVABLE, amount_minor), (FEE_INCOME, -amount_minor))


def reversing(entry_id: str, original: Entry, on: date, memo: str) -> Entry:
    """The one way a correction is built: the same lines with opposite signs under a new id,
    never an edit of what was posted (payment reversals, returns, re-allocations)."""
    return Entry(entry_id, REVERSAL, on, original.loan_id,
                 tuple(Line(l.account, -l.amount_minor, l.loan_id) for l in original.lines),
                 memo)
