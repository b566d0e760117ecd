"""Withholding tax for 劳务报酬 (SPEC §3.6), fees, and validating rule sets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput, DepthLimitExceeded
from domain.money.rulesets import build_rule_set, from_json, parse_rate, to_json
from domain.money.tax import fee_fen, monthly_tax_fen, reprice, tax_month, withholding_fen


@pytest.mark.parametrize(
    ("gross", "tax"),
    [
        (300_000, 44_000),  # SPEC: 3,000.00 → 440.00
        (3_000_000, 520_000),  # SPEC: 30,000.00 → 5,200.00
        (80_000, 0),  # 800.00: nothing
        (80_001, 0),  # 0.01 taxable → 0.002: floored
        (400_000, 64_000),  # 4,000.00: (4,000 − 800) × 20 %
        (400_100, 64_016),  # 4,001.00: 4,001 × 80 % × 20 % = 640.16
        (2_500_000, 400_000),  # taxable 20,000.00 exactly: × 20 %
        (10_000_000, 2_500_000),  # 100,000: taxable 80,000 × 40 % − 7,000 = 25,000
    ],
)
def test_monthly_tax_follows_the_brackets(gross: int, tax: int) -> None:
    assert tax == monthly_tax_fen(gross)


def test_withholding_is_the_months_tax_so_far_minus_what_was_withheld() -> None:
    first = withholding_fen(gross_before_fen=0, withheld_before_fen=0, amount_fen=200_000)
    second = withholding_fen(
        gross_before_fen=200_000, withheld_before_fen=first, amount_fen=200_000
    )
    assert (24_000, 40_000) == (first, second)
    assert monthly_tax_fen(400_000) == first + second


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=10))
def test_withholdings_in_a_month_add_up_to_the_months_tax(amounts: list[int]) -> None:
    gross = withheld = 0
    for amount in amounts:
        withheld += withholding_fen(
            gross_before_fen=gross, withheld_before_fen=withheld, amount_fen=amount
        )
        gross += amount
    assert monthly_tax_fen(gross) == withheld


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=10))
def test_repricing_unpaid_withdrawals_withholds_exactly_the_months_tax(
    amounts: list[int],
) -> None:
    taxes = reprice([(amount, 999_999, False) for amount in amounts])
    assert monthly_tax_fen(sum(amounts)) == sum(taxes)


def test_repricing_keeps_paid_withholdings() -> None:
    """2,000 paid (240 withheld), then 2,000 unpaid: it withholds 400, not 240."""
    assert [24_000, 40_000] == reprice([(200_000, 24_000, True), (200_000, 0, False)])


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_monthly_tax_never_decreases_and_stays_below_the_gross(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert 0 <= monthly_tax_fen(low) <= monthly_tax_fen(high) <= high


def test_fee_is_floored_to_the_fen() -> None:
    assert 1 == fee_fen(199, Decimal("0.006"))
    assert 0 == fee_fen(10_000, Decimal(0))


def test_tax_month_is_china_time() -> None:
    assert "2026-12" == tax_month(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))


def test_parse_rate_accepts_percent_with_two_decimals() -> None:
    assert (1_500, 250, 25, 10_000) == tuple(
        parse_rate(r, field="r") for r in ["15", "2.5", "0.25", "100"]
    )


@pytest.mark.parametrize("bad", ["-1", "100.01", "1.234", "abc", "", "1e2", "015"])
def test_parse_rate_refuses_bad_rates(bad: str) -> None:
    with pytest.raises(BadUserInput):
        parse_rate(bad, field="r")


def _build(levels: list[str], **kwargs: object) -> object:
    return build_rule_set(
        version=1,
        level_rates=levels,
        brand_rates=kwargs.get("brands", {}),  # type: ignore[arg-type]
        product_rates=kwargs.get("products", {}),  # type: ignore[arg-type]
        tiers=kwargs.get("tiers", []),  # type: ignore[arg-type]
    )


def test_rule_set_above_100_percent_is_refused() -> None:
    with pytest.raises(BadUserInput, match="100 %"):
        _build(["60", "30", "10.01"])
    with pytest.raises(BadUserInput, match="brand 'x'"):
        _build(["10"], brands={"x": ["90", "20"]})
    with pytest.raises(BadUserInput, match="tier"):
        _build(["90", "5"], tiers=[(100_000, "6")])


def test_rule_set_naming_a_fourth_level_is_refused() -> None:
    with pytest.raises(DepthLimitExceeded, match="three-level cap"):
        _build(["10", "5", "2", "1"])


def test_rule_set_round_trips_through_json() -> None:
    rules = build_rule_set(
        version=4,
        level_rates=["12", "4.5"],
        brand_rates={"b": ["20"]},
        product_rates={"p": ["1", "1", "1"]},
        tiers=[(500_000, "3"), (100_000, "1")],
    )
    assert rules == from_json(4, to_json(rules))
    assert [100_000, 500_000] == [t.monthly_sales_fen for t in rules.tiers]
