// Docker Hub's domain as the rest of hubpat sees it: camelCase, Dates, no wire names. The client
// (src/hub/client.ts) turns the Hub's JSON (src/hub/wire.ts) into these; commands use only these.

/** API scope names, one per token; each implies the ones below it. */
export type TokenScope = "repo:admin" | "repo:write" | "repo:read" | "repo:public_read";

/** The Hub page's words for each scope (Account settings > Personal access tokens). */
export const SCOPE_WORDING: Record<TokenScope, string> = {
  "repo:admin": "Read, Write, Delete",
  "repo:write": "Read & Write",
  "repo:read": "Read-only",
  "repo:public_read": "Public Repo Read-only",
};

/** A personal access token as the Hub describes it. The secret is never here: see CreatedToken. */
export interface Token {
  id: string;
  label: string;
  scopes: TokenScope[];
  isActive: boolean;
  createdAt: Date;
  /** Undefined until the token first authenticates. */
  lastUsedAt?: Date;
  /** Undefined when the token never expires. */
  expiresAt?: Date;
  creatorIp?: string;
  creatorUserAgent?: string;
  clientId?: string;
  generatedBy?: string;
}

/** A token just created: the only time the Hub returns its secret. */
export interface CreatedToken extends Token {
  secret: string;
}

/** Every token of the account, with the Hub's toolbar figures. */
export interface TokenList {
  tokens: Token[];
  /** All tokens, as the Hub counts them. */
  total: number;
  activeCount: number;
}

export interface ListTokensOptions {
  /**
   * How many tokens there probably are (say, the `total` of the last list): pages for that many are fetched at
   * once instead of after the first page's count, saving a round trip. A wrong guess costs only wasted requests.
   */
  expectedCount?: number;
  /** Called as pages arrive, once the count is known: pages done of pages in all. */
  onProgress?: (pages: number, of: number) => void;
}

export interface CreateTokenRequest {
  label: string;
  scopes: TokenScope[];
  /** Omitted: the token never expires. */
  expiresAt?: Date;
}

export interface UpdateTokenRequest {
  label?: string;
  isActive?: boolean;
}

/** A signed-in Hub session: the bearer JWT and when it stops working. Never a password. */
export interface HubSession {
  username: string;
  token: string;
  /** From the JWT's `exp` claim; undefined when the JWT has none. */
  expiresAt?: Date;
}

/** Asks the person for their 2FA code (TOTP, 6 digits) when the Hub wants one. */
export type TwoFactorCodeProvider = () => Promise<string>;

/** Organization access token resource: what it may touch and how. */
export interface OrgTokenResource {
  type: "TYPE_REPO" | "TYPE_ORG";
  path: string;
  scopes: string[];
}

/** An organization access token (OAT). */
export interface OrgToken {
  id: string;
  label: string;
  description?: string;
  createdBy?: string;
  isActive: boolean;
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  resources: OrgTokenResource[];
}

export interface CreatedOrgToken extends OrgToken {
  secret: string;
}

/** What hubpat does with Docker Hub. The one implementation is HubClient (src/hub/client.ts). */
export interface Hub {
  /** Password login; calls `code` when the account has 2FA. Resolves the session; keeps no password. */
  login(username: string, password: string, code: TwoFactorCodeProvider): Promise<HubSession>;
  /** All tokens (every page). */
  listTokens(options?: ListTokensOptions): Promise<TokenList>;
  getToken(id: string): Promise<Token>;
  createToken(request: CreateTokenRequest): Promise<CreatedToken>;
  updateToken(id: string, change: UpdateTokenRequest): Promise<Token>;
  deleteToken(id: string): Promise<void>;
  /**
   * Resolves when the Hub answers at all (any answer below 500, a 401 included): no session needed, for
   * `doctor` (optional: HubClient has it; a fake may not). Throws HubUnavailableError or TlsError otherwise.
   */
  ping?(): Promise<void>;
  /** Whether the Hub still takes the session: one small authenticated read. False when it refuses it (401). */
  checkSession?(): Promise<boolean>;
  /** Asks the registry's token service whether USER + PAT authenticate (as `docker login` would). */
  verifyRegistryLogin(username: string, secret: string): Promise<boolean>;
  listOrgTokens(org: string): Promise<OrgToken[]>;
  getOrgToken(org: string, id: string): Promise<OrgToken>;
  createOrgToken(org: string, request: { label: string; description?: string; resources: OrgTokenResource[]; expiresAt?: Date }): Promise<CreatedOrgToken>;
  updateOrgToken(org: string, id: string, change: { label?: string; description?: string; isActive?: boolean }): Promise<OrgToken>;
  deleteOrgToken(org: string, id: string): Promise<void>;
  /**
   * Deletes many tokens, paced by the Hub's rate-limit headers so no request is refused. Each token's failure
   * (say NotFoundError) comes back in `failed`; once the session is refused (AuthError) the ids not yet sent fail
   * with that error unsent. It throws only when the run is cancelled (CancelError).
   */
  deleteTokens(ids: string[], options?: BulkDeleteOptions): Promise<BulkDeleteResult>;
  /** deleteTokens for an organization's tokens. */
  deleteOrgTokens(org: string, ids: string[], options?: BulkDeleteOptions): Promise<BulkDeleteResult>;
}

export interface BulkDeleteOptions {
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Called after each token, deleted or failed. */
  onProgress?: (done: number, total: number) => void;
}

/** What a bulk delete did: ids deleted, and per-id failures. */
export interface BulkDeleteResult {
  deleted: string[];
  failed: Array<{ id: string; error: Error }>;
}
