// Every paginated list the Explorer reads, in one place. Every list is a Relay connection
// now (SPEC §11); the flat shape (`{ entries hasNextPage endCursor }`) that ledger, audit
// events and alerts had before is kept here, so an API of either age can be read by
// changing a line in SHAPES: the selection and the reading below follow, the views do not.

export type ListName = "downline" | "fraudRings" | "withdrawalQueue" | "fraudAlerts" | "ledger" | "auditEvents";

type Shape = { kind: "connection" } | { kind: "flat"; items: string };

const SHAPES: Record<ListName, Shape> = {
  downline: { kind: "connection" },
  fraudRings: { kind: "connection" },
  withdrawalQueue: { kind: "connection" },
  fraudAlerts: { kind: "connection" },
  ledger: { kind: "connection" },
  auditEvents: { kind: "connection" },
};

export interface Page<T> {
  items: { node: T; cursor: string | null; edge: Record<string, unknown> }[];
  totalCount: number | null;
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * The selection set of one page of `list`: `node` selects each item's fields, `edge`
 * extra fields on a connection's edge (e.g. the downline's `level`), `extra` fields on the
 * list itself (e.g. the queue's totals).
 */
export function selection(list: ListName, node: string, edge = "", extra = ""): string {
  const shape = SHAPES[list];
  if (shape.kind === "connection") {
    return `{ totalCount ${extra} edges { cursor ${edge} node { ${node} } } pageInfo { hasNextPage endCursor } }`;
  }
  return `{ ${extra} ${shape.items} { ${node} } hasNextPage endCursor }`;
}

interface Connection<T> {
  totalCount?: number;
  edges: ({ cursor: string; node: T } & Record<string, unknown>)[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function read<T>(list: ListName, value: unknown): Page<T> {
  const shape = SHAPES[list];
  if (shape.kind === "connection") {
    const c = value as Connection<T>;
    return {
      items: c.edges.map((e) => ({ node: e.node, cursor: e.cursor, edge: e })),
      totalCount: typeof c.totalCount === "number" ? c.totalCount : null,
      hasNextPage: c.pageInfo.hasNextPage,
      endCursor: c.pageInfo.endCursor,
    };
  }
  const flat = value as Record<string, unknown>;
  const items = (flat[shape.items] as T[]) ?? [];
  return {
    items: items.map((node) => ({ node, cursor: null, edge: {} })),
    totalCount: typeof flat.totalCount === "number" ? flat.totalCount : null,
    hasNextPage: Boolean(flat.hasNextPage),
    endCursor: (flat.endCursor as string | null) ?? null,
  };
}
