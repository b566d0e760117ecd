"""`fraudSignals(distributorId)`: the seven signals of SPEC §3.8 for one distributor,
computed fresh, each with the evidence that proves it. Only signals that fire are
returned. Thresholds live in `rules.fraud` and the settings (docs/fraud.md).
"""

from __future__ import annotations

from datetime import datetime

from graph.db import Database
from graph.models import FraudSignal, Policy
from graph.records import from_epoch_ms
from graph.rules import fraud
from graph.rules.identifiers import RING_KINDS

KINDS = sorted(k.value for k in RING_KINDS)
GROUP_CAP = 200  # members; a bigger group is reported as "at least"

NEIGHBOURS = """
UNWIND $ids AS id
MATCH (:Distributor {id: id})-[:USES]->(i:Identifier)
WHERE i.kind IN $kinds AND COUNT { (i)<-[:USES]-() } <= $hot
MATCH (i)<-[:USES]-(other:Distributor)
WHERE other.id <> id
RETURN DISTINCT other.id AS id, i.kind AS kind
"""

SHARED_WITH_SPONSOR = """
MATCH (s:Distributor)-[:REFERRED]->(d:Distributor {id: $id})
MATCH (d)-[:USES]->(i:Identifier)<-[:USES]-(s)
WHERE i.kind IN $kinds AND COUNT { (i)<-[:USES]-() } <= $hot
RETURN s.id AS sponsor, collect(DISTINCT i.kind) AS kinds
"""

UPLINE_BUYS = """
MATCH (d:Distributor {id: $id})-[:USES]->(i:Identifier)
WHERE i.kind IN ['PAYMENT', 'ADDRESS']
MATCH (o:Order)-[:CARRIES]->(i)
WHERE o.a1 = $id OR o.a2 = $id OR o.a3 = $id
RETURN o.id AS orderId, o.buyerId AS buyer, i.kind AS kind
ORDER BY orderId
LIMIT 50
"""

RECRUIT_TIMES = """
MATCH (:Distributor {id: $id})-[r:REFERRED]->(:Distributor)
RETURN r.at.epochMillis AS at
"""

RECRUITS_WHO_BOUGHT = """
MATCH (:Distributor {id: $id})-[:REFERRED]->(m:Distributor)
WHERE m.joinedAt < $cutoff
RETURN count(m) AS old, count(CASE WHEN COUNT { (m)-[:PLACED]->() } > 0 THEN 1 END) AS buyers
"""

SETTLED_AND_CLAWED_BACK = """
CALL () {
  OPTIONAL MATCH (c:Commission {beneficiaryId: $id})
  WHERE c.paidAt IS NOT NULL AND c.status = 'SETTLED'
  RETURN count(c) AS settled
}
CALL () {
  OPTIONAL MATCH (e:LedgerEntry {distributorId: $id})
  WHERE e.kind = 'CLAWBACK'
  RETURN count(e) AS clawbacks
}
RETURN settled, clawbacks
"""

CHAIN = """
MATCH (d:Distributor {id: $id})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
OPTIONAL MATCH loop = (d)<-[:REFERRED*1..64]-(d)
RETURN d.path AS path, s.id AS sponsor, s.path AS sponsorPath, count(loop) AS loops
"""


async def signals(
    db: Database, *, distributor_id: str, policy: Policy, now: datetime
) -> list[FraudSignal]:
    """Every signal that fires for `distributor_id` now."""
    found = [
        await _ring(db, distributor_id, policy),
        await _self_referral(db, distributor_id, policy),
        await _upline_buys(db, distributor_id),
        await _burst(db, distributor_id, policy),
        await _hollow(db, distributor_id, now),
        await _refunds(db, distributor_id),
        await _cycle(db, distributor_id),
    ]
    return [signal for signal in found if signal is not None]


async def _ring(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    """Walk shared identifiers outwards from `who` (at most GROUP_CAP members)."""
    group, kinds, frontier = {who}, set(), [who]
    while frontier and len(group) < GROUP_CAP:
        records = await db.read(
            NEIGHBOURS, ids=frontier, kinds=KINDS, hot=policy.hot_identifier_limit
        )
        frontier = sorted({r["id"] for r in records} - group)
        kinds |= {r["kind"] for r in records}
        group |= set(frontier)
    if len(group) < fraud.MIN_RING:
        return None
    score, _ = fraud.ring_score(size=len(group), kinds=kinds, referral_edges=0, commissions_fen=0)
    members = sorted(group)
    shown = ", ".join(members[:20]) + (" …" if len(members) > 20 else "")
    bound = "at least " if len(group) >= GROUP_CAP else ""
    return FraudSignal(
        kind="SHARED_IDENTIFIER_RING",
        score=score,
        evidence=f"{bound}{len(group)} distributors linked by shared "
        f"{', '.join(sorted(k.lower() for k in kinds))}: {shown}",
    )


async def _self_referral(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    records = await db.read(
        SHARED_WITH_SPONSOR, id=who, kinds=KINDS, hot=policy.hot_identifier_limit
    )
    if not records or not records[0]["kinds"]:
        return None
    kinds = sorted(k.lower() for k in records[0]["kinds"])
    return FraudSignal(
        kind="SELF_REFERRAL",
        score=min(100, 50 + 15 * len(kinds)),
        evidence=f"shares {', '.join(kinds)} with sponsor {records[0]['sponsor']}",
    )


async def _upline_buys(db: Database, who: str) -> FraudSignal | None:
    records = await db.read(UPLINE_BUYS, id=who)
    if not records:
        return None
    orders = "; ".join(f"{r['orderId']} by {r['buyer']} ({r['kind'].lower()})" for r in records)
    return FraudSignal(
        kind="UPLINE_BUYS_THROUGH_DOWNLINE",
        score=min(100, 60 + 5 * len(records)),
        evidence=f"downline orders with this distributor's payment account or address: {orders}",
    )


async def _burst(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    times = [from_epoch_ms(r["at"]) for r in await db.read(RECRUIT_TIMES, id=who)]
    burst = fraud.recruit_burst(times, threshold=policy.burst_recruits, window=policy.burst_window)
    if burst is None:
        return None
    count, began = burst
    return FraudSignal(
        kind="RECRUIT_BURST",
        score=min(100, 40 + count),
        evidence=f"{count} recruits within {policy.burst_window} from {began.isoformat()}",
    )


async def _hollow(db: Database, who: str, now: datetime) -> FraudSignal | None:
    cutoff = now - fraud.HOLLOW_MIN_AGE
    row = (await db.read(RECRUITS_WHO_BOUGHT, id=who, cutoff=cutoff))[0]
    if not fraud.hollow(old_recruits=row["old"], buyers=row["buyers"]):
        return None
    return FraudSignal(
        kind="HOLLOW_DOWNLINE",
        score=45,
        evidence=f"{row['buyers']} of {row['old']} recruits older than 14 days ever bought",
    )


async def _refunds(db: Database, who: str) -> FraudSignal | None:
    row = (await db.read(SETTLED_AND_CLAWED_BACK, id=who))[0]
    if not fraud.refunds_after_settlement(settled=row["settled"], clawed_back=row["clawbacks"]):
        return None
    return FraudSignal(
        kind="REFUND_AFTER_SETTLEMENT",
        score=55,
        evidence=f"{row['clawbacks']} clawbacks against {row['settled']} settled commissions",
    )


async def _cycle(db: Database, who: str) -> FraudSignal | None:
    records = await db.read(CHAIN, id=who)
    if not records:
        return None
    row = records[0]
    broken_path = row["sponsor"] is not None and not str(row["path"]).startswith(
        str(row["sponsorPath"]) + "/"
    )
    if not row["loops"] and not broken_path:
        return None
    what = (
        "a REFERRED loop through it" if row["loops"] else "a path that disagrees with its sponsor"
    )
    return FraudSignal(
        kind="REFERRAL_CYCLE",
        score=100,
        evidence=f"the referral tree is corrupt here: {what} (sponsor {row['sponsor']})",
    )
