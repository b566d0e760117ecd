// Freeze and unfreeze with a reason (audited by the API): for one distributor or a ring.
import { gql } from "../api";
import { h } from "../dom";
import { label, t } from "../i18n";
import { errorLine } from "../ui";

type Target = { kind: "distributor"; id: string } | { kind: "ring"; id: string };

const MUTATIONS = {
  distributor: {
    freeze: `mutation F($id: ID!, $reason: String!) { freezeDistributor(id: $id, reason: $reason) { id status } }`,
    unfreeze: `mutation U($id: ID!, $reason: String!) { unfreezeDistributor(id: $id, reason: $reason) { id status } }`,
  },
  ring: {
    freeze: `mutation F($id: ID!, $reason: String!) { freezeFraudRing(id: $id, reason: $reason) { id status } }`,
    unfreeze: `mutation U($id: ID!, $reason: String!) { unfreezeFraudRing(id: $id, reason: $reason) { id status } }`,
  },
};

export function freezeForm(target: Target, onDone: () => void): HTMLElement {
  const reason = h("input", { name: "reason", placeholder: t("reason"), "aria-label": t("reason"), class: "reason" });
  const out = h("span", { class: "muted", "data-testid": "freeze-result" });
  const act = async (action: "freeze" | "unfreeze") => {
    if (!reason.value.trim()) {
      out.textContent = t("reasonNeeded");
      return;
    }
    out.textContent = t("loading");
    try {
      const data = await gql<Record<string, { id: string; status: string } | { id: string; status: string }[]>>(
        MUTATIONS[target.kind][action],
        { id: target.id, reason: reason.value.trim() },
      );
      const changed = Object.values(data)[0];
      const list = Array.isArray(changed) ? changed : [changed];
      out.textContent = `${t("done")} ${list.map((d) => `${d.id}: ${label(d.status)}`).join(", ")}`;
      onDone();
    } catch (err) {
      out.replaceChildren(errorLine(err));
    }
  };
  return h(
    "form",
    { class: "freeze", "data-testid": `freeze-${target.kind}`, onsubmit: (e: Event) => e.preventDefault() },
    reason,
    h("button", { type: "button", class: "danger", "data-testid": "freeze", onclick: () => void act("freeze") }, target.kind === "ring" ? t("freezeRing") : t("freeze")),
    h("button", { type: "button", "data-testid": "unfreeze", onclick: () => void act("unfreeze") }, t("unfreeze")),
    out,
  );
}
