"""The evidence of a fraud signal: the nodes and edges that prove it (SPEC §3.8).

Signals collect what their queries found here, each node and edge once, in the order
first seen, and hand it on with the score and a sentence for people.
"""

from __future__ import annotations

from domain.models import EvidenceEdge, EvidenceNode, FraudSignal

DISTRIBUTOR, IDENTIFIER, ORDER, LEDGER_ENTRY = "Distributor", "Identifier", "Order", "LedgerEntry"
USES, REFERRED, PLACED, CARRIES = "USES", "REFERRED", "PLACED", "CARRIES"


class Evidence:
    """Nodes and edges of one signal, deduplicated."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[str, str], EvidenceNode] = {}
        self._edges: dict[EvidenceEdge, None] = {}

    def distributor(self, distributor_id: str) -> str:
        self._nodes.setdefault(
            (DISTRIBUTOR, distributor_id), EvidenceNode(DISTRIBUTOR, distributor_id)
        )
        return distributor_id

    def identifier(self, key: str, kind: str) -> str:
        self._nodes.setdefault((IDENTIFIER, key), EvidenceNode(IDENTIFIER, key, kind))
        return key

    def node(self, label: str, node_id: str) -> str:
        self._nodes.setdefault((label, node_id), EvidenceNode(label, node_id))
        return node_id

    def edge(self, edge_type: str, source: str, target: str) -> None:
        self._edges.setdefault(EvidenceEdge(edge_type, source, target), None)

    def uses(self, distributor_id: str, key: str, kind: str) -> None:
        """`(distributor)-[:USES]->(identifier)`, with both ends."""
        self.edge(USES, self.distributor(distributor_id), self.identifier(key, kind))

    def referred(self, sponsor_id: str, recruit_id: str) -> None:
        """`(sponsor)-[:REFERRED]->(recruit)`, with both ends."""
        self.edge(REFERRED, self.distributor(sponsor_id), self.distributor(recruit_id))

    def signal(self, *, kind: str, score: int, sentence: str) -> FraudSignal:
        return FraudSignal(
            kind=kind,
            score=score,
            evidence=sentence,
            nodes=list(self._nodes.values()),
            edges=list(self._edges),
        )
