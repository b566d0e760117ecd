"""Validating rule sets from admin input, and storing them as JSON.

A rate is a percentage string with at most two decimals ("15", "2.5", "0.25"), kept as
basis points. A rule set is refused when it names a level above the three-level cap, or
when any of its rate lists, with the largest tier bonus added to level 1, sums above
100 %.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from domain.cap import LEVEL_CAP
from domain.errors import BadUserInput, DepthLimitExceeded
from domain.money.commission import BP, RuleSet, Tier

RATE_PATTERN = re.compile(r"(0|[1-9][0-9]{0,2})(\.[0-9]{1,2})?")
MAX_OVERRIDES = 10_000


def parse_rate(text: str, *, field: str) -> int:
    """ "15" -> 1500 bp; it must lie within 0-100 % with at most two decimals."""
    if not RATE_PATTERN.fullmatch(text):
        raise BadUserInput(
            f'{field} must be a percentage with at most two decimals, like "15" or "2.5" '
            f"(got {text[:20]!r})."
        )
    whole, _, cents = text.partition(".")
    bp = int(whole) * 100 + int(cents.ljust(2, "0") or "0")
    if bp > BP:
        raise BadUserInput(f"{field} must be at most 100 (got {text}).")
    return bp


def format_rate(bp: int) -> str:
    """1500 -> "15.00"."""
    return f"{bp // 100}.{bp % 100:02d}"


def parse_levels(rates: Sequence[str], *, field: str) -> tuple[int, ...]:
    if not rates:
        raise BadUserInput(f"{field} needs a rate for level 1 at least.")
    if len(rates) > LEVEL_CAP:
        raise DepthLimitExceeded(
            f"{field} names level {len(rates)}: commissions reach at most {LEVEL_CAP} levels "
            "(the three-level cap)."
        )
    return tuple(parse_rate(r, field=f"{field}[{i}]") for i, r in enumerate(rates))


def build_rule_set(
    *,
    version: int,
    level_rates: Sequence[str],
    brand_rates: Mapping[str, Sequence[str]],
    product_rates: Mapping[str, Sequence[str]],
    tiers: Sequence[tuple[int, str]],
) -> RuleSet:
    """A validated `RuleSet` from admin input (tiers are (monthly sales fen, bonus %))."""
    if len(brand_rates) + len(product_rates) > MAX_OVERRIDES:
        raise BadUserInput(f"A rule set holds at most {MAX_OVERRIDES} overrides.")
    rules = RuleSet(
        version=version,
        level_bp=parse_levels(level_rates, field="levelRates"),
        brand_bp={k: parse_levels(v, field=f"brand {k!r}") for k, v in brand_rates.items()},
        product_bp={k: parse_levels(v, field=f"product {k!r}") for k, v in product_rates.items()},
        tiers=tuple(
            Tier(monthly_sales_fen=sales, bonus_bp=parse_rate(bonus, field="tier bonusRate"))
            for sales, bonus in sorted(tiers)
        ),
    )
    check_total(rules)
    return rules


def check_total(rules: RuleSet) -> None:
    """Every rate list plus the largest level-1 bonus must stay within 100 %."""
    bonus = max((t.bonus_bp for t in rules.tiers), default=0)
    lists = {"levelRates": rules.level_bp}
    lists |= {f"brand {k!r}": v for k, v in rules.brand_bp.items()}
    lists |= {f"product {k!r}": v for k, v in rules.product_bp.items()}
    for name, rates in lists.items():
        if sum(rates) + bonus > BP:
            raise BadUserInput(
                f"{name} sums to {format_rate(sum(rates) + bonus)} % with the largest tier "
                "bonus; a rule set may pay out at most 100 % of an order."
            )


def to_json(rules: RuleSet) -> str:
    return json.dumps(
        {
            "levels": list(rules.level_bp),
            "brands": {k: list(v) for k, v in rules.brand_bp.items()},
            "products": {k: list(v) for k, v in rules.product_bp.items()},
            "tiers": [[t.monthly_sales_fen, t.bonus_bp] for t in rules.tiers],
        },
        sort_keys=True,
    )


def from_json(version: int, text: str) -> RuleSet:
    raw = json.loads(text)
    return RuleSet(
        version=version,
        level_bp=tuple(raw["levels"]),
        brand_bp={k: tuple(v) for k, v in raw["brands"].items()},
        product_bp={k: tuple(v) for k, v in raw["products"].items()},
        tiers=tuple(Tier(monthly_sales_fen=s, bonus_bp=b) for s, b in raw["tiers"]),
    )
