"""Fraud alerts raised at registration (SPEC §3.8), listed and acknowledged by analysts.

A new distributor who shares a ring-kind identifier (device, phone, payment account,
address; hot ones excluded) with their own sponsor, or with a member of a ring of the
latest scan, is flagged in the registration's own transaction:
`(:FraudAlert {id, distributorId, reasons, evidence, at, acknowledged})`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.errors import NotFound
from domain.events import FRAUD_ALERT, NewEvent
from domain.fraud.identifiers import RING_KINDS
from domain.models import Actor, FraudAlert
from domain.pagination import ListKey, Page, Window
from graph import audit, events
from graph.db import Database, fetch
from graph.pagination import SortKey, count, fetcher, keyset_queries, paginate, time_key

MATCHES = """
MATCH (d:Distributor {id: $id})-[:USES]->(i:Identifier)
WHERE i.kind IN $kinds AND COUNT { (i)<-[:USES]-() } <= $hot
MATCH (i)<-[:USES]-(other:Distributor)
WHERE other.id <> $id
  AND (other.id = $sponsorId OR EXISTS { (:FraudRing {current: true})-[:INCLUDES]->(other) })
RETURN other.id AS other, other.id = $sponsorId AS sponsor, i.kind AS kind
LIMIT 100
"""

CREATE = """
CREATE (:FraudAlert {
  id: $alertId, distributorId: $id, reasons: $reasons, evidence: $evidence, at: $now,
  acknowledged: false
})
"""

PROJECTION = (
    "a {.id, .distributorId, .reasons, .evidence, .acknowledged, "
    "atUs: a.at.epochSeconds * 1000000 + a.at.microsecond}"
)

# Alerts newest first (ties by id); `at` is the registration's UTC clock.
FRAUD_ALERTS = ListKey(kind="fraudAlerts", sort="at desc, id desc", shape=(int, str))
PAGES = keyset_queries(
    match="MATCH (a:FraudAlert) WHERE a.acknowledged = $acknowledged AND a.at IS NOT NULL",
    variable="a",
    keys=(time_key("a.at", descending=True), SortKey("a.id", descending=True)),
    projection=PROJECTION,
)
COUNT = """
MATCH (a:FraudAlert) WHERE a.acknowledged = $acknowledged AND a.at IS NOT NULL
RETURN count(a) AS n
"""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ACKNOWLEDGE = (
    "MATCH (a:FraudAlert {id: $id}) SET a.acknowledged = true, a.acknowledgedBy = $actor "
    "RETURN " + PROJECTION + " AS a"
)


OPEN_OF = """
MATCH (a:FraudAlert {distributorId: $id})
WHERE a.acknowledged = false
RETURN count(a) > 0 AS open
"""


async def has_open_alert(tx: AsyncManagedTransaction, *, distributor_id: str) -> bool:
    """Whether an alert about `distributor_id` is still unacknowledged (inside `tx`)."""
    records = await fetch(tx, OPEN_OF, id=distributor_id)
    return bool(records[0]["open"])


async def check_registration(
    tx: AsyncManagedTransaction,
    *,
    distributor_id: str,
    sponsor_id: str | None,
    hot_limit: int,
    now: datetime,
) -> bool:
    """Flag `distributor_id` if it shares an identifier with its sponsor or a ring."""
    matches = await fetch(
        tx,
        MATCHES,
        id=distributor_id,
        sponsorId=sponsor_id or "",
        kinds=sorted(k.value for k in RING_KINDS),
        hot=hot_limit,
    )
    if not matches:
        return False
    reasons = sorted(
        {"SHARES_WITH_SPONSOR" if m["sponsor"] else "SHARES_WITH_RING" for m in matches}
    )
    evidence = sorted({f"{m['kind']} shared with {m['other']}" for m in matches})
    alert_id = "alert-" + uuid.uuid4().hex
    await tx.run(
        CREATE, alertId=alert_id, id=distributor_id, reasons=reasons, evidence=evidence, now=now
    )
    raised = NewEvent(
        kind=FRAUD_ALERT,
        distributor_id=distributor_id,
        alert_id=alert_id,
        reasons=reasons,
        evidence=evidence,
        at=now,
    )
    await events.append(tx, events=[raised])
    return True


def _alert(a: Any) -> FraudAlert:
    return FraudAlert(
        id=a["id"],
        distributor_id=a["distributorId"],
        reasons=list(a["reasons"]),
        evidence=list(a["evidence"]),
        acknowledged=a["acknowledged"],
        at=EPOCH + timedelta(microseconds=a["atUs"]),
    )


async def list_alerts(db: Database, *, acknowledged: bool, window: Window) -> Page[FraudAlert]:
    """Alerts, acknowledged or not, newest first, one keyset page."""
    return await paginate(
        window,
        fetch=fetcher(db, PAGES, _alert, acknowledged=acknowledged),
        total=count(db, COUNT, acknowledged=acknowledged),
    )


async def acknowledge(db: Database, *, alert_id: str, actor: Actor) -> FraudAlert:
    async def work(tx: AsyncManagedTransaction) -> FraudAlert:
        found = await fetch(tx, ACKNOWLEDGE, id=alert_id, actor=actor.subject)
        if not found:
            raise NotFound("Fraud alert", alert_id)
        await audit.record(
            tx, actor=actor, operation="acknowledgeFraudAlert", arguments={"id": alert_id}
        )
        return _alert(found[0]["a"])

    return await db.write(work)
