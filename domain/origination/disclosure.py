"""Do the terms the borrower signed still hold on the day the loan is funded?

The agreement (with its Truth-in-Lending box and payment schedule) is rendered when it is sent
for signature; funding may come days later. Lendbook books the schedule that was disclosed
and signed (same due dates, same payments), never one recomputed from the funding date, so the
booked terms are the signed ones. What a later funding date changes is the time the borrower
has the money: the disclosed payments over a shorter first period are a higher APR. Regulation
Z (12 CFR 1026.22(a)(2)) holds a regular transaction's disclosed APR accurate within 1/8 of one
percentage point of the actual APR; beyond it the disclosure is wrong, so funding is refused
and a new agreement must be signed (1026.17(f): disclosures re-made before consummation).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.calculation.apr import annual_percentage_rate
from domain.kernel.money import from_minor, round_to_cent, to_minor

TOLERANCE = Decimal("0.125")  # percentage points, regular transactions (1026.22(a)(2))


@dataclass(frozen=True)
class Disclosure:
    """What the signed agreement disclosed: its date, APR (as printed, two decimals), the
    amount financed and every scheduled payment (due date, total in minor units)."""
    disclosed_on: date
    apr: Decimal
    amount_financed_minor: int
    frequency: str
    payments: tuple[tuple[date, int], ...]

    @classmethod
    def from_quote(cls, q: dict, disclosed_on: date, frequency: str) -> "Disclosure":
        """From the `lendbook quote` output the agreement was rendered from."""
        return cls(disclosed_on, Decimal(q["apr"]),
                   to_minor(Decimal(q["amount_financed"])), frequency,
                   tuple((date.fromisoformat(r["due_date"]), to_minor(Decimal(r["total"])))
                         for r in q["schedule"]))

    def to_dict(self) -> dict:
        return {"date": self.disclosed_on.isoformat(), "apr": str(self.apr),
                "amount_financed_minor": self.amount_financed_minor,
                "frequency": self.frequency,
                "payments": [[d.isoformat(), m] for d, m in self.payments]}

    @classmethod
    def from_dict(cls, d: dict) -> "Disclosure":
        return cls(date.fromisoformat(d["date"]), Decimal(d["apr"]),
                   int(d["amount_financed_minor"]), d["frequency"],
                   tuple((date.fromisoformat(x), int(m)) for x, m in d["payments"]))


@dataclass(frozen=True)
class Verdict:
    accurate: bool
    apr_if_funded: Decimal | None  # the APR of the disclosed payments from the funding date
    reason: str


def on_funding(d: Disclosure, funded_on: date) -> Verdict:
    """Whether funding on `funded_on` keeps the disclosure accurate, and why not."""
    printed = f"{d.apr}%"
    if funded_on < d.disclosed_on:
        return Verdict(False, None, f"funding on {funded_on} is before the agreement date "
                                    f"{d.disclosed_on}")
    first_due = min(x for x, m in d.payments if m)
    if funded_on >= first_due:
        return Verdict(False, None, f"the first payment disclosed falls due on {first_due}, "
                                    f"not after funding on {funded_on}: a new agreement must "
                                    "be signed")
    if funded_on == d.disclosed_on:
        return Verdict(True, d.apr, f"funded on the agreement date: APR {printed} as disclosed")
    actual = annual_percentage_rate([(funded_on, from_minor(d.amount_financed_minor))],
                                    [(x, from_minor(m)) for x, m in d.payments if m],
                                    unit=d.frequency)
    shown = f"{round_to_cent(actual)}%"
    if abs(actual - d.apr) > TOLERANCE:
        return Verdict(False, actual, f"the agreement of {d.disclosed_on} disclosed an APR of "
                                      f"{printed}; funded on {funded_on} the same payments are "
                                      f"an APR of {shown}, more than 1/8 of a point off: a new "
                                      "agreement must be signed")
    return Verdict(True, actual, f"funded on {funded_on}: APR {shown} is within 1/8 of a point "
                                 f"of the {printed} disclosed on {d.disclosed_on}")
