// The signed-in bearer token. Its payload is decoded here only to choose which views to
// show; the API verifies the token and enforces every access rule itself.
const KEY = "referral.explorer.token";

export type Role = "ADMIN" | "ANALYST" | "SERVICE" | "DISTRIBUTOR";

export interface Session {
  token: string;
  subject: string;
  role: Role | null;
  expiresAt: Date | null;
}

function base64UrlJson(part: string): Record<string, unknown> | null {
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function decode(token: string): Session | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return null;
  const claims = base64UrlJson(parts[1]);
  if (!claims || typeof claims.sub !== "string") return null;
  const roles: Role[] = ["ADMIN", "ANALYST", "SERVICE", "DISTRIBUTOR"];
  const role = roles.find((r) => r === claims.role) ?? null;
  const exp = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null;
  return { token: token.trim(), subject: claims.sub, role, expiresAt: exp };
}

/** A token given as `#token=…` in the URL is taken (and removed from the address bar). */
export function takeTokenFromUrl(): void {
  const match = /^#token=([^&]+)(?:&(.*))?$/.exec(window.location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  const rest = match[2] ? `#${match[2]}` : "#/";
  history.replaceState(null, "", window.location.pathname + window.location.search + rest);
}

export function current(): Session | null {
  const token = sessionStorage.getItem(KEY);
  return token ? decode(token) : null;
}

export function signIn(token: string): Session | null {
  const session = decode(token);
  if (session) sessionStorage.setItem(KEY, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export function isStaff(role: Role | null): boolean {
  return role === "ADMIN" || role === "ANALYST" || role === "SERVICE";
}

export function isAnalyst(role: Role | null): boolean {
  return role === "ADMIN" || role === "ANALYST";
}
