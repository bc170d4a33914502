// The Hub sessions `hub-tokens login` keeps: one item per account under their own store service, so the helper's
// `list` (what Docker sees) never shows them. Several accounts may be signed in side by side.
//
// Layout (service "hubpat-session"):
// - key `<Hub URL>#<account>` (https://hub.docker.com#mona), the item's username the account;
// - its secret: a password login's JWT as it is; a web sign-in `{"kind":"web","accessToken","refreshToken","clientId"}`;
//   Docker's own web session reused `{"kind":"docker"}`, a marker only: its tokens stay in Docker's store and are
//   read from there each time (src/docker/web-session.ts), so Docker and hubpat never hold two diverging copies.
// - An older hubpat kept one item keyed by the bare Hub URL: it is read as that account, and moved to its own key
//   on the next login or logout.
// Which account a command uses: --account / HUBPAT_ACCOUNT, else the default (`hub-tokens switch`, settings), else
// the only one there is. The settings file keeps the default and the names (no secrets), for status and completion.
import { AuthError, UsageError } from "../errors.js";
import type { Hub } from "../hub/types.js";
import { jwtExpiry } from "../hub/url.js";
import type { CredentialStore } from "../store/store.js";
import type { Deps } from "./deps.js";

/** The store service of Hub sessions; kept apart from the helper's `docker-credential-hubpat`. */
export const SESSION_SERVICE = "hubpat-session";

/** How a session was obtained. */
export type SessionKind = "password" | "web" | "docker";

/** Each kind in words, for status and messages. */
export const SESSION_KIND_WORDS: Record<SessionKind, string> = { password: "password + 2FA", web: "web sign-in", docker: "Docker's web session" };

/** A session read back from the store. */
export interface Session {
  username: string;
  /** The bearer sent to the Hub: a login JWT or an OAuth access token. */
  token: string;
  /** From the JWT's `exp`; undefined when it has none. */
  expiresAt?: Date;
  kind: SessionKind;
  /** The store key it lives under. */
  key: string;
  /** How to renew it (web sign-ins, Docker's session): the refresh token and the client id it belongs to. */
  refresh?: { token: string; clientId: string };
}

/** What is stored for a web sign-in. */
interface WebItem {
  kind: "web";
  accessToken: string;
  refreshToken?: string;
  clientId: string;
}

/** Docker Hub usernames: 2–30 lowercase letters, digits, `-` and `_` (we take what the Hub named). */
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_.-]{0,254}$/i;

/** The store key of `account`'s session on `hubUrl`. */
export function sessionKey(hubUrl: string, account: string): string {
  return `${hubUrl}#${account}`;
}

/** Checks an --account / HUBPAT_ACCOUNT value. */
export function checkAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) throw new UsageError(`"${name}" is not a Docker Hub account name: give the username, such as mona`);
  return name;
}

/** Whether a session's JWT has passed its `exp` at `now`; one without an expiry never has. */
export function isExpired<S extends Pick<Session, "expiresAt">>(session: S, now: Date): session is S & { expiresAt: Date } {
  return session.expiresAt !== undefined && session.expiresAt.getTime() <= now.getTime();
}

/** A stored item as a Session; for Docker's kind, `docker` reads Docker's own items. */
async function decode(key: string, item: { username: string; secret: string }, docker: DockerSessionReader | undefined): Promise<Session | null> {
  const secret = item.secret;
  if (!secret.startsWith("{")) {
    const expiresAt = jwtExpiry(secret);
    return { username: item.username, token: secret, kind: "password", key, ...(expiresAt ? { expiresAt } : {}) };
  }
  let parsed: Partial<Omit<WebItem, "kind">> & { kind?: string };
  try {
    parsed = JSON.parse(secret) as typeof parsed;
  } catch {
    return null;
  }
  if (parsed.kind === "web" && typeof parsed.accessToken === "string") {
    const expiresAt = jwtExpiry(parsed.accessToken);
    return {
      username: item.username, token: parsed.accessToken, kind: "web", key, ...(expiresAt ? { expiresAt } : {}),
      ...(parsed.refreshToken && parsed.clientId ? { refresh: { token: parsed.refreshToken, clientId: parsed.clientId } } : {}),
    };
  }
  if (parsed.kind === "docker") {
    const found = docker ? await docker.read() : null;
    // Docker signed out (or another account signed in there): this account has no session any more.
    if (!found || found.username !== item.username) return null;
    const expiresAt = jwtExpiry(found.accessToken);
    return { username: item.username, token: found.accessToken, kind: "docker", key, ...(expiresAt ? { expiresAt } : {}), refresh: { token: found.refreshToken, clientId: found.clientId } };
  }
  return null;
}

/** Docker's own web session, as src/docker/web-session.ts reads and writes it through Docker's configured store. */
export interface DockerSessionReader {
  /** Docker's stored access and refresh tokens for Docker Hub; null when Docker holds no web session. */
  read(): Promise<{ username: string; accessToken: string; refreshToken: string; clientId: string } | null>;
  /** Writes renewed tokens back, the refresh token as `<token>..<client id>` as Docker CLI does. */
  write(username: string, accessToken: string, refreshToken: string, clientId: string): Promise<void>;
  /** Where Docker keeps them, in words ("hubpat's store", "docker-credential-pass"). */
  readonly where: string;
}

type SessionDeps = Pick<Deps, "sessions" | "hubUrl"> & Partial<Pick<Deps, "account" | "config" | "dockerSession">>;

/** One account's stored item. */
export interface AccountRef {
  name: string;
  key: string;
}

/** Every account with a session item for deps.hubUrl (the old single item included), sorted by name. */
export async function listAccounts(deps: Pick<Deps, "sessions" | "hubUrl">): Promise<AccountRef[]> {
  const all = await deps.sessions.list();
  const prefix = `${deps.hubUrl}#`;
  const found = new Map<string, AccountRef>();
  const legacy = all[deps.hubUrl];
  if (legacy !== undefined) found.set(legacy, { name: legacy, key: deps.hubUrl });
  for (const key of Object.keys(all)) if (key.startsWith(prefix)) found.set(key.slice(prefix.length), { name: key.slice(prefix.length), key });
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The account a command means: --account, else the default, else the only one; null when none is signed in. */
export async function chosenAccount(deps: SessionDeps): Promise<{ ref: AccountRef; item: { username: string; secret: string } } | null> {
  const named = deps.account ?? deps.config?.accounts(deps.hubUrl).default;
  if (named !== undefined) {
    const key = sessionKey(deps.hubUrl, named);
    const item = await deps.sessions.get(key);
    if (item) return { ref: { name: named, key }, item };
    const legacy = await deps.sessions.get(deps.hubUrl);
    if (legacy && legacy.username === named) return { ref: { name: named, key: deps.hubUrl }, item: legacy };
    if (deps.account !== undefined) return null;
    // The default was logged out elsewhere: fall through to what is there.
  }
  const legacy = await deps.sessions.get(deps.hubUrl);
  if (legacy) return { ref: { name: legacy.username, key: deps.hubUrl }, item: legacy };
  const accounts = await listAccounts(deps);
  if (accounts.length === 0) return null;
  if (accounts.length > 1) {
    throw new AuthError(`${accounts.length} accounts are logged in to ${deps.hubUrl} (${accounts.map((a) => a.name).join(", ")}) and none is the default`, {
      hint: `pick one with --account ${accounts[0]!.name}, or make it the default: hub-tokens switch ${accounts[0]!.name}`,
    });
  }
  const only = accounts[0]!;
  const item = await deps.sessions.get(only.key);
  return item ? { ref: only, item } : null;
}

/** The stored session of the chosen account, or null. Expired sessions are returned too: callers decide. */
export async function readSession(deps: SessionDeps): Promise<Session | null> {
  const chosen = await chosenAccount(deps);
  if (!chosen) return null;
  return decode(chosen.ref.key, chosen.item, deps.dockerSession ? await deps.dockerSession() : undefined);
}

/** Reads every account's session for status (each decoded; one whose item is unreadable as null). */
export async function readAllSessions(deps: SessionDeps): Promise<Array<{ ref: AccountRef; session: Session | null }>> {
  const docker = deps.dockerSession ? await deps.dockerSession().catch(() => undefined) : undefined;
  const out: Array<{ ref: AccountRef; session: Session | null }> = [];
  for (const ref of await listAccounts(deps)) {
    const item = await deps.sessions.get(ref.key);
    out.push({ ref, session: item ? await decode(ref.key, item, docker).catch(() => null) : null });
  }
  return out;
}

/** A refresh this long before expiry, so a command never starts with a session about to end. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * The live session, or AuthError (exit 4) naming why there is none. A web session (hubpat's or Docker's) at or
 * near its expiry is refreshed first, and the new tokens are written back before it is used. `known`, read
 * earlier, is checked again, not read again.
 */
export async function requireSession(deps: Pick<Deps, "sessions" | "hubUrl" | "clock"> & Partial<Pick<Deps, "account" | "config" | "dockerSession" | "oauth">>, known?: Session): Promise<Session> {
  let session = known ?? null;
  if (!session) {
    const chosen = await chosenAccount(deps);
    session = chosen ? await decode(chosen.ref.key, chosen.item, deps.dockerSession ? await deps.dockerSession() : undefined) : null;
    if (!session && chosen?.item.secret === DOCKER_SESSION_SECRET) {
      throw new AuthError(`${chosen.ref.name} used Docker's web session, and Docker is no longer signed in as ${chosen.ref.name}`, {
        hint: "run docker login (web sign-in) again, or: hub-tokens login --web",
      });
    }
  }
  const who = deps.account ? ` as ${deps.account}` : "";
  if (!session) throw new AuthError(`not logged in to ${deps.hubUrl}${who}`);
  const now = deps.clock();
  const refresh = session.refresh;
  if (refresh && deps.oauth && session.expiresAt && session.expiresAt.getTime() - REFRESH_AHEAD_MS <= now.getTime()) {
    return renew(deps as Parameters<typeof renew>[0], { ...session, refresh });
  }
  if (isExpired(session, now)) {
    const hint = session.kind === "password" ? "run: hub-tokens login" : "run: hub-tokens login --web";
    throw new AuthError(`your session for ${deps.hubUrl} (${session.username}) expired at ${session.expiresAt.toISOString()}`, { hint });
  }
  return session;
}

/** Refreshes a web session and writes what the tenant gave back where it came from. */
async function renew(deps: Pick<Deps, "sessions" | "oauth"> & Partial<Pick<Deps, "dockerSession">>, session: Session & { refresh: { token: string; clientId: string } }): Promise<Session> {
  const client = await deps.oauth!();
  const tokens = await client.refresh(session.refresh.token, session.refresh.clientId);
  // A rotated refresh token replaces the old one at once: the old one no longer works anywhere.
  const refreshToken = tokens.refreshToken ?? session.refresh.token;
  if (session.kind === "docker") {
    const docker = await deps.dockerSession!();
    await docker.write(session.username, tokens.accessToken, refreshToken, session.refresh.clientId);
  } else {
    await deps.sessions.set(session.key, { username: session.username, secret: webSecret(tokens.accessToken, refreshToken, session.refresh.clientId) });
  }
  return { ...session, token: tokens.accessToken, refresh: { token: refreshToken, clientId: session.refresh.clientId }, ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}) };
}

/** The stored secret of a web sign-in. */
export function webSecret(accessToken: string, refreshToken: string | undefined, clientId: string): string {
  const item: WebItem = { kind: "web", accessToken, clientId, ...(refreshToken ? { refreshToken } : {}) };
  return JSON.stringify(item);
}

/** The stored secret of an account that uses Docker's own web session. */
export const DOCKER_SESSION_SECRET = JSON.stringify({ kind: "docker" });

/**
 * Stores `account`'s session under its own key and records it in the settings as the default (the newest login
 * is the one meant next, as with gh). An old single item of this Hub moves to its own key now.
 */
export async function saveSession(deps: Pick<Deps, "sessions" | "hubUrl" | "config">, account: string, secret: string): Promise<{ previousDefault?: string }> {
  await migrateLegacy(deps);
  await deps.sessions.set(sessionKey(deps.hubUrl, account), { username: account, secret });
  const before = deps.config.accounts(deps.hubUrl);
  deps.config.setAccounts(deps.hubUrl, { default: account, names: [...new Set([...before.names, account])].sort() });
  return before.default !== undefined && before.default !== account ? { previousDefault: before.default } : {};
}

/** Forgets `ref`'s item and its name; the default moves to a remaining account when it was this one. */
export async function forgetSession(deps: Pick<Deps, "sessions" | "hubUrl" | "config">, ref: AccountRef): Promise<void> {
  await deps.sessions.delete(ref.key);
  const before = deps.config.accounts(deps.hubUrl);
  const names = before.names.filter((n) => n !== ref.name);
  const rest = (await listAccounts(deps)).map((a) => a.name);
  deps.config.setAccounts(deps.hubUrl, { names, ...(before.default !== undefined && before.default !== ref.name ? { default: before.default } : rest.length === 1 ? { default: rest[0]! } : {}) });
}

/** Moves an older hubpat's single item (keyed by the bare Hub URL) to its account's own key. */
export async function migrateLegacy(deps: Pick<Deps, "sessions" | "hubUrl" | "config">): Promise<void> {
  const legacy = await deps.sessions.get(deps.hubUrl);
  if (!legacy) return;
  const key = sessionKey(deps.hubUrl, legacy.username);
  if (!(await deps.sessions.get(key))) await deps.sessions.set(key, legacy);
  await deps.sessions.delete(deps.hubUrl);
  const before = deps.config.accounts(deps.hubUrl);
  deps.config.setAccounts(deps.hubUrl, { default: before.default ?? legacy.username, names: [...new Set([...before.names, legacy.username])].sort() });
}

/** A Hub client carrying the live session: `session` when the caller has it from requireSession, else the stored one. */
export async function loggedInHub(deps: Parameters<typeof requireSession>[0] & Pick<Deps, "connect">, session?: Session): Promise<Hub> {
  return deps.connect((await requireSession(deps, session)).token);
}

/** For tests and callers holding a bare store: the account names with items in `sessions` for `hubUrl`. */
export async function accountNames(sessions: CredentialStore, hubUrl: string): Promise<string[]> {
  return (await listAccounts({ sessions, hubUrl })).map((a) => a.name);
}
