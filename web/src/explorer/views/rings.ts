// Analysts: rings by score (paged with the API's cursors), open alerts, and a full scan.
import { gql } from "../api";
import { read, selection } from "../connections";
import { clear, h } from "../dom";
import { formatDate, t } from "../i18n";
import { errorLine, link, money, table } from "../ui";

const PAGE_SIZE = 20;

interface RingRow {
  id: string;
  score: number;
  size: number;
  reasons: string[];
  identifierKinds: string[];
  commissions: string;
}

const RINGS = `query Rings($first: Int!, $after: String) {
  fraudRings(first: $first, after: $after) ${selection("fraudRings", "id score size reasons identifierKinds commissions")}
}`;

const ALERTS = `query Alerts { fraudAlerts(first: 10) ${selection("fraudAlerts", "id reasons at distributor { id name }")} }`;

export async function ringsView(main: HTMLElement): Promise<void> {
  const listBox = h("div", { "data-testid": "rings" });
  const scanOut = h("span", { class: "muted" });
  const scan = h(
    "button",
    {
      type: "button",
      onclick: async () => {
        scanOut.textContent = t("loading");
        try {
          const data = await gql<{ runFraudScan: number }>(`mutation { runFraudScan }`);
          scanOut.textContent = t("scanDone", { n: data.runFraudScan });
          listBox.replaceChildren();
          void loadRings(listBox, null);
        } catch (err) {
          scanOut.replaceChildren(errorLine(err));
        }
      },
    },
    t("runScan"),
  );
  const alertsBox = h("section", { class: "panel", "data-testid": "alerts" }, h("h2", {}, t("alerts")));
  clear(
    main,
    h("header", { class: "page-head" }, h("h1", {}, t("rings")), h("p", {}, scan, " ", scanOut)),
    h("section", { class: "panel" }, listBox),
    alertsBox,
  );
  await loadRings(listBox, null);
  void loadAlerts(alertsBox);
}

async function loadRings(box: HTMLElement, after: string | null): Promise<void> {
  box.querySelector(".more")?.remove();
  try {
    const data = await gql<{ fraudRings: unknown }>(RINGS, { first: PAGE_SIZE, after });
    const page = read<RingRow>("fraudRings", data.fraudRings);
    if (!box.querySelector("table")) {
      if (page.items.length === 0) {
        box.append(h("p", { class: "muted" }, t("noRings")));
        return;
      }
      box.append(table([t("ringId"), t("score"), t("size"), t("kinds"), t("reasons"), t("commissions")], [], { class: "rings" }));
    }
    const tbody = box.querySelector("tbody")!;
    for (const { node: r } of page.items) {
      tbody.append(
        h(
          "tr",
          { "data-ring": r.id },
          h("td", {}, link(`#/rings/${encodeURIComponent(r.id)}`, r.id.slice(0, 14))),
          h("td", { class: "num" }, r.score),
          h("td", { class: "num" }, r.size),
          h("td", {}, r.identifierKinds.join(", ")),
          h("td", {}, r.reasons.join("; ")),
          h("td", { class: "num" }, money(r.commissions)),
        ),
      );
    }
    const shown = tbody.children.length;
    const foot = h("div", { class: "more" }, h("span", { class: "muted" }, t("shown", { shown, total: page.totalCount ?? shown }), " "));
    if (page.hasNextPage) {
      foot.append(h("button", { type: "button", "data-testid": "load-more", onclick: () => void loadRings(box, page.endCursor) }, t("loadMore")));
    }
    box.append(foot);
  } catch (err) {
    box.append(errorLine(err));
  }
}

async function loadAlerts(box: HTMLElement): Promise<void> {
  try {
    const data = await gql<{ fraudAlerts: unknown }>(ALERTS);
    const page = read<{ id: string; reasons: string[]; at: string; distributor: { id: string; name: string } | null }>(
      "fraudAlerts",
      data.fraudAlerts,
    );
    if (page.items.length === 0) {
      box.append(h("p", { class: "muted" }, t("noAlerts")));
      return;
    }
    box.append(
      table(
        [t("requested"), t("distributor"), t("reasons")],
        page.items.map(({ node: a }) => [
          formatDate(a.at),
          a.distributor ? link(`#/signals/${encodeURIComponent(a.distributor.id)}`, a.distributor.id) : "—",
          a.reasons.join("; "),
        ]),
      ),
    );
  } catch (err) {
    box.append(errorLine(err));
  }
}
