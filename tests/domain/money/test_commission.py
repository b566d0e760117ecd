"""The commission split as a pure function (SPEC §3.5), with properties from hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.models import OrderItem, Rank, Status
from domain.money.commission import (
    BP,
    DEFAULT_RULES,
    Candidate,
    RuleSet,
    Tier,
    beneficiary_ids,
    remaining_commission,
    split,
)
from domain.money.rulesets import check_total


def _chain(*levels: tuple[str, Rank, Status], sales: int = 0) -> list[Candidate]:
    return [
        Candidate(level=i, distributor_id=who, rank=rank, status=status, monthly_sales_fen=sales)
        for i, (who, rank, status) in enumerate(levels, start=1)
    ]


ACTIVE = (Rank.DISTRIBUTOR, Status.ACTIVE)


def test_split_pays_default_rates_floored_to_the_fen() -> None:
    """99.99 at 15 %, 5 %, 2 %: 14.9985 → 14.99, 4.9995 → 4.99, 1.9998 → 1.99."""
    chain = _chain(("a", *ACTIVE), ("b", *ACTIVE), ("c", *ACTIVE))
    shares = split(items=[OrderItem(amount_fen=9_999)], chain=chain, rules=DEFAULT_RULES)
    assert [1_499, 499, 199] == [s.amount_fen for s in shares]
    assert [1_500, 500, 200] == [s.rate_bp for s in shares]


def test_split_forfeits_frozen_and_member_levels_and_still_pays_the_next() -> None:
    chain = _chain(
        ("a", Rank.DISTRIBUTOR, Status.FROZEN), ("b", Rank.MEMBER, Status.ACTIVE), ("c", *ACTIVE)
    )
    shares = split(items=[OrderItem(amount_fen=10_000)], chain=chain, rules=DEFAULT_RULES)
    assert [("FROZEN", 0), ("RANK_MEMBER", 0), (None, 200)] == [
        (s.forfeit, s.amount_fen) for s in shares
    ]


def test_product_rate_beats_brand_rate_beats_default() -> None:
    rules = RuleSet(
        version=3,
        level_bp=(1_000, 500),
        brand_bp={"brand-x": (2_000, 0)},
        product_bp={"sku-1": (3_000,)},
    )
    items = [
        OrderItem(amount_fen=10_000, product_id="sku-1", brand_id="brand-x"),  # 30 %, then 0
        OrderItem(amount_fen=10_000, product_id="sku-2", brand_id="brand-x"),  # 20 %, 0
        OrderItem(amount_fen=10_000),  # 10 %, 5 %
        OrderItem(amount_fen=10_000, commissionable=False),  # shipping: nothing
    ]
    chain = _chain(("a", *ACTIVE), ("b", *ACTIVE))
    shares = split(items=items, chain=chain, rules=rules)
    assert [6_000, 500] == [s.amount_fen for s in shares]
    assert [30_000, 30_000] == [s.base_fen for s in shares]


def test_tier_bonus_applies_to_level_one_only() -> None:
    rules = RuleSet(
        version=1,
        level_bp=(1_000, 500),
        tiers=(Tier(monthly_sales_fen=100_000, bonus_bp=200), Tier(500_000, 500)),
    )
    chain = _chain(("a", *ACTIVE), ("b", *ACTIVE), sales=100_000)
    shares = split(items=[OrderItem(amount_fen=10_000)], chain=chain, rules=rules)
    assert [1_200, 500] == [s.amount_fen for s in shares]
    below = _chain(("a", *ACTIVE), sales=99_999)
    assert (
        1_000 == split(items=[OrderItem(amount_fen=10_000)], chain=below, rules=rules)[0].amount_fen
    )


def test_self_purchase_makes_the_buyer_level_one() -> None:
    assert ["s1", "s2"] == beneficiary_ids(
        buyer_id="b", upline_ids=["s1", "s2", "s3"], levels=2, self_purchase=False
    )
    assert ["b", "s1"] == beneficiary_ids(
        buyer_id="b", upline_ids=["s1", "s2", "s3"], levels=2, self_purchase=True
    )


def test_remaining_commission_is_proportional_and_floored() -> None:
    assert 1_499 == remaining_commission(original_fen=1_499, paid_fen=9_999, remaining_fen=9_999)
    assert 749 == remaining_commission(original_fen=1_499, paid_fen=10_000, remaining_fen=5_000)
    assert 0 == remaining_commission(original_fen=1_499, paid_fen=10_000, remaining_fen=0)


rates = st.integers(min_value=0, max_value=4_000)
rule_sets = st.builds(
    lambda l1, l2, l3, brand, product: RuleSet(
        version=1, level_bp=(l1, l2, l3), brand_bp={"b": brand}, product_bp={"p": product}
    ),
    rates,
    rates,
    rates,
    st.tuples(rates, rates, rates),
    st.tuples(rates, rates),
).filter(lambda rules: _accepted(rules))


def _accepted(rules: RuleSet) -> bool:
    """Only rule sets an admin can create: each rate list within 100 % (`check_total`)."""
    try:
        check_total(rules)
    except BadUserInput:
        return False
    return True


items = st.lists(
    st.builds(
        OrderItem,
        amount_fen=st.integers(min_value=0, max_value=10**12),
        product_id=st.sampled_from([None, "p", "q"]),
        brand_id=st.sampled_from([None, "b", "c"]),
        commissionable=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
chains = st.lists(
    st.tuples(st.sampled_from(list(Rank)), st.sampled_from(list(Status))), min_size=0, max_size=3
).map(lambda people: _chain(*[(f"d{i}", r, s) for i, (r, s) in enumerate(people)]))


@given(items=items, chain=chains, rules=rule_sets)
def test_split_is_never_negative_never_above_the_rates_and_repeatable(
    items: list[OrderItem], chain: list[Candidate], rules: RuleSet
) -> None:
    shares = split(items=items, chain=chain, rules=rules)
    again = split(items=items, chain=chain, rules=rules)
    assert shares == again
    base = sum(i.amount_fen for i in items if i.commissionable)
    for share in shares:
        ceiling = sum(
            i.amount_fen * rules.rate_bp(i, share.level) for i in items if i.commissionable
        )
        assert 0 <= share.amount_fen
        assert share.amount_fen * BP <= ceiling
        assert share.base_fen == base
        if share.forfeit is not None:
            assert 0 == share.amount_fen
    assert sum(s.amount_fen for s in shares) <= base


@given(
    original=st.integers(min_value=0, max_value=10**10),
    paid=st.integers(min_value=1, max_value=10**12),
    data=st.data(),
)
def test_refunds_never_raise_a_commission(original: int, paid: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(min_value=0, max_value=paid))
    second = data.draw(st.integers(min_value=0, max_value=first))
    after_first = remaining_commission(original_fen=original, paid_fen=paid, remaining_fen=first)
    after_second = remaining_commission(original_fen=original, paid_fen=paid, remaining_fen=second)
    assert 0 <= after_second <= after_first <= original
