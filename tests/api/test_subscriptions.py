"""Subscriptions over graphql-transport-ws (SPEC §11), across two real app processes.

Two `referral serve` processes (uvicorn on loopback ports) share the test Neo4j; the
writes go through one over HTTP, the events arrive over a real websocket on the other.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from access.roles import Role
from app.settings import ROOT
from tests.conftest import token_for

WAIT = 15.0  # seconds for any one message; a poll tick is 0.2 s
PROTOCOL = "graphql-transport-ws"
TEAM = """subscription Team($id: ID!) {
  teamEvents(distributorId: $id) { kind at amount distributor { id name rank } }
}"""
ALERTS = "subscription { fraudAlerts { id reasons evidence acknowledged distributor { id } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def start_server(neo4j_uri: str, port: int, log: Path) -> Server:
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "REFERRAL_ENV": "test",
        "REFERRAL_SETTLE_INTERVAL_SECONDS": "0",
        "REFERRAL_FRAUD_SCAN_INTERVAL_SECONDS": "0",
        "REFERRAL_MUTATION_RATE_LIMIT": "0",
        "REFERRAL_EVENT_POLL_SECONDS": "0.2",
        "REFERRAL_TEAM_LEADER_RECRUITS": "2",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    return Server(port=port, process=process, log=log)


def wait_ready(server: Server, *, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            said = server.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the app on port {server.port} exited:\n{said}")
        try:
            if httpx.get(server.http + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the app on port {server.port} did not start in {timeout} s")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(
    neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two app processes on the one Neo4j: `a` takes the writes, `b` the subscriptions
    (started one after the other: each applies the migrations at start-up)."""
    logs = tmp_path_factory.mktemp("servers")
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(start_server(neo4j_uri, free_port(), logs / f"{name}.log"))
            wait_ready(started[-1])
        yield started[0], started[1]
    finally:
        for server in started:
            stop(server)


def post(server: Server, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GraphQL operation over HTTP, as an ADMIN."""
    headers = {"Authorization": f"Bearer {token_for('ws-admin', Role.ADMIN)}"}
    response = httpx.post(
        server.http + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def register(server: Server, id: str, sponsor: str | None = None, **extra: str) -> None:
    post(
        server,
        "mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }",
        {"input": {"id": id, "name": "王芳", "sponsorId": sponsor, **extra}},
    )


def open_subscriptions(server: Server) -> int:
    text = httpx.get(server.http + "/metrics", timeout=5).text
    found = re.search(r"^referral_subscriptions_open (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


async def until_open(server: Server, count: int) -> None:
    """Wait until `count` subscriptions are registered with the process's poller."""
    deadline = time.monotonic() + WAIT
    while await asyncio.to_thread(open_subscriptions, server) < count:
        assert time.monotonic() < deadline, "the subscription was never registered"
        await asyncio.sleep(0.1)


@pytest.fixture
async def sockets() -> AsyncIterator[list[ClientConnection]]:
    opened: list[ClientConnection] = []
    yield opened
    for ws in opened:
        await ws.close()


async def connect_ws(
    server: Server,
    opened: list[ClientConnection],
    *,
    payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ClientConnection:
    ws = await connect(server.ws, subprotocols=[PROTOCOL], additional_headers=headers or {})
    opened.append(ws)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    ack = await receive(ws)
    assert ack["type"] == "connection_ack", ack
    return ws


def as_bearer(subject: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(subject, role)}"}


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return message


async def subscribe(
    ws: ClientConnection, op: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))


async def events_of(ws: ClientConnection, op: str, count: int) -> list[dict[str, Any]]:
    """The next `count` results of operation `op` (errors fail the test)."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        message = await receive(ws)
        assert message.get("id") == op and message["type"] == "next", message
        assert "errors" not in message["payload"], message
        found.append(message["payload"]["data"])
    return found


async def refusal(ws: ClientConnection, op: str) -> list[str]:
    """The error codes operation `op` ends with."""
    message = await receive(ws)
    assert message.get("id") == op, message
    if message["type"] == "error":
        return [e["extensions"]["code"] for e in message["payload"]]
    assert message["type"] == "next", message
    return [e["extensions"]["code"] for e in message["payload"]["errors"]]


async def test_team_events_written_on_one_process_reach_a_subscriber_on_another(
    servers: tuple[Server, Server], sockets: list[ClientConnection], uid: str
) -> None:
    """A leader (DISTRIBUTOR, token in connection_init) and an ADMIN (token in the
    handshake header) follow the leader's team on process B while A takes the writes:
    recruits, an order with its commissions, a promotion, in commit order; the leader
    sees others' names masked, the ADMIN does not; events outside the team never come."""
    a, b = servers
    leader, r1, r2, r3 = (f"{uid}-{n}" for n in ("lead", "r1", "r2", "r3"))
    register(a, leader)
    register(a, r1, leader)
    opened = open_subscriptions(b)
    mine = await connect_ws(b, sockets, payload=as_bearer(leader, Role.DISTRIBUTOR))
    await subscribe(mine, "t", TEAM, {"id": leader})
    admin = await connect_ws(b, sockets, headers=as_bearer("ws-admin", Role.ADMIN))
    await subscribe(admin, "a", TEAM, {"id": leader})
    await until_open(b, opened + 2)

    register(a, f"{uid}-stranger")  # no one's team
    register(a, r2, r1)  # level 2
    post(
        a,
        "mutation($id: ID!, $buyer: ID!) { recordOrder(input: {id: $id, buyerId: $buyer,"
        ' amount: "100.00", paidAt: "2026-11-20T10:00:00+08:00"}) { id } }',
        {"id": f"{uid}-o1", "buyer": r2},
    )
    register(a, r3, r1)  # r1's second recruit: TEAM_LEADER_RECRUITS is 2 on these servers

    expected = [
        ("RECRUIT_JOINED", r2, None),
        ("TEAM_ORDER", r2, "100.00"),
        ("COMMISSION_CREDITED", r1, "15.00"),
        ("COMMISSION_CREDITED", leader, "5.00"),
        ("RANK_CHANGED", r1, None),
        ("RECRUIT_JOINED", r3, None),
    ]
    seen = [e["teamEvents"] for e in await events_of(mine, "t", len(expected))]
    assert expected == [(e["kind"], e["distributor"]["id"], e["amount"]) for e in seen]
    assert {"王*"} == {e["distributor"]["name"] for e in seen if e["distributor"]["id"] != leader}
    assert "王芳" == seen[3]["distributor"]["name"]  # the leader itself, unmasked
    assert "TEAM_LEADER" == seen[4]["distributor"]["rank"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:\d\d)", e["at"]) for e in seen)
    by_admin = [e["teamEvents"] for e in await events_of(admin, "a", len(expected))]
    assert [e["kind"] for e in seen] == [e["kind"] for e in by_admin]
    assert {"王芳"} == {e["distributor"]["name"] for e in by_admin}


async def test_fraud_alerts_reach_an_analyst_on_another_process(
    servers: tuple[Server, Server], sockets: list[ClientConnection], uid: str
) -> None:
    a, b = servers
    opened = open_subscriptions(b)
    ws = await connect_ws(b, sockets, payload=as_bearer("ws-analyst", Role.ANALYST))
    await subscribe(ws, "f", ALERTS)
    await until_open(b, opened + 1)
    device = f"{uid}-device"
    register(a, f"{uid}-s", deviceId=device)
    register(a, f"{uid}-x", f"{uid}-s", deviceId=device)
    [data] = await events_of(ws, "f", 1)
    alert = data["fraudAlerts"]
    assert ["SHARES_WITH_SPONSOR"] == alert["reasons"]
    assert {"id": f"{uid}-x"} == alert["distributor"]
    assert alert["id"].startswith("alert-") and alert["acknowledged"] is False
    listed = post(a, "{ fraudAlerts(first: 50) { edges { node { id } } } }")
    assert alert["id"] in {e["node"]["id"] for e in listed["data"]["fraudAlerts"]["edges"]}


async def test_subscriptions_are_refused_like_queries(
    servers: tuple[Server, Server], sockets: list[ClientConnection], uid: str
) -> None:
    """Another's team is FORBIDDEN to a DISTRIBUTOR (also its own recruit's), fraud alerts
    to a DISTRIBUTOR and a SERVICE, team events to an ANALYST; no token or a bad one is
    UNAUTHENTICATED; an unknown leader is NOT_FOUND for an ADMIN."""
    a, b = servers
    leader, recruit = f"{uid}-lead", f"{uid}-r1"
    register(a, leader)
    register(a, recruit, leader)
    cases: list[tuple[dict[str, Any], str, dict[str, Any], str]] = [
        (as_bearer(leader, Role.DISTRIBUTOR), TEAM, {"id": recruit}, "FORBIDDEN"),
        (as_bearer(recruit, Role.DISTRIBUTOR), TEAM, {"id": leader}, "FORBIDDEN"),
        (as_bearer(leader, Role.DISTRIBUTOR), ALERTS, {}, "FORBIDDEN"),
        (as_bearer("ws-service", Role.SERVICE), ALERTS, {}, "FORBIDDEN"),
        (as_bearer("ws-analyst", Role.ANALYST), TEAM, {"id": leader}, "FORBIDDEN"),
        ({}, TEAM, {"id": leader}, "UNAUTHENTICATED"),
        ({"Authorization": "Bearer not-a-token"}, ALERTS, {}, "UNAUTHENTICATED"),
        (as_bearer("ws-admin", Role.ADMIN), TEAM, {"id": f"{uid}-nobody"}, "NOT_FOUND"),
    ]
    for n, (payload, query, variables, code) in enumerate(cases):
        ws = await connect_ws(b, sockets, payload=payload)
        await subscribe(ws, f"op{n}", query, variables)
        assert [code] == await refusal(ws, f"op{n}"), (n, payload, query)
