"""Published Apache Fineract loan-schedule cases, restated in the `lendbook quote` input form.

Every case below is a schedule whose figures are asserted in an Apache Fineract test
(repository apache/fineract).  Nothing here was computed by us: installment, per-installment
principal / interest / balance, totals and due dates are copied from the cited assertions.
Where Fineract only published some of the figures, only those are checked.

Sources (abbreviations used in the per-case comments):

  PEC  = fineract-progressive-loan/src/test/java/org/apache/fineract/portfolio/loanproduct/calc/
         ProgressiveEMICalculatorTest.java
  LSG  = fineract-progressive-loan/src/test/java/org/apache/fineract/portfolio/loanaccount/loanschedule/domain/
         LoanScheduleGeneratorTest.java
  EMI  = fineract-e2e-tests-runner/src/test/resources/features/EMICalculation.feature

All cases are Fineract's *progressive* schedule (ProgressiveEMICalculator), amortization
EQUAL_INSTALLMENTS, interest DECLINING_BALANCE unless a case says FLAT.

Mapping of Fineract settings to our input keys (applied to every case):

  DaysInYear 360    + DaysInMonth DAYS_30 -> day_count "30/360"
  DaysInYear ACTUAL + DaysInMonth ACTUAL  -> day_count "actual/actual"
  DaysInYear 365    + DaysInMonth ACTUAL  -> day_count "actual/365"
  DaysInYear 360    + DaysInMonth ACTUAL  -> day_count "actual/360"
  DaysInYear 364    + DaysInMonth ACTUAL  -> day_count "actual/364"
  InterestCalculationPeriodMethod DAILY                    -> interest_period "daily"
  InterestCalculationPeriodMethod SAME_AS_REPAYMENT_PERIOD -> interest_period "same_as_repayment"
  (PEC's setupTestDefaults() sets DAILY for every test that does not override it; the EMI.feature
   products are all LP2_ADV_PYMNT_INTEREST_DAILY_* with "interest calculation period | DAILY".)
  Repayment MONTHS every 1 -> "monthly"; WEEKS every 1 -> "weekly"; WEEKS every 2 -> "biweekly";
  DAYS every N -> "every_N_days"; SEMI_MONTHLY -> "semimonthly".
  installmentAmountInMultiplesOf null -> no installment_rounding key (our default: 0.01 half-up).
  Disbursement date = the first period's from-date; no first_payment_date unless the first due
  date is not one regular period after disbursement.

Fineract rounds money with the tenant's `rounding-mode` (default HALF_EVEN); the unit tests mock
HALF_EVEN.  None of the cases below contains a half-cent tie that our half-up default would round
differently, as far as we can tell from the published figures.

Excluded on purpose (mapping not unambiguous, or not a plain quote): cases with repayment every 2
months (we have no such frequency), FEB_29_PERIOD_ONLY day-count strategy, interest recognition from
disbursement date = true, grace on principal / interest (no input key), down payment, interest
pauses, rate changes, re-ageing, chargebacks and multi-disbursement states.
"""

import pytest

_MONEY_COLUMNS = ("principal", "interest", "balance", "total")


def _case(name, input_, expect):
    return pytest.param({"input": input_, "expect": expect}, id=name)


def _inp(principal, rate, periods, frequency, day_count, disbursed, *, interest_period="daily",
         interest_method="declining_balance", first_payment_date=None):
    data = {
        "principal": principal,
        "annual_rate": rate,
        "periods": periods,
        "frequency": frequency,
        "amortization": "equal_installments",
        "interest_method": interest_method,
        "interest_period": interest_period,
        "day_count": day_count,
        "disbursement_date": disbursed,
    }
    if first_payment_date is not None:
        data["first_payment_date"] = first_payment_date
    return data


DECLINING_BALANCE_CASES = [
    # PEC test_emiAdjustment_newCalculatedEmiNotBetterThanOriginal (same schedule in
    # EMI.feature @TestRailId:C3167 "365/Actual setup - decimal - iterate but outcome is false
    # positive, go with original EMI").  DAYS_365 + ACTUAL, MONTHS/1, DAILY -> actual/365.
    # The EMI evening-out tried 17.44 and rejected it: last installment stays 17.47.
    _case(
        "pec-365-actual-15.678pct-evening-out-rejected",
        _inp("100.00", "15.678", 6, "monthly", "actual/365", "2024-01-01"),
        {
            "installment": "17.43",
            "total": ["17.43", "17.43", "17.43", "17.43", "17.43", "17.47"],
            "interest": ["1.33", "1.05", "0.90", "0.66", "0.46", "0.22"],
            "principal": ["16.10", "16.38", "16.53", "16.77", "16.97", "17.25"],
            "balance": ["83.90", "67.52", "50.99", "34.22", "17.25", "0.00"],
            "total_interest": "4.62",
        },
    ),
    # PEC test_disbursedAmt100_dayInYearsActual_daysInMonthActual_repayEvery1Month.
    # ACTUAL + ACTUAL, MONTHS/1, DAILY -> actual/actual.  Period 1 (2023-12-12..2024-01-12)
    # spans the year end: rate factor 0.008044857759 = 9.4822% x (19/365 + 12/366).
    _case(
        "pec-actual-actual-year-boundary-100",
        _inp("100.00", "9.4822", 6, "monthly", "actual/actual", "2023-12-12"),
        {
            "installment": "17.13",
            "total": ["17.13", "17.13", "17.13", "17.13", "17.13", "17.13"],
            "interest": ["0.80", "0.67", "0.50", "0.41", "0.26", "0.14"],
            "principal": ["16.33", "16.46", "16.63", "16.72", "16.87", "16.99"],
            "balance": ["83.67", "67.21", "50.58", "33.86", "16.99", "0.00"],
            "due_date": ["2024-01-12", "2024-02-12", "2024-03-12", "2024-04-12", "2024-05-12",
                         "2024-06-12"],
        },
    ),
    # PEC test_disbursedAmt100_dayInYears364_daysInMonthActual_repayEvery1Week.
    # DAYS_364 + ACTUAL, WEEKS/1, DAILY -> actual/364, weekly.
    _case(
        "pec-364-weekly",
        _inp("100.00", "9.4822", 6, "weekly", "actual/364", "2024-01-01"),
        {
            "installment": "16.77",
            "total": ["16.77", "16.77", "16.77", "16.77", "16.77", "16.78"],
            "interest": ["0.18", "0.15", "0.12", "0.09", "0.06", "0.03"],
            "principal": ["16.59", "16.62", "16.65", "16.68", "16.71", "16.75"],
            "balance": ["83.41", "66.79", "50.14", "33.46", "16.75", "0.00"],
            "due_date": ["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29", "2024-02-05",
                         "2024-02-12"],
        },
    ),
    # PEC test_disbursedAmt100_dayInYears364_daysInMonthActual_repayEvery2Week.
    # DAYS_364 + ACTUAL, WEEKS/2, DAILY -> actual/364, biweekly.
    _case(
        "pec-364-biweekly",
        _inp("100.00", "9.4822", 3, "biweekly", "actual/364", "2024-01-01"),
        {
            "installment": "33.57",
            "total": ["33.57", "33.57", "33.58"],
            "interest": ["0.36", "0.24", "0.12"],
            "principal": ["33.21", "33.33", "33.46"],
            "balance": ["66.79", "33.46", "0.00"],
            "due_date": ["2024-01-15", "2024-01-29", "2024-02-12"],
        },
    ),
    # PEC test_disbursedAmt100_dayInYears360_daysInMonthDoesntMatter_repayEvery15Days.
    # DAYS_360 + ACTUAL, DAYS/15, DAILY -> actual/360, every_15_days.
    _case(
        "pec-360-actual-every-15-days",
        _inp("100.00", "9.4822", 6, "every_15_days", "actual/360", "2024-01-01"),
        {
            "installment": "16.90",
            "total": ["16.90", "16.90", "16.90", "16.90", "16.90", "16.89"],
            "interest": ["0.40", "0.33", "0.26", "0.20", "0.13", "0.07"],
            "principal": ["16.50", "16.57", "16.64", "16.70", "16.77", "16.82"],
            "balance": ["83.50", "66.93", "50.29", "33.59", "16.82", "0.00"],
            "due_date": ["2024-01-16", "2024-01-31", "2024-02-15", "2024-03-01", "2024-03-16",
                         "2024-03-31"],
        },
    ),
    # PEC test_dailyInterest_disbursedAmt1000_dayInYears360_daysInMonth30_repayIn1Month.
    # DAYS_360 + DAYS_30, MONTHS/1, DAILY -> 30/360; a single installment.
    _case(
        "pec-30-360-single-period",
        _inp("1000.00", "7", 1, "monthly", "30/360", "2024-01-01"),
        {
            "installment": "1005.83",
            "total": ["1005.83"],
            "interest": ["5.83"],
            "principal": ["1000.00"],
            "balance": ["0.00"],
        },
    ),
    # PEC test_chargeback_less_principal_Amt100_dayInYears360_daysInMonth30_repayEvery1Month
    # (the schedule asserted right after disbursement, before any transaction; the same
    # schedule is asserted in test_S1_full_chargeback_on_due_date_before_maturity_date and
    # test_leap_year_only_actual_no_effect_on_360_loan).  DAYS_360 + DAYS_30, MONTHS/1, DAILY.
    _case(
        "pec-30-360-7pct-6-months",
        _inp("100.00", "7", 6, "monthly", "30/360", "2024-01-01"),
        {
            "installment": "17.01",
            "total": ["17.01", "17.01", "17.01", "17.01", "17.01", "17.00"],
            "interest": ["0.58", "0.49", "0.39", "0.29", "0.20", "0.10"],
            "principal": ["16.43", "16.52", "16.62", "16.72", "16.81", "16.90"],
            "balance": ["83.57", "67.05", "50.43", "33.71", "16.90", "0.00"],
        },
    ),
    # PEC test_actual_actual_repayment_schedule_across_multiple_years (schedule before the
    # payments) = test_actual_actual_fraction_period_calculation_with_interestRecognitionFromDisbursementDate_false.
    # ACTUAL + ACTUAL, MONTHS/1, DAILY, interestRecognitionOnDisbursementDate=false (default).
    _case(
        "pec-actual-actual-5000-across-years",
        _inp("5000.00", "9.99", 6, "monthly", "actual/actual", "2023-11-13"),
        {
            "installment": "857.71",
            "total": ["857.71", "857.71", "857.71", "857.71", "857.71", "857.73"],
            "interest": ["41.05", "35.45", "28.44", "20.04", "14.33", "6.97"],
            "principal": ["816.66", "822.26", "829.27", "837.67", "843.38", "850.76"],
            "balance": ["4183.34", "3361.08", "2531.81", "1694.14", "850.76", "0.00"],
            "due_date": ["2023-12-13", "2024-01-13", "2024-02-13", "2024-03-13", "2024-04-13",
                         "2024-05-13"],
        },
    ),
    # PEC test_360_30_repayment_schedule_disbursement_month_end.  DAYS_360 + DAYS_30,
    # MONTHS/1, DAILY -> 30/360.  Due dates keep the seed day 31 where the month has one.
    _case(
        "pec-30-360-month-end-seed-31",
        _inp("2450.00", "9.99", 6, "monthly", "30/360", "2023-10-31"),
        {
            "installment": "420.31",
            "total": ["420.31", "420.31", "420.31", "420.31", "420.31", "420.34"],
            "interest": ["20.40", "17.07", "13.71", "10.33", "6.91", "3.47"],
            "principal": ["399.91", "403.24", "406.60", "409.98", "413.40", "416.87"],
            "balance": ["2050.09", "1646.85", "1240.25", "830.27", "416.87", "0.00"],
            "due_date": ["2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31",
                         "2024-04-30"],
        },
    ),
    # PEC test_360_30_repayment_schedule_disbursement_near_month_end.  30/360, seed day 30.
    _case(
        "pec-30-360-seed-30-45pct",
        _inp("10000.00", "45", 6, "monthly", "30/360", "2023-10-30"),
        {
            "installment": "1892.12",
            "total": ["1892.12", "1892.12", "1892.12", "1892.12", "1892.12", "1892.13"],
            "interest": ["375.00", "318.11", "259.08", "197.84", "134.31", "68.39"],
            "principal": ["1517.12", "1574.01", "1633.04", "1694.28", "1757.81", "1823.74"],
            "balance": ["8482.88", "6908.87", "5275.83", "3581.55", "1823.74", "0.00"],
            "due_date": ["2023-11-30", "2023-12-30", "2024-01-30", "2024-02-29", "2024-03-30",
                         "2024-04-30"],
        },
    ),
    # PEC test_actual_actual_repayment_schedule_disbursement_month_end.  ACTUAL + ACTUAL,
    # MONTHS/1, DAILY -> actual/actual; period 3 (2023-12-31..2024-01-31) spans the year end.
    _case(
        "pec-actual-actual-month-end-245000",
        _inp("245000.00", "45", 6, "monthly", "actual/actual", "2023-10-31"),
        {
            "installment": "46343.27",
            "total": ["46343.27", "46343.27", "46343.27", "46343.27", "46343.27", "46343.25"],
            "interest": ["9061.64", "7938.83", "6453.36", "4614.71", "3342.49", "1648.57"],
            "principal": ["37281.63", "38404.44", "39889.91", "41728.56", "43000.78", "44694.68"],
            "balance": ["207718.37", "169313.93", "129424.02", "87695.46", "44694.68", "0.00"],
            "due_date": ["2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31",
                         "2024-04-30"],
        },
    ),
    # PEC test_actual_actual_repayment_schedule_disbursement_near_month_end.  actual/actual,
    # seed day 30, non-leap 2022 (February due date 2022-02-28).
    _case(
        "pec-actual-actual-seed-30-1500",
        _inp("1500.00", "9.4822", 6, "monthly", "actual/actual", "2021-10-30"),
        {
            "installment": "256.95",
            "total": ["256.95", "256.95", "256.95", "256.95", "256.95", "256.96"],
            "interest": ["12.08", "9.78", "8.12", "5.72", "3.96", "2.05"],
            "principal": ["244.87", "247.17", "248.83", "251.23", "252.99", "254.91"],
            "balance": ["1255.13", "1007.96", "759.13", "507.90", "254.91", "0.00"],
            "due_date": ["2021-11-30", "2021-12-30", "2022-01-30", "2022-02-28", "2022-03-30",
                         "2022-04-30"],
        },
    ),
    # PEC DecliningBalanceSameAsRepaymentPeriod.test_3_of_1_month_period_multi_disbursement__exact_days
    # (first checkPeriod block, after the first 500 disbursement only).  ACTUAL + ACTUAL,
    # MONTHS/1, SAME_AS_REPAYMENT_PERIOD -> actual/actual, same_as_repayment: every month is
    # rate/12 whatever its length (5.00 = 500 x 1%).
    _case(
        "pec-same-as-repayment-actual-actual-500",
        _inp("500.00", "12", 3, "monthly", "actual/actual", "2024-06-01",
             interest_period="same_as_repayment"),
        {
            "installment": "170.01",
            "total": ["170.01", "170.01", "170.01"],
            "interest": ["5.00", "3.35", "1.68"],
            "principal": ["165.01", "166.66", "168.33"],
            "balance": ["334.99", "168.33", "0.00"],
        },
    ),
    # PEC RescheduleInstallmentExtendRepaymentPeriod.testExtraTermsDecliningBalance (first
    # checkPeriod block, before extra terms).  DAYS_360 + DAYS_30, MONTHS/1, DAILY -> 30/360.
    _case(
        "pec-30-360-1000-3-months",
        _inp("1000.00", "12", 3, "monthly", "30/360", "2024-06-01"),
        {
            "installment": "340.02",
            "total": ["340.02", "340.02", "340.03"],
            "interest": ["10.00", "6.70", "3.37"],
            "principal": ["330.02", "333.32", "336.66"],
            "balance": ["669.98", "336.66", "0.00"],
        },
    ),
    # PEC RescheduleInstallmentExtendRepaymentPeriod.testExtraTermsDecliningBalanceWithFullyRepaidPeriods
    # (first checkPeriod block, before any payment).  30/360, MONTHS/1, DAILY, 4 repayments.
    _case(
        "pec-30-360-1000-4-months",
        _inp("1000.00", "12", 4, "monthly", "30/360", "2024-06-01"),
        {
            "installment": "256.28",
            "total": ["256.28", "256.28", "256.28", "256.29"],
            "interest": ["10.00", "7.54", "5.05", "2.54"],
            "principal": ["246.28", "248.74", "251.23", "253.75"],
            "balance": ["753.72", "504.98", "253.75", "0.00"],
        },
    ),
    # PEC test_disbursementAfterLastPeriodFullyPaid_zeroInterest_keepsPeriodsAbovePaidAmounts
    # (the first three EMI assertions, before the refund).  Rate 0, DAYS_360 + DAYS_30,
    # DAYS/16 -> 30/360, every_16_days.  Only the EMIs are published.
    _case(
        "pec-zero-rate-every-16-days",
        _inp("70.15", "0", 3, "every_16_days", "30/360", "2025-11-05"),
        {
            "installment": "23.38",
            "total": ["23.38", "23.38", "23.39"],
            "due_date": ["2025-11-21", "2025-12-07", "2025-12-23"],
        },
    ),
    # LSG testGenerateSemiMonthlyLoanSchedule.  SEMI_MONTHLY with due days 15 and 31 (month end),
    # DAYS_360 + DAYS_30 -> 30/360, semimonthly; disbursed 2023-01-15 so the first due date is
    # 2023-01-31.  The test states the convention: "30-day months make every period 15 days, so
    # 24% a year is 1% per period" (rate/24 per period, also for the 13-day February period);
    # the model data does not spell out the interest calculation period, both DAILY and
    # SAME_AS_REPAYMENT give rate/24 under 30/360, so "daily" is used.
    _case(
        "lsg-semimonthly-30-360-24pct",
        _inp("1000.00", "24", 4, "semimonthly", "30/360", "2023-01-15",
             first_payment_date="2023-01-31"),
        {
            "installment": "256.28",
            "total": ["256.28", "256.28", "256.28", "256.29"],
            "interest": ["10.00", "7.54", "5.05", "2.54"],
            "principal": ["246.28", "248.74", "251.23", "253.75"],
            "balance": ["753.72", "504.98", "253.75", "0.00"],
            "due_date": ["2023-01-31", "2023-02-15", "2023-02-28", "2023-03-15"],
        },
    ),
    # EMI @TestRailId:C3152 "EMI calculation with Actual/Actual setup - integer".
    # LP2_ADV_PYMNT_INTEREST_DAILY_EMI_ACTUAL_ACTUAL, DAILY, MONTHS/1 -> actual/actual.
    # Period 1 spans the year end: 101.81 = 10000 x 12% x (19/365 + 12/366).
    _case(
        "e2e-C3152-actual-actual-10000-12pct",
        _inp("10000.00", "12", 6, "monthly", "actual/actual", "2023-12-12"),
        {
            "installment": "1725.56",
            "total": ["1725.56", "1725.56", "1725.56", "1725.56", "1725.56", "1725.59"],
            "interest": ["101.81", "85.14", "64.05", "51.58", "33.45", "17.36"],
            "principal": ["1623.75", "1640.42", "1661.51", "1673.98", "1692.11", "1708.23"],
            "balance": ["8376.25", "6735.83", "5074.32", "3400.34", "1708.23", "0.00"],
            "due_date": ["2024-01-12", "2024-02-12", "2024-03-12", "2024-04-12", "2024-05-12",
                         "2024-06-12"],
            "total_interest": "353.39",
            "total_of_payments": "10353.39",
        },
    ),
    # EMI @TestRailId:C3153 "EMI calculation with Actual/Actual setup - decimal".
    _case(
        "e2e-C3153-actual-actual-10000-9.4822pct",
        _inp("10000.00", "9.4822", 6, "monthly", "actual/actual", "2023-12-12"),
        {
            "installment": "1713.12",
            "total": ["1713.12", "1713.12", "1713.12", "1713.12", "1713.12", "1713.15"],
            "interest": ["80.45", "67.20", "50.50", "40.63", "26.32", "13.65"],
            "principal": ["1632.67", "1645.92", "1662.62", "1672.49", "1686.80", "1699.50"],
            "balance": ["8367.33", "6721.41", "5058.79", "3386.30", "1699.50", "0.00"],
            "total_interest": "278.75",
            "total_of_payments": "10278.75",
        },
    ),
    # EMI @TestRailId:C3164 "EMI calculation with Actual/Actual setup - decimal - iterate".
    _case(
        "e2e-C3164-actual-actual-331.77",
        _inp("331.77", "10.65", 5, "monthly", "actual/actual", "2023-12-12"),
        {
            "installment": "68.14",
            "total": ["68.14", "68.14", "68.14", "68.14", "68.12"],
            "interest": ["3.00", "2.41", "1.70", "1.21", "0.59"],
            "principal": ["65.14", "65.73", "66.44", "66.93", "67.53"],
            "balance": ["266.63", "200.90", "134.46", "67.53", "0.00"],
            "total_interest": "8.91",
            "total_of_payments": "340.68",
        },
    ),
    # EMI @TestRailId:C3154 "EMI calculation with 360/30 setup - integer".
    # LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30, DAILY, MONTHS/1 -> 30/360.
    _case(
        "e2e-C3154-30-360-100-12pct",
        _inp("100.00", "12", 6, "monthly", "30/360", "2024-01-01"),
        {
            "installment": "17.25",
            "total": ["17.25", "17.25", "17.25", "17.25", "17.25", "17.28"],
            "interest": ["1.00", "0.84", "0.67", "0.51", "0.34", "0.17"],
            "principal": ["16.25", "16.41", "16.58", "16.74", "16.91", "17.11"],
            "balance": ["83.75", "67.34", "50.76", "34.02", "17.11", "0.00"],
            "total_interest": "3.53",
            "total_of_payments": "103.53",
        },
    ),
    # EMI @TestRailId:C3165 "EMI calculation with 360/30 setup - decimal - iterate".
    _case(
        "e2e-C3165-30-360-75-12.3pct",
        _inp("75.00", "12.3", 5, "monthly", "30/360", "2024-01-01"),
        {
            "installment": "15.47",
            "total": ["15.47", "15.47", "15.47", "15.47", "15.45"],
            "interest": ["0.77", "0.62", "0.47", "0.31", "0.16"],
            "principal": ["14.70", "14.85", "15.00", "15.16", "15.29"],
            "balance": ["60.30", "45.45", "30.45", "15.29", "0.00"],
            "total_interest": "2.33",
            "total_of_payments": "77.33",
        },
    ),
    # EMI @TestRailId:C3158 "EMI calculation with 360/30 setup - decimal - repayment every 2 weeks".
    # LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30, DAILY, WEEKS/2 -> 30/360, biweekly.  Fineract's
    # 30/360 biweekly period rate is rate x 14/360 (not rate/26).
    _case(
        "e2e-C3158-30-360-biweekly",
        _inp("100.00", "9.4822", 6, "biweekly", "30/360", "2024-01-01"),
        {
            "installment": "16.88",
            "total": ["16.88", "16.88", "16.88", "16.88", "16.88", "16.90"],
            "interest": ["0.37", "0.31", "0.25", "0.19", "0.12", "0.06"],
            "principal": ["16.51", "16.57", "16.63", "16.69", "16.76", "16.84"],
            "balance": ["83.49", "66.92", "50.29", "33.60", "16.84", "0.00"],
            "due_date": ["2024-01-15", "2024-01-29", "2024-02-12", "2024-02-26", "2024-03-11",
                         "2024-03-25"],
            "total_interest": "1.30",
            "total_of_payments": "101.30",
        },
    ),
    # EMI @TestRailId:C3159 "EMI calculation with 365/Actual setup - integer".
    # LP2_ADV_PYMNT_INTEREST_DAILY_EMI_365_ACTUAL, DAILY, MONTHS/1 -> actual/365.
    _case(
        "e2e-C3159-actual-365-100-12pct",
        _inp("100.00", "12", 6, "monthly", "actual/365", "2024-01-01"),
        {
            "installment": "17.25",
            "total": ["17.25", "17.25", "17.25", "17.25", "17.25", "17.28"],
            "interest": ["1.02", "0.80", "0.69", "0.50", "0.35", "0.17"],
            "principal": ["16.23", "16.45", "16.56", "16.75", "16.90", "17.11"],
            "balance": ["83.77", "67.32", "50.76", "34.01", "17.11", "0.00"],
            "total_interest": "3.53",
            "total_of_payments": "103.53",
        },
    ),
    # EMI @TestRailId:C3160 "EMI calculation with 365/Actual setup - decimal".
    _case(
        "e2e-C3160-actual-365-100-9.4822pct",
        _inp("100.00", "9.4822", 6, "monthly", "actual/365", "2024-01-01"),
        {
            "installment": "17.13",
            "total": ["17.13", "17.13", "17.13", "17.13", "17.13", "17.12"],
            "interest": ["0.81", "0.63", "0.54", "0.39", "0.27", "0.13"],
            "principal": ["16.32", "16.50", "16.59", "16.74", "16.86", "16.99"],
            "balance": ["83.68", "67.18", "50.59", "33.85", "16.99", "0.00"],
            "total_interest": "2.77",
            "total_of_payments": "102.77",
        },
    ),
    # EMI @TestRailId:C3166 "EMI calculation with 365/Actual setup - decimal - iterate -
    # repayment every 15 days".  DAILY, DAYS/15 -> actual/365, every_15_days.
    _case(
        "e2e-C3166-actual-365-every-15-days",
        _inp("100.00", "9.4822", 6, "every_15_days", "actual/365", "2024-01-01"),
        {
            "installment": "16.90",
            "total": ["16.90", "16.90", "16.90", "16.90", "16.90", "16.88"],
            "interest": ["0.39", "0.33", "0.26", "0.20", "0.13", "0.07"],
            "principal": ["16.51", "16.57", "16.64", "16.70", "16.77", "16.81"],
            "balance": ["83.49", "66.92", "50.28", "33.58", "16.81", "0.00"],
            "due_date": ["2024-01-16", "2024-01-31", "2024-02-15", "2024-03-01", "2024-03-16",
                         "2024-03-31"],
            "total_interest": "1.38",
            "total_of_payments": "101.38",
        },
    ),
]


# FLAT interest, SAME_AS_REPAYMENT_PERIOD.  In these cases Fineract's progressive flat engine and
# its cumulative flat engine agree (interest per period = principal x rate/12 monthly, x rate/52
# weekly; EMI = (principal + total interest) / n rounded to cents, the last installment takes the
# remainder).
FLAT_SAME_AS_REPAYMENT_CASES = [
    # PEC InterestTypeFlatAndCalculationPeriodSameAsRepaymentPeriod.test_sameAsRepayment_month_repay_every_1_periods_3
    # (first checkPeriod block, before the second disbursement).  FLAT, SAME_AS_REPAYMENT_PERIOD,
    # ACTUAL + ACTUAL, MONTHS/1 -> flat, same_as_repayment, actual/actual.
    _case(
        "pec-flat-same-as-repayment-3-months",
        _inp("1000.00", "12", 3, "monthly", "actual/actual", "2024-01-01",
             interest_period="same_as_repayment", interest_method="flat"),
        {
            "installment": "343.33",
            "total": ["343.33", "343.33", "343.34"],
            "interest": ["10.00", "10.00", "10.00"],
            "principal": ["333.33", "333.33", "333.34"],
            "balance": ["666.67", "333.34", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodSameAsRepaymentPeriod.test_sameAsRepayment_month_repay_every_1_periods_20.
    _case(
        "pec-flat-same-as-repayment-20-months",
        _inp("1000.00", "12", 20, "monthly", "actual/actual", "2024-01-01",
             interest_period="same_as_repayment", interest_method="flat"),
        {
            "installment": "60.00",
            "total": ["60.00"] * 20,
            "interest": ["10.00"] * 20,
            "principal": ["50.00"] * 20,
            "balance": ["950.00", "900.00", "850.00", "800.00", "750.00", "700.00", "650.00",
                        "600.00", "550.00", "500.00", "450.00", "400.00", "350.00", "300.00",
                        "250.00", "200.00", "150.00", "100.00", "50.00", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodSameAsRepaymentPeriod.test_sameAsRepayment_week_repay_every_1_periods_10.
    # FLAT, SAME_AS_REPAYMENT_PERIOD, DAYS_364 + ACTUAL, WEEKS/1 -> flat, same_as_repayment,
    # actual/364, weekly (1.00 = 1000 x 5.2%/52).
    _case(
        "pec-flat-same-as-repayment-weekly",
        _inp("1000.00", "5.2", 10, "weekly", "actual/364", "2024-01-01",
             interest_period="same_as_repayment", interest_method="flat"),
        {
            "installment": "101.00",
            "total": ["101.00"] * 10,
            "interest": ["1.00"] * 10,
            "principal": ["100.00"] * 10,
            "balance": ["900.00", "800.00", "700.00", "600.00", "500.00", "400.00", "300.00",
                        "200.00", "100.00", "0.00"],
        },
    ),
    # PEC RescheduleInstallmentExtendRepaymentPeriod.testExtraTermsFlatWithFullyRepaidPeriods
    # (first checkPeriod block, before any payment).  FLAT, SAME_AS_REPAYMENT_PERIOD,
    # DAYS_360 + DAYS_30, MONTHS/1, 4 repayments -> flat, same_as_repayment, 30/360.
    _case(
        "pec-flat-same-as-repayment-30-360-4-months",
        _inp("1000.00", "12", 4, "monthly", "30/360", "2024-06-01",
             interest_period="same_as_repayment", interest_method="flat"),
        {
            "installment": "260.00",
            "total": ["260.00", "260.00", "260.00", "260.00"],
            "interest": ["10.00", "10.00", "10.00", "10.00"],
            "principal": ["250.00", "250.00", "250.00", "250.00"],
            "balance": ["750.00", "500.00", "250.00", "0.00"],
        },
    ),
]


# FLAT interest under Fineract's *progressive* convention where it differs from the classic
# (cumulative) flat convention: each period's interest is principal x that period's own rate
# factor (actual days / days in year, or 30/360), the EMI is (principal + sum of interest) / n
# rounded to cents and the principal part varies.  Fineract's cumulative flat engine would instead
# charge principal x rate/365 x term days split evenly, so these pin the progressive reading of
# "flat" + "daily".  Kept in their own test so a deliberate choice of the other convention shows
# up as one failing test, not as noise among the declining-balance cases.
FLAT_PROGRESSIVE_PER_PERIOD_CASES = [
    # PEC InterestTypeFlatAndCalculationPeriodDaily.testFlatDaily_1_Month_Actual_Actual (first
    # checkPeriod block).  FLAT, DAILY, ACTUAL + ACTUAL, MONTHS/1 -> flat, daily, actual/actual:
    # 7.11 = 700 x 12% x 31/366, 6.66 = x 29/366, 6.89 = x 30/366.
    _case(
        "pec-flat-daily-actual-actual-monthly",
        _inp("700.00", "12", 4, "monthly", "actual/actual", "2024-01-01", interest_method="flat"),
        {
            "installment": "181.94",
            "total": ["181.94", "181.94", "181.94", "181.95"],
            "interest": ["7.11", "6.66", "7.11", "6.89"],
            "principal": ["174.83", "175.28", "174.83", "175.06"],
            "balance": ["525.17", "349.89", "175.06", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodDaily.testFlatDaily_1_Month_360_30 (first block).
    # FLAT, DAILY, DAYS_360 + DAYS_30, MONTHS/1 -> flat, daily, 30/360.
    _case(
        "pec-flat-daily-30-360-monthly",
        _inp("750.00", "12", 4, "monthly", "30/360", "2024-01-01", interest_method="flat"),
        {
            "installment": "195.00",
            "total": ["195.00", "195.00", "195.00", "195.00"],
            "interest": ["7.50", "7.50", "7.50", "7.50"],
            "principal": ["187.50", "187.50", "187.50", "187.50"],
            "balance": ["562.50", "375.00", "187.50", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodDaily.testFlatDaily_1_week_Actual_Actual (first
    # block).  FLAT, DAILY, ACTUAL + ACTUAL, WEEKS/1 -> flat, daily, actual/actual, weekly
    # (1.38 = 600 x 12% x 7/366).
    _case(
        "pec-flat-daily-actual-actual-weekly",
        _inp("600.00", "12", 4, "weekly", "actual/actual", "2024-01-01", interest_method="flat"),
        {
            "installment": "151.38",
            "total": ["151.38", "151.38", "151.38", "151.38"],
            "interest": ["1.38", "1.38", "1.38", "1.38"],
            "principal": ["150.00", "150.00", "150.00", "150.00"],
            "balance": ["450.00", "300.00", "150.00", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodDaily.testFlatDaily_30_Days_Actual_Actual (first
    # block).  FLAT, DAILY, ACTUAL + ACTUAL, DAYS/30 -> flat, daily, actual/actual, every_30_days
    # (3.93 = 400 x 12% x 30/366).
    _case(
        "pec-flat-daily-actual-actual-every-30-days",
        _inp("400.00", "12", 4, "every_30_days", "actual/actual", "2024-01-01",
             interest_method="flat"),
        {
            "installment": "103.93",
            "total": ["103.93", "103.93", "103.93", "103.93"],
            "interest": ["3.93", "3.93", "3.93", "3.93"],
            "principal": ["100.00", "100.00", "100.00", "100.00"],
            "balance": ["300.00", "200.00", "100.00", "0.00"],
        },
    ),
    # PEC InterestTypeFlatAndCalculationPeriodSameAsRepaymentPeriod.test_sameAsRepayment_days_repay_every_6_periods_5.
    # FLAT, SAME_AS_REPAYMENT_PERIOD, ACTUAL + ACTUAL, DAYS/6 -> flat, same_as_repayment,
    # actual/actual, every_6_days (2.00 = 1000 x 12.2% x 6/366; the cumulative engine would use
    # 365 here).
    _case(
        "pec-flat-same-as-repayment-every-6-days",
        _inp("1000.00", "12.2", 5, "every_6_days", "actual/actual", "2024-01-01",
             interest_period="same_as_repayment", interest_method="flat"),
        {
            "installment": "202.00",
            "total": ["202.00"] * 5,
            "interest": ["2.00"] * 5,
            "principal": ["200.00"] * 5,
            "balance": ["800.00", "600.00", "400.00", "200.00", "0.00"],
        },
    ),
]


def _check(case):
    from domain.calculation.quote import quote

    result = quote(dict(case["input"]))
    expect = case["expect"]
    schedule = result["schedule"]

    assert result["installment"] == expect["installment"]
    n_rows = len(expect["total"])
    assert len(schedule) == n_rows
    for column in _MONEY_COLUMNS:
        if column in expect:
            assert [row[column] for row in schedule] == expect[column], column
    if "due_date" in expect:
        assert [row["due_date"] for row in schedule] == expect["due_date"]
    if "total_interest" in expect:
        assert result["total_interest"] == expect["total_interest"]
    if "total_of_payments" in expect:
        assert result["total_of_payments"] == expect["total_of_payments"]


@pytest.mark.parametrize("case", DECLINING_BALANCE_CASES)
def test_published_declining_balance_case(case):
    _check(case)


@pytest.mark.parametrize("case", FLAT_SAME_AS_REPAYMENT_CASES)
def test_published_flat_same_as_repayment_case(case):
    _check(case)


@pytest.mark.parametrize("case", FLAT_PROGRESSIVE_PER_PERIOD_CASES)
def test_published_flat_progressive_per_period_case(case):
    _check(case)


# PEC test_principalGraceForProgressiveSchedule and test_interestGraceForProgressiveSchedule:
# 100.00 at 7%, 6 monthly periods, 30/360 (the PEC defaults), grace of 2 installments.
GRACE_CASES = [
    _case("pec-principal-grace-2",
          {**_inp("100.00", "7", 6, "monthly", "30/360", "2024-01-01"), "grace_on_principal": 2},
          {"installment": "25.37", "total": ["0.58", "0.58", "25.37", "25.37", "25.37", "25.35"]}),
    _case("pec-interest-grace-2",
          {**_inp("100.00", "7", 6, "monthly", "30/360", "2024-01-01"), "grace_on_interest": 2},
          {"installment": "17.01", "total": ["17.01"] * 5 + ["16.98"],
           "interest": ["0.00", "0.00", "1.44", "0.29", "0.20", "0.10"]}),
]


@pytest.mark.parametrize("case", GRACE_CASES)
def test_published_grace_case(case):
    _check(case)
