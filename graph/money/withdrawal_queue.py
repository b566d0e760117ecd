"""The admins' withdrawal queue: every distributor's withdrawals in given states, oldest
first (ties by id), one keyset page at a time, with the totals of the whole queue.

Two lists: everyone's (a seek of the (status, requestedAt) index) and one distributor's
(a seek of its (distributorId, month) index); the states and the distributor are part of
the list's cursor binding, so a cursor of one queue is refused by another.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from domain.models import Withdrawal, WithdrawalStatus
from domain.pagination import ListKey, Page, Window
from graph.db import Database
from graph.money.withdrawals import PROJECTION, withdrawal_from_node
from graph.pagination import SortKey, fetcher, instant_key, keyset_queries, paginate

WITHDRAWAL_QUEUE = ListKey(kind="withdrawalQueue", sort="requestedAt, id", shape=(int, str))
KEYS = (instant_key("w.requestedAt", descending=False), SortKey("w.id"))

PAGES = keyset_queries(
    match="MATCH (w:Withdrawal) USING INDEX w:Withdrawal(status, requestedAt) "
    "WHERE w.status IN $statuses AND w.requestedAt IS NOT NULL AND w.month IS NOT NULL",
    variable="w",
    keys=KEYS,
    projection=PROJECTION,
)

PAGES_OF = keyset_queries(
    match="MATCH (w:Withdrawal {distributorId: $distributorId}) "
    "USING INDEX w:Withdrawal(distributorId, month) "
    "WHERE w.month IS NOT NULL AND w.status IN $statuses",
    variable="w",
    keys=KEYS,
    projection=PROJECTION,
)

TOTALS = """
MATCH (w:Withdrawal)
USING INDEX w:Withdrawal(status, requestedAt)
WHERE w.status IN $statuses AND w.requestedAt IS NOT NULL AND w.month IS NOT NULL
RETURN count(w) AS n, coalesce(sum(w.amount), 0) AS amount, coalesce(sum(w.net), 0) AS net
"""

TOTALS_OF = """
MATCH (w:Withdrawal {distributorId: $distributorId})
USING INDEX w:Withdrawal(distributorId, month)
WHERE w.month IS NOT NULL AND w.status IN $statuses
RETURN count(w) AS n, coalesce(sum(w.amount), 0) AS amount, coalesce(sum(w.net), 0) AS net
"""


@dataclass(frozen=True, slots=True)
class QueueTotals:
    count: int
    amount_fen: int
    net_fen: int


async def totals(
    db: Database, *, statuses: Collection[WithdrawalStatus], distributor_id: str | None
) -> QueueTotals:
    """The count and sums of the whole queue (not just a page)."""
    names = sorted(s.value for s in statuses)
    query = TOTALS if distributor_id is None else TOTALS_OF
    found = (await db.read(query, statuses=names, distributorId=distributor_id))[0]
    return QueueTotals(count=found["n"], amount_fen=found["amount"], net_fen=found["net"])


async def page(
    db: Database,
    *,
    statuses: Collection[WithdrawalStatus],
    distributor_id: str | None,
    window: Window,
    total: int,
) -> Page[Withdrawal]:
    """One page of the queue, oldest first (one distributor's if given)."""
    names = sorted(s.value for s in statuses)
    queries = PAGES if distributor_id is None else PAGES_OF
    return await paginate(
        window,
        fetch=fetcher(
            db, queries, withdrawal_from_node, statuses=names, distributorId=distributor_id
        ),
        total=total,
    )
