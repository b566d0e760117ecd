"""Pure tree rules: keys, path ranges, counter deltas, bulk layout."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from domain.models import Rank
from domain.tree.paths import (
    ancestor_deltas,
    child_path,
    descendant_range,
    is_in_subtree,
    layout,
    node_key,
)

ids = st.from_regex(r"[A-Za-z0-9_\-.:]{1,64}", fullmatch=True)


@given(ids)
def test_node_key_is_eleven_url_safe_characters(distributor_id: str) -> None:
    key = node_key(distributor_id)
    assert len(key) == 11
    assert "/" not in key and set(key) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


@given(st.lists(ids, min_size=1, max_size=6), st.lists(ids, min_size=1, max_size=6))
def test_descendant_range_holds_exactly_the_descendants(a: list[str], b: list[str]) -> None:
    """Every path below root lies inside the range; any path not below it lies outside."""
    root = None
    for x in a:
        root = child_path(sponsor_path=root, distributor_id=x)
    assert root is not None
    lo, hi = descendant_range(root)
    below = root
    for x in b:
        below = child_path(sponsor_path=below, distributor_id=x)
        assert lo < below < hi
    other = None
    for x in b:
        other = child_path(sponsor_path=other, distributor_id=x)
    assert other is not None
    assert (lo < other < hi) == (is_in_subtree(path=other, root_path=root) and other != root)


def test_is_in_subtree_includes_the_root_itself() -> None:
    root = child_path(sponsor_path=None, distributor_id="a")
    assert is_in_subtree(path=root, root_path=root)
    assert not is_in_subtree(path=root + "x", root_path=root)


def test_ancestor_deltas_for_a_new_leaf() -> None:
    assert ancestor_deltas((1, 0, 0)) == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_ancestor_deltas_for_a_subtree_with_two_levels() -> None:
    """A root with 4 recruits and 9 grand-recruits, attached under S."""
    assert ancestor_deltas((1, 4, 9)) == [(1, 4, 9), (0, 1, 4), (0, 0, 1)]
    assert ancestor_deltas((1, 4, 9), sign=-1) == [(-1, -4, -9), (0, -1, -4), (0, 0, -1)]


@given(st.integers(min_value=1, max_value=300), st.integers(min_value=0, max_value=10_000))
def test_layout_counters_equal_a_brute_force_count(size: int, seed: int) -> None:
    rng = random.Random(seed)
    members: list[tuple[str, str, str | None, int]] = []
    for i in range(size):
        sponsor = f"m{rng.randrange(i)}" if i and rng.random() > 0.1 else None
        members.append((f"m{i}", "n", sponsor, i))
    placed = {p.id: p for p in layout(members, team_leader_recruits=3)}
    parent = {m[0]: m[2] for m in members}
    for member_id, p in placed.items():
        expected = [0, 0, 0]
        for other in parent:
            ancestor, level = parent[other], 1
            while ancestor is not None and level <= 3:
                if ancestor == member_id:
                    expected[level - 1] += 1
                ancestor, level = parent[ancestor], level + 1
        assert tuple(expected) == p.counts
        sponsor = parent[member_id]
        assert p.depth == (placed[sponsor].depth + 1 if sponsor else 0)
        assert (p.rank is Rank.TEAM_LEADER) == (p.counts[0] >= 3)
