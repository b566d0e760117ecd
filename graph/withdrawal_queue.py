"""The admins' withdrawal queue: every distributor's withdrawals in given states, oldest
first, one keyset page at a time, with the totals of the whole queue.

Withdrawals are listed by (requestedAt, id); a cursor names the last row of a page, so
the next page continues after it however many requests arrive meanwhile.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from graph.db import Database
from graph.models import Withdrawal, WithdrawalStatus
from graph.records import withdrawal_from_node
from graph.rules.pagination import decode_keyset, encode_keyset
from graph.withdrawals import PROJECTION

# Every distributor's: a seek of the (status, requestedAt) index, in its order.
PAGE = (
    """
MATCH (w:Withdrawal)
USING INDEX w:Withdrawal(status, requestedAt)
WHERE w.status IN $statuses AND w.requestedAt IS NOT NULL AND w.month IS NOT NULL
  AND ($afterMs IS NULL OR w.requestedAt.epochMillis > $afterMs
       OR (w.requestedAt.epochMillis = $afterMs AND w.id > $afterId))
WITH w ORDER BY w.requestedAt, w.id LIMIT $limit
RETURN """
    + PROJECTION
    + " AS w"
)

TOTALS = """
MATCH (w:Withdrawal)
USING INDEX w:Withdrawal(status, requestedAt)
WHERE w.status IN $statuses AND w.requestedAt IS NOT NULL AND w.month IS NOT NULL
RETURN count(w) AS n, coalesce(sum(w.amount), 0) AS amount, coalesce(sum(w.net), 0) AS net
"""

# One distributor's: a seek of the (distributorId, month) index.
PAGE_OF = (
    """
MATCH (w:Withdrawal {distributorId: $distributorId})
USING INDEX w:Withdrawal(distributorId, month)
WHERE w.month IS NOT NULL AND w.status IN $statuses
  AND ($afterMs IS NULL OR w.requestedAt.epochMillis > $afterMs
       OR (w.requestedAt.epochMillis = $afterMs AND w.id > $afterId))
WITH w ORDER BY w.requestedAt, w.id LIMIT $limit
RETURN """
    + PROJECTION
    + " AS w"
)

TOTALS_OF = """
MATCH (w:Withdrawal {distributorId: $distributorId})
USING INDEX w:Withdrawal(distributorId, month)
WHERE w.month IS NOT NULL AND w.status IN $statuses
RETURN count(w) AS n, coalesce(sum(w.amount), 0) AS amount, coalesce(sum(w.net), 0) AS net
"""


@dataclass(frozen=True, slots=True)
class QueuePage:
    total_count: int
    total_amount_fen: int
    total_net_fen: int
    page: list[tuple[str, Withdrawal]]  # (cursor, withdrawal)
    end_cursor: str | None
    has_next_page: bool


def cursor_of(w: Withdrawal) -> str:
    return encode_keyset(int(w.requested_at.timestamp() * 1000), w.id)


async def page(
    db: Database,
    *,
    statuses: Collection[WithdrawalStatus],
    distributor_id: str | None,
    first: int,
    after: str | None,
) -> QueuePage:
    """One page of the queue (oldest first, one distributor's if given) and the totals
    of all of it."""
    after_ms, after_id = decode_keyset(after) if after else (None, None)
    names = sorted(s.value for s in statuses)
    records = await db.read(
        PAGE if distributor_id is None else PAGE_OF,
        statuses=names,
        distributorId=distributor_id,
        afterMs=after_ms,
        afterId=after_id,
        limit=first + 1,
    )
    found = [withdrawal_from_node(r["w"]) for r in records]
    rows = [(cursor_of(w), w) for w in found[:first]]
    totals_query = TOTALS if distributor_id is None else TOTALS_OF
    totals = (await db.read(totals_query, statuses=names, distributorId=distributor_id))[0]
    return QueuePage(
        total_count=totals["n"],
        total_amount_fen=totals["amount"],
        total_net_fen=totals["net"],
        page=rows,
        end_cursor=rows[-1][0] if rows else None,
        has_next_page=len(found) > first,
    )
