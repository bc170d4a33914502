// The one place hubpat talks to Docker Hub (behaviour: src/hub/contract/CONTRACT.md). Every request goes through
// `send`, which sets headers, paces by the Hub's rate-limit headers, waits out 429s, retries what is safe to
// retry and turns failures into the typed errors of ./errors.ts. JSON names stay in ./wire.ts.
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { Agent } from "./undici.js";
import { AuthError, CancelError, UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import {
  HubApiError, HubUnavailableError, LoginError, NotFoundError, PAT_SESSION_MESSAGE, WEB_LOGIN_ADVICE, RateLimitError, TlsError, UnexpectedResponseError,
} from "./errors.js";
import type {
  BulkDeleteOptions, BulkDeleteResult, CreatedOrgToken, CreatedToken, CreateTokenRequest, Hub, HubSession, ListTokensOptions, OrgToken,
  OrgTokenResource, Token, TokenList, TwoFactorCodeProvider, UpdateTokenRequest,
} from "./types.js";
import {
  createOrgTokenBody, createTokenBody, errorMessage, loginBody, pageSizeOf, parseCreatedOrgToken, parseCreatedToken,
  parseLoginFailure, parseLoginSuccess, parseOrgToken, parseOrgTokenPage, parseToken, parseTokenPage, twoFactorBody,
  updateOrgTokenBody, updateTokenBody,
} from "./wire.js";
import { checkHubUrl, DEFAULT_HUB_URL, isLoopbackHost, jwtExpiry } from "./url.js";

/** The registry's token service, which `docker login` asks (distribution token-auth spec). */
export const DEFAULT_TOKEN_SERVICE_URL = "https://auth.docker.io/token";

const PATHS = {
  login: "/v2/users/login",
  login2fa: "/v2/users/2fa-login",
  tokens: "/v2/access-tokens",
  token: (id: string) => `/v2/access-tokens/${encodeURIComponent(id)}`,
  orgTokens: (org: string) => `/v2/orgs/${encodeURIComponent(org)}/access-tokens`,
  orgToken: (org: string, id: string) => `/v2/orgs/${encodeURIComponent(org)}/access-tokens/${encodeURIComponent(id)}`,
};

export interface HubClientOptions {
  /** Hub API base URL (default https://hub.docker.com). https only; http only for a loopback host. */
  baseUrl?: string;
  /** Registry token service endpoint (default https://auth.docker.io/token; for a loopback baseUrl, its /token). */
  tokenServiceUrl?: string;
  /** The `service` the token service is asked for (default registry.docker.io). */
  registryService?: string;
  /** A session JWT from an earlier login. */
  session?: string;
  dispatcher?: Dispatcher;
  /** Connect timeout, used when no dispatcher is given (default 10 s). */
  connectTimeoutMs?: number;
  /** Time allowed for the answer's headers, and between body chunks (default 30 s). */
  responseTimeoutMs?: number;
  /** Aborts every request in flight and every wait: Ctrl-C. Requests then fail with CancelError. */
  signal?: AbortSignal;
  /** Retries after a 5xx, a reset or a timeout, for idempotent requests only (default 3). */
  retries?: number;
  /** First backoff delay; doubles each retry, with jitter (default 300 ms). */
  backoffMs?: number;
  /** Longest single 429 wait the client sits out before giving up with RateLimitError (default 90 s). */
  maxRateLimitWaitMs?: number;
  /** Waits at least this long are announced through `warn` (default 3 s). */
  announceWaitMs?: number;
  /** Page size asked for when listing (default 100, the Hub's maximum). */
  pageSize?: number;
  /** Pages fetched at once after the first (default 10: 1,000 tokens in two round trips). */
  listConcurrency?: number;
  /** One line per request and answer: method, URL, status, timing, rate-limit figures. Never a header value or body. */
  debug?: (line: string) => void;
  /** Things the person should know while waiting (long rate-limit waits). Default: standard error. */
  warn?: (line: string) => void;
  /**
   * The clock the Hub's rate-limit headers (unix times) are read against, in ms (default Date.now). Tests pass the
   * emulator's clock so that a wait is the same length on any date.
   */
  now?: () => number;
}

interface SendOptions {
  body?: unknown;
  /** Sends the session. */
  auth?: boolean;
  /** Safe to repeat after the request may have reached the Hub (GET, PATCH with values, DELETE). */
  idempotent: boolean;
  /** Absolute URL instead of baseUrl + path (the token service). */
  url?: string;
  headers?: Record<string, string>;
  /** Applies the Hub rate-limit pacer (default true; the token service is another host). */
  paced?: boolean;
  /** A login: not repeated (a 2FA code is good once), but it changes nothing, so a lost answer is safe to try again. */
  isLogin?: boolean;
}

/** undici's codes for an answer that did not come in time. */
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

interface Answer {
  status: number;
  headers: Record<string, string>;
  json: unknown;
  /** How many attempts it took (a DELETE retried after a lost answer may find the token gone). */
  attempts: number;
}

const CONNECT_PHASE = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** Node's and OpenSSL's codes for a certificate or handshake refused: never retried, never mistaken for a reset. */
const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/;
const TRANSIENT = new Set([...CONNECT_PHASE, "ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED"]);

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = "code" in e ? e.code : undefined; // node and undici errors carry a string `code`
    if (typeof code === "string" && code !== "") return code;
  }
  return undefined;
}

function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

const intHeader = (h: Record<string, string>, name: string): number | undefined => {
  const v = h[name];
  if (v === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
};

/** When a 429'd call may be repeated: X-Retry-After (unix time), Retry-After (seconds or date), X-RateLimit-Reset. */
export function retryAtFrom(h: Record<string, string>, nowMs: number): number | undefined {
  const xRetry = intHeader(h, "x-retry-after");
  if (xRetry !== undefined) return xRetry * 1000;
  const retryAfter = h["retry-after"];
  if (retryAfter !== undefined) {
    const secs = intHeader(h, "retry-after");
    if (secs !== undefined) return nowMs + secs * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return date;
  }
  const reset = intHeader(h, "x-ratelimit-reset");
  return reset === undefined ? undefined : reset * 1000;
}

/**
 * Paces requests by the Hub's rate-limit headers: within the window the last answer described, never more
 * requests than it has left, counting those still in flight; once that window has ended, up to the limit again.
 * Nothing is known before the first answer, so until then at most a small batch is in flight.
 */
class RateLimitPacer {
  constructor(private readonly now: () => number) {}
  private limit?: number;
  /** End of the last window that ran out; answers from it say nothing about the current one. */
  private endedAt = 0;
  /** Set when the Hub answers without rate-limit headers: then there is nothing to pace by. */
  private unpaced = false;
  private windowEnd = 0;
  private used = 0;
  private inFlight = 0;
  private wake: Array<() => void> = [];
  /** In flight before any answer told the limit: a first batch (a list's pages) goes out together. */
  private static readonly UNKNOWN_IN_FLIGHT = 10;
  /** Keeps a margin after the reset second for clock skew between us and the Hub. */
  private static readonly MARGIN_MS = 40;

  /** Whether an answer has told the limit yet. */
  get knowsLimit(): boolean {
    return this.limit !== undefined || this.unpaced;
  }

  reset(): void {
    this.limit = undefined;
    this.unpaced = false;
    this.windowEnd = 0;
    this.used = 0;
  }

  /**
   * Waits for budget. `tooLong(ms, until)` is asked before each wait of known length: it throws to refuse a wait
   * beyond the client's bound, or announces a long one.
   */
  async acquire(signal: AbortSignal | undefined, tooLong: (ms: number, until: number) => void): Promise<void> {
    for (;;) {
      const now = this.now();
      if (this.unpaced) break;
      if (this.limit === undefined) {
        if (this.inFlight < RateLimitPacer.UNKNOWN_IN_FLIGHT) break;
      } else {
        if (this.windowEnd !== 0 && now >= this.windowEnd + RateLimitPacer.MARGIN_MS) {
          // The window we knew is over; the next answer tells the new one's end and count.
          this.endedAt = this.windowEnd;
          this.windowEnd = 0;
          this.used = 0;
        }
        if (this.used + this.inFlight < this.limit) break;
      }
      const until = this.windowEnd === 0 ? 1000 : Math.max(1, this.windowEnd + RateLimitPacer.MARGIN_MS - now);
      if (this.windowEnd !== 0) tooLong(until, this.windowEnd);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, until);
        const onAbort = () => {
          clearTimeout(timer);
          reject(new CancelError("cancelled"));
        };
        function done() {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
        this.wake.push(() => {
          clearTimeout(timer);
          done();
        });
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.inFlight++;
  }

  /** Records an answer's headers (or none, for a failed request) and frees its slot. */
  release(h?: Record<string, string>): void {
    this.inFlight--;
    const limit = h ? intHeader(h, "x-ratelimit-limit") : undefined;
    const remaining = h ? intHeader(h, "x-ratelimit-remaining") : undefined;
    const reset = h ? intHeader(h, "x-ratelimit-reset") : undefined;
    if (limit !== undefined && remaining !== undefined && reset !== undefined) {
      const end = reset * 1000;
      this.limit = limit;
      if (end <= this.endedAt) {
        // From a window already over: nothing to learn.
      } else if (end > this.windowEnd) {
        this.windowEnd = end;
        this.used = limit - remaining;
      } else if (end === this.windowEnd) {
        this.used = Math.max(this.used, limit - remaining);
      }
    } else if (h) {
      this.unpaced = true;
    }
    for (const w of this.wake.splice(0)) w();
  }
}

/** Runs `fn` over `items` with at most `concurrency` at once, keeping order. */
async function mapConcurrent<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

/**
 * A page after the first. Past the last page the Hub answers 404 "Invalid page.": the list got shorter since
 * page 1 (tokens deleted meanwhile) or the count was guessed high, so that page holds no tokens.
 */
async function laterPage<T>(fetch: () => Promise<{ tokens: T[] }>): Promise<T[]> {
  try {
    return (await fetch()).tokens;
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
}

/** The pages' tokens in order, each once: a token can shift onto the next page while pages are fetched. */
function uniqueById<T extends { id: string }>(pages: T[][]): T[] {
  const seen = new Set<string>();
  return pages.flat().filter((t) => !seen.has(t.id) && (seen.add(t.id), true));
}

/** HubClient: the Hub interface over undici. */
export class HubClient implements Hub {
  private readonly base: URL;
  private readonly tokenService: URL;
  private readonly dispatcher: Dispatcher;
  private readonly pacer: RateLimitPacer;
  private readonly now: () => number;
  private readonly opts: Required<Pick<HubClientOptions, "retries" | "backoffMs" | "maxRateLimitWaitMs" | "announceWaitMs" | "pageSize" | "listConcurrency" | "responseTimeoutMs" | "registryService">>;
  private sessionToken: string | undefined;
  private announcedUntil: number | undefined;

  constructor(private readonly cfg: HubClientOptions = {}) {
    this.base = checkHubUrl(cfg.baseUrl ?? DEFAULT_HUB_URL);
    // A loopback Hub is the emulator, which also serves the token service at /token: `--hub-url` alone is enough.
    this.tokenService = cfg.tokenServiceUrl !== undefined
      ? checkHubUrl(cfg.tokenServiceUrl, "registry token service URL")
      : isLoopbackHost(this.base.hostname) ? new URL("/token", this.base) : new URL(DEFAULT_TOKEN_SERVICE_URL);
    // rejectUnauthorized spelled out: left unset, Node takes NODE_TLS_REJECT_UNAUTHORIZED=0 from the environment
    // and would send the password to whoever answers.
    this.dispatcher = cfg.dispatcher ?? new Agent({ connect: { timeout: cfg.connectTimeoutMs ?? 10_000, rejectUnauthorized: true } });
    this.sessionToken = cfg.session;
    this.now = cfg.now ?? Date.now;
    this.pacer = new RateLimitPacer(this.now);
    this.opts = {
      retries: cfg.retries ?? 3,
      backoffMs: cfg.backoffMs ?? 300,
      maxRateLimitWaitMs: cfg.maxRateLimitWaitMs ?? 90_000,
      announceWaitMs: cfg.announceWaitMs ?? 3_000,
      pageSize: Math.min(100, Math.max(1, cfg.pageSize ?? 100)),
      listConcurrency: cfg.listConcurrency ?? 10,
      responseTimeoutMs: cfg.responseTimeoutMs ?? 30_000,
      registryService: cfg.registryService ?? "registry.docker.io",
    };
  }

  /** The session JWT in use (after `login`, the new one). */
  get session(): string | undefined {
    return this.sessionToken;
  }

  async login(username: string, password: string, code: TwoFactorCodeProvider): Promise<HubSession> {
    // Login creates nothing the person would miss if it ran twice, but a 2FA code may only be good once:
    // neither is retried after it may have reached the Hub.
    let answer = await this.send("POST", PATHS.login, { body: loginBody(username, password), idempotent: false, paced: false, isLogin: true });
    if (answer.status === 401) {
      const challenge = parseLoginFailure(answer.json);
      // CONTRACT "More observed limits": with SSO enforced the password is refused; the body's words are assumed,
      // so any mention of single sign-on counts.
      if (challenge.login2faToken === undefined && /single sign-on|\bSSO\b/i.test(`${challenge.detail ?? ""} ${errorMessage(answer.json) ?? ""}`)) {
        throw new LoginError(`${username}'s organization enforces single sign-on, so Docker Hub takes no password for it: ${WEB_LOGIN_ADVICE}`);
      }
      if (challenge.login2faToken === undefined) {
        throw new LoginError(`Docker Hub did not accept the password for ${username}: check the username and password and try again`);
      }
      const twoFactorCode = (await code()).trim();
      answer = await this.send("POST", PATHS.login2fa, { body: twoFactorBody(challenge.login2faToken, twoFactorCode), idempotent: false, paced: false, isLogin: true });
      if (answer.status === 401) {
        throw new LoginError("Docker Hub did not accept the 2FA code: enter the current code from your authenticator app");
      }
    }
    this.ok(answer, PATHS.login);
    const token = parseLoginSuccess(answer.json);
    this.sessionToken = token;
    this.pacer.reset(); // the Hub counts per account once signed in
    const expiresAt = jwtExpiry(token);
    return { username, token, ...(expiresAt ? { expiresAt } : {}) };
  }

  async listTokens(options: ListTokensOptions = {}): Promise<TokenList> {
    const size = this.opts.pageSize;
    let done = 0;
    const known: { pages?: number } = {}; // set once page 1 tells the count
    const page = async (n: number) => {
      const parsed = parseTokenPage((await this.get(`${PATHS.tokens}?page=${n}&page_size=${size}`, `page ${n} of your tokens`)).json);
      done++;
      if (known.pages !== undefined) options.onProgress?.(done, known.pages);
      return parsed;
    };
    const later = (n: number) => laterPage(() => page(n));
    // The first page tells how many there are; the rest are fetched side by side. With a good guess of the
    // count, they all go at once. The Hub may cap the page size: its `next` link says which it used.
    const guessed = Math.max(1, Math.ceil((options.expectedCount ?? 0) / size));
    const [first, early] = await Promise.all([page(1), mapConcurrent(range(2, guessed), Math.max(1, this.opts.listConcurrency - 1), later)]);
    const used = pageSizeOf(first.next) ?? size;
    const pages = Math.ceil(first.count / used);
    known.pages = Math.max(pages, done);
    options.onProgress?.(done, known.pages);
    const rest = await mapConcurrent(range(guessed + 1, pages), this.opts.listConcurrency, later);
    const tokens = uniqueById([first.tokens, ...early, ...rest]);
    return { tokens, total: first.count, activeCount: first.activeCount >= 0 ? first.activeCount : tokens.filter((t) => t.isActive).length };
  }

  async getToken(id: string): Promise<Token> {
    return parseToken((await this.get(PATHS.token(id), `token ${id}`)).json);
  }

  async createToken(req: CreateTokenRequest): Promise<CreatedToken> {
    checkLabel(req.label);
    // Never repeated once it may have reached the Hub: a second try could make a second token.
    const answer = await this.send("POST", PATHS.tokens, { body: createTokenBody(req), auth: true, idempotent: false });
    this.ok(answer, PATHS.tokens);
    return parseCreatedToken(answer.json);
  }

  async updateToken(id: string, change: UpdateTokenRequest): Promise<Token> {
    if (change.label !== undefined) checkLabel(change.label);
    const answer = await this.send("PATCH", PATHS.token(id), { body: updateTokenBody(change), auth: true, idempotent: true });
    this.ok(answer, PATHS.token(id), `token ${id}`);
    return parseToken(answer.json);
  }

  async deleteToken(id: string): Promise<void> {
    const answer = await this.send("DELETE", PATHS.token(id), { auth: true, idempotent: true });
    // A retry after a lost answer finds the token already gone: that is what was asked.
    if (answer.status === 404 && answer.attempts > 1) return;
    this.ok(answer, PATHS.token(id), `token ${id}`);
  }

  async deleteTokens(ids: string[], options: BulkDeleteOptions = {}): Promise<BulkDeleteResult> {
    return this.deleteEach(ids, (id) => this.deleteToken(id), options);
  }

  async deleteOrgTokens(org: string, ids: string[], options: BulkDeleteOptions = {}): Promise<BulkDeleteResult> {
    return this.deleteEach(ids, (id) => this.deleteOrgToken(org, id), options);
  }

  /** A bulk delete: `deleteOne` for each id, paced, a few at once, stopping once the session is refused. */
  private async deleteEach(ids: string[], deleteOne: (id: string) => Promise<void>, options: BulkDeleteOptions): Promise<BulkDeleteResult> {
    const deleted: string[] = [];
    const failed: BulkDeleteResult["failed"] = [];
    let done = 0;
    // Pacing is in `send` (every request waits for rate-limit budget), so workers only bound what's in flight.
    // Until an answer tells the limit, one goes alone: a small limit must not be overrun by the first batch.
    let sessionGone: AuthError | undefined;
    const one = async (id: string) => {
      try {
        // The session is gone: every other id would fail the same way, so none is sent.
        if (sessionGone) throw sessionGone;
        await deleteOne(id);
        deleted.push(id);
      } catch (err) {
        if (err instanceof CancelError) throw err;
        if (err instanceof AuthError) sessionGone ??= err;
        failed.push({ id, error: err instanceof Error ? err : new Error(String(err)) });
      }
      options.onProgress?.(++done, ids.length);
    };
    const first = this.pacer.knowsLimit ? 0 : 1;
    for (const id of ids.slice(0, first)) await one(id);
    await mapConcurrent(ids.slice(first), options.concurrency ?? 4, one);
    return { deleted, failed };
  }

  async ping(): Promise<void> {
    // Without a session the token list answers 401: proof enough that the Hub is there and speaks its API.
    const answer = await this.send("GET", `${PATHS.tokens}?page=1&page_size=1`, { idempotent: true });
    if (answer.status >= 500) this.ok(answer, PATHS.tokens);
  }

  async checkSession(): Promise<boolean> {
    // The smallest authenticated read there is: one token of page 1.
    const answer = await this.send("GET", `${PATHS.tokens}?page=1&page_size=1`, { auth: true, idempotent: true });
    if (answer.status === 401) return false;
    this.ok(answer, PATHS.tokens);
    return true;
  }

  async verifyRegistryLogin(username: string, secret: string): Promise<boolean> {
    // What `docker login` asks the token service (offline_token, client_id), with Basic auth USER:PAT.
    const url = new URL(this.tokenService);
    url.searchParams.set("account", username);
    url.searchParams.set("client_id", "hubpat");
    url.searchParams.set("offline_token", "true");
    url.searchParams.set("service", this.opts.registryService);
    const basic = Buffer.from(`${username}:${secret}`).toString("base64");
    const answer = await this.send("GET", url.pathname, { url: url.href, idempotent: true, paced: false, headers: { authorization: `Basic ${basic}` } });
    if (answer.status === 200) return true;
    if (answer.status === 401 || answer.status === 403) return false;
    this.ok(answer, url.pathname);
    return false;
  }

  async listOrgTokens(org: string): Promise<OrgToken[]> {
    const size = this.opts.pageSize;
    const base = PATHS.orgTokens(org);
    const page = async (n: number) => parseOrgTokenPage((await this.get(`${base}?page=${n}&page_size=${size}`, `organization ${org}`, org)).json);
    const first = await page(1);
    const pages = Math.ceil(first.total / (pageSizeOf(first.next) ?? size));
    const rest = await mapConcurrent(range(2, pages), this.opts.listConcurrency, (n) => laterPage(() => page(n)));
    return uniqueById([first.tokens, ...rest]);
  }

  async getOrgToken(org: string, id: string): Promise<OrgToken> {
    return parseOrgToken((await this.get(PATHS.orgToken(org, id), `organization access token ${id} in ${org}`, org)).json);
  }

  async createOrgToken(org: string, req: { label: string; description?: string; resources: OrgTokenResource[]; expiresAt?: Date }): Promise<CreatedOrgToken> {
    const answer = await this.send("POST", PATHS.orgTokens(org), { body: createOrgTokenBody(req), auth: true, idempotent: false });
    this.ok(answer, PATHS.orgTokens(org), `organization ${org}`, org);
    return parseCreatedOrgToken(answer.json);
  }

  async updateOrgToken(org: string, id: string, change: { label?: string; description?: string; isActive?: boolean }): Promise<OrgToken> {
    const answer = await this.send("PATCH", PATHS.orgToken(org, id), { body: updateOrgTokenBody(change), auth: true, idempotent: true });
    this.ok(answer, PATHS.orgToken(org, id), `organization access token ${id} in ${org}`, org);
    return parseOrgToken(answer.json);
  }

  async deleteOrgToken(org: string, id: string): Promise<void> {
    const answer = await this.send("DELETE", PATHS.orgToken(org, id), { auth: true, idempotent: true });
    if (answer.status === 404 && answer.attempts > 1) return;
    this.ok(answer, PATHS.orgToken(org, id), `organization access token ${id} in ${org}`, org);
  }

  private async get(path: string, what: string, org?: string): Promise<Answer> {
    const answer = await this.send("GET", path, { auth: true, idempotent: true });
    this.ok(answer, path, what, org);
    return answer;
  }

  /** Throws the typed error for a failed answer; returns for 2xx. */
  private ok(answer: Answer, path: string, what?: string, org?: string): void {
    const { status, json } = answer;
    if (status >= 200 && status < 300) return;
    const hubSaid = errorMessage(json);
    if (status === 401) {
      throw this.sessionToken === undefined
        ? new AuthError("not logged in to Docker Hub")
        : new AuthError("Docker Hub refused the session: it expired or was revoked");
    }
    if (status === 403) {
      if (org !== undefined) {
        throw new HubApiError(`you can't manage the access tokens of organization ${org}: only its owners can, logged in with a password`, 403);
      }
      if (path.startsWith(PATHS.tokens)) throw new AuthError(PAT_SESSION_MESSAGE);
      throw new HubApiError(`Docker Hub refused access to ${path}${hubSaid ? `: ${hubSaid}` : ""}`, 403);
    }
    if (status === 404) throw new NotFoundError(what ? `Docker Hub has no ${what}` : `Docker Hub has nothing at ${path}`);
    if (status === 400 || status === 422) {
      throw new HubApiError(`Docker Hub refused the request: ${hubSaid ?? `HTTP ${status}`}`, status);
    }
    if (status >= 500) throw new HubUnavailableError(`Docker Hub is unavailable (HTTP ${status}): try again later`, status);
    throw new HubApiError(`Docker Hub answered HTTP ${status}${hubSaid ? `: ${hubSaid}` : ""}`, status);
  }

  private log(line: string): void {
    this.cfg.debug?.(line);
  }

  private warn(line: string): void {
    if (this.cfg.warn) this.cfg.warn(line);
    else process.stderr.write(`${line}\n`);
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, this.cfg.signal ? { signal: this.cfg.signal } : undefined);
    } catch {
      throw new CancelError("cancelled");
    }
  }

  /** Refuses a rate-limit wait beyond the bound (RateLimitError) and announces a long one once. */
  private beforeRateLimitWait(ms: number, untilMs: number | undefined): void {
    if (ms > this.opts.maxRateLimitWaitMs) throw new RateLimitError(untilMs === undefined ? undefined : new Date(untilMs));
    if (ms >= this.opts.announceWaitMs && untilMs !== this.announcedUntil) {
      this.announcedUntil = untilMs;
      this.warn(`Docker Hub's rate limit was reached: waiting ${Math.ceil(ms / 1000)} s before trying again`);
    }
  }

  private backoff(attempt: number): number {
    const base = this.opts.backoffMs * 2 ** attempt;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /** One logical request: retries, 429 waits and pacing included. Resolves with the final answer, any status. */
  private async send(method: Dispatcher.HttpMethod, path: string, o: SendOptions): Promise<Answer> {
    const url = o.url ?? new URL(path, this.base).href;
    const shown = o.url ? `${new URL(o.url).origin}${new URL(o.url).pathname}` : url; // the token-service query names the user
    const headers: Record<string, string> = { "user-agent": `hubpat/${VERSION}`, accept: "application/json", ...o.headers };
    if (o.auth) {
      if (this.sessionToken === undefined) throw new AuthError("not logged in to Docker Hub");
      headers.authorization = `Bearer ${this.sessionToken}`;
    }
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const paced = o.paced ?? true;
    let rateLimitWaits = 0;

    for (let attempt = 0, failures = 0; ; attempt++) {
      if (this.cfg.signal?.aborted) throw new CancelError("cancelled");
      if (paced) await this.pacer.acquire(this.cfg.signal, (ms, until) => this.beforeRateLimitWait(ms, until));
      const started = Date.now();
      let status: number;
      let resHeaders: Record<string, string>;
      let text: string;
      this.log(`→ ${method} ${shown}`);
      try {
        const target = new URL(url);
        const res = await this.dispatcher.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method,
          headers,
          body,
          signal: this.cfg.signal,
          headersTimeout: this.opts.responseTimeoutMs,
          bodyTimeout: this.opts.responseTimeoutMs,
        });
        status = res.statusCode;
        resHeaders = flat(res.headers);
        text = await res.body.text();
      } catch (err) {
        if (paced) this.pacer.release();
        if (this.cfg.signal?.aborted) throw new CancelError("cancelled", { cause: err });
        const code = codeOf(err) ?? "network error";
        if (TLS_FAILURE.test(code)) {
          // Refused during the handshake: nothing was sent, and trying again would meet the same certificate.
          throw new TlsError(
            `can't make a secure connection to Docker Hub at ${new URL(url).host}: its TLS certificate was refused (${code}); hubpat never skips this check, so fix the certificate, or trust its CA with NODE_EXTRA_CA_CERTS`,
            { cause: err },
          );
        }
        // Before the connection exists nothing was sent: any request may go again. After, only idempotent ones.
        const retryable = CONNECT_PHASE.has(code) || (o.idempotent && TRANSIENT.has(code));
        if (retryable && failures < this.opts.retries) {
          const wait = this.backoff(failures++);
          this.log(`× ${method} ${shown}: ${code}; retrying in ${wait} ms`);
          await this.pause(wait);
          continue;
        }
        const pathname = new URL(url).pathname;
        const ms = this.opts.responseTimeoutMs;
        const waited = `within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`;
        if (!CONNECT_PHASE.has(code) && o.isLogin) {
          // Nothing to check for: a login that lost its answer made no change, so another one is safe.
          throw new HubUnavailableError(
            TIMEOUTS.has(code)
              ? `Docker Hub did not answer the login ${waited}: a login changes nothing, so try again`
              : `the connection to Docker Hub broke during the login (${code}): a login changes nothing, so try again`,
            undefined,
            { cause: err },
          );
        }
        if (!CONNECT_PHASE.has(code) && !o.idempotent) {
          // The request may have reached the Hub and been carried out; repeating it could do it twice.
          throw new HubUnavailableError(
            TIMEOUTS.has(code)
              ? `Docker Hub did not answer ${method} ${pathname} ${waited}: the change may have been made, so check before trying again`
              : `the connection to Docker Hub broke after ${method} ${pathname} was sent (${code}): the change may have been made, so check before trying again`,
            undefined,
            { cause: err },
          );
        }
        if (TIMEOUTS.has(code)) {
          const tries = failures + 1;
          const safe = method === "GET" ? "" : ", and it is safe to repeat";
          throw new HubUnavailableError(`Docker Hub did not answer ${method} ${pathname} ${waited}${tries > 1 ? ` (${tries} tries)` : ""}: try again later${safe}`, undefined, { cause: err });
        }
        throw new HubUnavailableError(`can't reach Docker Hub at ${new URL(url).host} (${code}): check your network and try again`, undefined, { cause: err });
      }
      if (paced) this.pacer.release(resHeaders);
      const rl = resHeaders["x-ratelimit-remaining"] !== undefined ? ` (rate limit ${resHeaders["x-ratelimit-remaining"]}/${resHeaders["x-ratelimit-limit"] ?? "?"} left)` : "";
      this.log(`← ${status} ${method} ${shown} in ${Date.now() - started} ms${rl}`);

      if (status === 429) {
        // The Hub did not act on the request, so any method may be repeated once the window resets.
        const now = this.now();
        const retryAt = retryAtFrom(resHeaders, now);
        const wait = Math.max(0, (retryAt ?? now + this.backoff(rateLimitWaits)) - now) + 50;
        if (rateLimitWaits >= 5) throw new RateLimitError(retryAt === undefined ? undefined : new Date(retryAt));
        rateLimitWaits++;
        this.beforeRateLimitWait(wait, retryAt);
        await this.pause(wait);
        continue;
      }
      if (status >= 500 && status !== 501 && o.idempotent && failures < this.opts.retries) {
        const wait = this.backoff(failures++);
        this.log(`× ${status} ${method} ${shown}; retrying in ${wait} ms`);
        await this.pause(wait);
        continue;
      }
      let json: unknown = undefined;
      if (text.length > 0 && status < 500) {
        try {
          json = JSON.parse(text);
        } catch (err) {
          if (o.idempotent && failures < this.opts.retries) {
            const wait = this.backoff(failures++);
            this.log(`× ${status} ${method} ${shown}: unreadable body; retrying in ${wait} ms`);
            await this.pause(wait);
            continue;
          }
          throw new UnexpectedResponseError(
            `Docker Hub's answer to ${method} ${new URL(url).pathname} was not readable JSON${method === "POST" && status < 300 ? ": the change may have been made, so check before trying again" : ""}`,
            { cause: err },
          );
        }
      }
      return { status, headers: resHeaders, json, attempts: attempt + 1 };
    }
  }
}

/** The Hub takes labels of 1–100 characters (openapi.yaml); saying so here beats a round trip and a 400. */
function checkLabel(label: string): void {
  if (label.trim().length === 0 || label.length > 100) {
    throw new UsageError(`a token label must be 1 to 100 characters, and this one has ${label.length}: choose a shorter one`);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
