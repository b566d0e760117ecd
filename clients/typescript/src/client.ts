// A small strictly typed client of the referral API (docs/clients.md): registers, records
// an order and pages a Relay connection, with the types graphql-codegen generated from
// schema.graphql (strictScalars: Money, DateTime and Decimal are strings, never `any`).
import type {
  DownlinePageQuery,
  DownlinePageQueryVariables,
  LedgerAccount,
  LedgerKind,
  RecordOrderMutation,
  RecordOrderMutationVariables,
  RegisterMutation,
  RegisterMutationVariables,
} from "./generated/operations";

export interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const REGISTER = `mutation Register($input: RegisterDistributorInput!) {
  registerDistributor(input: $input) { id name rank status joinedAt sponsor { id } }
}`;
const RECORD_ORDER = `mutation RecordOrder($input: RecordOrderInput!) {
  recordOrder(input: $input) {
    id amount commissions { level amount rate status beneficiary { id } }
  }
}`;
const DOWNLINE_PAGE = `query DownlinePage($id: ID!, $first: Int, $after: String) {
  distributor(id: $id) {
    id
    downline(first: $first, after: $after) {
      totalCount
      edges { cursor level node { id name rank } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

export class ReferralClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private async request<Data, Variables>(query: string, variables: Variables): Promise<Data> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Data | null; errors?: GraphQLError[] };
    const first = body.errors?.[0];
    if (first !== undefined || body.data == null) {
      throw new ApiError(first?.extensions?.code ?? "UNKNOWN", first?.message ?? "no data");
    }
    return body.data;
  }

  async register(vars: RegisterMutationVariables): Promise<RegisterMutation["registerDistributor"]> {
    const data = await this.request<RegisterMutation, RegisterMutationVariables>(REGISTER, vars);
    return data.registerDistributor;
  }

  async recordOrder(
    vars: RecordOrderMutationVariables,
  ): Promise<RecordOrderMutation["recordOrder"]> {
    const data = await this.request<RecordOrderMutation, RecordOrderMutationVariables>(
      RECORD_ORDER,
      vars,
    );
    return data.recordOrder;
  }

  /** Every member of a downline, page by page, following pageInfo.endCursor. */
  async *downline(id: string, first = 50): AsyncGenerator<Member> {
    let after: string | null = null;
    for (;;) {
      const vars: DownlinePageQueryVariables = { id, first, after };
      const data: DownlinePageQuery = await this.request<
        DownlinePageQuery,
        DownlinePageQueryVariables
      >(DOWNLINE_PAGE, vars);
      const page = data.distributor?.downline;
      if (page == null) return;
      for (const edge of page.edges) yield { level: edge.level, ...edge.node };
      if (!page.pageInfo.hasNextPage) return;
      after = page.pageInfo.endCursor ?? null;
    }
  }
}

type DownlineEdge = NonNullable<DownlinePageQuery["distributor"]>["downline"]["edges"][number];
export type Member = { level: number } & DownlineEdge["node"];

/** Money stays a string of fen-exact decimals; adding two amounts goes through fen. */
export function addMoney(a: string, b: string): string {
  const fen = (m: string): bigint => BigInt(m.replace(".", ""));
  const total = fen(a) + fen(b);
  const sign = total < 0n ? "-" : "";
  const digits = (total < 0n ? -total : total).toString().padStart(3, "0");
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Enum-like fields are unions of their values, so a typo fails to compile. */
export function isCredit(kind: LedgerKind, account: LedgerAccount): boolean {
  return kind === "COMMISSION_PENDING" && account === "pending";
}

export async function demo(url: string, token: string): Promise<string> {
  const api = new ReferralClient(url, token);
  const sponsor = await api.register({ input: { id: "ts_1000", name: "王芳" } });
  await api.register({ input: { id: "ts_1001", name: "李强", sponsorId: sponsor.id } });
  const order = await api.recordOrder({
    input: { id: "ts-o-1", buyerId: "ts_1001", amount: "99.99", paidAt: "2026-11-20T10:00:00+08:00" },
  });
  let commissions = "0.00";
  for (const c of order.commissions) commissions = addMoney(commissions, c.amount);
  const rates: string[] = order.commissions.map((c) => c.rate);
  const levels: number[] = [];
  for await (const member of api.downline(sponsor.id, 1)) levels.push(member.level);
  return `${order.amount} paid ${commissions} at ${rates.join("/")}% to ${levels.length} level(s)`;
}
