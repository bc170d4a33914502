// Docker Hub's JSON, and the one place its snake_case names live (see src/hub/contract/openapi.yaml). Every
// answer is parsed and checked field by field into the domain types of ./types.ts; nothing is cast. A field the
// Hub leaves out or adds never breaks parsing unless hubpat needs it.
import { UnexpectedResponseError } from "./errors.js";
import type {
  CreatedOrgToken, CreatedToken, CreateTokenRequest, OrgToken, OrgTokenResource, Token, TokenScope, UpdateTokenRequest,
} from "./types.js";

type Obj = Record<string, unknown>;

const SCOPES: readonly TokenScope[] = ["repo:admin", "repo:write", "repo:read", "repo:public_read"];
const isScope = (s: unknown): s is TokenScope => SCOPES.some((x) => x === s);

function bad(what: string, field: string, problem: string): never {
  throw new UnexpectedResponseError(`Docker Hub sent an unexpected ${what}: ${field} ${problem}`);
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
function obj(v: unknown, what: string): Obj {
  return isObj(v) ? v : bad(what, "the body", "is not a JSON object");
}
function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  return typeof v === "string" ? v : bad(what, key, "is not a string");
}
function optStr(o: Obj, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === "") return undefined;
  return typeof v === "string" ? v : bad(what, key, "is not a string");
}
function bool(o: Obj, key: string, what: string): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : bad(what, key, "is not true or false");
}
function num(o: Obj, key: string, what: string): number {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : bad(what, key, "is not a count");
}
function arr(o: Obj, key: string, what: string): unknown[] {
  const v = o[key];
  return Array.isArray(v) ? v : bad(what, key, "is not a list");
}
/** RFC 3339; the Hub writes microseconds and `Z`. A time without a zone is taken as UTC. */
function time(o: Obj, key: string, what: string): Date {
  const s = str(o, key, what);
  const d = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(s) ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? bad(what, key, "is not a time") : d;
}
function optTime(o: Obj, key: string, what: string): Date | undefined {
  return optStr(o, key, what) === undefined ? undefined : time(o, key, what);
}
/** Adds `key: value` only when value is defined, so domain objects carry no `undefined` fields. */
function opt<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  const out: Partial<Record<K, V>> = {};
  if (value !== undefined) out[key] = value;
  return out;
}

/** A personal access token object (list item, get, patch). Unknown scopes are dropped. */
export function parseToken(v: unknown): Token {
  const what = "access token";
  const o = obj(v, what);
  return {
    id: str(o, "uuid", what),
    label: str(o, "token_label", what),
    scopes: (o.scopes === undefined || o.scopes === null ? [] : arr(o, "scopes", what)).filter(isScope),
    isActive: bool(o, "is_active", what),
    createdAt: time(o, "created_at", what),
    ...opt("lastUsedAt", optTime(o, "last_used", what)),
    ...opt("expiresAt", optTime(o, "expires_at", what)),
    ...opt("creatorIp", optStr(o, "creator_ip", what)),
    ...opt("creatorUserAgent", optStr(o, "creator_ua", what)),
    ...opt("clientId", optStr(o, "client_id", what)),
    ...opt("generatedBy", optStr(o, "generated_by", what)),
  };
}

/** The create answer: the token and, this once, its secret. */
export function parseCreatedToken(v: unknown): CreatedToken {
  const o = obj(v, "new access token");
  const secret = str(o, "token", "new access token");
  if (secret === "") bad("new access token", "token", "is empty");
  return { ...parseToken(o), secret };
}

/** One page of `GET /v2/access-tokens`. */
export interface TokenPage {
  count: number;
  activeCount: number;
  next?: string;
  tokens: Token[];
}

export function parseTokenPage(v: unknown): TokenPage {
  const what = "token list";
  const o = obj(v, what);
  return {
    count: num(o, "count", what),
    // active_count is the Hub page's toolbar figure; count the page ourselves if a Hub ever omits it.
    activeCount: o.active_count === undefined ? -1 : num(o, "active_count", what),
    ...opt("next", optStr(o, "next", what)),
    tokens: arr(o, "results", what).map(parseToken),
  };
}

/** `POST /v2/access-tokens` body. */
export function createTokenBody(r: CreateTokenRequest): Obj {
  return { token_label: r.label, scopes: r.scopes, ...opt("expires_at", r.expiresAt?.toISOString()) };
}

/** `PATCH /v2/access-tokens/{uuid}` body: only what changes. */
export function updateTokenBody(c: UpdateTokenRequest): Obj {
  return { ...opt("token_label", c.label), ...opt("is_active", c.isActive) };
}

export function loginBody(username: string, password: string): Obj {
  return { username, password };
}

export function twoFactorBody(login2faToken: string, code: string): Obj {
  return { login_2fa_token: login2faToken, code };
}

/** The session JWT of a successful login. */
export function parseLoginSuccess(v: unknown): string {
  const token = str(obj(v, "login answer"), "token", "login answer");
  return token === "" ? bad("login answer", "token", "is empty") : token;
}

/** A refused login: the Hub's words, and the 2FA challenge when the account has 2FA. */
export function parseLoginFailure(v: unknown): { detail?: string; login2faToken?: string } {
  const o = isObj(v) ? v : {};
  return { ...opt("detail", optStr(o, "detail", "login answer")), ...opt("login2faToken", optStr(o, "login_2fa_token", "login answer")) };
}

function parseResource(v: unknown): OrgTokenResource {
  const what = "organization token resource";
  const o = obj(v, what);
  const type = str(o, "type", what);
  if (type !== "TYPE_REPO" && type !== "TYPE_ORG") return bad(what, "type", "is neither TYPE_REPO nor TYPE_ORG");
  return { type, path: str(o, "path", what), scopes: arr(o, "scopes", what).map((s) => (typeof s === "string" ? s : bad(what, "scopes", "holds a non-string"))) };
}

/** An organization access token. The published list items have no `resources`: those come back empty. */
export function parseOrgToken(v: unknown): OrgToken {
  const what = "organization access token";
  const o = obj(v, what);
  return {
    id: str(o, "id", what),
    label: str(o, "label", what),
    ...opt("description", optStr(o, "description", what)),
    ...opt("createdBy", optStr(o, "created_by", what)),
    isActive: bool(o, "is_active", what),
    createdAt: time(o, "created_at", what),
    ...opt("expiresAt", optTime(o, "expires_at", what)),
    ...opt("lastUsedAt", optTime(o, "last_used_at", what)),
    resources: o.resources === undefined || o.resources === null ? [] : arr(o, "resources", what).map(parseResource),
  };
}

export function parseCreatedOrgToken(v: unknown): CreatedOrgToken {
  const o = obj(v, "new organization access token");
  const secret = str(o, "token", "new organization access token");
  if (secret === "") bad("new organization access token", "token", "is empty");
  return { ...parseOrgToken(o), secret };
}

export function parseOrgTokenPage(v: unknown): { total: number; next?: string; tokens: OrgToken[] } {
  const what = "organization token list";
  const o = obj(v, what);
  return { total: num(o, "total", what), ...opt("next", optStr(o, "next", what)), tokens: arr(o, "results", what).map(parseOrgToken) };
}

export function createOrgTokenBody(r: { label: string; description?: string; resources: OrgTokenResource[]; expiresAt?: Date }): Obj {
  return {
    label: r.label,
    ...opt("description", r.description),
    resources: r.resources.map((x) => ({ type: x.type, path: x.path, scopes: x.scopes })),
    ...opt("expires_at", r.expiresAt?.toISOString()),
  };
}

export function updateOrgTokenBody(c: { label?: string; description?: string; isActive?: boolean }): Obj {
  return { ...opt("label", c.label), ...opt("description", c.description), ...opt("is_active", c.isActive) };
}

/** The Hub's words from an error body: `detail`, `message`, or a 400's `text` and `fields`. */
export function errorMessage(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const o = v;
  for (const key of ["detail", "message", "details"]) if (typeof o[key] === "string" && o[key] !== "") return o[key];
  const fields = typeof o.fields === "object" && o.fields !== null ? Object.entries(o.fields) : [];
  const parts = fields.map(([k, msgs]) => `${k}: ${Array.isArray(msgs) ? msgs.filter((m) => typeof m === "string").join(" ") : String(msgs)}`);
  if (parts.length > 0) return parts.join("; ");
  return typeof o.text === "string" && o.text !== "" ? o.text : undefined;
}

/** Page size the Hub actually used, from a `next` link (it may cap what was asked for). */
export function pageSizeOf(next: string | undefined): number | undefined {
  if (!next) return undefined;
  try {
    const n = Number.parseInt(new URL(next).searchParams.get("page_size") ?? "", 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
