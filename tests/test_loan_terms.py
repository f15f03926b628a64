"""Loan terms (shared/loan_terms.py) and the recourse grid and choice (api/recourse.py), without a
bundle: the arithmetic an advisor relies on when an amount or a term changes."""

from __future__ import annotations

import pytest

from api.recourse import Candidate, candidates, choose
from api.what_if import ClientLoan, apply_changes
from shared.loan_terms import LoanTerms, implied_rate, inferred_term, instalment


def test_instalment_is_the_standard_annuity() -> None:
    # 10,000 over 12 months at 1 % a month: 888.49 (textbook value)
    assert instalment(10_000, 12, 0.01) == pytest.approx(888.4879, abs=1e-4)
    assert instalment(12_000, 12, 0.0) == 1_000


def test_terms_are_the_shortest_standard_term_and_give_back_the_instalment() -> None:
    # 474,542 repaid 17,131 a month: 27.7 months interest-free, so 30 months with interest
    terms = LoanTerms.of_application(474_542.0, 17_131.0)
    assert terms is not None
    assert terms.term_months == 30 and inferred_term(474_542.0, 17_131.0) == 30
    assert 0 < terms.monthly_rate < 0.01
    assert terms.instalment(474_542.0, 30) == pytest.approx(17_131.0, rel=1e-12)
    # an exact interest-free ratio on a standard term has a zero rate
    assert LoanTerms.of_application(240_000.0, 10_000.0).monthly_rate == 0.0
    # beyond 60 months: the next whole year
    assert inferred_term(100_000.0, 1_400.0) == 72
    assert LoanTerms.of_application(None, 10.0) is None
    assert LoanTerms.of_application(100.0, 0.0) is None


def test_implied_rate_inverts_the_instalment() -> None:
    for rate in (0.001, 0.0125, 0.03):
        payment = instalment(50_000, 24, rate)
        assert implied_rate(50_000, payment, 24) == pytest.approx(rate, rel=1e-10)


def test_an_instalment_turns_into_whole_months_within_the_limits() -> None:
    terms = LoanTerms.of_application(474_542.0, 17_131.0)
    assert terms is not None
    for months in (6, 18, 36, 60):
        assert terms.term_for(474_542.0, terms.instalment(474_542.0, months)) == months
    assert terms.term_for(474_542.0, terms.instalment(474_542.0, 36) * 1.003) == 36
    assert terms.term_for(474_542.0, 1.0) is None  # below the monthly interest
    assert terms.term_for(474_542.0, 1e9) == 6  # clamped to the product's shortest term


def test_what_if_changes_recompute_the_instalment_only_when_the_loan_changes() -> None:
    loan = ClientLoan.of(
        {"AMT_CREDIT": 474_542.0, "AMT_ANNUITY": 17_131.0, "AMT_GOODS_PRICE": 450_000.0}
    )
    terms = loan.terms
    assert terms is not None
    record, applied = apply_changes(loan, {"AMT_CREDIT": 200_000.0})
    assert record["AMT_ANNUITY"] == terms.instalment(200_000.0, 30)
    assert record["AMT_ANNUITY"] / 200_000 == pytest.approx(17_131.0 / 474_542.0)
    assert [a.field for a in applied] == ["AMT_CREDIT", "AMT_ANNUITY"]
    record, applied = apply_changes(loan, {"TERM_MONTHS": 48.0})
    assert record["AMT_ANNUITY"] == terms.instalment(474_542.0, 48)
    assert [a.field for a in applied] == ["TERM_MONTHS", "AMT_ANNUITY"]
    record, _ = apply_changes(loan, {"AMT_GOODS_PRICE": 300_000.0})
    assert record["AMT_ANNUITY"] == 17_131.0  # the loan itself did not change


def test_recourse_grid_stays_within_bounds_and_never_repeats_the_request() -> None:
    loan = ClientLoan.of(
        {"AMT_CREDIT": 474_542.0, "AMT_ANNUITY": 17_131.0, "AMT_GOODS_PRICE": 450_000.0}
    )
    grid = candidates(loan)
    assert 200 < len(grid) < 500
    keys = {tuple(sorted(c.changes.items())) for c in grid}
    assert len(keys) == len(grid) and () not in keys
    for candidate in grid:
        assert set(candidate.changes) <= {"AMT_CREDIT", "TERM_MONTHS", "AMT_GOODS_PRICE"}
        assert 0.3 * 474_542 <= candidate.credit <= 474_542
        assert 6 <= candidate.term <= 60
        assert candidate.goods is not None and 0.3 * 450_000 <= candidate.goods <= 450_000


def _option(size: float, **changes: float) -> Candidate:
    return Candidate(dict(changes), changes.get("AMT_CREDIT", 1000.0), 24, None, size)


def test_choice_is_smallest_first_one_per_kind_and_never_a_needless_extra_change() -> None:
    amount = _option(0.10, AMT_CREDIT=900.0)
    amount_bigger = _option(0.20, AMT_CREDIT=800.0)
    term = _option(0.25, TERM_MONTHS=30.0)
    needless = _option(0.30, AMT_CREDIT=900.0, AMT_GOODS_PRICE=700.0)
    both = _option(0.35, AMT_CREDIT=950.0, TERM_MONTHS=18.0)
    dominated = _option(0.36, AMT_CREDIT=950.0, TERM_MONTHS=30.0)  # term 30 alone grants
    offered = [(dominated, 0.01), (both, 0.05), (needless, 0.05), (term, 0.08)]
    chosen = choose([*offered, (amount_bigger, 0.07), (amount, 0.09)])
    assert [c for c, _ in chosen] == [amount, term, both]
