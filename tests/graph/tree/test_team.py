"""Upline, downline pages and team metrics against the real Neo4j (SPEC §3.4)."""

from __future__ import annotations

from datetime import timedelta

from domain.models import CommissionStatus
from domain.pagination import Window
from domain.tree.paths import descendant_range
from graph.db import Database
from graph.money import refunds
from graph.tree import prefetch, team
from graph.tree.distributors import require
from tests.helpers import NOW, chain, record_order, register


async def _fan(db: Database, uid: str) -> str:
    """root -> 3 recruits -> 2 each -> 1 each: 3 + 6 + 6 = 15 members in 3 levels."""
    root = f"{uid}-root"
    await register(db, root)
    for i in range(3):
        await register(db, f"{uid}-1{i}", root, now=NOW + timedelta(days=i))
        for j in range(2):
            await register(db, f"{uid}-2{i}{j}", f"{uid}-1{i}", now=NOW + timedelta(days=10))
            await register(db, f"{uid}-3{i}{j}", f"{uid}-2{i}{j}", now=NOW + timedelta(days=20))
    await register(db, f"{uid}-4", f"{uid}-300")  # level 4: outside every team view
    return root


async def test_upline_is_nearest_first_and_bounded_by_depth(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 6)
    entries = await team.upline(db, distributor_id=ids[5], depth=3)
    assert [(1, ids[4]), (2, ids[3]), (3, ids[2])] == [(e.level, e.distributor.id) for e in entries]
    assert [ids[4]] == [
        e.distributor.id for e in await team.upline(db, distributor_id=ids[5], depth=1)
    ]
    assert await team.upline(db, distributor_id=ids[0], depth=3) == []


async def test_downline_pages_cover_every_member_once_in_level_order(
    db: Database, uid: str
) -> None:
    root = await require(db, distributor_id=await _fan(db, uid))
    seen: list[tuple[int, str]] = []
    after = None
    while True:
        page = await team.downline(
            db, root=root, depth=3, level=None, window=Window(True, 4, after)
        )
        assert page.total_count == 15
        seen += [(r.node.level, r.node.distributor.id) for r in page.rows]
        if not page.has_next_page:
            break
        after = page.rows[-1].position
    assert 15 == len(seen) == len(set(seen))
    assert [level for level, _ in seen] == [1] * 3 + [2] * 6 + [3] * 6
    assert all(member[len(uid) + 1] == str(level) for level, member in seen)


async def test_downline_pages_backwards_give_the_same_rows(db: Database, uid: str) -> None:
    root = await require(db, distributor_id=await _fan(db, uid))
    whole = await team.downline(db, root=root, depth=3, level=None, window=Window(True, 100))
    back: list[str] = []
    before = None
    while True:
        page = await team.downline(
            db, root=root, depth=3, level=None, window=Window(False, 4, before)
        )
        assert page.has_next_page == bool(back)
        back = [r.node.distributor.id for r in page.rows] + back
        if not page.has_previous_page:
            break
        before = page.rows[0].position
    assert [r.node.distributor.id for r in whole.rows] == back


async def test_a_downline_position_never_reaches_outside_the_subtree(
    db: Database, uid: str
) -> None:
    """Whatever a position says, the rows come from the root's subtree: the Cypher
    clamps the bounds into the subtree's path range (issue 10, item 3)."""
    root = await require(db, distributor_id=await _fan(db, uid))
    await _fan(db, uid + "x")  # a neighbouring team, paths close to the root's
    mine = {f"{uid}-1{i}" for i in range(3)}
    for position in [(1, ""), (1, "/"), (1, "~~~~"), (1, "\x00"), (1, "../" * 5), (0, "a")]:
        for window in (Window(True, 50, position), Window(False, 50, position)):
            page = await team.downline(db, root=root, depth=1, level=1, window=window)
            assert {r.node.distributor.id for r in page.rows} <= mine, position
    outside = await require(db, distributor_id=f"{uid}x-root")
    lo, hi = descendant_range(root.path)
    bounds = [(outside.path, None), (None, outside.path + "~"), ("", "\uffff"), (hi, lo)]
    for after, before in bounds:
        level = {"i": 0, "n": 1, "after": after, "before": before}
        records = await db.read(team.DOWNLINE_PAGE, root=root.id, levels=[level], limit=100)
        assert {r["m"]["id"] for r in records} <= mine
        whole_level = [{"i": 0, "n": 1, "after": None, "before": None}]
        (first, *_) = await db.read(
            team.DOWNLINE_PAGE_BESIDE,
            root=root.id,
            levels=whole_level,
            besideLevels=[level],
            limit=100,
        )
        assert first["beside"] == bool(records)  # the same clamped range: no outsider
        (with_root,) = await db.read(
            prefetch.DISTRIBUTOR_WITH_DOWNLINE, id=root.id, levels=[level], limit=100
        )
        assert {r["m"]["id"] for r in with_root["page"]} <= mine


async def test_a_page_from_a_boundary_reads_its_other_side_in_the_same_query(
    db: Database, uid: str
) -> None:
    """From a cursor with members beyond it, one query answers the page and its flags;
    from a position with nothing beyond it (a member since moved away, or any position
    before the first or after the last), the flag is false, whatever lies outside the
    subtree."""
    root = await require(db, distributor_id=await _fan(db, uid))
    await _fan(db, uid + "x")  # a neighbouring team, paths close to the root's
    whole = await team.downline(db, root=root, depth=1, level=1, window=Window(True, 50))
    positions = [r.position for r in whole.rows]
    assert 3 == len(positions)

    # from the middle member, either way: (queries, hasPreviousPage, hasNextPage)
    for forward, expected in ((True, (1, True, False)), (False, (1, False, True))):
        before = db.queries
        window = Window(forward, 1, positions[1])
        page = await team.downline(db, root=root, depth=1, level=1, window=window)
        assert expected == (db.queries - before, page.has_previous_page, page.has_next_page)

    for start in ((1, ""), (0, "~"), (1, positions[0][1][:-1])):
        page = await team.downline(db, root=root, depth=1, level=1, window=Window(True, 2, start))
        assert [r.position for r in page.rows] == positions[:2], start
        assert not page.has_previous_page and page.has_next_page, start
    for end in ((1, "~~~~"), (2, ""), (1, positions[2][1] + "~")):
        page = await team.downline(db, root=root, depth=1, level=1, window=Window(False, 2, end))
        assert [r.position for r in page.rows] == positions[1:], end
        assert page.has_previous_page and not page.has_next_page, end


async def test_downline_cursor_is_stable_when_people_join_between_pages(
    db: Database, uid: str
) -> None:
    root_id = await _fan(db, uid)
    root = await require(db, distributor_id=root_id)
    first = await team.downline(db, root=root, depth=3, level=2, window=Window(True, 3))
    for k in range(5):
        await register(db, f"{uid}-late{k}", f"{uid}-1{k % 3}")
    root = await require(db, distributor_id=root_id)
    window = Window(True, 100, first.rows[-1].position)
    rest = await team.downline(db, root=root, depth=3, level=2, window=window)
    before = [r.node.distributor.id for r in first.rows]
    after = [r.node.distributor.id for r in rest.rows]
    assert not set(before) & set(after), "no row is repeated"
    assert {f"{uid}-2{i}{j}" for i in range(3) for j in range(2)} <= set(before) | set(after)
    assert rest.total_count == 11


async def test_downline_level_filter_and_depth(db: Database, uid: str) -> None:
    root = await require(db, distributor_id=await _fan(db, uid))
    level3 = await team.downline(db, root=root, depth=3, level=3, window=Window(True, 50))
    assert (level3.total_count, len(level3.rows)) == (6, 6)
    assert {3} == {r.node.level for r in level3.rows}
    shallow = await team.downline(db, root=root, depth=1, level=None, window=Window(True, 50))
    assert (shallow.total_count, shallow.has_next_page) == (3, False)


async def test_team_metrics_level_counts_and_window(db: Database, uid: str) -> None:
    root = await require(db, distributor_id=await _fan(db, uid))
    everything = await team.metrics(db, root=root, depth=3, since=None, until=None)
    assert everything.level_counts == [3, 6, 6]
    assert (everything.team_size, everything.new_members) == (15, 15)
    assert (
        everything.active_members,
        everything.team_sales_fen,
        everything.own_sales_fen,
    ) == (0, 0, 0)
    window = await team.metrics(
        db, root=root, depth=3, since=NOW + timedelta(days=1), until=NOW + timedelta(days=15)
    )
    assert window.new_members == 2 + 6, "two level-1 recruits and all of level 2"
    two = await team.metrics(db, root=root, depth=2, since=None, until=None)
    assert (two.level_counts, two.team_size) == ([3, 6], 9)


async def test_team_metrics_sales_and_activity_follow_orders(db: Database, uid: str) -> None:
    """Net sales are paid minus refunded; a fully refunded buyer is not active; the
    root's own commissions are totalled by status."""
    root = await _fan(db, uid)
    placed = [
        (f"{uid}-10", 10_000, 0, NOW + timedelta(days=2)),
        (f"{uid}-10", 5_000, 1_000, NOW + timedelta(days=3)),
        (f"{uid}-200", 3_000, 3_000, NOW + timedelta(days=3)),  # fully refunded
        (f"{uid}-300", 7_000, 0, NOW + timedelta(days=30)),  # outside the window
        (f"{uid}-4", 99_900, 0, NOW + timedelta(days=3)),  # level 4: not in the team
        (root, 2_500, 500, NOW + timedelta(days=3)),  # own sales
    ]
    for n, (buyer, amount, refunded, paid_at) in enumerate(placed):
        await record_order(db, f"{uid}-o{n}", buyer, amount, paid_at=paid_at)
        if refunded:
            await refunds.refund(
                db, order_id=f"{uid}-o{n}", refund_id=f"{uid}-r{n}", amount_fen=refunded, now=NOW
            )
    found = await require(db, distributor_id=root)
    window = await team.metrics(
        db, root=found, depth=3, since=NOW + timedelta(days=1), until=NOW + timedelta(days=10)
    )
    assert (1, 14_000, 2_000) == (
        window.active_members,
        window.team_sales_fen,
        window.own_sales_fen,
    )
    # root is level 1 of -10's orders: 15 % of 10,000, and of 5,000 less a fifth refunded;
    # level 2 of -200's: 5 % of 3,000, cancelled by the full refund (shown as it was)
    assert [
        (CommissionStatus.PENDING, 1_500 + 600),
        (CommissionStatus.SETTLED, 0),
        (CommissionStatus.CANCELLED, 150),
    ] == [(c.status, c.amount_fen) for c in window.commissions]
    everything = await team.metrics(db, root=found, depth=3, since=None, until=None)
    assert (2, 21_000, 15) == (
        everything.active_members,
        everything.team_sales_fen,
        everything.new_members,
    )
