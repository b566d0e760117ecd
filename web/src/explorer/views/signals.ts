// A distributor's fraud signals, fresh, each with the nodes and edges that prove it;
// freeze or unfreeze with a reason.
import { gql } from "../api";
import { clear, h } from "../dom";
import { label, t } from "../i18n";
import { errorLine, table } from "../ui";
import { freezeForm } from "./freeze";

interface Signal {
  kind: string;
  score: number;
  evidence: string;
  nodes: { label: string; id: string; kind: string | null }[];
  edges: { type: string; source: string; target: string }[];
}

const SIGNALS = `query Signals($id: ID!) {
  distributor(id: $id) { id name rank status joinedAt sponsor { id } }
  fraudSignals(distributorId: $id) {
    kind score evidence
    nodes { label id kind }
    edges { type source target }
  }
}`;

export async function signalsView(main: HTMLElement, id: string): Promise<void> {
  clear(main, h("p", { class: "muted" }, t("loading")));
  let data: {
    distributor: { id: string; name: string; rank: string; status: string; sponsor: { id: string } | null } | null;
    fraudSignals: Signal[];
  };
  try {
    data = await gql(SIGNALS, { id });
  } catch (err) {
    clear(main, errorLine(err));
    return;
  }
  const d = data.distributor;
  const short = (s: string) => (s.length > 20 ? `${s.slice(0, 12)}…` : s);
  clear(
    main,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, t("signalsOf", { id })),
      d ? h("p", { class: "muted", "data-testid": "status" }, `${d.name} · ${label(d.rank)} · ${t("status")}: ${label(d.status)}`) : null,
      freezeForm({ kind: "distributor", id }, () => void signalsView(main, id)),
    ),
    data.fraudSignals.length === 0
      ? h("p", { class: "muted" }, t("noSignals"))
      : data.fraudSignals.map((s) =>
          h(
            "section",
            { class: "panel signal", "data-testid": "signal", "data-kind": s.kind },
            h("h2", {}, `${s.kind} · ${t("score")} ${s.score}`),
            h("p", {}, h("strong", {}, t("evidence"), ": "), s.evidence),
            h(
              "div",
              { class: "evidence" },
              table([t("nodes"), "id", t("kinds")], s.nodes.map((n) => [n.label, short(n.id), n.kind ?? ""])),
              table([t("edges"), "→", "←"], s.edges.map((e) => [e.type, short(e.source), short(e.target)])),
            ),
          ),
        ),
  );
}
