"""Benchmark: the full fraud-ring scan and the registration ring check (SPEC §7: scan
≤ 60 s, check ≤ 50 ms) at 1,000,000 distributors and 2,000,000 identifier links.

Loads a power-law network (`devtools.demo.generate`) through the product's bulk path under a
private id prefix, then --links identifier links (`graph.tree.bulk.load_identifiers`), keyed
as registration keys them (`rules.identifiers.identify`, the default policy's secret).
Deterministic for a seed; identifier values carry a per-run token, so they meet nobody
else's. About two links per distributor:
  - planted rings (200 at 1,000,000; sizes 3-30), in three shapes: a star on one
    device; a chain sharing payment accounts pairwise; a cycle whose neighbours share a
    phone or an address, alternately. Half are a sponsor with their own recruits
    (referral edges inside the ring), half are strangers;
  - look-alikes that must link nobody: households (pairs sharing an address or a
    tablet), hot identifiers (parcel stations, shop tablets: 60-500 users each, above
    the hot limit 50; ring members among them), shared IPs (2-40 users; an IP is no ring
    kind);
  - the rest unique: one phone, device, payment account, IP or address per person.
Then:
  - times `graph.fraud.scan.scan` (hot limit 50) three times, with its phases, and
    checks that every planted ring is found with exactly its members and its shared
    identifiers, that nothing else of this network is a ring, and that no ring of the
    scan is linked through a hot identifier or an IP;
  - registers --runs new distributors through `graph.tree.registration.register` with
    identifiers (10 % share a device with a planted ring member, 10 % an identifier with
    their sponsor, 5 % a hot identifier, 5 % a ring member's IP, the rest clean; sponsors
    are random existing distributors): p50/p95/p99 of the whole call, of its write
    transaction and of `graph.fraud.alerts.check_registration` alone, and checks that exactly
    the expected ones were flagged, with the expected reasons.
The scan covers the whole database (other people's data included) and marks rings not
found again as not current. Everything this script wrote is deleted at the end unless
--keep. Uses NEO4J_URI (default bolt://127.0.0.1:7687).

    python bench/fraud_1m.py [--size 1000000] [--links 2000000] [--runs 300] [--seed 23]
                             [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shlex
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import Neo4jError

from app.settings import Settings, default_policy
from devtools.demo import generate
from domain.fraud.identifiers import RING_KINDS, Identifier, IdentifierKind, identify
from domain.models import DistributionMode
from domain.tree.paths import Placement
from graph.db import Database, Work
from graph.fraud import alerts
from graph.fraud import scan as fraud_scan
from graph.migrations import migrate
from graph.tree import bulk, registration

T = TypeVar("T")
DEVICE, PHONE, IP, PAYMENT, ADDRESS = (
    IdentifierKind.DEVICE,
    IdentifierKind.PHONE,
    IdentifierKind.IP,
    IdentifierKind.PAYMENT,
    IdentifierKind.ADDRESS,
)
HOT_LIMIT = 50
NETWORK_BATCH = 10_000
LINK_BATCH = 10_000
SCANS = 3
WARM_UP = 20
# How often each kind is someone's own (unshared) identifier.
UNIQUE_WEIGHTS = {PHONE: 0.35, DEVICE: 0.30, PAYMENT: 0.15, IP: 0.10, ADDRESS: 0.10}
RING_SIZES = (3, 30)
HOT_USERS = (60, 500)
IP_USERS = (2, 40)
RING_REASON = "SHARES_WITH_RING"
SPONSOR_REASON = "SHARES_WITH_SPONSOR"

MY_RINGS = """
MATCH (r:FraudRing)
WHERE r.scanId = $scanId AND any(m IN r.members WHERE m STARTS WITH $prefix)
RETURN r.id AS id, r.members AS members, r.kinds AS kinds, r.current AS current,
       [(r)-[:SHARES]->(i:Identifier) | i.key] AS keys
"""
HOT_OR_IP_LINKED = """
MATCH (r:FraudRing)-[:SHARES]->(i:Identifier)
WHERE r.scanId = $scanId AND (i.kind = 'IP' OR COUNT { (i)<-[:USES]-() } > $hot)
RETURN count(DISTINCT r) AS rings
"""
RINGS_OF_SCAN = "MATCH (r:FraudRing) WHERE r.scanId = $scanId RETURN count(r) AS n"
CURRENT_MEMBERS = """
UNWIND $ids AS id
MATCH (:FraudRing {current: true})-[:INCLUDES]->(d:Distributor {id: id})
RETURN count(DISTINCT d) AS n
"""
MY_ALERTS = """
MATCH (a:FraudAlert) WHERE a.distributorId STARTS WITH $prefix
RETURN a.distributorId AS id, a.reasons AS reasons
"""
COMPONENTS = "CALL dbms.components() YIELD name, versions, edition RETURN *"
CONFIG = """
CALL dbms.listConfig() YIELD name, value
WHERE name IN ['server.memory.heap.max_size', 'server.memory.pagecache.size']
RETURN name, value
"""
HEAP = """
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties.max AS max
"""
# What this script writes besides the network that `bulk.delete_by_prefix` removes:
# alerts first, then (once the distributors are gone) the identifiers nobody uses any
# more, out of the keys this run made, and the rings whose members are gone.
DELETE_ALERTS = """
MATCH (a:FraudAlert) WHERE a.distributorId STARTS WITH $prefix
CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF 10000 ROWS
"""
DELETE_IDENTIFIERS = """
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
WHERE NOT EXISTS { (i)<-[:USES]-() }
CALL (i) { DETACH DELETE i } IN TRANSACTIONS OF 10000 ROWS
"""
DELETE_RINGS = """
MATCH (r:FraudRing)
WHERE NOT EXISTS { (r)-[:INCLUDES]->() } AND any(m IN r.members WHERE m STARTS WITH $prefix)
CALL (r) { DETACH DELETE r } IN TRANSACTIONS OF 1000 ROWS
"""
KEYS_PER_DELETE = 100_000
REGISTRATION_VALUES = 50_000_000  # their counters start here, far above the network's


class TimedDatabase(Database):
    """A `Database` that times write transactions (each one) and reads (by statement)."""

    def __init__(self, driver: AsyncDriver, *, name: str) -> None:
        super().__init__(driver, name=name)
        self.write_ms: list[float] = []
        self.read_s: dict[str, float] = {}
        self.read_rows: dict[str, int] = {}

    async def write(self, work: Work[T]) -> T:
        started = time.perf_counter()
        try:
            return await super().write(work)
        finally:
            self.write_ms.append((time.perf_counter() - started) * 1000)

    async def read(self, query: LiteralString, **params: Any) -> Any:
        started = time.perf_counter()
        try:
            found = await super().read(query, **params)
            # the ring scan's SHARED answers one row holding every shared identifier
            shared = found[0].get("shared") if len(found) == 1 else None
            self.read_rows[query] = len(shared) if isinstance(shared, list) else len(found)
            return found
        finally:
            self.read_s[query] = self.read_s.get(query, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class PlantedRing:
    shape: str
    members: tuple[str, ...]  # sorted
    keys: frozenset[str]  # the identifiers they share
    team: bool  # a sponsor with their own recruits


@dataclass
class Plan:
    """The identifier links of a network, and what the scan must make of them."""

    rows: list[dict[str, str]] = field(default_factory=list)
    uses: dict[str, list[Identifier]] = field(default_factory=dict)
    planted: list[PlantedRing] = field(default_factory=list)
    hot: list[Identifier] = field(default_factory=list)
    ips: list[Identifier] = field(default_factory=list)
    users: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)  # links by category

    def link(self, who: str, ident: Identifier, category: str) -> None:
        self.rows.append({"distributorId": who, "key": ident.key, "kind": ident.kind.value})
        self.uses.setdefault(who, []).append(ident)
        self.users[ident.key] += 1
        self.counts[category] += 1

    @property
    def ring_members(self) -> set[str]:
        return {m for ring in self.planted for m in ring.members}


class Values:
    """Plain identifier values, unique in this run (a counter per kind and a run token),
    keyed as registration keys them."""

    def __init__(self, token: str, secret: bytes, *, first: int = 0) -> None:
        self.token = token
        self.digits = int(token, 16) % 1_000_000
        self.secret = secret
        self.n: Counter[IdentifierKind] = Counter({kind: first for kind in IdentifierKind})

    def new(self, kind: IdentifierKind, tag: str = "") -> Identifier:
        self.n[kind] += 1
        n = self.n[kind]
        if kind is PHONE:  # 15 digits: never mistaken for +86 and a mobile number
            value = f"+9 {self.digits:06d} {n:08d}"
        elif kind is ADDRESS:
            value = f"{self.token} {tag or '幸福路'} {n} 号"
        else:
            value = f"{self.token}-{kind.value.lower()}-{tag or 'own'}-{n}"
        return identify(kind, value, secret=self.secret)


def plan_links(
    network: Sequence[Placement], *, total: int, seed: int, token: str, secret: bytes
) -> Plan:
    """About `total` links of `network`, deterministic for `seed` (and `token`)."""
    rng = random.Random(seed)
    values = Values(token, secret)
    plan = Plan()
    ids = [p.id for p in network]
    n = len(ids)
    taken: set[int] = set()

    # Planted rings: half a sponsor with their own recruits, half strangers.
    index = {p.id: i for i, p in enumerate(network)}
    recruits: dict[int, list[int]] = {}
    for i, p in enumerate(network):
        if p.sponsor_id is not None:
            recruits.setdefault(index[p.sponsor_id], []).append(i)
    sponsors = sorted(s for s, r in recruits.items() if len(r) >= 2)
    for r in range(min(200, n // 100)):
        size = rng.randint(*RING_SIZES)
        members = _team(rng, recruits, sponsors, taken, size) if r % 2 == 0 else None
        team = members is not None
        if members is None:
            members = []
            while len(members) < size:
                pick = rng.randrange(n)
                if pick not in taken:
                    taken.add(pick)
                    members.append(pick)
        people = [ids[i] for i in members]
        size = len(people)  # a sponsor may have fewer free recruits
        shape = ("star", "chain", "cycle")[r % 3]
        shared: list[Identifier] = []
        if shape == "star":
            device = values.new(DEVICE, "ring")
            shared.append(device)
            for who in people:
                plan.link(who, device, "planted rings")
        elif shape == "chain":
            cards = [values.new(PAYMENT, "ring") for _ in range(size - 1)]
            shared += cards
            for j, who in enumerate(people):
                for card in cards[max(0, j - 1) : j + 1]:
                    plan.link(who, card, "planted rings")
        else:
            for j in range(size):
                kind = PHONE if j % 2 == 0 else ADDRESS
                ident = values.new(kind, "环路")
                shared.append(ident)
                for who in (people[j], people[(j + 1) % size]):
                    plan.link(who, ident, "planted rings")
        plan.planted.append(
            PlantedRing(shape, tuple(sorted(people)), frozenset(i.key for i in shared), team)
        )

    # Households: pairs sharing an address or a tablet, apart from everyone else.
    pool = [i for i in range(n) if i not in taken]
    rng.shuffle(pool)
    pairs = [(ADDRESS, "家"), (DEVICE, "family")]
    households = [n // 40, n // 100]
    at = 0
    for (kind, tag), count in zip(pairs, households, strict=True):
        for _ in range(count):
            ident = values.new(kind, tag)
            for person in pool[at : at + 2]:
                plan.link(ids[person], ident, "household pairs")
            at += 2

    # Hot identifiers: parcel stations and shop tablets; anyone may use one.
    for h in range(max(2, n // 10_000)):
        ident = values.new(ADDRESS, "菜鸟驿站") if h % 2 == 0 else values.new(DEVICE, "shop")
        plan.hot.append(ident)
        for person in rng.sample(range(n), min(n, rng.randint(*HOT_USERS))):
            plan.link(ids[person], ident, "hot identifiers")

    # Shared IPs (an office, a café): no ring kind, so they link nobody either.
    for _ in range(n // 1_000):
        ident = values.new(IP, "nat")
        plan.ips.append(ident)
        for person in rng.sample(range(n), min(n, rng.randint(*IP_USERS))):
            plan.link(ids[person], ident, "shared IPs")

    # The rest: everyone's own identifiers, about the same number each.
    budget = max(0, total - len(plan.rows))
    base, extra = divmod(budget, n)
    order = list(range(n))
    rng.shuffle(order)
    kinds = list(UNIQUE_WEIGHTS)
    for j, person in enumerate(order):
        count = min(len(kinds), base + (j < extra))
        ranked = sorted(kinds, key=lambda k: rng.random() ** (1 / UNIQUE_WEIGHTS[k]))
        for kind in ranked[-count:] if count else ():
            plan.link(ids[person], values.new(kind), "own identifiers")
    return plan


def _team(
    rng: random.Random,
    recruits: dict[int, list[int]],
    sponsors: list[int],
    taken: set[int],
    size: int,
) -> list[int] | None:
    """A sponsor and up to size - 1 of their own recruits, none taken yet (None if no
    such sponsor turns up soon)."""
    for _ in range(50):
        sponsor = rng.choice(sponsors)
        free = [r for r in recruits[sponsor] if r not in taken]
        if sponsor in taken or len(free) < 2:
            continue
        members = [sponsor, *free[: size - 1]]
        if len(members) >= 3:
            taken.update(members)
            return members
    return None


@dataclass(frozen=True)
class Case:
    """One registration of the timed run, and the alert it must (or must not) raise."""

    distributor_id: str
    sponsor_id: str
    identifiers: tuple[Identifier, ...]
    kind: str
    reasons: tuple[str, ...]


def plan_registrations(
    plan: Plan, network: Sequence[Placement], *, runs: int, prefix: str, seed: int, token: str
) -> list[Case]:
    """`runs` registrations after WARM_UP clean ones, kinds shuffled (see the docstring)."""
    rng = random.Random(seed + 1)
    values = Values(token, default_policy().identifier_secret, first=REGISTRATION_VALUES)
    ring_members = plan.ring_members
    outsiders = [p.id for p in network if p.id not in ring_members]
    members = sorted(ring_members)
    kinds = ["ring"] * (runs // 10) + ["sponsor"] * (runs // 10)
    kinds += ["hot"] * (runs // 20) + ["ip"] * (runs // 20)
    kinds += ["clean"] * (runs - len(kinds))
    rng.shuffle(kinds)
    cases = []
    for k, kind in enumerate(["clean"] * WARM_UP + kinds):
        own = (values.new(DEVICE), values.new(PHONE))
        sponsor = rng.choice(outsiders)
        extra: Identifier | None = None
        reasons: tuple[str, ...] = ()
        if kind == "ring":  # the member's own device if any, else one the ring shares
            member = rng.choice(members)
            theirs = [i for i in plan.uses[member] if i.kind in RING_KINDS]
            usable = sorted(
                (i for i in theirs if plan.users[i.key] <= HOT_LIMIT),
                key=lambda i: (i.kind is not DEVICE, plan.users[i.key]),
            )
            extra, reasons = usable[0], (RING_REASON,)
        elif kind == "sponsor":
            while True:
                own_ones = [
                    i
                    for i in plan.uses.get(sponsor, [])
                    if i.kind in RING_KINDS and plan.users[i.key] == 1
                ]
                if own_ones:
                    break
                sponsor = rng.choice(outsiders)
            extra, reasons = rng.choice(own_ones), (SPONSOR_REASON,)
        elif kind == "hot":
            extra = rng.choice(plan.hot)
        elif kind == "ip":
            member = rng.choice(members)
            ips = [i for i in plan.uses[member] if i.kind is IP] or [rng.choice(plan.ips)]
            extra = ips[0]
        cases.append(
            Case(
                distributor_id=f"{prefix}-new-{k:05d}",
                sponsor_id=sponsor,
                identifiers=own + ((extra,) if extra else ()),
                kind=kind,
                reasons=reasons,
            )
        )
    return cases


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def table(header: Sequence[str], rows: Sequence[Sequence[object]], right: int = 1) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] * right + ["---:"] * (len(header) - right)) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


async def facts(db: Database) -> str:
    kernel = (await db.read(COMPONENTS))[0]
    memory = []
    try:
        heap = (await db.read(HEAP))[0]["max"]
        memory.append(f"heap {heap / 2**30:.1f} GiB (JVM max)")
    except Neo4jError:
        pass
    try:
        for r in await db.read(CONFIG):
            if r["value"] and not (memory and "heap" in r["name"]):
                memory.append(f"{r['name'].split('.')[-2]} {r['value']}")
    except Neo4jError:
        pass
    rust = "with neo4j-rust-ext" if _installed("neo4j-rust-ext") else "without neo4j-rust-ext"
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; Neo4j {kernel['versions'][0]} {kernel['edition']}"
        f"{' (' + ', '.join(memory) + ')' if memory else ''}; "
        f"neo4j driver {metadata.version('neo4j')} {rust}"
    )


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


async def auto_commit(db: Database, statement: LiteralString, **params: Any) -> None:
    async with db.driver.session(database=db.name) as session:
        await (await session.run(statement, params)).consume()


async def cleanup(db: Database, prefix: str, keys: set[str]) -> None:
    await auto_commit(db, DELETE_ALERTS, prefix=prefix)
    await bulk.delete_by_prefix(db, prefix=prefix)
    ordered = sorted(keys)
    for start in range(0, len(ordered), KEYS_PER_DELETE):
        await auto_commit(db, DELETE_IDENTIFIERS, keys=ordered[start : start + KEYS_PER_DELETE])
    await auto_commit(db, DELETE_RINGS, prefix=prefix)


async def main(size: int, links: int, runs: int, seed: int, keep: bool) -> None:
    opened = Settings().open_database()
    db = TimedDatabase(opened.driver, name=opened.name)
    await migrate(db)
    print(await facts(db))
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"seed {seed}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    token = uuid.uuid4().hex[:6]
    prefix = "fz-" + token
    keys: set[str] = set()
    try:
        await run(
            db, prefix=prefix, token=token, size=size, links=links, runs=runs, seed=seed, keys=keys
        )
    finally:
        if keep:
            print(f"\nkept everything under the prefix {prefix}-")
        else:
            started = time.perf_counter()
            await cleanup(db, prefix + "-", keys)
            print(f"\ncleaned up {prefix}- in {time.perf_counter() - started:.1f} s")
        await db.close()


async def run(
    db: TimedDatabase,
    *,
    prefix: str,
    token: str,
    size: int,
    links: int,
    runs: int,
    seed: int,
    keys: set[str],
) -> None:
    secret = default_policy().identifier_secret
    loads: list[tuple[str, int, float]] = []
    started = time.perf_counter()
    network = generate(size=size, prefix=prefix, seed=seed)
    loads.append(("generate the network (Python)", len(network), time.perf_counter() - started))
    started = time.perf_counter()
    await bulk.load_network(db, rows=network, batch_size=NETWORK_BATCH)
    loads.append(
        (f"load distributors, batches of {NETWORK_BATCH:,}", size, time.perf_counter() - started)
    )

    started = time.perf_counter()
    plan = plan_links(network, total=links, seed=seed, token=token, secret=secret)
    keys.update(plan.users)
    loads.append(
        (
            "generate identifier links, HMAC keys (Python)",
            len(plan.rows),
            time.perf_counter() - started,
        )
    )
    before = len(db.write_ms)
    started = time.perf_counter()
    await bulk.load_identifiers(db, rows=plan.rows, batch_size=LINK_BATCH)
    link_s = time.perf_counter() - started
    merges = -(-len(plan.users) // LINK_BATCH)
    merge_s = sum(db.write_ms[before : before + merges]) / 1000
    loads.append((f"merge identifiers, batches of {LINK_BATCH:,}", len(plan.users), merge_s))
    loads.append(("create USES links (by distributor)", len(plan.rows), link_s - merge_s))
    loads.append(("load_identifiers, whole call", len(plan.rows), link_s))

    print(f"\nloads ({prefix}-)")
    table(
        ["phase", "rows", "seconds", "rows/s"],
        [(name, f"{n:,}", f"{s:.1f}", f"**{n / s:,.0f}**" if s else "-") for name, n, s in loads],
    )
    sizes = Counter(len(r.members) for r in plan.planted)
    print(f"\n{len(plan.rows):,} links, {len(plan.users):,} distinct identifiers")
    table(["links", "count"], [(k, f"{v:,}") for k, v in sorted(plan.counts.items())])
    shapes = Counter(r.shape for r in plan.planted)
    print(
        f"\nplanted {len(plan.planted)} rings ({', '.join(f'{v} {k}' for k, v in shapes.items())}"
        f"; {sum(r.team for r in plan.planted)} sponsor + recruits), sizes "
        f"{min(sizes)}-{max(sizes)}, {sum(len(r.members) for r in plan.planted):,} members; "
        f"{len(plan.hot)} hot identifiers ({min(plan.users[i.key] for i in plan.hot)}-"
        f"{max(plan.users[i.key] for i in plan.hot)} users), {len(plan.ips):,} shared IPs"
    )

    scan_id = await scans(db)
    await verify_scan(db, plan, prefix=prefix + "-", scan_id=scan_id)
    await registrations(
        db, plan, network, prefix=prefix, token=token, runs=runs, seed=seed, keys=keys
    )


async def scans(db: TimedDatabase) -> str:
    """Run the full scan SCANS times; print each with its phases; the last scan id."""
    rows = []
    scan_id = ""
    for k in range(1, SCANS + 1):
        db.read_s.clear()
        before = len(db.write_ms)
        now = datetime.now(UTC)
        started = time.perf_counter()
        found = await fraud_scan.scan(db, hot_limit=HOT_LIMIT, now=now)
        seconds = time.perf_counter() - started
        scan_id = "scan-" + now.strftime("%Y%m%dT%H%M%S.%f")
        shared_s = db.read_s.get(fraud_scan.SHARED, 0.0)
        describe_s = db.read_s.get(fraud_scan.DESCRIBE, 0.0)
        write_s = sum(db.write_ms[before:]) / 1000
        rows.append(
            (
                k,
                f"**{seconds:.1f}**",
                f"{found:,}",
                f"{db.read_rows.get(fraud_scan.SHARED, 0):,}",
                f"{shared_s:.1f}",
                f"{describe_s:.2f}",
                f"{write_s:.2f}",
                f"{seconds - shared_s - describe_s - write_s:.2f}",
            )
        )
    print(f"\nfull scan, hot limit {HOT_LIMIT} (whole database)")
    table(
        [
            "run",
            "seconds",
            "rings",
            "shared identifiers read",
            "their read s",
            "describe s",
            "store + switch s",
            "Python s",
        ],
        rows,
    )
    return scan_id


async def verify_scan(db: TimedDatabase, plan: Plan, *, prefix: str, scan_id: str) -> None:
    found = await db.read(MY_RINGS, scanId=scan_id, prefix=prefix)
    by_member = {m: r for r in found for m in r["members"]}
    exact = wrong = missed = keys_ok = 0
    planted_sets = {r.members for r in plan.planted}
    for ring in plan.planted:
        got = by_member.get(ring.members[0])
        if got is None:
            missed += 1
        elif tuple(got["members"]) == ring.members:
            exact += 1
            keys_ok += frozenset(got["keys"]) == ring.keys
        else:
            wrong += 1
            print(f"ring {ring.shape} {ring.members[:3]}… found as {got['members'][:5]}…")
    unplanted = [r for r in found if tuple(r["members"]) not in planted_sets]
    hot_keys = {i.key for i in plan.hot}
    through_ip = sum("IP" in r["kinds"] for r in found)
    through_hot = sum(bool(hot_keys & set(r["keys"])) for r in found)
    linked = (await db.read(HOT_OR_IP_LINKED, scanId=scan_id, hot=HOT_LIMIT))[0]["rings"]
    total = (await db.read(RINGS_OF_SCAN, scanId=scan_id))[0]["n"]
    n = len(plan.planted)
    checks = [
        ("planted rings found with exactly their members", n, exact),
        ("… and exactly the identifiers they share", n, keys_ok),
        ("planted rings missed", 0, missed),
        ("planted rings found merged or split", 0, wrong),
        ("rings of this network that were not planted", 0, len(unplanted)),
        ("rings of this network sharing a hot identifier", 0, through_hot),
        ("rings of this network sharing an IP", 0, through_ip),
        ("rings of the scan (whole database) linked by a hot identifier or an IP", 0, linked),
    ]
    print(f"\nchecks of the last scan ({total:,} rings in the whole database, {len(found)} here)")
    table(["check", "expected", "found", "ok"], _checked(checks))
    for r in unplanted[:5]:
        print(f"unplanted ring: {r['members'][:5]} kinds {r['kinds']}")
    if any(want != got for _, want, got in checks):
        raise SystemExit("a scan check failed")


def _checked(checks: Sequence[tuple[str, int, int]]) -> list[tuple[str, str, str, str]]:
    return [(n, f"{w:,}", f"{g:,}", "yes" if w == g else "**NO**") for n, w, g in checks]


async def registrations(
    db: TimedDatabase,
    plan: Plan,
    network: Sequence[Placement],
    *,
    prefix: str,
    token: str,
    runs: int,
    seed: int,
    keys: set[str],
) -> None:
    """Time `runs` registrations with identifiers; check the alerts they raised."""
    cases = plan_registrations(plan, network, runs=runs, prefix=prefix, seed=seed, token=token)
    keys.update(i.key for c in cases for i in c.identifiers)
    members = sorted(plan.ring_members)
    current = (await db.read(CURRENT_MEMBERS, ids=members))[0]["n"]
    if current != len(members):  # someone else's scan replaced the current rings
        print(f"only {current} of {len(members)} ring members in current rings: scanning again")
        await fraud_scan.scan(db, hot_limit=HOT_LIMIT, now=datetime.now(UTC))

    check_ms: list[float] = []
    real_check = alerts.check_registration

    async def timed_check(tx: AsyncManagedTransaction, **kwargs: Any) -> bool:
        started = time.perf_counter()
        try:
            return await real_check(tx, **kwargs)
        finally:
            check_ms.append((time.perf_counter() - started) * 1000)

    registration.check_registration = timed_check  # type: ignore[attr-defined]
    total_ms: list[float] = []
    write_ms: list[float] = []
    policy = default_policy()
    try:
        for k, case in enumerate(cases):
            before = len(db.write_ms)
            started = time.perf_counter()
            await registration.register(
                db,
                distributor_id=case.distributor_id,
                name="新人",
                sponsor_id=case.sponsor_id,
                phone=None,
                now=datetime.now(UTC),
                distribution_mode=DistributionMode.EVERYONE,
                team_leader_recruits=policy.team_leader_recruits,
                identifiers=case.identifiers,
                hot_identifier_limit=HOT_LIMIT,
            )
            if k >= WARM_UP:
                total_ms.append((time.perf_counter() - started) * 1000)
                write_ms.append(sum(db.write_ms[before:]))
    finally:
        registration.check_registration = real_check  # type: ignore[attr-defined]
    check_ms = check_ms[WARM_UP:]

    print(f"\nregistration with identifiers, {runs} runs after {WARM_UP} warm-up, one at a time")
    table(
        ["measure", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        [
            (
                name,
                *(f"{percentile(s, q):.1f}" for q in (0.50, 0.95, 0.99)),
                f"{max(s):.1f}",
            )
            for name, s in (
                ("register, whole call", total_ms),
                ("its write transaction", write_ms),
                ("check_registration alone", check_ms),
            )
        ],
    )

    raised = {r["id"]: tuple(r["reasons"]) for r in await db.read(MY_ALERTS, prefix=prefix + "-")}
    rows = []
    failed = False
    for kind in ("ring", "sponsor", "hot", "ip", "clean"):
        mine = [c for c in cases if c.kind == kind]
        want = sum(bool(c.reasons) for c in mine)
        flagged = sum(c.distributor_id in raised for c in mine)
        right = sum(raised.get(c.distributor_id, ()) == c.reasons for c in mine)
        failed |= right != len(mine)
        rows.append(
            (kind, len(mine), want, flagged, right, "yes" if right == len(mine) else "**NO**")
        )
    print("\nalerts raised")
    table(
        ["registrations", "count", "alerts expected", "alerts raised", "exactly right", "ok"], rows
    )
    for c in cases:
        if raised.get(c.distributor_id, ()) != c.reasons:
            print(
                f"{c.distributor_id} ({c.kind}): expected {c.reasons}, "
                f"raised {raised.get(c.distributor_id)}"
            )
    if failed:
        raise SystemExit("an alert check failed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000, help="distributors to load")
    parser.add_argument("--links", type=int, default=2_000_000, help="identifier links")
    parser.add_argument("--runs", type=int, default=300, help="registrations timed")
    parser.add_argument("--seed", type=int, default=23, help="network, links, registrations")
    parser.add_argument(
        "--keep", action="store_true", help="leave everything written in the database"
    )
    args = parser.parse_args()
    asyncio.run(main(args.size, args.links, args.runs, args.seed, args.keep))
