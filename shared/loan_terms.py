"""A loan's terms as an advisor negotiates them: amount, whole-month term, instalment, rate.

The application records the credit amount and the instalment (AMT_ANNUITY) but neither the term
nor the rate. Dividing one by the other (the old "27.7 months") treats the loan as interest-free
and gives a term no lender offers, and keeping the instalment fixed while the amount changes
made a smaller loan look riskier (the repayment ratio jumped). So the terms are inferred once,
from the application, and every change is priced with them:

- the **term** is the shortest standard product term (the terms of the Home Credit cash loans:
  6, 10, 12, 18, ... 60 months) at which the recorded instalment repays the recorded amount
  with a non-negative interest rate, i.e. the shortest standard term >= credit / instalment;
- the **monthly rate** is then the one at which that term and amount give exactly the recorded
  instalment (standard annuity formula), found by bisection.

With both, changing the amount or the term recomputes the instalment, and an instalment turns
back into a whole number of months. The API (what-if, recourse) and the dashboard (the what-if
form) compute with these same functions, on the same float64 numbers, so the instalment the form
shows is the one the API scores. Pure Python: the dashboard imports it without numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Terms (months) of the Home Credit cash loans seen in previous applications (CNT_PAYMENT).
STANDARD_TERMS: tuple[int, ...] = (6, 10, 12, 18, 24, 30, 36, 42, 48, 54, 60)
#: Product limits of the term, widened to include the client's own term when it lies outside.
MIN_TERM_MONTHS, MAX_TERM_MONTHS = 6, 60
#: The smallest credit amount a what-if or a recourse option may propose, as a share of the
#: amount requested (an option never lends more than was asked for).
MIN_AMOUNT_SHARE = 0.30
#: Bisection steps for the implied rate: 2^-80 of the bracket, far below a cent on any loan.
_RATE_STEPS = 80


def instalment(credit: float, months: float, monthly_rate: float) -> float:
    """The constant monthly payment repaying `credit` over `months` at `monthly_rate`."""
    if monthly_rate <= 0:
        return credit / months
    return credit * monthly_rate / -math.expm1(-months * math.log1p(monthly_rate))


def implied_rate(credit: float, payment: float, months: int) -> float:
    """The monthly rate at which `months` payments of `payment` repay `credit` (0 when the
    payments repay it without interest or less). The payment grows with the rate, and a rate
    never exceeds payment / credit, so bisection on [0, payment / credit] is exact enough."""
    target = payment / credit
    if target * months <= 1:
        return 0.0
    low, high = 0.0, target
    for _ in range(_RATE_STEPS):
        middle = (low + high) / 2
        if instalment(1.0, months, middle) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def inferred_term(credit: float, payment: float) -> int:
    """The shortest standard term at which `payment` repays `credit` with non-negative interest
    (beyond the longest standard term: the next whole year)."""
    zero_rate_term = credit / payment
    for months in STANDARD_TERMS:
        if months >= zero_rate_term - 1e-9:
            return months
    return math.ceil(zero_rate_term / 12 - 1e-9) * 12


@dataclass(frozen=True)
class LoanTerms:
    """The application's loan: amount, instalment, inferred term and implied monthly rate."""

    credit: float
    annuity: float
    term_months: int
    monthly_rate: float

    @classmethod
    def of_application(cls, credit: float | None, annuity: float | None) -> LoanTerms | None:
        """The terms of an application, or None when its amount or instalment is unknown."""
        if credit is None or annuity is None or not credit > 0 or not annuity > 0:
            return None
        if not (math.isfinite(credit) and math.isfinite(annuity)):
            return None
        months = inferred_term(credit, annuity)
        return cls(credit, annuity, months, implied_rate(credit, annuity, months))

    @property
    def annual_rate(self) -> float:
        """The nominal annual rate (12 x monthly), as loan offers quote it."""
        return 12 * self.monthly_rate

    @property
    def min_term(self) -> int:
        return min(MIN_TERM_MONTHS, self.term_months)

    @property
    def max_term(self) -> int:
        return max(MAX_TERM_MONTHS, self.term_months)

    @property
    def min_credit(self) -> float:
        return MIN_AMOUNT_SHARE * self.credit

    def instalment(self, credit: float, months: int) -> float:
        """The instalment of another amount or term at this product's rate."""
        return instalment(credit, months, self.monthly_rate)

    def term_for(self, credit: float, payment: float) -> int | None:
        """The whole number of months, within the product's limits, whose instalment is closest
        to `payment` for `credit`; None when `payment` does not even cover a month's interest."""
        rate = self.monthly_rate
        if rate > 0:
            share = rate * credit / payment
            if share >= 1:
                return None
            exact = -math.log1p(-share) / math.log1p(rate)
        else:
            exact = credit / payment
        return min(max(round(exact), self.min_term), self.max_term)

    def min_annuity(self) -> float:
        """The smallest instalment the bounds allow: the smallest amount over the longest term."""
        return self.instalment(self.min_credit, self.max_term)

    def max_annuity(self) -> float:
        """The largest instalment the bounds allow: the full amount over the shortest term."""
        return self.instalment(self.credit, self.min_term)
