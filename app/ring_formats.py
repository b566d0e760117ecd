"""A ring export written as GraphML (Gephi, yEd, networkx) or as JSON (scripts).

Both carry the same graph: the ring's attributes on the graph, `type` plus attributes
on every node and edge. GraphML declares each attribute once as a `<key>` with its type
(`string`, `long`, `double`, `boolean`) before the `<graph>`, as the GraphML schema
requires; values are escaped by ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from graph.fraud.ring_export import Attribute, ExportEdge, ExportNode, RingExport

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = GRAPHML_NS + " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
PREFIX = {"graph": "g", "node": "n", "edge": "e"}


def _graphml_type(value: Attribute) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _text(value: Attribute) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attributes(item: ExportNode | ExportEdge) -> dict[str, Attribute]:
    return {"type": item.type, **item.attributes}


def _keys(export: RingExport) -> dict[tuple[str, str], tuple[str, str]]:
    """(domain, attribute) → (key id, GraphML type), in order of first appearance."""
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    sources: list[tuple[str, dict[str, Attribute]]] = [("graph", export.attributes)]
    sources += [("node", _attributes(n)) for n in export.nodes]
    sources += [("edge", _attributes(e)) for e in export.edges]
    for domain, attributes in sources:
        for name, value in attributes.items():
            if (domain, name) not in keys:
                keys[(domain, name)] = (f"{PREFIX[domain]}_{name}", _graphml_type(value))
    return keys


def _data(parent: ET.Element, domain: str, attributes: dict[str, Attribute],
          keys: dict[tuple[str, str], tuple[str, str]]) -> None:  # fmt: skip
    for name, value in attributes.items():
        data = ET.SubElement(parent, "data", key=keys[(domain, name)][0])
        data.text = _text(value)


def to_graphml(export: RingExport) -> str:
    """The ring as a GraphML document (UTF-8, directed edges)."""
    ET.register_namespace("", GRAPHML_NS)
    ET.register_namespace("xsi", XSI_NS)
    keys = _keys(export)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml", {f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    for (domain, name), (key_id, kind) in keys.items():
        ET.SubElement(
            root,
            f"{{{GRAPHML_NS}}}key",
            {"id": key_id, "for": domain, "attr.name": name, "attr.type": kind},
        )
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", id=export.ring_id, edgedefault="directed")
    _data(graph, "graph", export.attributes, keys)
    for node in export.nodes:
        element = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", id=node.id)
        _data(element, "node", _attributes(node), keys)
    for edge in export.edges:
        element = ET.SubElement(
            graph, f"{{{GRAPHML_NS}}}edge", id=edge.id, source=edge.source, target=edge.target
        )
        _data(element, "edge", _attributes(edge), keys)
    for element in root.iter():  # ElementTree names children without the namespace
        if not element.tag.startswith("{"):
            element.tag = f"{{{GRAPHML_NS}}}{element.tag}"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def to_json(export: RingExport) -> dict[str, Any]:
    """The ring as JSON: `ring` (its attributes), `nodes`, `edges`."""
    return {
        "ring": export.attributes,
        "nodes": [{"id": n.id, "type": n.type, **n.attributes} for n in export.nodes],
        "edges": [
            {"id": e.id, "type": e.type, "source": e.source, "target": e.target, **e.attributes}
            for e in export.edges
        ],
    }
