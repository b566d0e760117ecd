// Live team events over graphql-transport-ws — shown only where the API offers the
// `teamEvents` subscription (the clients issue, SPEC §11). The token travels in the
// connection_init payload, as browsers cannot set headers on a websocket.
import { offers } from "../api";
import { current } from "../auth";
import { h } from "../dom";
import { formatDate, t } from "../i18n";
import { money } from "../ui";

const PROBE = `subscription P($id: ID!) { teamEvents(distributorId: $id) @skip(if: true) { kind } }`;
const EVENTS = `subscription Live($id: ID!) {
  teamEvents(distributorId: $id) { kind at amount distributor { id name } }
}`;

interface TeamEvent {
  kind: string;
  at: string;
  amount: string | null;
  distributor: { id: string; name: string };
}

let stop: (() => void) | null = null;

export async function livePanel(box: HTMLElement, id: string): Promise<void> {
  stop?.();
  stop = null;
  if (!(await offers(PROBE, { id }))) return;
  const list = h("ul", { class: "events", "data-testid": "events" });
  const status = h("p", { class: "muted" }, t("liveWaiting"));
  box.append(h("section", { class: "panel live", "data-testid": "live" }, h("h2", {}, t("live")), status, list));
  const { createClient } = await import("graphql-ws");
  const token = current()?.token ?? "";
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const client = createClient({
    url: url.toString(),
    connectionParams: { Authorization: `Bearer ${token}`, authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 3,
  });
  const unsubscribe = client.subscribe<{ teamEvents: TeamEvent }>(
    { query: EVENTS, variables: { id } },
    {
      next: (message) => {
        const e = message.data?.teamEvents;
        if (!e) return;
        list.prepend(
          h("li", {}, `${formatDate(e.at)} · ${e.kind} · ${e.distributor.id} ${e.distributor.name}`, e.amount ? ` · ${money(e.amount)}` : ""),
        );
        while (list.children.length > 50) list.lastElementChild?.remove();
      },
      error: (err: unknown) => {
        status.textContent = t("liveClosed", { reason: err instanceof Error ? err.message : JSON.stringify(err) });
      },
      complete: () => undefined,
    },
  );
  stop = () => {
    unsubscribe();
    void client.dispose();
  };
  window.addEventListener("hashchange", () => stop?.(), { once: true });
}
