// Every request goes through the GraphQL API with the signed-in token: the page has no
// privileges of its own.
import { current } from "./auth";
import { lang } from "./i18n";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly validation: boolean,
  ) {
    super(message);
  }
}

interface GraphQLErrorBody {
  message: string;
  path?: unknown;
  extensions?: { code?: string };
}

const VALIDATION =
  /Cannot query field|Unknown argument|Unknown type|not supported by the schema|not configured to execute/i;

function toError(e: GraphQLErrorBody): ApiError {
  const code = e.extensions?.code ?? "ERROR";
  // A request error (no path) that names an unknown field: the API does not offer it.
  const validation =
    code === "GRAPHQL_VALIDATION_FAILED" || (e.path === undefined && VALIDATION.test(e.message));
  return new ApiError(e.message, code, validation);
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const session = current();
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Accept-Language": lang() === "zh" ? "zh-CN,zh;q=0.9,en;q=0.5" : "en",
  };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(String(err), "NETWORK", false);
  }
  let body: { data?: T; errors?: GraphQLErrorBody[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, `HTTP_${response.status}`, false);
  }
  if (body.errors && body.errors.length > 0) throw toError(body.errors[0]);
  if (body.data === undefined || body.data === null) {
    throw new ApiError(`HTTP ${response.status}`, `HTTP_${response.status}`, false);
  }
  return body.data;
}

const probes = new Map<string, Promise<boolean>>();

/**
 * Whether the API offers what `query` asks for: only a validation error (an unknown field
 * or argument) means no. Any other answer — data, FORBIDDEN, NOT_FOUND, "subscriptions
 * are not allowed over HTTP" — means the field is there. Cached for the page's life.
 */
export function offers(query: string, variables: Record<string, unknown> = {}): Promise<boolean> {
  const key = query + JSON.stringify(variables);
  let probe = probes.get(key);
  if (!probe) {
    probe = gql(query, variables).then(
      () => true,
      (err: unknown) => !(err instanceof ApiError && err.validation),
    );
    probes.set(key, probe);
  }
  return probe;
}
