// The Hub session `hub-tokens login` keeps: one keychain item per Hub URL under its own service, so the
// helper's `list` (what Docker sees) never shows it. Username in the item's JSON, the JWT as its secret.
import { AuthError } from "../errors.js";
import type { Hub } from "../hub/types.js";
import { jwtExpiry } from "../hub/url.js";
import type { Deps } from "./deps.js";

/** The keychain service of Hub sessions; kept apart from the helper's `docker-credential-hubpat`. */
export const SESSION_SERVICE = "hubpat-session";

/** A session read back from the keychain. */
export interface Session {
  username: string;
  token: string;
  /** From the JWT's `exp`; undefined when it has none. */
  expiresAt?: Date;
}

/** Whether a session's JWT has passed its `exp` at `now`; one without an expiry never has. */
export function isExpired<S extends Pick<Session, "expiresAt">>(session: S, now: Date): session is S & { expiresAt: Date } {
  return session.expiresAt !== undefined && session.expiresAt.getTime() <= now.getTime();
}

/** The stored session for deps.hubUrl, or null. Expired sessions are returned too: callers decide. */
export async function readSession(deps: Pick<Deps, "sessions" | "hubUrl">): Promise<Session | null> {
  const found = await deps.sessions.get(deps.hubUrl);
  if (!found) return null;
  const expiresAt = jwtExpiry(found.secret);
  return { username: found.username, token: found.secret, ...(expiresAt ? { expiresAt } : {}) };
}

/** The live session, or AuthError (exit 4) naming why there is none. `known`, read earlier, is checked again, not read again. */
export async function requireSession(deps: Pick<Deps, "sessions" | "hubUrl" | "clock">, known?: Session): Promise<Session> {
  const session = known ?? (await readSession(deps));
  if (!session) throw new AuthError(`not logged in to ${deps.hubUrl}`);
  if (isExpired(session, deps.clock())) {
    throw new AuthError(`your session for ${deps.hubUrl} expired at ${session.expiresAt.toISOString()}`);
  }
  return session;
}

/** A Hub client carrying the live session: `session` when the caller has it from requireSession, else the stored one. */
export async function loggedInHub(deps: Pick<Deps, "sessions" | "hubUrl" | "clock" | "connect">, session?: Session): Promise<Hub> {
  return deps.connect((await requireSession(deps, session)).token);
}
