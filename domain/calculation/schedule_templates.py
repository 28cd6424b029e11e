"""Schedules for many loans at once (onboarding boards 100k): the same schedule `build`
gives, with its two costly parts shared between loans that have them in common.

- the amounts (level installment, principal/interest/balance per period) depend on the dates
  only through the periodic rates, so loans with the same amount, terms and rates (say every
  5,000.00 over 24 months at 11.99% under 30/360, whatever the funding date) share one;
- the period dates depend only on (funding date, periods, frequency, first payment date);
- loans with both in common (and the same installment fee) share the Schedule itself (it is
  immutable).

The caches are bounded (cleared when full), so memory stays flat over any file.
"""
from domain.calculation.schedule import (
    Schedule,
    ScheduleTerms,
    amounts,
    assemble,
    check,
    period_dates,
    rates_of,
)

LIMIT = 4_096  # entries per cache: a few MB each at most


class Templates:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self.dates: dict = {}
        self.amounts: dict = {}
        self.schedules: dict = {}
        self.hits = self.misses = 0

    def build(self, terms: ScheduleTerms) -> Schedule:
        check(terms)
        dates_key = (terms.disbursement_date, terms.periods, terms.frequency,
                     terms.first_payment_date)
        dates = self.dates.get(dates_key)
        if dates is None:
            if len(self.dates) >= self.limit:
                self.dates.clear()
            dates = self.dates[dates_key] = period_dates(terms)
        starts, dues = dates
        rates, emi_rates, signature = rates_of(terms, starts, dues)
        key = (signature, terms.principal_minor, terms.amortization, terms.interest_method,
               terms.rounding, terms.grace_principal, terms.grace_interest)
        made = self.amounts.get(key)
        if made is None:
            self.misses += 1
            if len(self.amounts) >= self.limit:
                self.amounts.clear()
            made = self.amounts[key] = amounts(terms, rates, emi_rates)
        else:
            self.hits += 1
        whole = (key, dates_key, terms.installment_fee_minor)
        schedule = self.schedules.get(whole)
        if schedule is None:  # the same amounts on the same dates: one (immutable) schedule
            if len(self.schedules) >= self.limit:
                self.schedules.clear()
            schedule = self.schedules[whole] = assemble(terms, starts, dues, *made)
        return schedule
