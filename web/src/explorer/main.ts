// The Explorer's shell: sign-in, the language toggle, navigation by role, and the router.
import "./style.css";
import { gql } from "./api";
import { current, isAnalyst, signIn, signOut, takeTokenFromUrl, type Role, type Session } from "./auth";
import { clear, h } from "./dom";
import { label, lang, setLang, t } from "./i18n";
import { errorLine } from "./ui";
import { queryView } from "./views/query";
import { ringView } from "./views/ring";
import { ringsView } from "./views/rings";
import { signalsView } from "./views/signals";
import { pickTeamView, teamView } from "./views/team";
import { withdrawalsView } from "./views/withdrawals";

const app = document.getElementById("app")!;

interface Route {
  name: "team" | "rings" | "ring" | "signals" | "query" | "withdrawals" | "signin";
  arg: string;
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const [path, query] = hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  const arg = decodeURIComponent(rest.join("/"));
  const params = new URLSearchParams(query ?? "");
  const known: Route["name"][] = ["team", "rings", "ring", "signals", "query", "withdrawals", "signin"];
  const found = known.find((k) => k === name);
  if (name === "rings" && arg) return { name: "ring", arg, params };
  return { name: found ?? "team", arg, params };
}

/** Who may open which page (to choose views only: the API enforces access itself). */
const ALLOWED: Record<Route["name"], (role: Role | null) => boolean> = {
  team: () => true,
  signin: () => true,
  rings: isAnalyst,
  ring: isAnalyst,
  signals: isAnalyst,
  query: isAnalyst,
  withdrawals: (role) => role === "ADMIN",
};

/** A request the refused page makes anyway, to show that the API refuses too. */
const PROBES: Partial<Record<Route["name"], string>> = {
  rings: "query { fraudRings(first: 1) { totalCount } }",
  ring: "query { fraudRings(first: 1) { totalCount } }",
  signals: "query { fraudRings(first: 1) { totalCount } }",
  query: "query { fraudRings(first: 1) { totalCount } }",
  withdrawals: "query { withdrawalQueue(first: 1) { totalCount } }",
};

function header(session: Session | null): HTMLElement {
  const nav = h("nav", {});
  if (session) {
    const items: [string, string, boolean][] = [
      ["#/team", t("navTeam"), true],
      ["#/rings", t("navRings"), isAnalyst(session.role)],
      ["#/query", t("navQuery"), isAnalyst(session.role)],
      ["#/withdrawals", t("navWithdrawals"), session.role === "ADMIN"],
    ];
    for (const [href, text, show] of items) if (show) nav.append(h("a", { href }, text));
  }
  const toggle = h(
    "button",
    { type: "button", class: "lang", "data-testid": "lang", onclick: () => { setLang(lang() === "zh" ? "en" : "zh"); render(); } },
    t("language"),
  );
  return h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: "#/team" }, t("title")),
    nav,
    h(
      "div",
      { class: "who" },
      session ? h("span", { "data-testid": "who" }, t("signedInAs", { subject: session.subject, role: label(session.role ?? "?") })) : null,
      toggle,
      session
        ? h("button", { type: "button", onclick: () => { signOut(); window.location.hash = "#/signin"; render(); } }, t("signOut"))
        : null,
    ),
  );
}

function signInPage(main: HTMLElement): void {
  const token = h("textarea", { name: "token", rows: 5, class: "code", "aria-label": t("tokenLabel") });
  const out = h("p", { class: "error" });
  clear(
    main,
    h(
      "form",
      {
        class: "panel signin",
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (signIn(token.value)) {
            window.location.hash = "#/team";
            render();
          } else out.textContent = t("tokenInvalid");
        },
      },
      h("h1", {}, t("signIn")),
      h("label", {}, t("tokenLabel"), token),
      h("p", { class: "muted" }, t("tokenHelp")),
      h("button", { type: "submit" }, t("signIn")),
      out,
    ),
  );
}

async function refused(main: HTMLElement, route: Route, session: Session): Promise<void> {
  const box = h("section", { class: "panel refused", "data-testid": "refused" }, h("h1", {}, t("refused", { role: label(session.role ?? "?") })));
  clear(main, box);
  const probe = PROBES[route.name];
  if (!probe) return;
  try {
    await gql(probe);
  } catch (err) {
    const line = errorLine(err);
    line.textContent = t("refusedApi", { code: line.dataset.code ?? "", message: (err as Error).message });
    box.append(line);
  }
}

function render(): void {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  const session = current();
  const route = parse(window.location.hash);
  const main = h("main", { "data-route": route.name });
  clear(app, header(session), main);
  if (!session || route.name === "signin") {
    signInPage(main);
    return;
  }
  if (!ALLOWED[route.name](session.role)) {
    void refused(main, route, session);
    return;
  }
  switch (route.name) {
    case "team":
      if (!route.arg && session.role !== "DISTRIBUTOR") void pickTeamView(main);
      else void teamView(main, route.arg || session.subject);
      break;
    case "rings":
      void ringsView(main);
      break;
    case "ring":
      void ringView(main, route.arg);
      break;
    case "signals":
      void signalsView(main, route.arg);
      break;
    case "query":
      void queryView(main);
      break;
    case "withdrawals":
      withdrawalsView(main, route.params);
      break;
    default:
      main.append(errorLine(new Error(route.name)));
  }
}

takeTokenFromUrl();
window.addEventListener("hashchange", render);
render();
