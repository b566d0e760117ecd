// One ring drawn as a graph: members, the identifiers they share as their own nodes,
// referral edges among them. Hot identifiers (shared too widely to prove anything) are
// left out of the picture, and the page says which.
import { gql } from "../api";
import { clear, h } from "../dom";
import { label, t } from "../i18n";
import { errorLine, link, money, table } from "../ui";
import { freezeForm } from "./freeze";

interface Ring {
  id: string;
  score: number;
  size: number;
  reasons: string[];
  identifierKinds: string[];
  commissions: string;
  identifiers: { key: string; kind: string }[];
  referralEdges: { sponsorId: string; recruitId: string }[];
  identifierLinks: { distributorId: string; key: string }[];
  hotIdentifiers: { key: string; kind: string; users: number }[];
  members: { id: string; name: string; rank: string; status: string }[];
}

const RING = `query Ring($id: ID!) {
  fraudRing(id: $id) {
    id score size reasons identifierKinds commissions
    identifiers { key kind }
    referralEdges { sponsorId recruitId }
    identifierLinks { distributorId key }
    hotIdentifiers { key kind users }
    members { id name rank status }
  }
}`;

/** An identifier's key is "KIND:hmac": a short, recognisable part of the hash. */
function shortKey(key: string): string {
  return `${key.slice(key.indexOf(":") + 1).slice(0, 8)}…`;
}

const KIND_COLOURS: Record<string, string> = {
  DEVICE: "#8b5cf6",
  PHONE: "#10b981",
  IP: "#64748b",
  PAYMENT: "#f59e0b",
  ADDRESS: "#ec4899",
};

export async function ringView(main: HTMLElement, id: string): Promise<void> {
  clear(main, h("p", { class: "muted" }, t("loading")));
  let ring: Ring | null;
  try {
    ring = (await gql<{ fraudRing: Ring | null }>(RING, { id })).fraudRing;
  } catch (err) {
    clear(main, errorLine(err));
    return;
  }
  if (!ring) {
    clear(main, errorLine(new Error(`${id}: NOT_FOUND`)));
    return;
  }
  const graphBox = h("div", { class: "graph", "data-testid": "ring-graph" });
  const hot = ring.hotIdentifiers;
  const hotNote = hot.length
    ? t("hotLeftOut", { n: hot.length, list: hot.map((x) => `${x.kind} ${shortKey(x.key)} (${x.users})`).join(", ") })
    : t("hotNone");
  clear(
    main,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, t("ring", { id: ring.id.slice(0, 14) })),
      h("p", { class: "muted" }, `${t("score")}: ${ring.score} · ${t("size")}: ${ring.size} · ${t("kinds")}: ${ring.identifierKinds.join(", ")} · ${t("commissions")}: ${money(ring.commissions)}`),
      h("p", {}, ring.reasons.join("; ")),
    ),
    h("section", { class: "panel" }, graphBox, h("p", { class: "note" }, t("ringGraphNote")), h("p", { class: "note", "data-testid": "hot-note" }, hotNote)),
    h(
      "section",
      { class: "panel" },
      table(
        [t("id"), t("name"), t("rank"), t("status"), t("signals")],
        ring.members.map((m) => [m.id, m.name, label(m.rank), label(m.status), link(`#/signals/${encodeURIComponent(m.id)}`, t("signals"))]),
        { class: "members", "data-testid": "ring-members" },
      ),
      freezeForm({ kind: "ring", id: ring.id }, () => void ringView(main, id)),
    ),
  );
  await draw(graphBox, ring);
}

async function draw(box: HTMLElement, ring: Ring): Promise<void> {
  const { default: cytoscape } = await import("cytoscape");
  const kindOf = new Map(ring.identifiers.map((i) => [i.key, i.kind]));
  const elements = [
    ...ring.members.map((m) => ({
      data: { id: `d:${m.id}`, label: m.id, type: "member", frozen: m.status === "FROZEN" ? 1 : 0 },
    })),
    ...ring.identifiers.map((i) => ({
      data: { id: `i:${i.key}`, label: `${i.kind}\n${shortKey(i.key)}`, type: "identifier", colour: KIND_COLOURS[i.kind] ?? "#94a3b8" },
    })),
    ...ring.identifierLinks
      .filter((l) => kindOf.has(l.key))
      .map((l) => ({ data: { id: `u:${l.distributorId}:${l.key}`, source: `d:${l.distributorId}`, target: `i:${l.key}`, type: "uses" } })),
    ...ring.referralEdges.map((e) => ({
      data: { id: `r:${e.sponsorId}:${e.recruitId}`, source: `d:${e.sponsorId}`, target: `d:${e.recruitId}`, type: "referred" },
    })),
  ];
  const cy = cytoscape({
    container: box,
    maxZoom: 1.4,
    minZoom: 0.2,
    elements,
    layout: { name: "cose", animate: false, randomize: false, padding: 24, nodeRepulsion: () => 9000 },
    style: [
      {
        selector: "node[type = 'member']",
        style: {
          "background-color": "#2563eb",
          label: "data(label)",
          color: "#0f172a",
          "font-size": 11,
          "text-valign": "bottom",
          "text-margin-y": 4,
          width: 30,
          height: 30,
        },
      },
      { selector: "node[frozen = 1]", style: { "background-color": "#dc2626" } },
      {
        selector: "node[type = 'identifier']",
        style: {
          shape: "diamond",
          "background-color": "data(colour)",
          label: "data(label)",
          "text-wrap": "wrap",
          "font-size": 9,
          color: "#334155",
          "text-valign": "bottom",
          width: 24,
          height: 24,
        },
      },
      { selector: "edge[type = 'uses']", style: { width: 1.5, "line-style": "dashed", "line-color": "#94a3b8" } },
      {
        selector: "edge[type = 'referred']",
        style: { width: 2.5, "line-color": "#0f172a", "target-arrow-color": "#0f172a", "target-arrow-shape": "triangle", "curve-style": "bezier" },
      },
    ],
  });
  cy.on("tap", "node[type = 'member']", (e) => {
    window.location.hash = `#/signals/${encodeURIComponent(String(e.target.data("label")))}`;
  });
  // What was drawn, for tests and for anyone inspecting the page.
  const drawn = cy.nodes("[type = 'member']").filter((n) => {
    const p = n.renderedPosition();
    return p.x >= 0 && p.y >= 0 && p.x <= box.clientWidth && p.y <= box.clientHeight;
  });
  box.dataset.members = drawn.map((n) => String(n.data("label"))).sort().join(",");
  box.dataset.identifiers = String(cy.nodes("[type = 'identifier']").length);
  box.dataset.referrals = String(cy.edges("[type = 'referred']").length);
  box.dataset.rendered = "true";
}
