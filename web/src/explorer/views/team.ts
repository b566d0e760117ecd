// The team page: a distributor's metrics, its downline level by level (lazy, paged with
// the API's cursors), a 30-day chart, and — where the API offers them — the invite code
// with its QR poster and live team events.
import { ApiError, gql } from "../api";
import { current } from "../auth";
import { read, selection } from "../connections";
import { clear, h } from "../dom";
import { formatDate, label, t } from "../i18n";
import { card, errorLine, isoWithOffset, link, money, table } from "../ui";
import { invitePanel } from "./invite";
import { livePanel } from "./live";

const PAGE_SIZE = 20;
const DAYS = 30;

interface Member {
  id: string;
  name: string;
  rank: string;
  status: string;
  joinedAt: string;
}

interface TeamData {
  distributor: {
    id: string;
    name: string;
    rank: string;
    status: string;
    joinedAt: string;
    all: { teamSize: number; levelCounts: { level: number; count: number }[] };
    recent: { newMembers: number; activeMembers: number; teamSales: string; ownSales: string };
  } | null;
}

const TEAM = `query Team($id: ID!, $since: DateTime!, $until: DateTime!) {
  distributor(id: $id) {
    id name rank status joinedAt
    all: teamMetrics { teamSize levelCounts { level count } }
    recent: teamMetrics(since: $since, until: $until) { newMembers activeMembers teamSales ownSales }
  }
}`;

const LEVEL = `query Level($id: ID!, $level: Int!, $first: Int!, $after: String) {
  distributor(id: $id) {
    downline(level: $level, first: $first, after: $after) ${selection("downline", "id name rank status joinedAt", "level")}
  }
}`;

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Staff without a distributor of their own: a lookup, and the largest teams where the
 * role may list them (`heaviestTeams`: ANALYST, ADMIN). */
export async function pickTeamView(main: HTMLElement): Promise<void> {
  const list = h("div", { "data-testid": "heaviest" });
  clear(main, lookup(""), h("p", { class: "muted" }, t("pickTeam")), list);
  try {
    const data = await gql<{ heaviestTeams: { id: string; name: string; rank: string; teamMetrics: { teamSize: number } }[] }>(
      `query { heaviestTeams(first: 10) { id name rank teamMetrics { teamSize } } }`,
    );
    clear(
      list,
      h("section", { class: "panel" }, h("h2", {}, t("heaviest")),
        table(
          [t("id"), t("name"), t("rank"), t("cardTeamSize")],
          data.heaviestTeams.map((d) => [link(`#/team/${encodeURIComponent(d.id)}`, d.id), d.name, label(d.rank), d.teamMetrics.teamSize]),
        ),
      ),
    );
  } catch {
    // SERVICE may not list teams: the lookup alone then.
  }
}

export async function teamView(main: HTMLElement, id: string): Promise<void> {
  clear(main, h("p", { class: "muted" }, t("loading")));
  const today = startOfDay(new Date());
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  const since = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DAYS - 1));
  let data: TeamData;
  try {
    data = await gql<TeamData>(TEAM, { id, since: isoWithOffset(since), until: isoWithOffset(tomorrow) });
  } catch (err) {
    clear(main, lookup(id), errorLine(err));
    return;
  }
  const d = data.distributor;
  if (!d) {
    clear(main, lookup(id), errorLine(new ApiError(`${id}?`, "NOT_FOUND", false)));
    return;
  }
  const levels = d.all.levelCounts;
  const cards = h(
    "section",
    { class: "cards", "data-testid": "metrics" },
    card(t("cardTeamSize"), d.all.teamSize, "teamSize"),
    card(t("cardNew"), d.recent.newMembers, "newMembers"),
    card(t("cardActive"), d.recent.activeMembers, "activeMembers"),
    card(t("cardTeamSales"), money(d.recent.teamSales), "teamSales"),
    card(t("cardOwnSales"), money(d.recent.ownSales), "ownSales"),
    card(
      t("cardLevels"),
      levels.map((l) => `${t("levelShort", { level: l.level })} ${l.count}`).join(" · "),
      "levelCounts",
    ),
  );
  const chartBox = h("div", { class: "chart", "data-testid": "daily-chart" });
  const extras = h("div", { class: "extras" });
  const downline = h("section", { class: "panel", "data-testid": "downline" });
  clear(
    main,
    current()?.role !== "DISTRIBUTOR" ? lookup(id) : null,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, t("team", { name: d.name })),
      h(
        "p",
        { class: "muted" },
        `${d.id} · ${t("rank")}: ${label(d.rank)} · ${t("status")}: ${label(d.status)} · ${t("joined")}: ${formatDate(d.joinedAt)}`,
      ),
    ),
    cards,
    extras,
    h("section", { class: "panel" }, h("h2", {}, t("chartTitle")), chartBox, h("p", { class: "note" }, t("chartNote"))),
    downline,
  );
  renderDownline(downline, d.id, levels);
  void renderChart(chartBox, d.id, since);
  void invitePanel(extras, d.id, d.name);
  void livePanel(extras, d.id);
}

function lookup(id: string): HTMLElement {
  const input = h("input", { name: "distributor", value: id, "aria-label": t("teamLookup") });
  return h(
    "form",
    {
      class: "lookup",
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (input.value.trim()) window.location.hash = `#/team/${encodeURIComponent(input.value.trim())}`;
      },
    },
    h("label", {}, t("teamLookup"), " ", input),
    h("button", { type: "submit" }, t("open")),
  );
}

function renderDownline(box: HTMLElement, rootId: string, levels: { level: number; count: number }[]): void {
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const body = h("div", { class: "tab-body" });
  const loaded = new Map<number, HTMLElement>();
  const open = (level: number) => {
    for (const b of tabs.querySelectorAll("button")) {
      b.setAttribute("aria-selected", String(b.dataset.level === String(level)));
    }
    let panel = loaded.get(level);
    if (!panel) {
      panel = h("div", { "data-testid": `level-${level}` });
      loaded.set(level, panel);
      void loadLevel(panel, rootId, level, null, 0);
    }
    body.replaceChildren(panel);
  };
  for (const l of levels) {
    tabs.append(
      h(
        "button",
        { type: "button", role: "tab", "data-level": l.level, "data-testid": `tab-level-${l.level}`, onclick: () => open(l.level) },
        `${t("level", { level: l.level })} (${l.count})`,
      ),
    );
  }
  clear(box, h("div", { class: "panel-head" }, tabs, search(rootId, levels.length)), body);
  if (levels.length > 0) open(1);
}

async function loadLevel(panel: HTMLElement, rootId: string, level: number, after: string | null, shown: number): Promise<void> {
  const status = h("p", { class: "muted" }, t("loading"));
  panel.querySelector(".more")?.remove();
  panel.append(status);
  try {
    const data = await gql<{ distributor: { downline: unknown } }>(LEVEL, { id: rootId, level, first: PAGE_SIZE, after });
    const page = read<Member>("downline", data.distributor.downline);
    status.remove();
    let tbody = panel.querySelector("tbody");
    if (!tbody) {
      const tbl = table([t("id"), t("name"), t("rank"), t("status"), t("joined")], [], { class: "members" });
      panel.append(tbl);
      tbody = tbl.querySelector("tbody")!;
    }
    for (const { node } of page.items) {
      tbody.append(
        h(
          "tr",
          { "data-member": node.id },
          h("td", {}, link(`#/team/${encodeURIComponent(node.id)}`, node.id)),
          h("td", {}, node.name),
          h("td", {}, label(node.rank)),
          h("td", {}, label(node.status)),
          h("td", {}, formatDate(node.joinedAt)),
        ),
      );
    }
    const total = page.totalCount ?? shown + page.items.length;
    const now = shown + page.items.length;
    const foot = h("div", { class: "more" });
    if (page.hasNextPage) {
      foot.append(
        h("span", { class: "muted", "data-testid": "shown" }, t("shown", { shown: now, total }), " "),
        h("button", { type: "button", "data-testid": "load-more", onclick: () => void loadLevel(panel, rootId, level, page.endCursor, now) }, t("loadMore")),
      );
    } else {
      foot.append(h("span", { class: "muted", "data-testid": "all-shown" }, t("allShown", { total: now })));
    }
    panel.append(foot);
  } catch (err) {
    status.replaceWith(errorLine(err));
  }
}

function search(rootId: string, depth: number): HTMLElement {
  const input = h("input", { name: "member", placeholder: t("search"), "aria-label": t("search") });
  const out = h("span", { class: "search-result", "data-testid": "search-result" });
  const find = async () => {
    const id = input.value.trim();
    if (!id) return;
    clear(out, t("loading"));
    // Walk up the sponsors (at most the team's depth) until the team's root is reached.
    try {
      let cursor = id;
      for (let level = 1; level <= depth; level++) {
        const data = await gql<{ distributor: { id: string; sponsor: { id: string } | null } | null }>(
          `query Find($id: ID!) { distributor(id: $id) { id sponsor { id } } }`,
          { id: cursor },
        );
        const sponsor = data.distributor?.sponsor?.id;
        if (!data.distributor) break;
        if (sponsor === rootId) {
          clear(out, t("foundAt", { id, level }), " ", link(`#/team/${encodeURIComponent(id)}`, "→"));
          return;
        }
        if (!sponsor) break;
        cursor = sponsor;
      }
      clear(out, t("notInTeam", { id, code: "NOT_FOUND" }));
    } catch (err) {
      clear(out, t("notInTeam", { id, code: err instanceof ApiError ? err.code : "ERROR" }));
    }
  };
  return h(
    "form",
    { class: "search", onsubmit: (e: Event) => { e.preventDefault(); void find(); } },
    input,
    h("button", { type: "submit" }, t("find")),
    out,
  );
}

async function renderChart(box: HTMLElement, id: string, since: Date): Promise<void> {
  // The API has no per-day series: each day is one teamMetrics window, asked as aliases
  // in two requests of 15 (the API allows 30 aliases a request).
  const days: Date[] = [];
  for (let i = 0; i <= DAYS; i++) days.push(new Date(since.getFullYear(), since.getMonth(), since.getDate() + i));
  const newMembers: number[] = [];
  const sales: number[] = [];
  try {
    for (let start = 0; start < DAYS; start += 15) {
      const count = Math.min(15, DAYS - start);
      const defs: string[] = [];
      const fields: string[] = [];
      const vars: Record<string, unknown> = { id };
      for (let i = 0; i < count; i++) {
        const k = start + i;
        defs.push(`$s${k}: DateTime!, $u${k}: DateTime!`);
        fields.push(`d${k}: teamMetrics(since: $s${k}, until: $u${k}) { newMembers teamSales }`);
        vars[`s${k}`] = isoWithOffset(days[k]);
        vars[`u${k}`] = isoWithOffset(days[k + 1]);
      }
      const q = `query Daily($id: ID!, ${defs.join(", ")}) { distributor(id: $id) { ${fields.join(" ")} } }`;
      const data = await gql<{ distributor: Record<string, { newMembers: number; teamSales: string }> }>(q, vars);
      for (let i = 0; i < count; i++) {
        const m = data.distributor[`d${start + i}`];
        newMembers.push(m.newMembers);
        sales.push(Number(m.teamSales));
      }
    }
  } catch (err) {
    clear(box, errorLine(err));
    return;
  }
  box.dataset.newMembers = newMembers.join(",");
  box.dataset.sales = sales.join(",");
  const { drawDaily } = await import("../charts");
  drawDaily(box, days.slice(0, DAYS), newMembers, sales);
}
