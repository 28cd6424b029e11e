"""Double-entry journal, after TigerBeetle's model: immutable entries, the id is the
idempotency key, `code` says why, the effective date is kept apart from the recorded time.

Amounts are signed cents: debit positive, credit negative; an entry must sum to zero.
"""
from dataclasses import dataclass
from datetime import date

# Chart of accounts (asset accounts carry debit balances).
LOANS_RECEIVABLE = "1100-loans-receivable"
CASH = "1000-cash-clearing"
INTEREST_INCOME = "4000-interest-income"

DISBURSEMENT = "disbursement"
REPAYMENT = "repayment"
ACCOUNTS = (CASH, LOANS_RECEIVABLE, INTEREST_INCOME)


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: str
    amount_minor: int  # debit > 0, credit < 0


@dataclass(frozen=True)
class Entry:
    entry_id: str
    code: str
    effective_date: date
    loan_id: int | None
    lines: tuple[Line, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise UnbalancedEntry("an entry needs at least two lines")
        if sum(line.amount_minor for line in self.lines) != 0:
            raise UnbalancedEntry(f"entry {self.entry_id} does not balance")
        if any(line.account not in ACCOUNTS for line in self.lines):
            raise UnbalancedEntry("unknown account")


def disbursement(entry_id: str, loan_id: int, on: date, principal_minor: int) -> Entry:
    return Entry(entry_id, DISBURSEMENT, on, loan_id,
                 (Line(LOANS_RECEIVABLE, principal_minor), Line(CASH, -principal_minor)),
                 "Loan funded")


def repayment(entry_id: str, loan_id: int, on: date, principal_minor: int,
              interest_minor: int) -> Entry:
    lines = [Line(CASH, principal_minor + interest_minor)]
    if principal_minor:
        lines.append(Line(LOANS_RECEIVABLE, -principal_minor))
    if interest_minor:
        lines.append(Line(INTEREST_INCOME, -interest_minor))
    return Entry(entry_id, REPAYMENT, on, loan_id, tuple(lines), "Payment received")
