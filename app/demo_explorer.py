"""What the Explorer shows an analyst and an admin on the demo network: a few planted
fraud rings (people sharing a device, a payment account, a phone), found by a full scan,
and open withdrawal requests from the top earners. Idempotent: registrations and
withdrawals replay, the scan finds the same rings again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from graph import fraud_scan, leaderboard, ledger, registration, withdrawals
from graph.db import Database
from graph.errors import ReferralError
from graph.models import LeaderboardMetric, Policy
from graph.rules.identifiers import IdentifierKind, identify

# (ring, members, what they share); the first member of each ring recruits the second.
RINGS = (
    ("a", 5, (IdentifierKind.DEVICE, IdentifierKind.PAYMENT)),
    ("b", 4, (IdentifierKind.PHONE,)),
    ("c", 3, (IdentifierKind.ADDRESS, IdentifierKind.DEVICE)),
)
NAMES = "赵钱孙李周吴郑王冯陈"


async def plant_rings(db: Database, *, prefix: str, policy: Policy) -> int:
    """Register the planted ring members and run a full scan; how many rings it found."""
    now = datetime.now(UTC)
    for ring, size, kinds in RINGS:
        shared = [
            identify(kind, f"{prefix}-ring-{ring}-{kind.value}", secret=policy.identifier_secret)
            for kind in kinds
        ]
        for i in range(size):
            member = f"{prefix}-ring-{ring}{i}"
            await registration.register(
                db,
                distributor_id=member,
                name=f"{NAMES[i % len(NAMES)]}{ring.upper()}{i}",
                sponsor_id=f"{prefix}-ring-{ring}0" if i == 1 else None,
                phone=None,
                now=now,
                distribution_mode=policy.distribution_mode,
                team_leader_recruits=policy.team_leader_recruits,
                identifiers=shared if i < 2 or i % 2 == 0 else shared[:1],
                hot_identifier_limit=policy.hot_identifier_limit,
            )
    return await fraud_scan.scan(db, hot_limit=policy.hot_identifier_limit, now=now)


async def request_withdrawals(db: Database, *, prefix: str, policy: Policy, count: int = 6) -> int:
    """A withdrawal of a tenth of the available balance for each of the top earners."""
    now = datetime.now(UTC)
    top = await leaderboard.top(
        db, metric=LeaderboardMetric.COMMISSION, since=None, until=None, first=count
    )
    made = 0
    for entry in top:
        available = (await ledger.balance(db, distributor_id=entry.distributor_id)).available_fen
        amount = max(available // 10, policy.withdraw_min_fen)
        if amount > available:
            continue
        try:
            await withdrawals.request(
                db,
                distributor_id=entry.distributor_id,
                amount_fen=amount,
                idempotency_key=f"{prefix}-demo-withdrawal",
                policy=policy,
                now=now,
            )
            made += 1
        except ReferralError:
            continue
    return made
