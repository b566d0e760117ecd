"""The digest's value encoding (`graph.digest.canonical`), without a database; the digest
itself is proved by the backup and restore round trip (tests/devtools/test_operations.py)."""

from __future__ import annotations

from graph.digest import canonical


def test_canonical_values_differ_by_type_and_value() -> None:
    """The digest's encoding: 1, 1.0, True and "1" must not hash alike."""
    values = [1, 1.0, True, "1", [1], b"\x01", None]
    assert len(values) == len({canonical(v) for v in values})
    assert canonical(["a", 2]) == canonical(("a", 2))
