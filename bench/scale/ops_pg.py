"""The workload's operations on PostgreSQL, in the two designs of `pg_load`.

Each `PgOps` owns one connection (one per concurrent worker). Answers have the same
shape as `ops_neo4j`'s, so the workload can compare them. The commission split and the
ring scan use the product's own pure rules (`rules.commission.split`,
`rules.fraud.connected_groups`, `rules.fraud.ring_score`), so only storage differs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, LiteralString

import psycopg

from bench.scale.neo4j_side import POLICY
from bench.scale.ops_neo4j import DEEP, HOT_LIMIT, Row
from bench.scale.pg_load import commission_row
from domain.fraud.identifiers import RING_KINDS
from domain.fraud.rings import connected_groups, ring_score
from domain.models import OrderItem, Rank, Status
from domain.money.commission import DEFAULT_RULES, Candidate, beneficiary_ids, split
from domain.tree.paths import node_key

# The team below a root, three levels, from the adjacency list (carrying each path).
ADJ_TEAM: LiteralString = """
WITH RECURSIVE team(id, level, path) AS (
  SELECT id, 1, path FROM adj.distributor WHERE sponsor_id = %(root)s
  UNION ALL
  SELECT d.id, t.level + 1, d.path FROM team t JOIN adj.distributor d ON d.sponsor_id = t.id
  WHERE t.level < 3
)"""
CLO_TEAM: LiteralString = """
WITH team(id, level, path) AS (
  SELECT descendant, depth, dpath FROM clo.closure WHERE ancestor = %(root)s
)"""
UPLINE: dict[str, LiteralString] = {
    "adj": """
WITH RECURSIVE up(id, level) AS (
  SELECT sponsor_id, 1 FROM adj.distributor WHERE id = %(id)s AND sponsor_id IS NOT NULL
  UNION ALL
  SELECT d.sponsor_id, up.level + 1 FROM up JOIN adj.distributor d ON d.id = up.id
  WHERE up.level < %(depth)s AND d.sponsor_id IS NOT NULL
)
SELECT up.level, d.id, d.name, d.rank, d.status, d.joined_at, d.sponsor_id
FROM up JOIN adj.distributor d ON d.id = up.id ORDER BY up.level""",
    "clo": """
SELECT c.depth, d.id, d.name, d.rank, d.status, d.joined_at, d.sponsor_id
FROM clo.closure c JOIN clo.distributor d ON d.id = c.ancestor
WHERE c.descendant = %(id)s AND c.depth <= %(depth)s ORDER BY c.depth""",
}
# The deep investigation (20 levels, SPEC §3.2) on the adjacency list: the chain above
# and the subtree's size per level, each one recursive CTE (the closure table stops at 3).
DEEP_UPLINE: LiteralString = UPLINE["adj"]
DEEP_LEVELS: LiteralString = """
WITH RECURSIVE down(id, level) AS (
  SELECT id, 1 FROM adj.distributor WHERE sponsor_id = %(id)s
  UNION ALL
  SELECT d.id, down.level + 1 FROM down JOIN adj.distributor d ON d.sponsor_id = down.id
  WHERE down.level < %(depth)s
)
SELECT level, count(*) FROM down GROUP BY level"""
DOWNLINE: dict[str, LiteralString] = {
    "adj": ADJ_TEAM
    + """
SELECT t.level, d.id, d.name, d.rank, d.joined_at, d.sponsor_id
FROM team t JOIN adj.distributor d ON d.id = t.id
WHERE (t.level, t.path) > (%(level)s, %(path)s)
ORDER BY t.level, t.path LIMIT 50""",
    "clo": """
SELECT c.depth, d.id, d.name, d.rank, d.joined_at, d.sponsor_id
FROM clo.closure c JOIN clo.distributor d ON d.id = c.descendant
WHERE c.ancestor = %(root)s
  AND (c.ancestor, c.depth, c.dpath) > (%(root)s, %(level)s, %(path)s)
ORDER BY c.ancestor, c.depth, c.dpath LIMIT 50""",
}
METRICS_TAIL: LiteralString = """,
levels AS (SELECT level, count(*) AS n FROM team GROUP BY level),
joined AS (
  SELECT count(*) AS n FROM team t JOIN {s}.distributor d ON d.id = t.id
  WHERE d.joined_at >= %(since)s AND d.joined_at < %(until)s),
sales AS (
  SELECT count(DISTINCT o.buyer_id) FILTER (WHERE o.amount > o.refunded) AS active,
         coalesce(sum(o.amount - o.refunded), 0) AS sales
  FROM team t JOIN orders o ON o.buyer_id = t.id
  WHERE o.paid_at >= %(since)s AND o.paid_at < %(until)s),
own AS (
  SELECT coalesce(sum(amount - refunded), 0) AS own FROM orders
  WHERE buyer_id = %(root)s AND paid_at >= %(since)s AND paid_at < %(until)s),
earned AS (
  SELECT status, sum(CASE status WHEN 'CANCELLED' THEN original ELSE amount END) AS amount
  FROM commission
  WHERE beneficiary_id = %(root)s AND paid_at >= %(since)s AND paid_at < %(until)s
  GROUP BY status)
SELECT (SELECT coalesce(json_object_agg(level, n), '{{}}') FROM levels),
       joined.n, sales.active, sales.sales, own.own,
       (SELECT coalesce(json_object_agg(status, amount), '{{}}') FROM earned)
FROM joined, sales, own"""
METRICS: dict[str, str] = {
    "adj": ADJ_TEAM + METRICS_TAIL.format(s="adj"),
    "clo": CLO_TEAM + METRICS_TAIL.format(s="clo"),
}
LOCK_SPONSOR: dict[str, LiteralString] = {
    "adj": "SELECT path, depth, status FROM adj.distributor WHERE id = %(id)s FOR UPDATE",
    "clo": "SELECT path, depth, status FROM clo.distributor WHERE id = %(id)s FOR UPDATE",
}
NEW_ROW: LiteralString = """ VALUES (%(id)s, %(name)s, %(sponsor)s, 'DISTRIBUTOR', 'ACTIVE',
  %(now)s, %(path)s, %(depth)s) ON CONFLICT (id) DO NOTHING RETURNING id"""
INSERT_DISTRIBUTOR: dict[str, LiteralString] = {
    "adj": "INSERT INTO adj.distributor" + NEW_ROW,
    "clo": "INSERT INTO clo.distributor" + NEW_ROW,
}
INSERT_CLOSURE: LiteralString = """
INSERT INTO clo.closure
SELECT ancestor, depth + 1, %(path)s, %(id)s FROM clo.closure
WHERE descendant = %(sponsor)s AND depth < 3
UNION ALL SELECT %(sponsor)s, 1, %(path)s, %(id)s"""
INSERT_ORDER: LiteralString = """
INSERT INTO orders (id, buyer_id, amount, paid_at) VALUES (%(id)s, %(buyer)s, %(amount)s, %(at)s)
ON CONFLICT (id) DO NOTHING RETURNING id"""
INSERT_COMMISSION: LiteralString = """
INSERT INTO commission VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
SHARED: LiteralString = """
SELECT l.key, l.kind, array_agg(l.distributor_id)
FROM shared_identifier s JOIN identifier_link l ON l.key = s.key
WHERE s.kind = ANY(%(kinds)s) GROUP BY l.key, l.kind
HAVING count(*) BETWEEN 2 AND %(hot)s"""
DESCRIBE: LiteralString = """
SELECT r.id,
  (SELECT coalesce(array_agg(d.sponsor_id || '>' || d.id), '{}') FROM adj.distributor d
   WHERE d.id = ANY(r.members) AND d.sponsor_id = ANY(r.members)),
  (SELECT coalesce(sum(c.amount), 0) FROM commission c WHERE c.beneficiary_id = ANY(r.members))
FROM json_to_recordset(%(rings)s) AS r(id text, members text[])"""
STORE_RING: LiteralString = """
INSERT INTO fraud_ring VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET scan_id = excluded.scan_id, score = excluded.score,
  edges = excluded.edges, commissions = excluded.commissions"""
RING_BATCH = 1_000


class PgOps:
    """One design (`adj` or `clo`) on one connection."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], design: str) -> None:
        self.conn = conn
        self.design = design
        self.name = {"adj": "pg adjacency + CTE", "clo": "pg closure table"}[design]

    @classmethod
    async def connect(cls, dsn: str, design: str) -> PgOps:
        return cls(await psycopg.AsyncConnection.connect(dsn, autocommit=True), design)

    async def _rows(self, query: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        cur = await self.conn.execute(query, params)
        return await cur.fetchall()

    async def upline(self, distributor_id: str) -> Row:
        rows = await self._rows(UPLINE[self.design], {"id": distributor_id, "depth": 3})
        return tuple((r[0], r[1]) for r in rows)

    async def investigate(self, distributor_id: str) -> Row:
        params = {"id": distributor_id, "depth": DEEP}
        above = await self._rows(DEEP_UPLINE, params)
        sizes = dict(await self._rows(DEEP_LEVELS, params))
        return (
            tuple((r[0], r[1]) for r in above),
            tuple(int(sizes.get(k, 0)) for k in range(1, DEEP + 1)),
        )

    async def downline(self, root_id: str, after: tuple[int, str] | None) -> Row:
        level, path = after or (0, "")
        rows = await self._rows(
            DOWNLINE[self.design], {"root": root_id, "level": level, "path": path}
        )
        return tuple((r[0], r[1]) for r in rows)

    async def metrics(self, root_id: str, since: datetime, until: datetime) -> Row:
        params = {"root": root_id, "since": since, "until": until}
        levels, joined, active, sales, own, earned = (
            await self._rows(METRICS[self.design], params)
        )[0]
        counts = tuple(int(levels.get(str(k), 0)) for k in (1, 2, 3))
        commissions = tuple(sorted((s, int(a)) for s, a in earned.items() if a))
        return (counts, sum(counts), joined, active, int(sales), int(own), commissions)

    async def record_order(self, order_id: str, buyer_id: str, amount: int) -> Row:
        now = datetime.now(UTC)
        async with self.conn.transaction():
            upline = await self._rows(UPLINE[self.design], {"id": buyer_id, "depth": 3})
            ids = beneficiary_ids(
                buyer_id=buyer_id,
                upline_ids=[r[1] for r in upline],
                levels=POLICY.commission_levels,
                self_purchase=POLICY.self_purchase_commission,
            )
            people = {r[1]: r for r in upline}
            chain = [
                Candidate(k, who, Rank(people[who][3]), Status(people[who][4]))
                for k, who in enumerate(ids, start=1)
            ]
            shares = split(items=(OrderItem(amount_fen=amount),), chain=chain, rules=DEFAULT_RULES)
            made = await self._rows(
                INSERT_ORDER, {"id": order_id, "buyer": buyer_id, "amount": amount, "at": now}
            )
            paid = [s for s in shares if s.forfeit is None and s.amount_fen > 0]
            if made and paid:
                async with self.conn.cursor() as cur:
                    await cur.executemany(
                        INSERT_COMMISSION, [commission_row(order_id, s, now) for s in paid]
                    )
        return tuple((s.level, s.distributor_id, s.amount_fen) for s in paid)

    async def ring_scan(self) -> Row:
        kinds = sorted(k.value for k in RING_KINDS)
        shared = await self._rows(SHARED, {"kinds": kinds, "hot": HOT_LIMIT})
        drafts = connected_groups((key, kind, members) for key, kind, members in shared)
        scan_id = "scan-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        for start in range(0, len(drafts), RING_BATCH):
            batch = drafts[start : start + RING_BATCH]
            asked = json.dumps([{"id": d.id, "members": d.members} for d in batch])
            facts = {r[0]: r for r in await self._rows(DESCRIBE, {"rings": asked})}
            rows = []
            for d in batch:
                _, edges, commissions = facts[d.id]
                score, _ = ring_score(
                    size=len(d.members),
                    kinds=d.identifiers.values(),
                    referral_edges=len(edges),
                    commissions_fen=int(commissions),
                )
                rows.append(
                    (
                        d.id,
                        scan_id,
                        d.members,
                        sorted(d.identifiers),
                        score,
                        edges,
                        int(commissions),
                    )
                )
            async with self.conn.transaction(), self.conn.cursor() as cur:
                await cur.executemany(STORE_RING, rows)
        return tuple(sorted(tuple(d.members) for d in drafts))

    async def insert_referral(self, new_id: str, sponsor_id: str) -> Row:
        async with self.conn.transaction():
            found = await self._rows(LOCK_SPONSOR[self.design], {"id": sponsor_id})
            if not found or found[0][2] != "ACTIVE":
                raise RuntimeError(f"sponsor {sponsor_id} missing or inactive")
            path, depth = f"{found[0][0]}/{node_key(new_id)}", found[0][1] + 1
            params = {
                "id": new_id,
                "name": "新人",
                "sponsor": sponsor_id,
                "now": datetime.now(UTC),
                "path": path,
                "depth": depth,
            }
            made = await self._rows(INSERT_DISTRIBUTOR[self.design], params)
            if made and self.design == "clo":
                await self.conn.execute(INSERT_CLOSURE, params)
        return (new_id, sponsor_id, depth)

    async def close(self) -> None:
        await self.conn.close()
