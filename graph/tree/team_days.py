"""Daily team roll-ups in Neo4j (`domain.tree.team_days`): `(:TeamDay {key, ancestorId,
level, day, bucket, sales, joined, buyers, prevs, older})`, one per ancestor, level
(1..3), UTC day and bucket (the member's `joinedAt` milliseconds modulo `BUCKETS`).

They are kept in the write transaction of every change they summarise: an order
(`graph.money.orders`), a refund (`graph.money.refunds`), a registration and a bulk load
(`graph.tree.registration`, `graph.tree.bulk`), and the move of a subtree
(`graph.tree.structure.move_under`). Writers touch roll-ups in key order. Each buyer of
a roll-up carries their previous live day (`prevs`, aligned with `buyers`), and every
buyer their live days (`Distributor.liveDays`: the UTC days of their orders not fully
refunded); `domain.tree.team_days` says why. A roll-up's `older` counts are its `prevs`
counted once for the runs of whole days a window reads (`older_counts`): every writer
of `prevs` sets them again from the new list (`_set_older`). Migration 0021 builds the
roll-ups whole for a store that predates any of this (0017 made the index, 0020 the
buckets), and 0023 gives those built before `older` existed their counts.
86400000 is `DAY_MS`, 32 is `BUCKETS` and `OLDER_SPAN`, and -1000000000 is `NO_DAY`
(checked below).

A buyer's live days change only under the buyer's lock: an order locks its buyers first
(`graph.money.orders.WRITE`), a refund its buyer (`REFUND_LOCK`), and a move locks the
members it moves; so a buyer's previous days are computed from live days that no one
else is changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from domain.tree.team_days import BUCKETS, DAY_MS, NO_DAY, OLDER_SPAN, JoinedDay
from graph.tree.team_day_totals import refreshed, total_key

assert DAY_MS == 86_400_000, "the roll-ups' Cypher spells out the day's length"
assert BUCKETS == 32, "the roll-ups' Cypher spells out the number of buckets"
assert NO_DAY == -1_000_000_000, "the roll-ups' Cypher spells out the day before any day"
assert OLDER_SPAN == 32, "the roll-ups' Cypher spells out how far back `older` reaches"

STAMPS: tuple[LiteralString, LiteralString, LiteralString] = ("a1", "a2", "a3")

# After the writes to the roll-ups `t`: their day totals' keys (`graph.tree.team_day_totals`).
_touched: LiteralString = "collect(DISTINCT " + total_key("t") + ")"

# `up` is [level, ancestorId], `day` the UTC day, `bucket` the member's, `key` their
# roll-up's key.
_key: LiteralString = "up[1] + '|' + toString(up[0]) + '|' + toString(day) + '|' + toString(bucket)"
_merge_day: LiteralString = """
MERGE (t:TeamDay {key: key})
  ON CREATE SET t.ancestorId = up[1], t.level = up[0], t.day = day, t.bucket = bucket,
    t.sales = 0, t.joined = 0, t.buyers = [], t.prevs = []
"""


_PREVIOUS: LiteralString = (
    "reduce(m = -1000000000, y IN {days} | CASE WHEN y < {day} AND y > m THEN y ELSE m END)"
)
_NEXT: LiteralString = (
    "reduce(m = -1000000000, y IN {days} | "
    "CASE WHEN y > {day} AND (m = -1000000000 OR y < m) THEN y ELSE m END)"
)


def _previous(days: LiteralString, day: LiteralString) -> LiteralString:
    """The latest of the list `days` before `day`, or NO_DAY
    (`domain.tree.team_days.previous_day`)."""
    return _PREVIOUS.replace("{days}", days).replace("{day}", day)


def _next(days: LiteralString, day: LiteralString) -> LiteralString:
    """The earliest of the list `days` after `day`, or NO_DAY."""
    return _NEXT.replace("{days}", days).replace("{day}", day)


# After a SET that wrote `t.prevs`: its `older` counts (`domain.tree.team_days.
# older_counts`) from the list as it is now, in a clause of its own. When several rows of
# one statement write one roll-up, each row's counts follow its own write of the list, so
# the last ones written follow the last list.
_set_older: LiteralString = """
SET t.older = CASE WHEN t.prevs IS NULL THEN null
                   ELSE [i IN range(0, 31) | size([p IN t.prevs WHERE t.day - p > i])] END
"""

# `t`'s entry of the buyer `id` gets the previous day `prev`, appended if it has none.
# Every list is read inside SET, as it is when that row is written: several rows of one
# statement may write one roll-up, and a value projected before the SET would be stale.
_set_previous: LiteralString = (
    """
SET t.prevs = CASE WHEN id IN coalesce(t.buyers, [])
                   THEN [i IN range(0, size(t.buyers) - 1) |
                         CASE WHEN t.buyers[i] = id THEN prev ELSE t.prevs[i] END]
                   ELSE coalesce(t.prevs, []) + prev END,
    t.buyers = CASE WHEN id IN coalesce(t.buyers, []) THEN t.buyers
                    ELSE coalesce(t.buyers, []) + id END
"""
    + _set_older
)


def _bucket(member: LiteralString) -> LiteralString:
    """The roll-up bucket of `member` (`domain.tree.team_days.bucket_of`)."""
    return "coalesce({0}.joinedAt.epochMillis, 0) % 32".replace("{0}", member)


def _ups(variable: LiteralString) -> LiteralString:
    """[level, ancestor] for the stamps a1..a3 of `variable` that are set."""
    return "[x IN [[1, {0}.a1], [2, {0}.a2], [3, {0}.a3]] WHERE x[1] IS NOT NULL]".replace(
        "{0}", variable
    )


# With `b`, `day`, `bucket` and `prev`: b's entry in each of its ancestors' roll-ups of
# that day takes `prev` as its previous live day (entered if it has none), in key order.
_enter_previous: LiteralString = (
    """
UNWIND """
    + _ups("b")
    + """ AS up
WITH b.id AS id, prev, up, day, bucket, """
    + _key
    + """ AS key ORDER BY key
"""
    + _merge_day
    + _set_previous
)


# Inside `graph.money.orders.WRITE`, after the orders exist and their buyers are locked:
# each order's amount (its net when new) goes to the roll-ups of the payment day of the
# buyer's ancestors; then each buyer's new live days (of an order with something paid)
# join their live days, and the buyer enters those days' roll-ups with the live day
# before each, and takes the new day as the previous one of the live day after it.
_ORDER_SALES: LiteralString = (
    """
UNWIND $orders AS row
MATCH (b:Distributor {id: row.buyerId})
UNWIND """
    + _ups("b")
    + """ AS up
WITH row, up, row.paidAtMs / 86400000 AS day, """
    + _bucket("b")
    + """ AS bucket
WITH row, up, day, bucket, """
    + _key
    + """ AS key ORDER BY key
"""
    + _merge_day
    + """
SET t.sales = t.sales + row.amount
RETURN """
    + _touched
    + """ AS soldKeys
"""
)
_ORDER_BUYERS: LiteralString = (
    """
UNWIND $orders AS row
WITH row WHERE row.amount > 0
WITH row.buyerId AS buyerId, collect(DISTINCT row.paidAtMs / 86400000) AS days
ORDER BY buyerId
MATCH (b:Distributor {id: buyerId})
WITH b, days, coalesce(b.liveDays, []) AS old
WITH b, old, [d IN days WHERE NOT d IN old] AS added
WHERE size(added) > 0
SET b.liveDays = old + added
WITH b, old + added AS live, added
UNWIND added + [d IN added | """
    + _next("live", "d")
    + """] AS x
WITH DISTINCT b, live, x WHERE x <> -1000000000
WITH b, x AS day, """
    + _bucket("b")
    + """ AS bucket, """
    + _previous("live", "x")
    + """ AS prev
"""
    + _enter_previous
    + "RETURN "
    + _touched
    + " AS boughtKeys\n"
)
ORDER_DAYS: LiteralString = (
    "CALL () { "
    + _ORDER_SALES
    + " } CALL () { "
    + _ORDER_BUYERS
    + " }\n"
    + refreshed("soldKeys + boughtKeys")
)

# New members: `$days` are `JoinedDay` rows (registration, bulk loads).
JOIN_DAYS: LiteralString = (
    """
UNWIND $days AS d
WITH d, [d.level, d.ancestorId] AS up, d.day AS day, d.bucket AS bucket, d.key AS key
ORDER BY key
"""
    + _merge_day
    + """
SET t.joined = t.joined + d.joined
WITH """
    + _touched
    + """ AS keys
"""
    + refreshed("keys")
)

# A refund, after its order's `net` is lowered: first lock the buyer (their live days)
# and the order's roll-ups, so that the read of the buyer's other orders of that day sees
# every refund committed before.
REFUND_LOCK: LiteralString = (
    """
MATCH (o:Order {id: $orderId})
MATCH (b:Distributor {id: o.buyerId})
SET b._lock = true
REMOVE b._lock
WITH o, b
UNWIND """
    + _ups("o")
    + """ AS up
WITH up, o.paidAt.epochMillis / 86400000 AS day, """
    + _bucket("b")
    + """ AS bucket
WITH up, day, bucket, """
    + _key
    + """ AS key ORDER BY key
MATCH (t:TeamDay {key: key})
SET t._lock = true
REMOVE t._lock
"""
)

# Then take the refunded amount off the day's sales; the buyer leaves the day's buyers
# when none of their orders of that day is left with anything paid, the day leaves their
# live days, and their next live day takes the one before as its previous day.
REFUND_DAYS: LiteralString = (
    """
MATCH (o:Order {id: $orderId})
MATCH (b:Distributor {id: o.buyerId})
WITH o, b, o.paidAt.epochMillis / 86400000 AS day, """
    + _bucket("b")
    + """ AS bucket
CALL (o, day) {
  OPTIONAL MATCH (x:Order)
  WHERE x.buyerId = o.buyerId AND x.paidAt >= datetime({epochMillis: day * 86400000})
    AND x.paidAt < datetime({epochMillis: (day + 1) * 86400000}) AND x.net > 0
  RETURN count(x) > 0 AS live
}
CALL (o, live, day, bucket) {
  UNWIND """
    + _ups("o")
    + """ AS up
  WITH o, live, up, day, bucket, """
    + _key
    + """ AS key ORDER BY key
  MATCH (t:TeamDay {key: key})
  WITH t, live, o.buyerId AS id
  SET t.sales = t.sales - $amount,
      t.prevs = CASE WHEN live THEN t.prevs
                     ELSE [i IN range(0, size(coalesce(t.buyers, [])) - 1)
                           WHERE t.buyers[i] <> id | t.prevs[i]] END,
      t.buyers = CASE WHEN live THEN t.buyers
                      ELSE [x IN coalesce(t.buyers, []) WHERE x <> id] END
"""
    + _set_older
    + "RETURN "
    + _touched
    + """ AS refundedKeys
}
WITH b, live, day AS refunded, bucket, refundedKeys
CALL (b, live, refunded, bucket) {
  WITH b, refunded, bucket WHERE NOT live AND refunded IN coalesce(b.liveDays, [])
  WITH b, refunded, bucket, [d IN b.liveDays WHERE d <> refunded] AS days
  SET b.liveDays = days
  WITH b, bucket, """
    + _next("days", "refunded")
    + """ AS after, """
    + _previous("days", "refunded")
    + """ AS prev
  WHERE after <> -1000000000
  WITH b, bucket, after AS day, prev
"""
    + _enter_previous
    + "RETURN "
    + _touched
    + """ AS nextKeys
}
"""
    + refreshed("refundedKeys + nextKeys")
)

# Moving a subtree (`$path`, its range `$lo`..`$hi`, its root at `$depth`): the root and
# the two levels below it are the members whose ancestors a1..a3 change. Run with
# `$sign` -1 before their stamps change (their contributions leave the old ancestors'
# roll-ups) and +1 after (they join the new ancestors'). Stamps that point inside the
# subtree (level ≤ the member's distance from its root) stay, and so do their roll-ups.
MOVE_DAYS: LiteralString = (
    """
MATCH (m:Distributor)
WHERE (m.path = $path OR (m.path > $lo AND m.path < $hi)) AND m.depth <= $depth + 2
CALL (m) {
  OPTIONAL MATCH (m)-[:PLACED]->(o:Order)
  WITH o.paidAt.epochMillis / 86400000 AS day, sum(o.net) AS net,
       count(CASE WHEN o.net > 0 THEN 1 END) > 0 AS live
  RETURN collect(CASE WHEN day IS NOT NULL THEN {day: day, net: net, live: live, joined: 0}
                 END) AS days
}
WITH m, m.depth - $depth AS r, """
    + _bucket("m")
    + """ AS bucket, [d IN days WHERE d.live | d.day] AS lives,
     [{day: m.joinedAt.epochMillis / 86400000, net: 0, live: false, joined: 1}] + days AS changes
UNWIND [x IN """
    + _ups("m")
    + """ WHERE x[0] > r] AS up
UNWIND changes AS c
WITH m, up, c, c.day AS day, bucket, lives
WITH m, up, c, day, bucket, lives, """
    + _key
    + """ AS key ORDER BY key
"""
    + _merge_day
    + """
SET t.sales = t.sales + $sign * c.net,
    t.joined = t.joined + $sign * c.joined,
    t.prevs = CASE
      WHEN NOT c.live THEN t.prevs
      WHEN $sign < 0 THEN [i IN range(0, size(coalesce(t.buyers, [])) - 1)
                           WHERE t.buyers[i] <> m.id | t.prevs[i]]
      WHEN m.id IN coalesce(t.buyers, []) THEN t.prevs
      ELSE coalesce(t.prevs, []) + """
    + _previous("lives", "c.day")
    + """ END,
    t.buyers = CASE
      WHEN NOT c.live THEN t.buyers
      WHEN $sign < 0 THEN [b IN coalesce(t.buyers, []) WHERE b <> m.id]
      WHEN m.id IN coalesce(t.buyers, []) THEN t.buyers
      ELSE coalesce(t.buyers, []) + m.id END
"""
    + _set_older
    + "WITH "
    + _touched
    + " AS keys\n"
    + refreshed("keys")
)


def _level(template: LiteralString, level: int) -> LiteralString:
    """`template` for one level: `{a}` the stamp's property, `{k}` the level."""
    stamp = STAMPS[level - 1]
    number: LiteralString = ("1", "2", "3")[level - 1]
    return template.replace("{a}", stamp).replace("{k}", number)


# Team metrics of one level: whole days from their day totals where they have one
# (`graph.tree.team_day_totals`, within OLDER_SPAN days of the first whole day), from
# their roll-ups otherwise, the partial days at the two ends of the window from the
# ancestor-stamp indexes. The whole days' distinct buyers are
# their entries whose previous live day is before the first whole day
# (`domain.tree.team_days.first_in_window`), counted already in each roll-up's `older`
# when the window starts less than OLDER_SPAN days before it, and from its `prevs`
# otherwise (or when it has no counts); a buyer of the partial days is one more unless
# they have a live day among the whole days.
_level_window: LiteralString = """
CALL () {
  OPTIONAL MATCH (s:TeamDayTotal)
  WHERE s.ancestorId = $id AND s.level = {k} AND s.day >= $firstDay AND s.day < $endDay
    AND s.day < $firstDay + 32
  RETURN coalesce(sum(s.sales), 0) AS totalSales, coalesce(sum(s.joined), 0) AS totalJoined,
         coalesce(sum(s.older[s.day - $firstDay]), 0) AS totalBuyers, collect(s.day) AS summed
}
CALL (summed) {
  OPTIONAL MATCH (t:TeamDay)
  WHERE t.ancestorId = $id AND t.level = {k} AND t.day >= $firstDay AND t.day < $endDay
    AND NOT t.day IN summed
  RETURN coalesce(sum(t.sales), 0) AS bucketSales, coalesce(sum(t.joined), 0) AS bucketJoined,
         coalesce(sum(CASE WHEN t.older IS NOT NULL AND t.day - $firstDay < 32
                           THEN t.older[t.day - $firstDay]
                           ELSE size([p IN t.prevs WHERE p < $firstDay]) END), 0) AS bucketBuyers
}
CALL () {
  CALL () {
    MATCH (o:Order) WHERE o.{a} = $id AND o.paidAt >= $since AND o.paidAt < $headUntil
      AND o.net IS NOT NULL AND o.buyerId IS NOT NULL
    RETURN o.net AS net, o.buyerId AS buyer
    UNION ALL
    MATCH (o:Order) WHERE o.{a} = $id AND o.paidAt >= $tailSince AND o.paidAt < $until
      AND o.net IS NOT NULL AND o.buyerId IS NOT NULL
    RETURN o.net AS net, o.buyerId AS buyer
  }
  RETURN coalesce(sum(net), 0) AS edgeSales, collect(CASE WHEN net > 0 THEN buyer END) AS edge
}
CALL () {
  CALL () {
    MATCH (m:Distributor)
    WHERE m.{a} = $id AND m.joinedAt >= $since AND m.joinedAt < $headUntil
    RETURN m
    UNION ALL
    MATCH (m:Distributor)
    WHERE m.{a} = $id AND m.joinedAt >= $tailSince AND m.joinedAt < $until
    RETURN m
  }
  RETURN count(m) AS edgeJoined
}
CALL (edge) {
  UNWIND edge AS buyer
  WITH DISTINCT buyer
  MATCH (b:Distributor {id: buyer})
  WHERE none(d IN coalesce(b.liveDays, []) WHERE d >= $firstDay AND d < $endDay)
  RETURN count(b) AS edgeBuyers
}
RETURN totalSales + bucketSales + edgeSales AS teamSales,
       totalJoined + bucketJoined + edgeJoined AS newMembers,
       totalBuyers + bucketBuyers + edgeBuyers AS activeMembers
"""
LEVEL_WINDOWS: dict[int, LiteralString] = {k: _level(_level_window, k) for k in (1, 2, 3)}

# Migration 0021: every roll-up from the members and orders themselves, after every
# buyer's live days: the members' roll-ups in one pass over the members per level (each
# created once: the build starts from none), then the sales one ancestor at a time (a
# team's orders are index seeks on its stamps). Idempotent: it starts from none (live
# days are set for everyone who ever ordered, so none is left from before).
DROP_ALL: LiteralString = """
MATCH (t:TeamDay)
CALL (t) { DELETE t } IN TRANSACTIONS OF 10000 ROWS
"""
BUILD_JOINED: LiteralString = """
MATCH (m:Distributor) WHERE m.{a} IS NOT NULL AND m.joinedAt IS NOT NULL
WITH m.{a} AS id, m.joinedAt.epochMillis / 86400000 AS day,
     m.joinedAt.epochMillis % 32 AS bucket, count(*) AS n
CALL (id, day, bucket, n) {
  CREATE (:TeamDay {key: id + '|{k}|' + toString(day) + '|' + toString(bucket),
    ancestorId: id, level: {k}, day: day, bucket: bucket, sales: 0, joined: n,
    buyers: [], prevs: []})
} IN TRANSACTIONS OF 10000 ROWS
"""
BUILD_LIVE_DAYS: LiteralString = """
MATCH (o:Order) WHERE o.buyerId IS NOT NULL AND o.paidAt IS NOT NULL
WITH o.buyerId AS id,
     collect(DISTINCT CASE WHEN o.net > 0 THEN o.paidAt.epochMillis / 86400000 END) AS days
CALL (id, days) {
  MATCH (b:Distributor {id: id})
  SET b.liveDays = days
} IN TRANSACTIONS OF 10000 ROWS
"""
BUILD_SALES: LiteralString = (
    """
MATCH (a:Distributor) WHERE a.teamSize > 0
CALL (a) {
  MATCH (o:Order)
  WHERE o.{a} = a.id AND o.paidAt IS NOT NULL AND o.net IS NOT NULL AND o.buyerId IS NOT NULL
  MATCH (b:Distributor {id: o.buyerId})
  WITH a, b, o, o.paidAt.epochMillis / 86400000 AS day
  WITH a, day, coalesce(b.joinedAt.epochMillis, 0) % 32 AS bucket, sum(o.net) AS sales,
       collect(DISTINCT CASE WHEN o.net > 0 THEN [o.buyerId, """
    + _previous("coalesce(b.liveDays, [])", "day")
    + """] END) AS entries
  MERGE (t:TeamDay {key: a.id + '|{k}|' + toString(day) + '|' + toString(bucket)})
    ON CREATE SET t.ancestorId = a.id, t.level = {k}, t.day = day, t.bucket = bucket,
      t.joined = 0
  SET t.sales = sales, t.buyers = [e IN entries | e[0]], t.prevs = [e IN entries | e[1]]
"""
    + _set_older
    + """
} IN TRANSACTIONS OF 1000 ROWS
"""
)
# Migration 0023: the `older` counts of roll-ups built before they existed.
BUILD_OLDER: LiteralString = (
    """
MATCH (t:TeamDay) WHERE t.prevs IS NOT NULL AND t.older IS NULL
CALL (t) {
"""
    + _set_older
    + """
} IN TRANSACTIONS OF 10000 ROWS
"""
)
BUILD: tuple[LiteralString, ...] = (
    DROP_ALL,
    *(_level(BUILD_JOINED, k) for k in (1, 2, 3)),
    BUILD_LIVE_DAYS,
    *(_level(BUILD_SALES, k) for k in (1, 2, 3)),
)


def joined_rows(days: Sequence[JoinedDay]) -> list[dict[str, object]]:
    """`JOIN_DAYS`'s `$days`, from `domain.tree.team_days.joined_days`."""
    return [
        {
            "key": d.key,
            "ancestorId": d.ancestor_id,
            "level": d.level,
            "day": d.day,
            "bucket": d.bucket,
            "joined": d.joined,
        }
        for d in days
    ]


async def add_joined(tx: AsyncManagedTransaction, *, days: Sequence[JoinedDay]) -> None:
    """Count new members in their ancestors' roll-ups (`domain.tree.team_days.joined_days`)."""
    if days:
        await (await tx.run(JOIN_DAYS, days=joined_rows(days))).consume()


async def refund_days(tx: AsyncManagedTransaction, *, order_id: str, amount_fen: int) -> None:
    """After `order_id`'s net was lowered by `amount_fen`: its roll-ups follow."""
    await (await tx.run(REFUND_LOCK, orderId=order_id)).consume()
    await (await tx.run(REFUND_DAYS, orderId=order_id, amount=amount_fen)).consume()


async def move_days(
    tx: AsyncManagedTransaction, *, path: str, lo: str, hi: str, depth: int, sign: int
) -> None:
    """A moved subtree's contributions leave (`sign` -1) or join (+1) its ancestors'."""
    await (await tx.run(MOVE_DAYS, path=path, lo=lo, hi=hi, depth=depth, sign=sign)).consume()
