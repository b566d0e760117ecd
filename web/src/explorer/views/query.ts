// The analysts' read-only Cypher workbench: `analystQuery` (SPEC §13), shown only where
// the API offers it. Results as a table; rows may come as lists or as objects.
import { gql, offers } from "../api";
import { clear, h } from "../dom";
import { t } from "../i18n";
import { errorLine } from "../ui";

const PROBE = `query P { analystQuery(cypher: "RETURN 1") @skip(if: true) { truncated } }`;
const RUN = `query Run($cypher: String!, $params: JSON, $limit: Int) {
  analystQuery(cypher: $cypher, params: $params, limit: $limit) { columns rows truncated }
}`;
const EXAMPLE = `MATCH (r:FraudRing {current: true})
RETURN r.id AS ring, r.score AS score, r.size AS size
ORDER BY score DESC LIMIT 10`;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export async function queryView(main: HTMLElement): Promise<void> {
  clear(main, h("p", { class: "muted" }, t("loading")));
  if (!(await offers(PROBE))) {
    clear(main, h("h1", {}, t("query")), h("p", { class: "muted", "data-testid": "query-absent" }, t("queryAbsent")));
    return;
  }
  const cypher = h("textarea", { name: "cypher", rows: 8, spellcheck: "false", class: "code" });
  cypher.value = EXAMPLE;
  const params = h("textarea", { name: "params", rows: 3, spellcheck: "false", class: "code" });
  params.value = "{}";
  const limit = h("input", { name: "limit", type: "number", value: 100, min: 1 });
  const out = h("div", { "data-testid": "query-result" });
  const run = async () => {
    clear(out, h("p", { class: "muted" }, t("loading")));
    let parsed: unknown;
    try {
      parsed = params.value.trim() ? JSON.parse(params.value) : null;
    } catch (err) {
      clear(out, errorLine(err));
      return;
    }
    try {
      const data = await gql<{ analystQuery: { columns: string[]; rows: unknown[]; truncated: boolean } }>(RUN, {
        cypher: cypher.value,
        params: parsed,
        limit: Number(limit.value) || 100,
      });
      const { columns, rows, truncated } = data.analystQuery;
      const body = rows.map((row) =>
        h(
          "tr",
          {},
          columns.map((c, i) =>
            h("td", {}, cell(Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[c])),
          ),
        ),
      );
      clear(
        out,
        h("p", { class: "muted" }, t("rows", { n: rows.length }), truncated ? ` · ${t("truncated")}` : ""),
        h("table", {}, h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))), h("tbody", {}, body)),
      );
    } catch (err) {
      clear(out, errorLine(err));
    }
  };
  clear(
    main,
    h("h1", {}, t("query")),
    h(
      "form",
      { class: "panel query", onsubmit: (e: Event) => { e.preventDefault(); void run(); } },
      h("label", {}, "Cypher", cypher),
      h("label", {}, t("params"), params),
      h("label", {}, t("limit"), " ", limit),
      h("p", {}, h("button", { type: "submit" }, t("run"))),
    ),
    out,
  );
}
