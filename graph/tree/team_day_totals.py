"""Day totals of the team roll-ups in Neo4j: `(:TeamDayTotal {key, ancestorId, level,
day, sales, joined, older})`, the sums of one ancestor's, level's and day's 32 buckets
(`graph.tree.team_days`), `older` summed position by position. A window of team metrics
reads one total per whole day instead of 32 buckets (`team_days.LEVEL_WINDOWS`).

A total exists only for a day whose 32 buckets all exist, and only once the day is over
when it is built: `build` (the `team-day-totals` job, `app.scheduler`) and migration 0025
(`BUILD_ALL`, the days already stored) make them. A day still open is written by every
order of the team, and a total would make those orders wait for each other.

Once a total exists, every writer of its buckets sums it again in the same transaction
(`refreshed`), after its writes to the buckets: it locks the total first, then reads the
32 buckets, so the last writer to lock it sees every other writer's committed buckets
and its own. The builder locks all 32 buckets of a day, in key order, before it creates
the day's total, so no writer of a bucket can commit unseen between its read and its
commit. 86400000 is `DAY_MS` and 32 `BUCKETS` and `OLDER_SPAN` (checked in team_days).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.db import Database

CHUNK = 50  # days of a team summed in one transaction by `build`
SPAN_DAYS = 35  # how far back each run of `build` looks for days without a total


def total_key(roll_up: LiteralString) -> LiteralString:
    """The key of the total of the roll-up `roll_up` (`ancestorId|level|day`)."""
    return "{0}.ancestorId + '|' + toString({0}.level) + '|' + toString({0}.day)".replace(
        "{0}", roll_up
    )


# With `totalKey`: the total of that key, if it exists, summed again from its buckets.
_sum_again: LiteralString = """
CALL (totalKey) {
  MATCH (s:TeamDayTotal {key: totalKey})
  SET s._lock = true
  REMOVE s._lock
  WITH s
  MATCH (x:TeamDay)
  WHERE x.ancestorId = s.ancestorId AND x.level = s.level AND x.day = s.day
  WITH s, sum(x.sales) AS sales, sum(x.joined) AS joined,
       collect(coalesce(x.older, [i IN range(0, 31) |
         size([p IN coalesce(x.prevs, []) WHERE x.day - p > i])])) AS olders
  SET s.sales = sales, s.joined = joined,
      s.older = [i IN range(0, 31) | reduce(n = 0, o IN olders | n + o[i])]
}
"""


def refreshed(keys: LiteralString) -> LiteralString:
    """A clause that sums again the totals of `keys` (a list of `total_key`s, collected
    after every write to their buckets), in key order. Ends a unit subquery."""
    return (
        "UNWIND " + keys + " AS totalKey\nWITH DISTINCT totalKey ORDER BY totalKey\n" + _sum_again
    )


# The days of `$fromDay`..`$today` (excluded) whose 32 buckets exist and that have no
# total yet, in key order.
MISSING: LiteralString = """
MATCH (t:TeamDay) WHERE t.day >= $fromDay AND t.day < $today
WITH t.ancestorId AS ancestorId, t.level AS level, t.day AS day, count(*) AS buckets
WHERE buckets = 32
WITH ancestorId, level, day, ancestorId + '|' + toString(level) + '|' + toString(day) AS key
WHERE NOT EXISTS { MATCH (:TeamDayTotal {key: key}) }
RETURN key, ancestorId, level, day ORDER BY key
"""

# `$days` (rows of MISSING, in key order): lock each day's buckets in key order, all of
# them before any total; then each day still with 32 buckets gets its total.
_lock_buckets: LiteralString = """
CALL (g) {
  MATCH (x:TeamDay)
  WHERE x.ancestorId = g.ancestorId AND x.level = g.level AND x.day = g.day
  WITH x ORDER BY x.key
  SET x._lock = true
  REMOVE x._lock
  RETURN count(x) AS buckets
}
"""
_create_total: LiteralString = """
MERGE (s:TeamDayTotal {key: g.key})
  ON CREATE SET s.ancestorId = g.ancestorId, s.level = g.level, s.day = g.day
"""
BUILD_DAYS: LiteralString = (
    "UNWIND $days AS g\n"
    + _lock_buckets
    + "WITH collect(CASE WHEN buckets = 32 THEN g END) AS complete\n"
    + "UNWIND complete AS g\n"
    + _create_total
    + "WITH collect(g.key) AS keys\n"
    + refreshed("keys")
)

# Migration 0025: the totals of every day before today already stored, the same way.
BUILD_ALL: LiteralString = (
    """
MATCH (t:TeamDay) WHERE t.day < datetime().epochMillis / 86400000
WITH t.ancestorId AS ancestorId, t.level AS level, t.day AS day, count(*) AS buckets
WHERE buckets = 32
WITH {key: ancestorId + '|' + toString(level) + '|' + toString(day),
      ancestorId: ancestorId, level: level, day: day} AS g
ORDER BY g.key
CALL (g) {
"""
    + _lock_buckets
    + "WITH g WHERE buckets = 32\n"
    + _create_total
    + "WITH g.key AS totalKey\n"
    + _sum_again
    + """
} IN TRANSACTIONS OF 100 ROWS
"""
)

# A test network's totals, with its roll-ups (`graph.tree.bulk.DELETE_BY_PREFIX`).
DELETE_BY_PREFIX: LiteralString = """
MATCH (s:TeamDayTotal) WHERE s.ancestorId STARTS WITH $prefix
CALL (s) { DELETE s } IN TRANSACTIONS OF 10000 ROWS
"""


async def _build_days(db: Database, days: Sequence[dict[str, object]]) -> None:
    async def work(tx: AsyncManagedTransaction) -> None:
        await (await tx.run(BUILD_DAYS, days=list(days))).consume()

    await db.write(work)


async def build(db: Database, *, today: int, span_days: int = SPAN_DAYS) -> int:
    """Give a total to every day of the `span_days` before the UTC day `today` whose
    32 buckets exist and that has none; returns how many days were looked at."""
    records = await db.read(MISSING, fromDay=today - span_days, today=today)
    days = [record.data() for record in records]
    for start in range(0, len(days), CHUNK):
        await _build_days(db, days[start : start + CHUNK])
    return len(days)
