// Admins: the withdrawal queue by state, with totals; approve, reject (with a reason),
// mark paid. Paged with the API's cursors (`withdrawalQueue`).
import { gql } from "../api";
import { read, selection } from "../connections";
import { clear, h } from "../dom";
import { formatDate, label, t } from "../i18n";
import { card, errorLine, link, money } from "../ui";

const PAGE_SIZE = 20;
const STATES = ["REQUESTED", "APPROVED", "PAID", "REJECTED"] as const;

interface Row {
  id: string;
  distributorId: string;
  amount: string;
  fee: string;
  tax: string;
  net: string;
  status: string;
  requestedAt: string;
}

const QUEUE = `query Queue($status: [WithdrawalStatus!], $distributorId: ID, $first: Int!, $after: String) {
  withdrawalQueue(status: $status, distributorId: $distributorId, first: $first, after: $after)
    ${selection("withdrawalQueue", "id distributorId amount fee tax net status requestedAt", "", "totalAmount totalNet")}
}`;

const ACTIONS = {
  approve: `mutation A($id: ID!) { approveWithdrawal(id: $id) { id status } }`,
  paid: `mutation P($id: ID!) { markWithdrawalPaid(id: $id) { id status } }`,
  reject: `mutation R($id: ID!, $reason: String!) { rejectWithdrawal(id: $id, reason: $reason) { id status } }`,
};

export function withdrawalsView(main: HTMLElement, params: URLSearchParams): void {
  const status = STATES.find((s) => s === params.get("status")) ?? "REQUESTED";
  const who = params.get("distributor") ?? "";
  const go = (s: string, d: string) => {
    const q = new URLSearchParams({ status: s });
    if (d) q.set("distributor", d);
    window.location.hash = `#/withdrawals?${q}`;
  };
  const filter = h("input", { name: "distributor", value: who, placeholder: t("distributor"), "aria-label": t("distributor") });
  const tabs = h(
    "div",
    { class: "tabs" },
    STATES.map((s) =>
      h("button", { type: "button", "aria-selected": String(s === status), "data-status": s, onclick: () => go(s, filter.value.trim()) }, label(s)),
    ),
  );
  const totals = h("section", { class: "cards", "data-testid": "totals" });
  const list = h("section", { class: "panel", "data-testid": "queue" });
  const out = h("p", { class: "muted", "data-testid": "action-result" });
  clear(
    main,
    h("header", { class: "page-head" }, h("h1", {}, t("withdrawals"))),
    h(
      "div",
      { class: "panel-head" },
      tabs,
      h("form", { class: "search", onsubmit: (e: Event) => { e.preventDefault(); go(status, filter.value.trim()); } }, filter, h("button", { type: "submit" }, t("find"))),
    ),
    totals,
    out,
    list,
  );
  const reload = () => {
    list.replaceChildren();
    void load(list, totals, out, status, who, null, reload);
  };
  reload();
}

async function load(
  list: HTMLElement,
  totals: HTMLElement,
  out: HTMLElement,
  status: string,
  who: string,
  after: string | null,
  reload: () => void,
): Promise<void> {
  list.querySelector(".more")?.remove();
  let data: { withdrawalQueue: { totalAmount: string; totalNet: string } & Record<string, unknown> };
  try {
    data = await gql(QUEUE, { status: [status], distributorId: who || null, first: PAGE_SIZE, after });
  } catch (err) {
    list.append(errorLine(err));
    return;
  }
  const page = read<Row>("withdrawalQueue", data.withdrawalQueue);
  if (after === null) {
    clear(
      totals,
      card(t("totalCount"), page.totalCount ?? page.items.length, "totalCount"),
      card(t("totalAmount"), money(data.withdrawalQueue.totalAmount), "totalAmount"),
      card(t("totalNet"), money(data.withdrawalQueue.totalNet), "totalNet"),
    );
    if (page.items.length === 0) {
      list.append(h("p", { class: "muted", "data-testid": "queue-empty" }, t("queueEmpty")));
      return;
    }
    list.append(
      h(
        "table",
        { class: "queue" },
        h("thead", {}, h("tr", {}, [t("id"), t("distributor"), t("amount"), t("fee"), t("tax"), t("net"), t("requested"), t("actions")].map((x) => h("th", {}, x)))),
        h("tbody", {}),
      ),
    );
  }
  const tbody = list.querySelector("tbody")!;
  for (const { node: w } of page.items) {
    const reason = h("input", { name: "reason", placeholder: t("reason"), class: "reason" });
    const act = async (kind: keyof typeof ACTIONS) => {
      if (kind === "reject" && !reason.value.trim()) {
        out.textContent = t("reasonNeeded");
        return;
      }
      try {
        const vars: Record<string, unknown> = { id: w.id };
        if (kind === "reject") vars.reason = reason.value.trim();
        const done = await gql<Record<string, { id: string; status: string }>>(ACTIONS[kind], vars);
        const changed = Object.values(done)[0];
        out.textContent = `${t("done")} ${changed.id}: ${label(changed.status)}`;
        reload();
      } catch (err) {
        out.replaceChildren(errorLine(err));
      }
    };
    const buttons =
      w.status === "REQUESTED"
        ? [h("button", { type: "button", "data-testid": "approve", onclick: () => void act("approve") }, t("approve"))]
        : w.status === "APPROVED"
          ? [h("button", { type: "button", "data-testid": "mark-paid", onclick: () => void act("paid") }, t("markPaid"))]
          : [];
    const open = w.status === "REQUESTED" || w.status === "APPROVED";
    tbody.append(
      h(
        "tr",
        { "data-withdrawal": w.id },
        h("td", {}, w.id.slice(0, 12)),
        h("td", {}, link(`#/team/${encodeURIComponent(w.distributorId)}`, w.distributorId)),
        h("td", { class: "num" }, money(w.amount)),
        h("td", { class: "num" }, money(w.fee)),
        h("td", { class: "num" }, money(w.tax)),
        h("td", { class: "num" }, money(w.net)),
        h("td", {}, formatDate(w.requestedAt)),
        h(
          "td",
          { class: "actions" },
          buttons,
          open ? [reason, h("button", { type: "button", class: "danger", "data-testid": "reject", onclick: () => void act("reject") }, t("reject"))] : [],
        ),
      ),
    );
  }
  if (page.hasNextPage) {
    list.append(
      h("div", { class: "more" }, h("button", { type: "button", "data-testid": "load-more", onclick: () => void load(list, totals, out, status, who, page.endCursor, reload) }, t("loadMore"))),
    );
  }
}
