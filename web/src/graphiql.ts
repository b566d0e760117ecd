// GraphiQL from the app's own assets (no CDN): the page the app serves at GET /graphql.
// Monaco's workers are bundled by Vite too (graphiql/setup-workers/vite).
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

const url = new URL("/graphql", window.location.href).toString();
const fetcher = createGraphiQLFetcher({ url });

const DEFAULT_QUERY = `# Every request needs a bearer token: print one with
#   .venv/bin/referral token --subject me --role ADMIN --ttl 12h
# and put {"Authorization": "Bearer <token>"} in the Headers tab below.
query {
  heaviestTeams(first: 3) { id name rank }
}
`;

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: '{"Authorization": "Bearer <token>"}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
}
