"""The shape of the referral tree: materialized paths and level counters.

Every distributor stores `path`, the keys of its root-to-self chain joined by `/`, and
`depth`, its distance from that root. A key is 11 URL-safe characters derived from the id,
so paths stay short however long ids are, and every descendant of X has a path in the
half-open range [X.path + "/", X.path + "0"): `/` and `0` are adjacent in ASCII and `/`
never occurs inside a key.

Each distributor also stores `down1..down3`, the number of distributors exactly 1, 2
and 3 levels below it; moving a subtree changes the counters of at most three ancestors.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from domain.cap import LEVEL_CAP
from domain.models import Rank
from domain.tree.ranks import rank_after_recruits

SEPARATOR = "/"
AFTER_SEPARATOR = "0"
KEY_WIDTH = 11  # base64url of 8 bytes, unpadded
# How much longer a path gets per level: the ancestor k levels up of a distributor whose
# path is P has the path P[: len(P) - k * PATH_STEP] (one unique-index seek, no edges).
PATH_STEP = KEY_WIDTH + len(SEPARATOR)


def node_key(distributor_id: str) -> str:
    """A fixed-width key for `distributor_id`: 64 bits of BLAKE2b, base64url (11 chars)."""
    digest = hashlib.blake2b(distributor_id.encode(), digest_size=8).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def child_path(*, sponsor_path: str | None, distributor_id: str) -> str:
    key = node_key(distributor_id)
    return key if sponsor_path is None else f"{sponsor_path}{SEPARATOR}{key}"


def descendant_range(path: str) -> tuple[str, str]:
    """Bounds (exclusive) that contain exactly the paths of the descendants of `path`."""
    return path + SEPARATOR, path + AFTER_SEPARATOR


def is_in_subtree(*, path: str, root_path: str) -> bool:
    """True when `path` is `root_path` itself or lies below it."""
    return path == root_path or path.startswith(root_path + SEPARATOR)


def ancestor_deltas(
    subtree_counts: tuple[int, int, int], *, sign: int = 1
) -> list[tuple[int, int, int]]:
    """Counter changes for the 1st, 2nd and 3rd ancestor when a subtree is attached.

    `subtree_counts` are the moved root's own `down1, down2` plus 1 for itself, i.e.
    the number of subtree members 0, 1 and 2 levels below its root. The ancestor at
    distance j gains the members that now sit exactly 1..3 levels below it.
    """
    at_depth = list(subtree_counts)
    deltas: list[tuple[int, int, int]] = []
    for distance in range(1, LEVEL_CAP + 1):
        row = [0, 0, 0]
        for level in range(distance, LEVEL_CAP + 1):
            row[level - 1] = sign * at_depth[level - distance]
        deltas.append((row[0], row[1], row[2]))
    return deltas


@dataclass(frozen=True, slots=True)
class Placement:
    """One distributor of a network computed ahead of a bulk load."""

    id: str
    name: str
    sponsor_id: str | None
    joined_at_ms: int
    rank: Rank
    path: str
    depth: int
    counts: tuple[int, int, int]
    qualified_recruits: int
    ancestors: tuple[str | None, str | None, str | None] = (None, None, None)


def layout(
    members: Sequence[tuple[str, str, str | None, int]], *, team_leader_recruits: int
) -> list[Placement]:
    """Paths, depths, level counters and ranks for (id, name, sponsor_id, joined_ms) rows.

    Sponsors must come before their recruits. Everyone distributes (EVERYONE mode); a
    distributor with `team_leader_recruits` direct recruits leads a team.
    """
    path: dict[str, str] = {}
    depth: dict[str, int] = {}
    sponsor_of: dict[str, str | None] = {}
    counts: dict[str, list[int]] = {}
    for member_id, _, sponsor_id, _ in members:
        if sponsor_id is not None and sponsor_id not in path:
            raise ValueError(f"sponsor {sponsor_id!r} of {member_id!r} is not placed yet")
        path[member_id] = child_path(
            sponsor_path=path[sponsor_id] if sponsor_id else None, distributor_id=member_id
        )
        depth[member_id] = depth[sponsor_id] + 1 if sponsor_id else 0
        sponsor_of[member_id] = sponsor_id
        counts[member_id] = [0, 0, 0]
        ancestor, level = sponsor_id, 1
        while ancestor is not None and level <= LEVEL_CAP:
            counts[ancestor][level - 1] += 1
            ancestor, level = sponsor_of[ancestor], level + 1
    return [
        Placement(
            id=member_id,
            name=name,
            sponsor_id=sponsor_id,
            joined_at_ms=joined_ms,
            rank=rank_after_recruits(
                Rank.DISTRIBUTOR,
                qualified_recruits=counts[member_id][0],
                threshold=team_leader_recruits,
            ),
            path=path[member_id],
            depth=depth[member_id],
            counts=(counts[member_id][0], counts[member_id][1], counts[member_id][2]),
            qualified_recruits=counts[member_id][0],
            ancestors=_ancestors(member_id, sponsor_of),
        )
        for member_id, name, sponsor_id, joined_ms in members
    ]


def _ancestors(
    member_id: str, sponsor_of: dict[str, str | None]
) -> tuple[str | None, str | None, str | None]:
    a1 = sponsor_of[member_id]
    a2 = sponsor_of[a1] if a1 else None
    a3 = sponsor_of[a2] if a2 else None
    return a1, a2, a3
