// The emulator's world: users, organizations, sessions and tokens, kept in Hub wire shapes (snake_case) because
// they are what the emulator answers with. Secrets are kept only as SHA-256 hashes, so a state file on disk holds
// no usable token. Optionally saved to a JSON file after each change so a demo survives restarts.
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

/** Scopes the Hub accepts for a personal access token. */
export const PAT_SCOPES = ["repo:admin", "repo:write", "repo:read", "repo:public_read"] as const;

/** A personal access token as the Hub stores it (wire names), plus its owner and the hash of its secret. */
export interface EmulatedToken {
  uuid: string;
  client_id: string;
  creator_ip: string;
  creator_ua: string;
  created_at: string;
  last_used: string | null;
  generated_by: string;
  is_active: boolean;
  token_label: string;
  scopes: string[];
  expires_at: string | null;
  owner: string;
  secret_sha256: string;
}

/** An organization access token as the Hub stores it (wire names). */
export interface EmulatedOrgToken {
  id: string;
  org: string;
  label: string;
  description: string;
  created_by: string;
  is_active: boolean;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  resources: Array<{ type: "TYPE_REPO" | "TYPE_ORG"; path: string; scopes: string[] }>;
  secret_sha256: string;
}

export interface EmulatedUser {
  username: string;
  password: string;
  /** Base32 TOTP secret; absent when the account has no 2FA. */
  totp_secret?: string;
  /** The account's id, as the OAuth tenant's claims carry it. */
  uuid?: string;
  email?: string;
  /** Its organization enforces single sign-on: no password on /v2/users/login or /v2/auth/token. */
  sso_enforced?: boolean;
}

export interface EmulatedOrg {
  name: string;
  owners: string[];
  members: string[];
}

/**
 * How a session was obtained: a password login and a web sign-in (the OAuth tenant's access token) may manage
 * tokens, a PAT or OAT login may not.
 */
export type SessionKind = "password" | "pat" | "oat" | "oauth";

export interface EmulatedSession {
  jwt: string;
  username: string;
  kind: SessionKind;
  expires_at_ms: number;
}

interface Persisted {
  version: 1;
  users: EmulatedUser[];
  orgs: EmulatedOrg[];
  tokens: EmulatedToken[];
  org_tokens: EmulatedOrgToken[];
  sessions: EmulatedSession[];
  jwt_key: string;
}

/** Seed for one token: what a test needs to set up, the rest defaulted like the Hub would. */
export interface SeedToken {
  label: string;
  scopes?: string[];
  isActive?: boolean;
  createdAt?: Date;
  lastUsedAt?: Date;
  expiresAt?: Date;
  /** The secret; random `dckr_pat_…` when omitted. Read it back from `Emulator.seededSecrets`. */
  secret?: string;
}

export interface SeedUser {
  username: string;
  password: string;
  /** Base32 TOTP secret: turns 2FA on for this account. */
  totpSecret?: string;
  /** The account's organization enforces SSO: password logins are refused, web sign-in and PATs work. */
  ssoEnforced?: boolean;
  tokens?: SeedToken[];
}

export interface SeedOrg {
  name: string;
  owners: string[];
  members?: string[];
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** Docker's format: `dckr_pat_` (or `dckr_oat_`) and 27 url-safe random characters. */
export function newSecret(prefix: "dckr_pat_" | "dckr_oat_"): string {
  return prefix + randomBytes(21).toString("base64url").slice(0, 27);
}

/** RFC 3339 with microseconds and `Z`, as the Hub writes times. */
export function hubTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");

export class EmulatorState {
  users = new Map<string, EmulatedUser>();
  orgs = new Map<string, EmulatedOrg>();
  /** Insertion order is creation order; lists show newest first. */
  tokens = new Map<string, EmulatedToken>();
  orgTokens = new Map<string, EmulatedOrgToken>();
  sessions = new Map<string, EmulatedSession>();
  /** Secrets of seeded tokens, by `user/label`, so tests and the demo can use them. */
  seededSecrets = new Map<string, string>();
  private jwtKey = randomBytes(32).toString("hex");

  constructor(private readonly file?: string) {}

  /** Loads the state file when there is one; false when absent (first run). */
  load(): boolean {
    if (!this.file) return false;
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    const data = JSON.parse(text) as Persisted;
    this.jwtKey = data.jwt_key;
    for (const u of data.users) this.users.set(u.username, u);
    for (const o of data.orgs) this.orgs.set(o.name, o);
    for (const t of data.tokens) this.tokens.set(t.uuid, t);
    for (const t of data.org_tokens) this.orgTokens.set(t.id, t);
    for (const s of data.sessions) this.sessions.set(s.jwt, s);
    return true;
  }

  /** Writes the state file atomically (temp file, then rename). */
  save(): void {
    if (!this.file) return;
    const data: Persisted = {
      version: 1,
      users: [...this.users.values()],
      orgs: [...this.orgs.values()],
      tokens: [...this.tokens.values()],
      org_tokens: [...this.orgTokens.values()],
      sessions: [...this.sessions.values()],
      jwt_key: this.jwtKey,
    };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(data, null, 2), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }

  seed(users: SeedUser[], orgs: SeedOrg[], now: Date): void {
    for (const u of users) {
      this.users.set(u.username, {
        username: u.username, password: u.password, uuid: randomUUID(), email: `${u.username}@example.com`,
        ...(u.totpSecret ? { totp_secret: u.totpSecret } : {}), ...(u.ssoEnforced ? { sso_enforced: true } : {}),
      });
      for (const t of u.tokens ?? []) this.seededSecrets.set(`${u.username}/${t.label}`, this.seedToken(u.username, t, now).secret);
    }
    for (const o of orgs) this.orgs.set(o.name, { name: o.name, owners: o.owners, members: o.members ?? [] });
  }

  /** Adds a token as a seed describes it (no request, no rate limit), the rest defaulted like the Hub would. */
  seedToken(owner: string, t: SeedToken, now: Date): { token: EmulatedToken; secret: string } {
    const secret = t.secret ?? newSecret("dckr_pat_");
    const token = this.addToken(owner, {
      label: t.label,
      scopes: t.scopes ?? ["repo:read"],
      expiresAt: t.expiresAt ?? null,
      ip: "127.0.0.1",
      ua: "hubpat-emulator seed",
      createdAt: t.createdAt ?? now,
      secret,
    });
    token.is_active = t.isActive ?? true;
    token.last_used = t.lastUsedAt ? hubTime(t.lastUsedAt) : null;
    return { token, secret };
  }

  addToken(owner: string, t: { label: string; scopes: string[]; expiresAt: Date | null; ip: string; ua: string; createdAt: Date; secret: string }): EmulatedToken {
    const token: EmulatedToken = {
      uuid: randomUUID(),
      client_id: "HUB",
      creator_ip: t.ip,
      creator_ua: t.ua,
      created_at: hubTime(t.createdAt),
      last_used: null,
      generated_by: "manual",
      is_active: true,
      token_label: t.label,
      scopes: t.scopes,
      expires_at: t.expiresAt ? hubTime(t.expiresAt) : null,
      owner,
      secret_sha256: sha256(t.secret),
    };
    this.tokens.set(token.uuid, token);
    return token;
  }

  addOrgToken(org: string, creator: string, t: { label: string; description: string; resources: EmulatedOrgToken["resources"]; expiresAt: Date | null; createdAt: Date; secret: string }): EmulatedOrgToken {
    const token: EmulatedOrgToken = {
      id: randomUUID(),
      org,
      label: t.label,
      description: t.description,
      created_by: creator,
      is_active: true,
      created_at: hubTime(t.createdAt),
      expires_at: t.expiresAt ? hubTime(t.expiresAt) : null,
      last_used_at: null,
      resources: t.resources,
      secret_sha256: sha256(t.secret),
    };
    this.orgTokens.set(token.id, token);
    return token;
  }

  /** The user's tokens, newest first (the Hub page's order). */
  tokensOf(username: string): EmulatedToken[] {
    return [...this.tokens.values()].filter((t) => t.owner === username).reverse();
  }

  orgTokensOf(org: string): EmulatedOrgToken[] {
    return [...this.orgTokens.values()].filter((t) => t.org === org).reverse();
  }

  /** The PAT of `username` whose secret is `secret`, if any (active or not). */
  patBySecret(username: string, secret: string): EmulatedToken | undefined {
    const hash = sha256(secret);
    return [...this.tokens.values()].find((t) => t.owner === username && t.secret_sha256 === hash);
  }

  oatBySecret(org: string, secret: string): EmulatedOrgToken | undefined {
    const hash = sha256(secret);
    return [...this.orgTokens.values()].find((t) => t.org === org && t.secret_sha256 === hash);
  }

  /** A JWT (HS256) with these claims, signed with the emulator's key. */
  mintJwt(claims: Record<string, unknown>): string {
    const head = b64url({ alg: "HS256", typ: "JWT" });
    const body = b64url(claims);
    const sig = createHmac("sha256", this.jwtKey).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  /** Mints a session JWT (HS256, `sub`, `iat`, `exp`, `jti`, and `claims`) and records it. */
  newSession(username: string, kind: SessionKind, nowMs: number, ttlMs: number, claims: Record<string, unknown> = {}): EmulatedSession {
    const iat = Math.floor(nowMs / 1000);
    const exp = Math.floor((nowMs + ttlMs) / 1000);
    const jwt = this.mintJwt({ sub: username, username, iat, exp, jti: randomUUID(), session_kind: kind, ...claims });
    const session = { jwt, username, kind, expires_at_ms: exp * 1000 };
    this.sessions.set(session.jwt, session);
    return session;
  }
}
