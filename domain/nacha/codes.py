"""Return reason codes, change codes, and what a return means for a loan's autopay.

The policy is pure: the caller says how often the payment was presented and when it first
settled; the answer says whether and when to re-present, and what else to do.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from domain.nacha.banking_days import add_banking_days

RETURN_CODES = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account / unable to locate account",
    "R04": "Invalid account number structure",
    "R05": "Unauthorized debit to consumer account using corporate SEC code",
    "R06": "Returned per ODFI's request",
    "R07": "Authorization revoked by customer",
    "R08": "Payment stopped",
    "R09": "Uncollected funds",
    "R10": "Customer advises originator is not known or not authorized to debit the account",
    "R11": "Customer advises entry not in accordance with the terms of the authorization",
    "R12": "Account sold to another DFI",
    "R13": "Invalid ACH routing number",
    "R14": "Representative payee deceased or unable to continue in that capacity",
    "R15": "Beneficiary or account holder deceased",
    "R16": "Account frozen / entry returned per OFAC instruction",
    "R17": "File record edit criteria / entry initiated under questionable circumstances",
    "R18": "Improper effective entry date",
    "R19": "Amount field error",
    "R20": "Non-transaction account",
    "R21": "Invalid company identification",
    "R22": "Invalid individual ID number",
    "R23": "Credit entry refused by receiver",
    "R24": "Duplicate entry",
    "R25": "Addenda error",
    "R26": "Mandatory field error",
    "R27": "Trace number error",
    "R28": "Routing number check digit error",
    "R29": "Corporate customer advises not authorized",
    "R30": "RDFI not participant in check truncation program",
    "R31": "Permissible return entry (CCD and CTX only)",
    "R32": "RDFI non-settlement",
    "R33": "Return of XCK entry",
    "R34": "Limited participation DFI",
    "R35": "Return of improper debit entry",
    "R36": "Return of improper credit entry",
    "R37": "Source document presented for payment",
    "R38": "Stop payment on source document",
    "R39": "Improper source document / source document presented for payment",
    "R40": "Return of ENR entry by federal government agency",
    "R41": "Invalid transaction code (ENR)",
    "R42": "Routing number / check digit error (ENR)",
    "R43": "Invalid DFI account number (ENR)",
    "R44": "Invalid individual ID number (ENR)",
    "R45": "Invalid individual name / company name (ENR)",
    "R46": "Invalid representative payee indicator (ENR)",
    "R47": "Duplicate enrollment (ENR)",
    "R50": "State law affecting RCK acceptance",
    "R51": "Item related to RCK entry is ineligible or RCK entry is improper",
    "R52": "Stop payment on item related to RCK entry",
    "R53": "Item and RCK entry presented for payment",
    "R61": "Misrouted return",
    "R62": "Return of erroneous or reversing debit",
    "R63": "Incorrect dollar amount (retired: now R69)",
    "R64": "Incorrect individual identification (retired: now R69)",
    "R65": "Incorrect transaction code (retired: now R69)",
    "R66": "Incorrect company identification (retired: now R69)",
    "R67": "Duplicate return",
    "R68": "Untimely return",
    "R69": "Field error(s)",
    "R70": "Permissible return entry not accepted / return not requested by ODFI",
    "R71": "Misrouted dishonored return",
    "R72": "Untimely dishonored return",
    "R73": "Timely original return",
    "R74": "Corrected return",
    "R75": "Return not a duplicate",
    "R76": "No errors found",
    "R77": "Non-acceptance of R62 dishonored return",
    "R80": "IAT entry coding error",
    "R81": "Non-participant in IAT program",
    "R82": "Invalid foreign receiving DFI identification",
    "R83": "Foreign receiving DFI unable to settle",
    "R84": "Entry not processed by gateway",
    "R85": "Incorrectly coded outbound international payment",
}
# The ODFI refusing a return (R63-R66 retired into R69 but still read), and the RDFI
# contesting that refusal: R77 is the RDFI's answer to an R62 dishonor, so it is contested.
DISHONORED_CODES = frozenset({"R61", "R62", "R63", "R64", "R65", "R66", "R67", "R68", "R69",
                              "R70"})
CONTESTED_CODES = frozenset({"R71", "R72", "R73", "R74", "R75", "R76", "R77"})
# R67 (duplicate return) voids only the duplicate: the first return stands, nothing changes.
DISHONOR_KEEPS_RETURN = frozenset({"R67"})

CHANGE_CODES = {
    "C01": "Incorrect DFI account number",
    "C02": "Incorrect routing number",
    "C03": "Incorrect routing number and incorrect DFI account number",
    "C04": "Incorrect individual name / receiving company name",
    "C05": "Incorrect transaction code",
    "C06": "Incorrect DFI account number and incorrect transaction code",
    "C07": "Incorrect routing number, DFI account number and transaction code",
    "C08": "Incorrect receiving DFI identification (IAT only)",
    "C09": "Incorrect individual identification number",
    "C10": "Incorrect company name",
    "C11": "Incorrect company identification",
    "C12": "Incorrect company name and company identification",
    "C13": "Addenda format error",
    "C14": "Incorrect SEC code for outbound international payment",
}


def return_reason(code: str) -> str:
    """Description of an R or C code; a code outside the tables (banks' R97...) says so."""
    return RETURN_CODES.get(code) or CHANGE_CODES.get(code) or f"Unlisted code {code}"


# Re-presentment (Nacha: R01/R09 may be reinitiated at most twice, within 180 days of the
# original settlement). We retry on the third banking day after the return is processed
# (the next banking day + 2): time for a payday to land, and well inside the window.
RETRYABLE = frozenset({"R01", "R09"})
MAX_PRESENTMENTS = 3
RETRY_WINDOW = timedelta(days=180)
RETRY_AFTER_BANKING_DAYS = 3
FEE_CODES = RETRYABLE  # the product's NSF fee, once per return
# The account cannot be debited again: new account details (so a new authorization) needed.
ACCOUNT_UNUSABLE = frozenset({"R02", "R03", "R04", "R12", "R13", "R16", "R20"})
# The borrower or their bank says the debit is not (or no longer) authorized.
NOT_AUTHORIZED = frozenset({"R05", "R07", "R08", "R10", "R29", "R51"})
# Account holder deceased: stop debiting, hand to the servicer, no borrower letter.
DECEASED = frozenset({"R14", "R15"})
# R11 (not per the authorization's terms): a corrected entry may follow within 60 days,
# a person decides; tell the borrower, keep the account.
NOTIFY_ONLY = frozenset({"R11"})
HANDLED = RETRYABLE | ACCOUNT_UNUSABLE | NOT_AUTHORIZED | DECEASED


@dataclass(frozen=True)
class ReturnPolicy:
    retry_on: date | None  # re-present on this date, or never
    fee: bool  # charge the product's NSF (returned payment) fee
    disable_account: bool  # stop autopay on the account that returned
    notify_borrower: bool
    needs_new_authorization: bool  # no debit until the borrower authorizes again


def return_policy(code: str, prior_presentments: int, original_settlement: date,
                  today: date) -> ReturnPolicy:
    """What to do about one return. `prior_presentments`: presentments of this payment
    before the one now returned (0 when the original entry came back).

    Every other code (bank-side errors R06, R17-R28..., codes outside the table) is not
    retried and changes nothing for the borrower: a servicer reviews it (`servicer_queue`).
    Dishonored and contested returns are not returns of a debit: `payments.dishonors`.
    """
    if code in RETRYABLE:
        retry_on = None
        if prior_presentments + 1 < MAX_PRESENTMENTS:
            candidate = add_banking_days(today, RETRY_AFTER_BANKING_DAYS)
            if candidate <= original_settlement + RETRY_WINDOW:
                retry_on = candidate
        return ReturnPolicy(retry_on, fee=True, disable_account=False, notify_borrower=True,
                            needs_new_authorization=False)
    if code in ACCOUNT_UNUSABLE or code in NOT_AUTHORIZED:
        return ReturnPolicy(None, fee=False, disable_account=True, notify_borrower=True,
                            needs_new_authorization=True)
    if code in DECEASED:
        return ReturnPolicy(None, fee=False, disable_account=True, notify_borrower=False,
                            needs_new_authorization=True)
    return ReturnPolicy(None, fee=False, disable_account=False,
                        notify_borrower=code in NOTIFY_ONLY, needs_new_authorization=False)


def servicer_queue(code: str) -> str:
    """The servicer queue a return goes to, or "" for none: `estate` for a deceased account
    holder or payee (R14/R15), `review` for a return code no rule above settles on its own
    (R11, and every other R code: bank-side errors, codes outside the table). Processor
    failure codes that are no R code (a declined card) go nowhere."""
    if code in DECEASED:
        return "estate"
    if code in HANDLED or code in DISHONORED_CODES or code in CONTESTED_CODES:
        return ""
    return "review" if len(code) == 3 and code[0] == "R" and code[1:].isdigit() else ""
