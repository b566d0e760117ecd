"""A PNG of latency by operation and system: p50 bars with p99 whiskers, log scale.

`python -m bench.scale.plot results.json out.png` redraws it from a saved run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SYSTEMS = (
    "neo4j",
    "neo4j bare driver",
    "neo4j HTTP GraphQL",
    "pg adjacency + CTE",
    "pg closure table",
    "pg (identifier tables of both designs)",
)
COLOURS = ("#1f77b4", "#aec7e8", "#17becf", "#d62728", "#ff9896", "#e377c2")


def draw(record: dict[str, Any], out: Path) -> None:
    rows = record["measured"]
    ops = list(dict.fromkeys(r["op"] for r in rows))
    width = 0.8 / len(SYSTEMS)
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for k, (system, colour) in enumerate(zip(SYSTEMS, COLOURS, strict=True)):
        xs, p50, p99 = [], [], []
        for i, op in enumerate(ops):
            found = [r for r in rows if r["op"] == op and r["system"] == system]
            if found:
                xs.append(i + (k - len(SYSTEMS) / 2 + 0.5) * width)
                p50.append(found[0]["p50"])
                p99.append(found[0]["p99"])
        if xs:
            errors = [[0] * len(p50), [b - a for a, b in zip(p50, p99, strict=True)]]
            ax.bar(xs, p50, width, label=system, color=colour, yerr=errors, capsize=2)
    ax.set_yscale("log")
    ax.set_ylabel("latency, ms (bar p50, whisker p99; log scale)")
    ax.set_xticks(range(len(ops)))
    ax.set_xticklabels([op.replace(", ", ",\n") for op in ops], fontsize=8)
    facts = record["facts"]
    ax.set_title(
        f"{facts['size']:,} distributors, {facts['orders']:,} orders, {facts['links']:,} "
        f"identifier links; concurrency {facts['concurrency']}"
    )
    ax.legend(fontsize=8, ncol=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    draw(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
