"""Rank rules (SPEC §3.3): how MEMBER, DISTRIBUTOR and TEAM_LEADER are reached.

No rule here takes money as an input to a rank except SPEND_THRESHOLD (own paid orders,
never a fee): there is no entry fee and no paid upgrade, by construction.
"""

from __future__ import annotations

from domain.models import DistributionMode, Rank

QUALIFIED_RANKS = frozenset({Rank.DISTRIBUTOR, Rank.TEAM_LEADER})


def rank_at_registration(mode: DistributionMode) -> Rank:
    """EVERYONE distributes at once; APPROVAL and SPEND_THRESHOLD start as MEMBER."""
    return Rank.DISTRIBUTOR if mode is DistributionMode.EVERYONE else Rank.MEMBER


def counts_for_promotion(rank: Rank) -> bool:
    """Whether a direct recruit of this rank counts towards TEAM_LEADER."""
    return rank in QUALIFIED_RANKS


def rank_after_recruits(current: Rank, *, qualified_recruits: int, threshold: int) -> Rank:
    """A DISTRIBUTOR whose qualified direct recruits reach `threshold` leads a team.

    Promotion is one-way: losing recruits later (a reassignment) keeps the rank.
    """
    if current is Rank.DISTRIBUTOR and qualified_recruits >= threshold:
        return Rank.TEAM_LEADER
    return current
