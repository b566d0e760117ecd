"""The workload's operations on the platform: the product's own `graph.*` calls, the same
Cypher through a bare driver call, and the GraphQL API over HTTP.

Every operation returns a plain comparable value (tuples of ids and numbers), so the
workload can check Neo4j's answers against PostgreSQL's. "HTTP" goes through the FastAPI
app in process with httpx's ASGI transport: the whole GraphQL stack, without a socket.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from neo4j import RoutingControl

from access.roles import Role
from access.tokens import issue
from app.main import create_app
from app.settings import Settings
from bench.scale.neo4j_side import POLICY
from domain.models import DistributionMode, Distributor, NewOrder, OrderItem
from domain.pagination import CursorCodec, ListCursors, Window
from graph.db import Database
from graph.fraud import investigation
from graph.fraud import scan as fraud_scan
from graph.money import orders
from graph.tree import registration, team
from graph.tree.distributors import require

Row = tuple[Any, ...]
UPLINE_GQL = """
query($id: ID!) { distributor(id: $id) { upline(depth: 3) { level distributor { id } } } }
"""
DOWNLINE_GQL = """
query($id: ID!, $after: String) {
  distributor(id: $id) { downline(first: 50, after: $after) { edges { level node { id } } } }
}
"""
DEEP = investigation.INVESTIGATION_CAP  # the deep investigation's levels (SPEC §3.2)
CURRENT_RINGS = "MATCH (r:FraudRing {current: true}) RETURN r.members AS members"
HOT_LIMIT = 50


def metrics_row(m: Any) -> Row:
    """Team metrics as one comparable tuple (commissions by status, sorted)."""
    return (
        tuple(m.level_counts),
        m.team_size,
        m.new_members,
        m.active_members,
        m.team_sales_fen,
        m.own_sales_fen,
        tuple(sorted((c.status.value, c.amount_fen) for c in m.commissions if c.amount_fen)),
    )


class Neo4jOps:
    """The product's calls, on one shared driver (its pool serves concurrent callers)."""

    name = "neo4j"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.roots: dict[str, Distributor] = {}

    async def root(self, root_id: str) -> Distributor:
        if root_id not in self.roots:
            self.roots[root_id] = await require(self.db, distributor_id=root_id)
        return self.roots[root_id]

    async def upline(self, distributor_id: str) -> Row:
        entries = await team.upline(self.db, distributor_id=distributor_id, depth=3)
        return tuple((e.level, e.distributor.id) for e in entries)

    async def investigate(self, distributor_id: str) -> Row:
        """The analyst's deep look: everyone above and the subtree's size per level, 20
        deep (`investigateUpline`, `investigateLevels`): two queries side by side, as
        the API runs them for a request that asks for both."""
        above, sizes = await asyncio.gather(
            investigation.chain_above(self.db, distributor_id=distributor_id, depth=DEEP),
            investigation.level_sizes(self.db, distributor_id=distributor_id, depth=DEEP),
        )
        assert sizes is not None, distributor_id
        return (tuple((e.level, e.distributor.id) for e in above), tuple(sizes))

    async def downline(self, root_id: str, after: tuple[int, str] | None) -> Row:
        root = await self.root(root_id)
        boundary = None if after is None else (after[0], after[1][len(root.path) + 1 :])
        window = Window(forward=True, size=50, boundary=boundary)
        page = await team.downline(self.db, root=root, depth=3, level=None, window=window)
        return tuple((r.node.level, r.node.distributor.id) for r in page.rows)

    async def metrics(self, root_id: str, since: datetime, until: datetime) -> Row:
        root = await self.root(root_id)
        found = await team.metrics(self.db, root=root, depth=3, since=since, until=until)
        return metrics_row(found)

    async def record_order(self, order_id: str, buyer_id: str, amount: int) -> Row:
        now = datetime.now(UTC)
        new = NewOrder(order_id, buyer_id, amount, now, (OrderItem(amount_fen=amount),))
        recorded = await orders.record(self.db, orders=[new], policy=POLICY, now=now)
        return tuple((c.level, c.beneficiary_id, c.amount_fen) for c in recorded[0].commissions)

    async def ring_scan(self) -> Row:
        await fraud_scan.scan(self.db, hot_limit=HOT_LIMIT, now=datetime.now(UTC))
        return tuple(sorted(tuple(r["members"]) for r in await self.db.read(CURRENT_RINGS)))

    async def insert_referral(self, new_id: str, sponsor_id: str) -> Row:
        made = await registration.register(
            self.db,
            distributor_id=new_id,
            name="新人",
            sponsor_id=sponsor_id,
            phone=None,
            now=datetime.now(UTC),
            distribution_mode=DistributionMode.EVERYONE,
            team_leader_recruits=POLICY.team_leader_recruits,
        )
        return (made.id, made.sponsor_id, made.depth)


class BareOps:
    """The same Cypher as `graph.tree.team`, sent with `driver.execute_query` and not parsed."""

    name = "neo4j bare driver"

    def __init__(self, db: Database, roots: dict[str, Distributor]) -> None:
        self.db = db
        self.roots = roots

    async def upline(self, distributor_id: str) -> Row:
        found = await self.db.driver.execute_query(
            team.UPLINE,
            {"id": distributor_id, "depth": 3},
            routing_=RoutingControl.READ,
            database_=self.db.name,
        )
        return tuple((r["level"], r["a"]["id"]) for r in found.records)

    async def downline(self, root_id: str, after: tuple[int, str] | None) -> Row:
        root = self.roots[root_id]
        boundary = None if after is None else (after[0], after[1][len(root.path) + 1 :])
        levels = team.levels_reading([1, 2, 3], forward=True, boundary=boundary)
        found = await self.db.driver.execute_query(
            team.DOWNLINE_PAGE,
            {"root": root_id, "levels": levels, "limit": 50},
            routing_=RoutingControl.READ,
            database_=self.db.name,
        )
        return tuple((r["level"], r["m"]["id"]) for r in found.records)


class HttpOps:
    """The GraphQL API through the FastAPI app (httpx ASGI transport, in process)."""

    name = "neo4j HTTP GraphQL"

    def __init__(self, db: Database, roots: dict[str, Distributor]) -> None:
        settings = Settings(settle_interval_seconds=0, fraud_scan_interval_seconds=0)
        token = issue(
            config=settings.token_config,
            subject="bench",
            role=Role.ADMIN,
            ttl=timedelta(hours=4),
            now=datetime.now(UTC),
        )
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, database=db)),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.roots = roots
        self.codec = CursorCodec(settings.cursor_secret.encode())

    def cursors(self, root_id: str) -> ListCursors:
        """Signed downline cursors, as the API issues them (the bench holds the secret)."""
        return self.codec.bind(team.DOWNLINE.bound(root=root_id, depth=3, level=None))

    async def _post(self, query: str, variables: dict[str, Any]) -> Any:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        if "errors" in body:
            raise RuntimeError(str(body["errors"])[:300])
        return body["data"]["distributor"]

    async def upline(self, distributor_id: str) -> Row:
        found = await self._post(UPLINE_GQL, {"id": distributor_id})
        return tuple((e["level"], e["distributor"]["id"]) for e in found["upline"])

    async def downline(self, root_id: str, after: tuple[int, str] | None) -> Row:
        cursor = None
        if after is not None:
            root = self.roots[root_id]
            cursor = self.cursors(root_id).cursor((after[0], after[1][len(root.path) + 1 :]))
        found = await self._post(DOWNLINE_GQL, {"id": root_id, "after": cursor})
        return tuple((e["level"], e["node"]["id"]) for e in found["downline"]["edges"])

    async def close(self) -> None:
        await self.client.aclose()
