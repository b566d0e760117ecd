"""Fraud rules as pure functions: grouping shared identifiers into rings, scoring rings
and signals, spotting recruit bursts. Thresholds are named here and in docs/fraud.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MIN_RING = 3
HOLLOW_MIN_RECRUITS = 10
HOLLOW_MIN_AGE = timedelta(days=14)
HOLLOW_MAX_BUYER_SHARE = 0.10
REFUND_MIN_CLAWBACKS = 3
REFUND_MIN_SHARE = 0.20

# How much each shared kind says about a ring (a payment account is the strongest).
KIND_WEIGHT = {"PAYMENT": 30, "DEVICE": 25, "PHONE": 20, "ADDRESS": 10}


@dataclass
class RingDraft:
    """A connected group found by the scan, before its score."""

    members: list[str]
    identifiers: dict[str, str] = field(default_factory=dict)  # key -> kind

    @property
    def id(self) -> str:
        digest = hashlib.sha256("\n".join(self.members).encode()).hexdigest()
        return "ring-" + digest[:16]


def connected_groups(
    shared: Iterable[tuple[str, str, Sequence[str]]], *, min_size: int = MIN_RING
) -> list[RingDraft]:
    """Union-find over (identifier key, kind, distributor ids): groups of ≥ min_size,
    largest first, members sorted."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links: list[tuple[str, str, str]] = []
    for key, kind, members in shared:
        if not members:
            continue
        root = find(members[0])
        for member in members[1:]:
            other = find(member)
            if other != root:
                parent[other] = root
        links.append((key, kind, members[0]))
    groups: dict[str, RingDraft] = {}
    for member in list(parent):
        groups.setdefault(find(member), RingDraft(members=[])).members.append(member)
    for key, kind, member in links:
        groups[find(member)].identifiers[key] = kind
    rings = [g for g in groups.values() if len(g.members) >= min_size]
    for ring in rings:
        ring.members.sort()
    return sorted(rings, key=lambda r: (-len(r.members), r.members[0]))


def ring_score(
    *, size: int, kinds: Iterable[str], referral_edges: int, commissions_fen: int
) -> tuple[int, list[str]]:
    """A ring's risk 0-100 and the reasons that make it up."""
    reasons = [f"{size} distributors linked by shared identifiers"]
    score = 10 + min(20, 4 * (size - MIN_RING))
    for kind in sorted(set(kinds)):
        score += KIND_WEIGHT.get(kind, 0)
        reasons.append(f"shares {kind.lower()}")
    if referral_edges:
        score += min(20, 5 * referral_edges)
        reasons.append(f"{referral_edges} referral edges among its members")
    if commissions_fen > 0:
        score += 15
        reasons.append(f"its members earned {commissions_fen / 100:.2f} in commissions")
    return min(100, score), reasons


def recruit_burst(
    times: Sequence[datetime], *, threshold: int, window: timedelta
) -> tuple[int, datetime] | None:
    """The most recruits inside any `window` and when that run began, if ≥ threshold."""
    ordered = sorted(times)
    best, start, begin = 0, 0, None
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        if end - start + 1 > best:
            best, begin = end - start + 1, ordered[start]
    if best >= threshold and begin is not None:
        return best, begin
    return None


def hollow(*, old_recruits: int, buyers: int) -> bool:
    """≥ 10 recruits older than 14 days, of whom fewer than 10 % ever bought."""
    return old_recruits >= HOLLOW_MIN_RECRUITS and buyers < HOLLOW_MAX_BUYER_SHARE * old_recruits


def refunds_after_settlement(*, settled: int, clawed_back: int) -> bool:
    """An unusual share of settled commissions later clawed back by refunds."""
    return clawed_back >= REFUND_MIN_CLAWBACKS and clawed_back >= REFUND_MIN_SHARE * settled
