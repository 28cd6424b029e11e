"""Schedules built through shared templates (domain.calculation.schedule_templates, used by onboarding)
are exactly the schedules `build` gives, for any terms: one Templates instance serves every
example, so a key that forgot something the amounts depend on would hand one loan another's
schedule and fail here."""
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.kernel.errors import ValidationError
from domain.calculation.periods import DAY_COUNTS, NAMED_FREQUENCIES
from domain.calculation.schedule import (
    AMORTIZATIONS,
    INTEREST_METHODS,
    INTEREST_PERIODS,
    Rounding,
    ScheduleTerms,
    build,
)
from domain.calculation.schedule_templates import Templates

ALTERNATIVES = dict(
    principal_minor=[100000, 250000, 1234567],
    annual_rate=[Decimal("0"), Decimal("9.5"), Decimal("11.99"), Decimal("11.990")],
    periods=[1, 2, 12, 24],
    frequency=[*NAMED_FREQUENCIES, "every_10_days"],
    amortization=list(AMORTIZATIONS),
    interest_method=list(INTEREST_METHODS),
    interest_period=list(INTEREST_PERIODS),
    day_count=list(DAY_COUNTS),
    rounding=[Rounding(), Rounding(Decimal("1"), "up"), Rounding(Decimal("0.01"), "down")],
    grace_principal=[0, 1],
    grace_interest=[0, 1],
    installment_fee_minor=[0, 250])


def _outcome(make, terms):
    try:
        return make(terms)
    except (ValueError, ValidationError) as e:
        return type(e), str(e)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in ALTERNATIVES.items()}),
       st.dates(date(2023, 1, 1), date(2027, 12, 31)), st.none() | st.integers(5, 50))
def test_a_templated_schedule_is_the_built_schedule(fields, funded, first_offset):
    """A loan and its neighbours (each differing in one field, its dates included) through
    one Templates: each gets exactly its own schedule."""
    templates = Templates(limit=16)  # small: its caches are cleared and refilled meanwhile
    first = None if first_offset is None else funded + timedelta(days=first_offset)
    base = ScheduleTerms(**fields, disbursement_date=funded, first_payment_date=first)
    family = [base, replace(base, disbursement_date=funded + timedelta(days=1)),
              replace(base, disbursement_date=funded + timedelta(days=31)),
              replace(base, first_payment_date=None if first else funded + timedelta(days=40))]
    family += [replace(base, **{k: v}) for k, values in ALTERNATIVES.items() for v in values]
    for terms in family + family[::-1]:
        assert _outcome(templates.build, terms) == _outcome(build, terms), terms


def test_loans_differing_only_by_date_share_amounts_but_keep_their_dates():
    t = Templates()
    base = dict(principal_minor=500000, annual_rate=Decimal("11.99"), periods=24,
                frequency="monthly")
    for day in range(0, 120, 7):
        terms = ScheduleTerms(**base, disbursement_date=date(2026, 1, 1) + timedelta(days=day))
        assert t.build(terms) == build(terms)
    assert t.misses == 1 and t.hits == 17
