"""`fraudSignals(distributorId)`: the signals of SPEC §3.8 and §10 for one distributor,
computed fresh, each with the evidence that proves it: the nodes and edges (capped at
`EVIDENCE_CAP` rows a signal) and a sentence. Only signals that fire are returned.
Identifiers shared by more than `hot_identifier_limit` distributors prove nothing and are
left out everywhere. Thresholds live in `rules.fraud` and the settings (docs/fraud.md).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from itertools import pairwise

from domain.fraud import rings as fraud
from domain.fraud.evidence import CARRIES, LEDGER_ENTRY, ORDER, PLACED, Evidence
from domain.fraud.identifiers import RING_KINDS
from domain.fraud.refunds import high_refund_rate, refund_rate_score
from domain.models import FraudSignal, Policy
from domain.money.fen import format_fen
from graph.db import Database
from graph.fraud import refund_rate
from graph.values import from_epoch_ms

KINDS = sorted(k.value for k in RING_KINDS)
GROUP_CAP = 200  # members; a bigger group is reported as "at least"
EVIDENCE_CAP = 50  # orders, recruits or ledger entries shown as evidence

NEIGHBOURS = """
UNWIND $ids AS id
MATCH (:Distributor {id: id})-[:USES]->(i:Identifier)
WHERE i.kind IN $kinds AND COUNT { (i)<-[:USES]-() } <= $hot
MATCH (i)<-[:USES]-(other:Distributor)
WHERE other.id <> id
RETURN DISTINCT id AS source, other.id AS id, i.key AS key, i.kind AS kind
"""

SHARED_WITH_SPONSOR = """
MATCH (s:Distributor)-[:REFERRED]->(d:Distributor {id: $id})
MATCH (d)-[:USES]->(i:Identifier)<-[:USES]-(s)
WHERE i.kind IN $kinds AND COUNT { (i)<-[:USES]-() } <= $hot
RETURN s.id AS sponsor, i.key AS key, i.kind AS kind
ORDER BY kind, key
"""

UPLINE_BUYS = """
MATCH (d:Distributor {id: $id})-[:USES]->(i:Identifier)
WHERE i.kind IN ['PAYMENT', 'ADDRESS'] AND COUNT { (i)<-[:USES]-() } <= $hot
MATCH (o:Order)-[:CARRIES]->(i)
WHERE o.a1 = $id OR o.a2 = $id OR o.a3 = $id
RETURN o.id AS orderId, o.buyerId AS buyer, i.key AS key, i.kind AS kind
ORDER BY orderId
LIMIT $cap
"""

RECRUIT_TIMES = """
MATCH (:Distributor {id: $id})-[r:REFERRED]->(m:Distributor)
RETURN m.id AS recruit, r.at.epochMillis AS at
"""

RECRUITS_WHO_BOUGHT = """
MATCH (:Distributor {id: $id})-[:REFERRED]->(m:Distributor)
WHERE m.joinedAt < $cutoff
WITH m, COUNT { (m)-[:PLACED]->() } > 0 AS bought
ORDER BY m.id
RETURN count(m) AS old, count(CASE WHEN bought THEN 1 END) AS buyers,
       collect(m.id)[..$cap] AS recruits
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
  WITH e ORDER BY e.id
  RETURN count(e) AS clawbacks, collect(e.id)[..$cap] AS entries
}
RETURN settled, clawbacks, entries
"""

CHAIN = """
MATCH (d:Distributor {id: $id})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
OPTIONAL MATCH loop = (d)<-[:REFERRED*1..64]-(d)
WITH d, s, collect(loop) AS loops
RETURN d.path AS path, s.id AS sponsor, s.path AS sponsorPath, size(loops) AS loops,
       CASE WHEN size(loops) > 0 THEN [n IN nodes(loops[0]) | n.id] ELSE [] END AS loop
"""


async def signals(
    db: Database, *, distributor_id: str, policy: Policy, now: datetime
) -> list[FraudSignal]:
    """Every signal that fires for `distributor_id` now (independent reads, sent at once)."""
    found = await asyncio.gather(
        _ring(db, distributor_id, policy),
        _self_referral(db, distributor_id, policy),
        _upline_buys(db, distributor_id, policy),
        _burst(db, distributor_id, policy),
        _hollow(db, distributor_id, now),
        _refunds(db, distributor_id),
        _cycle(db, distributor_id),
        _refund_rate(db, distributor_id, policy, now),
    )
    return [signal for signal in found if signal is not None]


async def _ring(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    """Walk shared identifiers outwards from `who` (at most GROUP_CAP members)."""
    group, kinds, frontier, proof = {who}, set(), [who], Evidence()
    while frontier and len(group) < GROUP_CAP:
        records = await db.read(
            NEIGHBOURS, ids=frontier, kinds=KINDS, hot=policy.hot_identifier_limit
        )
        for r in records:
            proof.uses(r["source"], r["key"], r["kind"])
            proof.uses(r["id"], r["key"], r["kind"])
        frontier = sorted({r["id"] for r in records} - group)
        kinds |= {r["kind"] for r in records}
        group |= set(frontier)
    if len(group) < fraud.MIN_RING:
        return None
    score, _ = fraud.ring_score(size=len(group), kinds=kinds, referral_edges=0, commissions_fen=0)
    members = sorted(group)
    shown = ", ".join(members[:20]) + (" …" if len(members) > 20 else "")
    bound = "at least " if len(group) >= GROUP_CAP else ""
    return proof.signal(
        kind="SHARED_IDENTIFIER_RING",
        score=score,
        sentence=f"{bound}{len(group)} distributors linked by shared "
        f"{', '.join(sorted(k.lower() for k in kinds))}: {shown}",
    )


async def _self_referral(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    records = await db.read(
        SHARED_WITH_SPONSOR, id=who, kinds=KINDS, hot=policy.hot_identifier_limit
    )
    if not records:
        return None
    sponsor, proof = records[0]["sponsor"], Evidence()
    proof.referred(sponsor, who)
    for r in records:
        proof.uses(who, r["key"], r["kind"])
        proof.uses(sponsor, r["key"], r["kind"])
    kinds = sorted({r["kind"].lower() for r in records})
    return proof.signal(
        kind="SELF_REFERRAL",
        score=min(100, 50 + 15 * len(kinds)),
        sentence=f"shares {', '.join(kinds)} with sponsor {sponsor}",
    )


async def _upline_buys(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    records = await db.read(UPLINE_BUYS, id=who, hot=policy.hot_identifier_limit, cap=EVIDENCE_CAP)
    if not records:
        return None
    proof = Evidence()
    for r in records:
        proof.uses(who, r["key"], r["kind"])
        proof.edge(CARRIES, proof.node(ORDER, r["orderId"]), r["key"])
        proof.edge(PLACED, proof.distributor(r["buyer"]), r["orderId"])
    orders = "; ".join(f"{r['orderId']} by {r['buyer']} ({r['kind'].lower()})" for r in records)
    return proof.signal(
        kind="UPLINE_BUYS_THROUGH_DOWNLINE",
        score=min(100, 60 + 5 * len(records)),
        sentence=f"downline orders with this distributor's payment account or address: {orders}",
    )


async def _burst(db: Database, who: str, policy: Policy) -> FraudSignal | None:
    recruits = [
        (from_epoch_ms(r["at"]), r["recruit"]) for r in await db.read(RECRUIT_TIMES, id=who)
    ]
    burst = fraud.recruit_burst(
        [at for at, _ in recruits], threshold=policy.burst_recruits, window=policy.burst_window
    )
    if burst is None:
        return None
    count, began = burst
    proof = Evidence()
    for at, recruit in sorted(recruits):
        if began <= at < began + policy.burst_window:
            proof.referred(who, recruit)
    return proof.signal(
        kind="RECRUIT_BURST",
        score=min(100, 40 + count),
        sentence=f"{count} recruits within {policy.burst_window} from {began.isoformat()}",
    )


async def _hollow(db: Database, who: str, now: datetime) -> FraudSignal | None:
    cutoff = now - fraud.HOLLOW_MIN_AGE
    row = (await db.read(RECRUITS_WHO_BOUGHT, id=who, cutoff=cutoff, cap=EVIDENCE_CAP))[0]
    if not fraud.hollow(old_recruits=row["old"], buyers=row["buyers"]):
        return None
    proof = Evidence()
    for recruit in row["recruits"]:
        proof.referred(who, recruit)
    return proof.signal(
        kind="HOLLOW_DOWNLINE",
        score=45,
        sentence=f"{row['buyers']} of {row['old']} recruits older than 14 days ever bought",
    )


async def _refunds(db: Database, who: str) -> FraudSignal | None:
    row = (await db.read(SETTLED_AND_CLAWED_BACK, id=who, cap=EVIDENCE_CAP))[0]
    if not fraud.refunds_after_settlement(settled=row["settled"], clawed_back=row["clawbacks"]):
        return None
    proof = Evidence()
    proof.distributor(who)
    for entry in row["entries"]:
        proof.node(LEDGER_ENTRY, entry)
    return proof.signal(
        kind="REFUND_AFTER_SETTLEMENT",
        score=55,
        sentence=f"{row['clawbacks']} clawbacks against {row['settled']} settled commissions",
    )


async def _refund_rate(db: Database, who: str, policy: Policy, now: datetime) -> FraudSignal | None:
    """HIGH_REFUND_RATE: the orders that credited `who` a commission in 90 days."""
    (rate,) = await refund_rate.rates(db, ids=[who], now=now)
    limit = policy.refund_rate_limit
    if not high_refund_rate(rate, limit=limit):
        return None
    proof = Evidence()
    proof.distributor(who)
    refunded = await refund_rate.refunded_orders(db, distributor_id=who, now=now, cap=EVIDENCE_CAP)
    for order_id, buyer, _, _ in refunded:
        proof.edge(PLACED, proof.distributor(buyer), proof.node(ORDER, order_id))
    shown = "; ".join(
        f"{order_id} by {buyer} ({format_fen(back)} of {format_fen(paid)})"
        for order_id, buyer, paid, back in refunded
    )
    return proof.signal(
        kind="HIGH_REFUND_RATE",
        score=refund_rate_score(rate, limit=limit),
        sentence=f"{rate.rate:.1%} refunded ({format_fen(rate.refunded_fen)} of "
        f"{format_fen(rate.amount_fen)}) over the {rate.orders} orders that credited it "
        f"a commission in 90 days, above the {limit:.0%} limit; {rate.refunded_orders} "
        f"refunded: {shown}",
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
    proof = Evidence()
    loop = list(row["loop"])
    for recruit, sponsor in pairwise(loop):
        proof.referred(sponsor, recruit)  # the path runs against the edges
    if row["sponsor"] is not None:
        proof.referred(row["sponsor"], who)
    what = (
        "a REFERRED loop through it" if row["loops"] else "a path that disagrees with its sponsor"
    )
    return proof.signal(
        kind="REFERRAL_CYCLE",
        score=100,
        sentence=f"the referral tree is corrupt here: {what} (sponsor {row['sponsor']})",
    )
