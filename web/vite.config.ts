import { resolve } from "node:path";
import { defineConfig } from "vite";

// Two pages, one build: the Explorer (index.html, served at /explorer/) and GraphiQL
// (graphiql.html, served by the app at GET /graphql). Every asset is bundled: nothing is
// loaded from a CDN at run time.
export default defineConfig({
  base: "/explorer/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        graphiql: resolve(import.meta.dirname, "graphiql.html"),
      },
      // GraphiQL's dependencies mark modules "use client" (React server components); a
      // plain browser bundle has no use for it.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
});
