"""The example investigations that `referral demo-data` saves: the analyst queries of
docs/graph-model.md and the ten of docs/fraud.md §11, word for word (a test compares
them with the docs and runs each against a demo network).

Default parameters name the demo network `demo` (`demo-0000001`, `demo-x-hub`, …); with
another prefix, `for_prefix` rewrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.models import Actor
from graph.db import Database
from graph.fraud import analyst
from graph.fraud import saved_investigations as investigations


@dataclass(frozen=True)
class Example:
    name: str
    cypher: str
    params: dict[str, Any]
    doc: str  # the docs file that shows it


GRAPH_MODEL = [
    Example(
        "Chain above a distributor (20 levels)",
        """MATCH p = (top:Distributor)-[:REFERRED*1..20]->(:Distributor {id: $id})
RETURN [n IN nodes(p) | n.id] AS chain ORDER BY length(p) DESC LIMIT 1""",
        {"id": "demo-x-hub-1"},
        "graph-model.md",
    ),
    Example(
        "Heaviest teams (three levels)",
        """MATCH (d:Distributor)
RETURN d.id, d.rank, d.down1, d.down2, d.down3, d.down1 + d.down2 + d.down3 AS team
ORDER BY team DESC LIMIT 20""",
        {},
        "graph-model.md",
    ),
    Example(
        "Direct recruits by channel and invite code",
        """MATCH (:Distributor {id: $id})-[r:REFERRED]->(m:Distributor)
RETURN coalesce(r.channel, '(none)') AS channel, r.inviteCode AS code, count(m) AS recruits
ORDER BY recruits DESC""",
        {"id": "demo-0000000"},
        "graph-model.md",
    ),
    Example(
        "Recruit bursts (20 within an hour)",
        """MATCH (s:Distributor)-[r:REFERRED]->()
WITH s, r.at AS at ORDER BY at
WITH s, collect(at) AS times WHERE size(times) >= 20
UNWIND range(0, size(times) - 20) AS i
WITH s, times[i] AS first, times[i + 19] AS twentieth
WHERE twentieth < first + duration('PT1H')
RETURN DISTINCT s.id""",
        {},
        "graph-model.md",
    ),
    Example(
        "Everyone below a distributor by level (20 levels)",
        """MATCH (x:Distributor {id: $id})
MATCH (m:Distributor) WHERE m.path > x.path + '/' AND m.path < x.path + '0'
  AND m.depth <= x.depth + 20
RETURN m.depth - x.depth AS level, count(*) ORDER BY level""",
        {"id": "demo-0000000"},
        "graph-model.md",
    ),
]

TEN = [
    Example(
        "1. Rings by score",
        """MATCH (r:FraudRing {current: true})
RETURN r.id AS ring, r.score AS score, r.size AS size, r.kinds AS kinds, r.reasons AS reasons
ORDER BY score DESC, ring LIMIT 20""",
        {},
        "fraud.md",
    ),
    Example(
        "2. The ring of a distributor, member by member",
        """MATCH (r:FraudRing {current: true})-[:INCLUDES]->(:Distributor {id: $id})
MATCH (r)-[:INCLUDES]->(m:Distributor)
OPTIONAL MATCH (m)-[:USES]->(i:Identifier)<-[:SHARES]-(r)
RETURN r.id AS ring, r.score AS score, m.id AS member, m.status AS status,
       collect(i.kind) AS shares
ORDER BY member""",
        {"id": "demo-x-hub"},
        "fraud.md",
    ),
    Example(
        "3. A distributor's identifier neighbourhood, as paths",
        """MATCH p = (:Distributor {id: $id})-[:USES]->(i:Identifier)<-[:USES]-(:Distributor)
WHERE i.kind <> 'IP'
RETURN p LIMIT 50""",
        {"id": "demo-x-card-1"},
        "fraud.md",
    ),
    Example(
        "4. Identifiers shared by the most people",
        """MATCH (i:Identifier) WHERE i.kind <> 'IP'
WITH i, COUNT { (i)<-[:USES]-() } AS users WHERE users >= $min
RETURN i.kind AS kind, i.key AS key, users, users > $hot AS hot
ORDER BY users DESC, key LIMIT 20""",
        {"min": 3, "hot": 50},
        "fraud.md",
    ),
    Example(
        "5. Sponsors who share an identifier with their own recruit",
        """MATCH (s:Distributor)-[:USES]->(i:Identifier)<-[:USES]-(d:Distributor)
WHERE i.kind IN ['DEVICE', 'PHONE', 'PAYMENT', 'ADDRESS']
  AND COUNT { (i)<-[:USES]-() } <= $hot
  AND (s)-[:REFERRED]->(d)
RETURN s.id AS sponsor, d.id AS recruit, collect(DISTINCT i.kind) AS shared
ORDER BY sponsor, recruit LIMIT 100""",
        {"hot": 50},
        "fraud.md",
    ),
    Example(
        "6. Uplines who buy through their downline",
        """MATCH (o:Order)-[:CARRIES]->(i:Identifier)<-[:USES]-(u:Distributor)
WHERE i.kind IN ['PAYMENT', 'ADDRESS'] AND u.id IN [o.a1, o.a2, o.a3]
  AND COUNT { (i)<-[:USES]-() } <= $hot
RETURN u.id AS upline, o.buyerId AS buyer, o.id AS order, i.kind AS via,
       CASE u.id WHEN o.a1 THEN 1 WHEN o.a2 THEN 2 ELSE 3 END AS level
ORDER BY upline, order LIMIT 100""",
        {"hot": 50},
        "fraud.md",
    ),
    Example(
        "7. Fastest recruiters of the last days",
        """MATCH (s:Distributor)-[r:REFERRED]->(:Distributor)
WHERE r.at >= datetime() - duration($window)
RETURN s.id AS sponsor, count(*) AS recruits, min(r.at) AS first, max(r.at) AS last
ORDER BY recruits DESC, sponsor LIMIT 10""",
        {"window": "P7D"},
        "fraud.md",
    ),
    Example(
        "8. Hollow downlines: many recruits, few buyers",
        """MATCH (s:Distributor) WHERE s.down1 >= $min
WITH s, COUNT { (s)-[:REFERRED]->(m:Distributor) WHERE EXISTS { (m)-[:PLACED]->() } }
     AS buyers
RETURN s.id AS sponsor, s.down1 AS recruits, buyers,
       round(100.0 * buyers / s.down1, 1) AS buyerPercent
ORDER BY buyerPercent, recruits DESC LIMIT 20""",
        {"min": 10},
        "fraud.md",
    ),
    Example(
        "9. What ring members earned",
        """MATCH (r:FraudRing {current: true})-[:INCLUDES]->(d:Distributor)
OPTIONAL MATCH (c:Commission {beneficiaryId: d.id}) WHERE c.status <> 'CANCELLED'
RETURN r.id AS ring, r.score AS score, count(c) AS commissions,
       coalesce(sum(c.amount), 0) AS earnedFen
ORDER BY earnedFen DESC, ring LIMIT 20""",
        {},
        "fraud.md",
    ),
    Example(
        "10. Uplines with ring members below them (20 levels)",
        """MATCH (r:FraudRing {current: true})-[:INCLUDES]->(m:Distributor)
MATCH (top:Distributor)-[:REFERRED*1..20]->(m)
WHERE NOT (r)-[:INCLUDES]->(top)
RETURN top.id AS upline, count(DISTINCT m) AS ringMembersBelow, collect(DISTINCT r.id) AS rings
ORDER BY ringMembersBelow DESC, upline LIMIT 10""",
        {},
        "fraud.md",
    ),
]

EXAMPLES = GRAPH_MODEL + TEN
DEMO_PREFIX = "demo"


def for_prefix(params: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The default parameters with the demo network's prefix replaced by `prefix`."""
    return {
        k: prefix + v[len(DEMO_PREFIX) :] if isinstance(v, str) and v.startswith("demo-") else v
        for k, v in params.items()
    }


async def save_all(db: Database, *, prefix: str = DEMO_PREFIX, timeout: float = 10.0) -> int:
    """Check and save every example as an investigation (by name: saving again updates)."""
    actor = Actor(subject="demo-data", role="ADMIN")
    for example in EXAMPLES:
        await analyst.check(db, cypher=example.cypher, params=example.params, timeout=timeout)
        await investigations.save(
            db,
            name=example.name,
            cypher=example.cypher,
            params=for_prefix(example.params, prefix),
            actor=actor,
        )
    return len(EXAMPLES)
