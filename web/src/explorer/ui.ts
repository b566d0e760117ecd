// Small shared pieces of the views: status lines, tables, money, cards.
import { ApiError } from "./api";
import { h } from "./dom";
import { t } from "./i18n";

export function errorLine(err: unknown): HTMLElement {
  const code = err instanceof ApiError ? err.code : "ERROR";
  const message = err instanceof Error ? err.message : String(err);
  return h("p", { class: "error", role: "alert", "data-code": code }, t("error", { code, message }));
}

export function money(value: string | null | undefined): string {
  return value === null || value === undefined ? "—" : `¥${value}`;
}

export function card(title: string, value: string | number, testid: string): HTMLElement {
  return h(
    "div",
    { class: "card", "data-testid": testid },
    h("div", { class: "card-title" }, title),
    h("div", { class: "card-value" }, String(value)),
  );
}

export function table(
  headers: string[],
  rows: (Node | string | number)[][],
  attrs: Record<string, string> = {},
): HTMLTableElement {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))),
    ),
  );
}

export function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return h("a", { href, ...attrs }, text);
}

/** A day's bounds in the browser's time zone, as ISO-8601 with the offset. */
export function isoWithOffset(d: Date): string {
  const pad = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:` +
    `${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}
