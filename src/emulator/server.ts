// A faithful offline Docker Hub for tests and the demo: the Hub API (login with 2FA, personal and organization
// access tokens, pagination, rate limits, the Hub's JSON error shapes) on one node:http server and the registry's
// token service (`GET /token` with Basic auth) on a second, as they are two hosts in real life. Behaviour follows
// src/hub/contract/CONTRACT.md. A request it doesn't know is answered 501 and recorded in `unhandled`; every
// exchange is recorded in `exchanges` so tests can check both sides against openapi.yaml.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createTenant, DOCKER_CLI_CLIENT_ID, type DeviceGrant, type TenantOptions } from "./tenant.js";
import { checkTotp, totp } from "./totp.js";
import {
  EmulatorState, hubTime, newSecret, PAT_SCOPES,
  type EmulatedOrgToken, type EmulatedSession, type EmulatedToken, type SeedOrg, type SeedToken, type SeedUser, type SessionKind,
} from "./state.js";

/** Misbehaviour on demand. Counters apply to the next N Hub API requests and count down; rates are random. */
export interface Faults {
  /** Added before every Hub API answer. */
  latencyMs: number;
  /** Share (0–1) of Hub API requests answered 503. */
  serverErrorRate: number;
  /** The next N Hub API requests are answered 503. */
  serverErrors: number;
  /** The next N Hub API requests are answered 429 (retry after one second), whatever the budget. */
  rateLimitBurst: number;
  /** The next N Hub API requests get their connection destroyed without an answer, before the Hub acts. */
  dropConnections: number;
  /** The next N Hub API requests are carried out, then their connection is destroyed: the answer is lost. */
  loseAnswers: number;
  /** The next N Hub API answers have their JSON body cut in half. */
  malformedBodies: number;
  /** Hub API answers send their headers and half the body, then wait this long before the rest (a slow body). */
  slowBodyMs: number;
}

export interface EmulatorOptions {
  users?: SeedUser[];
  orgs?: SeedOrg[];
  /** Requests per window per account (or per client address when anonymous); windows align to the epoch. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Largest page the lists give, whatever is asked (default 100, CONTRACT). */
  maxPageSize?: number;
  /** Lifetime of a login session's JWT. Default 7 days. */
  sessionTtlSeconds?: number;
  /** Keep state in this JSON file: loaded at start when it exists (seeds are then ignored), saved on change. */
  stateFile?: string;
  faults?: Partial<Faults>;
  host?: string;
  port?: number;
  registryPort?: number;
  /** The emulator's clock (default: the real one). */
  now?: () => Date;
  /** Record every exchange in `exchanges` (default true). */
  record?: boolean;
  /** The OAuth tenant (web sign-in): its clients, poll interval and token lifetimes. */
  oauth?: TenantOptions;
  /** The tenant's own port (default any free one); the Hub port answers its routes too. */
  authPort?: number;
}

/** One request and the emulator's answer, as seen on the wire. */
export interface Exchange {
  server: "hub" | "registry" | "auth";
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  /** Parsed JSON, or the raw text when it wasn't JSON (a malformed-body fault), or undefined when empty. */
  responseBody: unknown;
  /** The fault knob that shaped this answer, if any (status 0 for a dropped connection; "lost": never sent). */
  fault?: "drop" | "lost" | "429" | "5xx" | "malformed";
}

export interface Emulator {
  /** Hub API base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The registry token service's base URL (its own port; the Hub URL also answers `/token`). */
  registryUrl: string;
  /** Full token-service endpoint (`registryUrl` + `/token`), what a client's token-service option takes. */
  tokenServiceUrl: string;
  /** The OAuth tenant's base URL (its own port; the Hub URL also answers its routes), what --auth-url takes. */
  authUrl: string;
  state: EmulatorState;
  faults: Faults;
  /** Requests that matched no route (answered 501). Tests assert this stays empty. */
  unhandled: Array<{ server: "hub" | "registry" | "auth"; method: string; url: string }>;
  exchanges: Exchange[];
  /** Requests seen, 429s given, most requests counted in one rate-limit window, most handled at once. */
  stats: { requests: number; rateLimited: number; maxInWindow: number; maxConcurrent: number };
  close(): Promise<void>;
  /** The token labelled `label` (of `username`, or of anyone); throws when there is none. */
  tokenByLabel(label: string, username?: string): EmulatedToken;
  tokensOf(username: string): EmulatedToken[];
  orgTokensOf(org: string): EmulatedOrgToken[];
  /** A valid session JWT for `username`, as if they had logged in (kind "pat" mimics a PAT login). */
  sessionFor(username: string, opts?: { kind?: SessionKind; ttlSeconds?: number }): string;
  /** The TOTP code the account's 2FA accepts right now. */
  currentCode(username: string): string;
  /** The secret of a seeded token (`users[].tokens[]`). */
  seededSecret(username: string, label: string): string;
  /** Adds a token directly (no HTTP, no rate limit) and returns it with its secret. */
  addToken(username: string, seed: SeedToken): { token: EmulatedToken; secret: string };
  /** Device sign-ins started at the tenant, newest last. */
  deviceGrants(): DeviceGrant[];
  /** Approves the web sign-in waiting under `userCode` as `username` (what the sign-in page does); false if none waits. */
  approveDevice(userCode: string, username: string): boolean;
  /** Denies the web sign-in waiting under `userCode`. */
  denyDevice(userCode: string): boolean;
  /** A finished web sign-in's tokens (access, id, refresh) for `username`, as `docker login` would have them. */
  webSignIn(username: string, clientId?: string): { access_token: string; refresh_token: string; expires_in: number };
  /** Whether the tenant would still honour this refresh token (not rotated, revoked or reused). */
  refreshTokenIsLive(refreshToken: string): boolean;
}

const DEFAULT_FAULTS: Faults = { latencyMs: 0, serverErrorRate: 0, serverErrors: 0, rateLimitBurst: 0, dropConnections: 0, loseAnswers: 0, malformedBodies: 0, slowBodyMs: 0 };

interface Reply {
  status: number;
  body?: unknown;
  /** An HTML page instead of a JSON body. */
  html?: string;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  ip: string;
  now: Date;
}

class HttpReply extends Error {
  constructor(readonly reply: Reply) {
    super(`emulator reply ${reply.status}`);
  }
}
const fail = (status: number, body: unknown): never => {
  throw new HttpReply({ status, body });
};
const badRequest = (field: string, problem: string): never => fail(400, { fields: { [field]: [problem] }, text: `${field}: ${problem}` });

const LOGIN_FAILED = { detail: "Incorrect authentication credentials" };
const NOT_FOUND = { detail: "Not found." };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function flatHeaders(h: IncomingMessage["headers"] | Record<string, string | number | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isExpired = (expiresAt: string | null, now: Date): boolean => expiresAt !== null && Date.parse(expiresAt) <= now.getTime();

/** Starts the Hub API and the registry token service on loopback ports; resolves once both listen. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? (() => new Date());
  const state = new EmulatorState(options.stateFile);
  if (!state.load()) {
    state.seed(options.users ?? [], options.orgs ?? [], now());
    state.save();
  }
  const faults: Faults = { ...DEFAULT_FAULTS, ...options.faults };
  const limit = options.rateLimit ?? { limit: 1000, windowSeconds: 60 };
  const sessionTtlMs = (options.sessionTtlSeconds ?? 7 * 24 * 3600) * 1000;
  const record = options.record ?? true;
  const unhandled: Emulator["unhandled"] = [];
  const exchanges: Exchange[] = [];
  const stats = { requests: 0, rateLimited: 0, maxInWindow: 0, maxConcurrent: 0 };
  let active = 0;
  const pending2fa = new Map<string, { username: string; expiresAtMs: number }>();
  const windows = new Map<string, { start: number; count: number }>();
  let hubUrl = "";
  const tenant = createTenant(state, options.oauth);

  // ---- rate limit: fixed windows aligned to the epoch, so X-RateLimit-Reset (whole seconds) is exact.
  function rateLimit(key: string, nowMs: number): { headers: Record<string, string>; limited: boolean } {
    const windowMs = limit.windowSeconds * 1000;
    const start = Math.floor(nowMs / windowMs) * windowMs;
    let w = windows.get(key);
    if (!w || w.start !== start) windows.set(key, (w = { start, count: 0 }));
    const reset = String((start + windowMs) / 1000);
    const limited = w.count >= limit.limit;
    if (!limited) w.count++;
    stats.maxInWindow = Math.max(stats.maxInWindow, w.count);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(limit.limit),
      "x-ratelimit-remaining": String(Math.max(0, limit.limit - w.count)),
      "x-ratelimit-reset": reset,
    };
    if (limited) {
      headers["x-retry-after"] = reset;
      headers["retry-after"] = String(Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000)));
    }
    return { headers, limited };
  }

  function sessionOf(ctx: Ctx): EmulatedSession | undefined {
    const auth = ctx.headers.authorization;
    const m = typeof auth === "string" ? /^(?:Bearer|JWT)\s+(\S+)$/i.exec(auth) : null;
    if (!m) return undefined;
    const s = state.sessions.get(m[1]!);
    return s && s.expires_at_ms > ctx.now.getTime() ? s : undefined;
  }

  function requireSession(ctx: Ctx): EmulatedSession {
    if (typeof ctx.headers.authorization !== "string") fail(401, { detail: "Authentication credentials were not provided." });
    const s = sessionOf(ctx);
    if (!s) return fail(401, { detail: "Token is invalid or expired" });
    return s;
  }

  /**
   * Token management needs a person's own session: a password login or a web sign-in's access token. A PAT or OAT
   * bearer gets 403 (CONTRACT "What a PAT may not do").
   */
  function requireAccountSession(ctx: Ctx): EmulatedSession {
    const s = requireSession(ctx);
    if (s.kind !== "password" && s.kind !== "oauth") fail(403, { detail: "access to the resource is forbidden with personal access token" });
    return s;
  }

  /** CONTRACT "More observed limits": with SSO enforced the Hub wants a PAT, not the password (body assumed). */
  const SSO_REFUSAL = { detail: "Single Sign-On is enforced for this account: sign in with a personal access token or through the web", message: "password authentication is not allowed when SSO is enforced" };

  const pageParams = (q: URLSearchParams): { page: number; size: number } => {
    const page = Number.parseInt(q.get("page") ?? "1", 10);
    const raw = Number.parseInt(q.get("page_size") ?? "10", 10);
    // Django REST framework: a bad page_size falls back to the default, a big one is capped (100 on the Hub).
    const size = Number.isFinite(raw) && raw > 0 ? Math.min(raw, options.maxPageSize ?? 100) : 10;
    if (!Number.isFinite(page) || page < 1) fail(404, { detail: "Invalid page." });
    return { page, size };
  };

  function paginate<T>(items: T[], q: URLSearchParams, path: string): { slice: T[]; next: string | null; previous: string | null } {
    const { page, size } = pageParams(q);
    const pages = Math.max(1, Math.ceil(items.length / size));
    if (page > pages) fail(404, { detail: "Invalid page." });
    const link = (p: number) => `${hubUrl}${path}?${p === 1 ? "" : `page=${p}&`}page_size=${size}`;
    return {
      slice: items.slice((page - 1) * size, page * size),
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
    };
  }

  const publicToken = (t: EmulatedToken, secret = ""): Record<string, unknown> => ({
    uuid: t.uuid, client_id: t.client_id, creator_ip: t.creator_ip, creator_ua: t.creator_ua, created_at: t.created_at,
    last_used: t.last_used, generated_by: t.generated_by, is_active: t.is_active, token: secret, token_label: t.token_label,
    scopes: t.scopes, expires_at: t.expires_at,
  });
  const publicOrgToken = (t: EmulatedOrgToken, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: t.id, label: t.label, description: t.description, created_by: t.created_by, is_active: t.is_active,
    created_at: t.created_at, expires_at: t.expires_at, last_used_at: t.last_used_at, resources: t.resources, ...extra,
  });

  function parseLabel(v: unknown, field: string, max = 100): string {
    if (typeof v !== "string" || v.trim().length === 0) return badRequest(field, "This field may not be blank.");
    if (v.length > max) return badRequest(field, `Ensure this field has no more than ${max} characters.`);
    return v;
  }
  function parseExpiry(v: unknown, ctx: Ctx): Date | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return badRequest("expires_at", "Datetime has wrong format.");
    const d = new Date(v);
    if (d.getTime() <= ctx.now.getTime()) return badRequest("expires_at", "Expiration date must be in the future.");
    return d;
  }
  function parseResources(v: unknown): EmulatedOrgToken["resources"] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return badRequest("resources", "Expected a list of items.");
    return v.map((r) => {
      if (!isObject(r) || (r.type !== "TYPE_REPO" && r.type !== "TYPE_ORG") || typeof r.path !== "string" || !Array.isArray(r.scopes) || !r.scopes.every((s) => typeof s === "string")) {
        return badRequest("resources", "Each resource needs type (TYPE_REPO or TYPE_ORG), path and scopes.");
      }
      return { type: r.type, path: r.path, scopes: r.scopes as string[] };
    });
  }

  function ownToken(s: EmulatedSession, uuid: string): EmulatedToken {
    const t = state.tokens.get(uuid);
    return t && t.owner === s.username ? t : fail(404, NOT_FOUND);
  }
  function orgFor(ctx: Ctx, name: string): { s: EmulatedSession; org: string } {
    const s = requireAccountSession(ctx);
    const org = state.orgs.get(name);
    if (!org) return fail(404, { detail: "Not found." });
    if (!org.owners.includes(s.username)) fail(403, { detail: "Only organization owners can manage organization access tokens." });
    return { s, org: org.name };
  }
  function ownOrgToken(org: string, id: string): EmulatedOrgToken {
    const t = state.orgTokens.get(id);
    return t && t.org === org ? t : fail(404, NOT_FOUND);
  }

  /** A PAT login (password field holding an active, unexpired PAT of the user): Hub accepts it, 2FA or not. */
  function patLogin(username: string, secret: string, ctx: Ctx): EmulatedToken | undefined {
    const t = state.patBySecret(username, secret);
    if (!t || !t.is_active || isExpired(t.expires_at, ctx.now)) return undefined;
    t.last_used = hubTime(ctx.now);
    return t;
  }

  /** An OAT login (an organization's name and one of its active, unexpired access tokens). */
  function oatLogin(org: string, secret: string, ctx: Ctx): EmulatedOrgToken | undefined {
    const t = state.orgs.has(org) ? state.oatBySecret(org, secret) : undefined;
    if (!t || !t.is_active || isExpired(t.expires_at, ctx.now)) return undefined;
    t.last_used_at = hubTime(ctx.now);
    return t;
  }

  // ---- Hub API routes
  function hubRoute(ctx: Ctx): Reply | undefined {
    const { method, path } = ctx;
    const body = isObject(ctx.body) ? ctx.body : {};
    const nowMs = ctx.now.getTime();
    let m: RegExpExecArray | null;

    if (path === "/v2/users/login" && method === "POST") {
      const username = typeof body.username === "string" ? body.username : "";
      const password = typeof body.password === "string" ? body.password : "";
      const user = state.users.get(username);
      if (!user) return { status: 401, body: LOGIN_FAILED };
      if (user.sso_enforced && user.password === password) return { status: 401, body: SSO_REFUSAL };
      if (user.password !== password) {
        if (!patLogin(username, password, ctx)) return { status: 401, body: LOGIN_FAILED };
        state.save();
        return { status: 200, body: { token: state.newSession(username, "pat", nowMs, sessionTtlMs).jwt } };
      }
      if (user.totp_secret) {
        const token = randomBytes(24).toString("base64url");
        pending2fa.set(token, { username, expiresAtMs: nowMs + 5 * 60_000 });
        return { status: 401, body: { detail: "Require secondary authentication on MFA enabled account", login_2fa_token: token } };
      }
      const s = state.newSession(username, "password", nowMs, sessionTtlMs);
      state.save();
      return { status: 200, body: { token: s.jwt } };
    }

    if (path === "/v2/users/2fa-login" && method === "POST") {
      const pending = typeof body.login_2fa_token === "string" ? pending2fa.get(body.login_2fa_token) : undefined;
      const user = pending && pending.expiresAtMs > nowMs ? state.users.get(pending.username) : undefined;
      if (!user?.totp_secret || typeof body.code !== "string" || !checkTotp(user.totp_secret, body.code, nowMs)) {
        return { status: 401, body: LOGIN_FAILED };
      }
      pending2fa.delete(body.login_2fa_token as string);
      const s = state.newSession(user.username, "password", nowMs, sessionTtlMs);
      state.save();
      return { status: 200, body: { token: s.jwt } };
    }

    if (path === "/v2/auth/token" && method === "POST") {
      const id = typeof body.identifier === "string" ? body.identifier : "";
      const secret = typeof body.secret === "string" ? body.secret : "";
      const denied = { status: 401, body: { detail: "Incorrect authentication credentials", message: "incorrect username or password" } };
      const user = state.users.get(id);
      let kind: SessionKind | undefined;
      // No 2FA step on this route: a 2FA account's password is refused here (CONTRACT 5, assumed).
      if (user?.sso_enforced && user.password === secret) return { status: 401, body: SSO_REFUSAL };
      if (user && user.password === secret && !user.totp_secret) kind = "password";
      else if (user && patLogin(id, secret, ctx)) kind = "pat";
      else if (oatLogin(id, secret, ctx)) kind = "oat";
      if (!kind) return denied;
      const s = state.newSession(id, kind, nowMs, 10 * 60_000);
      state.save();
      return { status: 200, body: { access_token: s.jwt } };
    }

    if (path === "/v2/access-tokens") {
      if (method === "GET") {
        const s = requireAccountSession(ctx);
        const all = state.tokensOf(s.username);
        const p = paginate(all, ctx.query, path);
        return {
          status: 200,
          body: { count: all.length, next: p.next, previous: p.previous, active_count: all.filter((t) => t.is_active).length, results: p.slice.map((t) => publicToken(t)) },
        };
      }
      if (method === "POST") {
        const s = requireAccountSession(ctx);
        const label = parseLabel(body.token_label, "token_label");
        const scopes = body.scopes;
        if (!Array.isArray(scopes) || scopes.length !== 1 || !PAT_SCOPES.includes(scopes[0])) {
          return badRequest("scopes", `Give exactly one of: ${PAT_SCOPES.join(", ")}.`);
        }
        const expiresAt = parseExpiry(body.expires_at, ctx);
        const secret = newSecret("dckr_pat_");
        const ua = typeof ctx.headers["user-agent"] === "string" ? ctx.headers["user-agent"] : "";
        const t = state.addToken(s.username, { label, scopes: scopes as string[], expiresAt, ip: ctx.ip, ua, createdAt: ctx.now, secret });
        state.save();
        return { status: 201, body: publicToken(t, secret) };
      }
    }

    // What Docker CLI calls after a web sign-in to get a PAT for the registry (CONTRACT "Web sign-in").
    if (path === "/v2/access-tokens/desktop-generate" && method === "POST") {
      const s = requireSession(ctx);
      if (s.kind !== "oauth") fail(403, { detail: "only a web sign-in can generate a desktop token" });
      const secret = newSecret("dckr_pat_");
      const ua = typeof ctx.headers["user-agent"] === "string" ? ctx.headers["user-agent"] : "";
      const t = state.addToken(s.username, { label: `Docker CLI (${ua.split(" ")[0] || "web sign-in"})`.slice(0, 100), scopes: ["repo:admin"], expiresAt: null, ip: ctx.ip, ua, createdAt: ctx.now, secret });
      t.generated_by = "auto";
      state.save();
      return { status: 201, body: { data: { token: secret } } };
    }

    if ((m = /^\/v2\/access-tokens\/([^/]+)$/.exec(path))) {
      const uuid = decodeURIComponent(m[1]!);
      if (method === "GET") return { status: 200, body: publicToken(ownToken(requireAccountSession(ctx), uuid)) };
      if (method === "PATCH") {
        const t = ownToken(requireAccountSession(ctx), uuid);
        if (body.token_label !== undefined) t.token_label = parseLabel(body.token_label, "token_label");
        if (body.is_active !== undefined) {
          if (typeof body.is_active !== "boolean") return badRequest("is_active", "Must be a valid boolean.");
          t.is_active = body.is_active;
        }
        state.save();
        return { status: 200, body: publicToken(t) };
      }
      if (method === "DELETE") {
        const t = ownToken(requireAccountSession(ctx), uuid);
        state.tokens.delete(t.uuid);
        state.save();
        return { status: 204 };
      }
    }

    if ((m = /^\/v2\/orgs\/([^/]+)\/access-tokens$/.exec(path))) {
      const { s, org } = orgFor(ctx, decodeURIComponent(m[1]!));
      if (method === "GET") {
        const all = state.orgTokensOf(org);
        const p = paginate(all, ctx.query, path);
        return { status: 200, body: { total: all.length, next: p.next, previous: p.previous, results: p.slice.map((t) => publicOrgToken(t)) } };
      }
      if (method === "POST") {
        const label = parseLabel(body.label, "label");
        const description = body.description === undefined ? "" : typeof body.description === "string" ? body.description : badRequest("description", "Not a valid string.");
        const secret = newSecret("dckr_oat_");
        const t = state.addOrgToken(org, s.username, { label, description, resources: parseResources(body.resources), expiresAt: parseExpiry(body.expires_at, ctx), createdAt: ctx.now, secret });
        state.save();
        return { status: 201, body: publicOrgToken(t, { token: secret }) };
      }
    }

    if ((m = /^\/v2\/orgs\/([^/]+)\/access-tokens\/([^/]+)$/.exec(path))) {
      const { org } = orgFor(ctx, decodeURIComponent(m[1]!));
      const t = ownOrgToken(org, decodeURIComponent(m[2]!));
      if (method === "GET") return { status: 200, body: publicOrgToken(t) };
      if (method === "PATCH") {
        if (body.label !== undefined) t.label = parseLabel(body.label, "label");
        if (body.description !== undefined) t.description = typeof body.description === "string" ? body.description : badRequest("description", "Not a valid string.");
        if (body.resources !== undefined) t.resources = parseResources(body.resources);
        if (body.is_active !== undefined) t.is_active = typeof body.is_active === "boolean" ? body.is_active : badRequest("is_active", "Must be a valid boolean.");
        state.save();
        return { status: 200, body: publicOrgToken(t) };
      }
      if (method === "DELETE") {
        state.orgTokens.delete(t.id);
        state.save();
        return { status: 204 };
      }
    }
    return undefined;
  }

  // ---- the OAuth tenant (login.docker.com): form bodies in, JSON (or the sign-in page) out
  function tenantRoute(ctx: Ctx): Reply | undefined {
    const form: Record<string, string> = {};
    if (isObject(ctx.body)) for (const [k, v] of Object.entries(ctx.body)) if (typeof v === "string") form[k] = v;
    return tenant.route(ctx.method, ctx.path, ctx.query, form, ctx.now.getTime());
  }

  // ---- registry token service (distribution token-auth spec)
  function registryRoute(ctx: Ctx): Reply | undefined {
    if (ctx.path !== "/token" || ctx.method !== "GET") return undefined;
    const denied: Reply = { status: 401, body: { details: "incorrect username or password" }, headers: { "www-authenticate": 'Basic realm="Docker Hub"' } };
    const issue = (): Reply => {
      const token = randomBytes(32).toString("base64url");
      return { status: 200, body: { token, access_token: token, expires_in: 300, issued_at: ctx.now.toISOString() } };
    };
    if (!ctx.query.get("service")) return { status: 400, body: { details: "service parameter required" } };
    const auth = ctx.headers.authorization;
    if (typeof auth !== "string") return issue(); // anonymous pull token, as the real service gives
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    if (!m) return denied;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return denied;
    const username = decoded.slice(0, colon), secret = decoded.slice(colon + 1);
    const user = state.users.get(username);
    if (user && user.password === secret) return user.totp_secret ? denied : issue();
    if ((user && patLogin(username, secret, ctx)) || oatLogin(username, secret, ctx)) {
      state.save();
      return issue();
    }
    return denied;
  }

  function makeServer(kind: "hub" | "registry" | "auth"): Server {
    const server = createServer({ keepAlive: true }, (req, res) => {
      active++;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, active);
      res.on("close", () => active--);
      void handle(kind, req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ detail: `emulator error: ${err instanceof Error ? err.message : String(err)}` }));
        }
      });
    });
    return server;
  }

  async function handle(kind: "hub" | "registry" | "auth", req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://emulator");
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, "") : url.pathname;
    let body: unknown = undefined;
    let badJson = false;
    const isForm = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    if (raw.length > 0 && isForm) body = Object.fromEntries(new URLSearchParams(raw));
    else if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
        body = raw;
      }
    }
    const ctx: Ctx = { method: req.method ?? "GET", path, query: url.searchParams, headers: req.headers, body, ip: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "", now: now() };
    stats.requests++;

    // The Hub server answers the token service's route too, so a client given only the Hub URL can check PATs.
    if (kind === "hub" && path === "/token") kind = "registry";
    // ... and the tenant's, so `--hub-url` alone is enough for a web sign-in against the emulator.
    if (kind === "hub" && (path.startsWith("/oauth/") || path === "/activate" || path.startsWith("/emulator/"))) kind = "auth";
    let headers: Record<string, string> = {};
    let reply: Reply | undefined;
    let malformed = false;
    let lost = false;
    let fault: Exchange["fault"];
    if (kind === "hub") {
      if (faults.dropConnections > 0) {
        faults.dropConnections--;
        if (record) exchanges.push({ server: kind, method: ctx.method, path, query: Object.fromEntries(url.searchParams), headers: flatHeaders(req.headers), requestBody: body, status: 0, responseHeaders: {}, responseBody: undefined, fault: "drop" });
        req.socket.destroy();
        return;
      }
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      ctx.now = now();
      const key = sessionOf(ctx)?.username ?? `ip:${ctx.ip}`;
      const rl = rateLimit(key, ctx.now.getTime());
      headers = rl.headers;
      const burst = faults.rateLimitBurst > 0;
      if (burst) {
        faults.rateLimitBurst--;
        const at = Math.ceil(ctx.now.getTime() / 1000) + 1;
        headers = { ...headers, "x-retry-after": String(at), "retry-after": "1" };
        fault = "429";
      }
      if (burst || rl.limited) {
        reply = { status: 429, body: { detail: "Rate limit exceeded", error: false } };
        stats.rateLimited++;
      } else if (faults.serverErrors > 0 || (faults.serverErrorRate > 0 && Math.random() < faults.serverErrorRate)) {
        if (faults.serverErrors > 0) faults.serverErrors--;
        reply = { status: 503, body: { detail: "Service Unavailable" } };
        fault = "5xx";
      }
      if (faults.malformedBodies > 0) {
        faults.malformedBodies--;
        malformed = true;
        fault = "malformed";
      }
      if (faults.loseAnswers > 0) {
        faults.loseAnswers--;
        lost = true;
        fault = "lost";
      }
    }
    if (!reply && badJson) reply = { status: 400, body: { fields: {}, text: "JSON parse error" } };
    if (!reply) {
      try {
        reply = kind === "hub" ? hubRoute(ctx) : kind === "registry" ? registryRoute(ctx) : tenantRoute(ctx);
      } catch (err) {
        if (!(err instanceof HttpReply)) throw err;
        reply = err.reply;
      }
    }
    if (!reply) {
      unhandled.push({ server: kind, method: ctx.method, url: req.url ?? "/" });
      reply = { status: 501, body: { detail: `the hubpat emulator does not implement ${ctx.method} ${path}` } };
    }

    let text = reply.html ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    if (malformed && text.length > 0) text = text.slice(0, Math.floor(text.length / 2));
    const responseHeaders: Record<string, string> = { ...headers, ...reply.headers };
    if (text.length > 0) responseHeaders["content-type"] = reply.html !== undefined ? "text/html; charset=utf-8" : "application/json";
    if (record) {
      let responseBody: unknown = undefined;
      if (text.length > 0) {
        try {
          responseBody = JSON.parse(text);
        } catch {
          responseBody = text;
        }
      }
      exchanges.push({
        server: kind, method: ctx.method, path, query: Object.fromEntries(url.searchParams), headers: flatHeaders(req.headers),
        requestBody: body, status: reply.status, responseHeaders, responseBody, ...(fault ? { fault } : {}),
      });
    }
    if (lost) {
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status, responseHeaders);
    if (kind === "hub" && faults.slowBodyMs > 0 && text.length > 1) {
      const half = Math.floor(text.length / 2);
      res.write(text.slice(0, half));
      await new Promise((r) => setTimeout(r, faults.slowBodyMs));
      if (!res.destroyed) res.end(text.slice(half));
      return;
    }
    res.end(text);
  }

  const hub = makeServer("hub");
  const registry = makeServer("registry");
  const auth = makeServer("auth");
  const host = options.host ?? "127.0.0.1";
  const listen = (s: Server, port: number) => new Promise<AddressInfo>((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, host, () => resolve(s.address() as AddressInfo));
  });
  const [hubAddr, regAddr, authAddr] = await Promise.all([listen(hub, options.port ?? 0), listen(registry, options.registryPort ?? 0), listen(auth, options.authPort ?? 0)]);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  hubUrl = `http://${urlHost}:${hubAddr.port}`;
  const registryUrl = `http://${urlHost}:${regAddr.port}`;
  const authUrl = `http://${urlHost}:${authAddr.port}`;
  tenant.setUrl(authUrl);

  const close = (s: Server) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });

  return {
    url: hubUrl,
    registryUrl,
    tokenServiceUrl: `${registryUrl}/token`,
    authUrl,
    state,
    faults,
    unhandled,
    exchanges,
    stats,
    close: async () => {
      await Promise.all([close(hub), close(registry), close(auth)]);
    },
    tokenByLabel(label, username) {
      const t = [...state.tokens.values()].find((x) => x.token_label === label && (username === undefined || x.owner === username));
      if (!t) throw new Error(`the emulator has no token labelled ${label}`);
      return t;
    },
    tokensOf: (username) => state.tokensOf(username),
    orgTokensOf: (org) => state.orgTokensOf(org),
    sessionFor(username, opts) {
      if (!state.users.has(username)) throw new Error(`the emulator has no user ${username}`);
      const s = state.newSession(username, opts?.kind ?? "password", now().getTime(), (opts?.ttlSeconds ?? sessionTtlMs / 1000) * 1000);
      state.save();
      return s.jwt;
    },
    currentCode(username) {
      const secret = state.users.get(username)?.totp_secret;
      if (!secret) throw new Error(`${username} has no 2FA in the emulator`);
      return totp(secret, now().getTime());
    },
    seededSecret(username, label) {
      const s = state.seededSecrets.get(`${username}/${label}`);
      if (s === undefined) throw new Error(`no seeded token ${username}/${label}`);
      return s;
    },
    addToken: (username, seed) => state.seedToken(username, seed, now()),
    deviceGrants: () => [...tenant.grants.values()],
    approveDevice: (userCode, username) => tenant.decide(userCode, username, true, now().getTime()),
    denyDevice: (userCode) => tenant.decide(userCode, undefined, false, now().getTime()),
    webSignIn: (username, clientId = DOCKER_CLI_CLIENT_ID) => tenant.signIn(username, clientId, now().getTime()) as { access_token: string; refresh_token: string; expires_in: number },
    refreshTokenIsLive: (refreshToken) => tenant.isLive(refreshToken),
  };
}
