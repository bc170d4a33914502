// How a token looks to each reader, shared by list, inspect, create and the single-token commands: the Hub's
// words for scope, a status that knows expiry, a stable camelCase JSON shape, and whether this machine's Docker
// holds the token (the Hub page cannot say: docker/roadmap#827).
import type { IOStreams } from "../cli/io.js";
import { isoTime, relativeTime } from "../cli/io.js";
import { DOCKER_HUB_KEY } from "../cli/deps.js";
import { HubpatError, messageOf } from "../errors.js";
import { SCOPE_WORDING, type CreatedToken, type Token } from "../hub/types.js";
import type { CredentialStore } from "../store/store.js";
import { inTokenSet } from "./token-sets.js";

/**
 * After the only print of a new token's secret (create, create --org): when it never reached stdout, deletes the
 * token with `remove` and fails saying so. `made` names the token ("Name (id)", "… in acme"); `again` is the
 * command to run again, `deleteCommand` what deletes it by hand when `remove` failed.
 */
export async function takeBackUndelivered(io: IOStreams, made: string, remove: () => Promise<void>, again: string, deleteCommand: string): Promise<void> {
  if (await io.delivered()) return;
  const deleted = await remove().then(() => true, () => false);
  throw new HubpatError(`created ${made} but its secret never reached stdout (the reader had closed it), ${deleted ? "so deleted it again" : "and could not delete it"}`, {
    hint: deleted ? `run ${again} again with its output going somewhere open` : `delete it: ${deleteCommand}`,
  });
}

/** What the Hub page shows in its status column, with expiry (which the Hub keeps apart from is_active). */
export type TokenStatus = "active" | "inactive" | "expired";

/** The one status a table shows: "expired" when the token is in both the expired and inactive sets (token-sets.ts). */
export function tokenStatus(token: Pick<Token, "expiresAt" | "isActive">, now: Date): TokenStatus {
  if (inTokenSet("expired", token, now)) return "expired";
  return inTokenSet("active", token, now) ? "active" : "inactive";
}

/** The Hub page's wording of the token's scope ("Read-only"). */
export function scopeWording(token: Token): string {
  return token.scopes.map((s) => SCOPE_WORDING[s] ?? s).join(", ");
}

/** A status in its colour: green active, yellow inactive, red expired. */
export function colorStatus(io: IOStreams, status: TokenStatus): string {
  return status === "active" ? io.color.green(status) : status === "inactive" ? io.color.yellow(status) : io.color.red(status);
}

/** The PAT this machine's Docker uses for Docker Hub, as hubpat recorded it. Secret reduced to a hint. */
export interface DockerHeld {
  tokenId?: string;
  username: string;
  /** A PAT's last 4 characters ("…abcd"): enough to recognise, useless to an attacker. Empty for anything else. */
  hint: string;
}

/**
 * A token's last 4 characters ("…abcd"), for telling stored secrets apart; empty for anything but a PAT or OAT:
 * four characters of a short password would give too much away.
 */
export function secretHint(secret: string): string {
  return /^dckr_(pat|oat)_/.test(secret) && secret.length >= 20 ? `…${secret.slice(-4)}` : "";
}

/** What the helper's keychain holds for Docker Hub; null when nothing, or (with a warning) when unreadable. */
export async function dockerHeld(store: CredentialStore, io: IOStreams): Promise<DockerHeld | null> {
  try {
    const found = await store.get(DOCKER_HUB_KEY);
    if (!found) return null;
    return { username: found.username, hint: secretHint(found.secret), ...(found.tokenId ? { tokenId: found.tokenId } : {}) };
  } catch (err) {
    io.warn(`could not tell which token Docker uses: ${messageOf(err)}`);
    return null;
  }
}

/** What Docker holds once hubpat has just stored `created` for `username`: known without asking the keychain again. */
export function storedForDocker(created: Pick<CreatedToken, "id" | "secret">, username: string): DockerHeld {
  return { tokenId: created.id, username, hint: secretHint(created.secret) };
}

/** The JSON every command prints for a token: camelCase, ISO-8601 times, null for absent values. */
export function tokenJson(token: Token, now: Date, held: DockerHeld | null) {
  return {
    id: token.id,
    label: token.label,
    scopes: token.scopes,
    scope: scopeWording(token),
    status: tokenStatus(token, now),
    isActive: token.isActive,
    createdAt: isoTime(token.createdAt),
    lastUsedAt: token.lastUsedAt ? isoTime(token.lastUsedAt) : null,
    expiresAt: token.expiresAt ? isoTime(token.expiresAt) : null,
    creatorIp: token.creatorIp ?? null,
    creatorUserAgent: token.creatorUserAgent ?? null,
    clientId: token.clientId ?? null,
    generatedBy: token.generatedBy ?? null,
    usedByDocker: held?.tokenId === token.id,
  };
}

/** "ci-runner (0d8f2a1c)": how a token is named in a message. */
export function tokenName(token: Pick<Token, "id" | "label">): string {
  return `${token.label} (${token.id.slice(0, 8)})`;
}

/** A time for `inspect`: ISO-8601, with "3 days ago" after it on a terminal; `none` when there is no time. */
export function inspectTime(io: IOStreams, d: Date | undefined, now: Date, none: string): string {
  if (!d) return none;
  return io.isStdoutTTY ? `${isoTime(d)} (${relativeTime(d, now)})` : isoTime(d);
}

/** Prints `inspect` records: one "Key:   value" line per field, padded to one column, a blank line between records. */
export function printRecords(io: IOStreams, records: [string, string][][]): void {
  records.forEach((fields, i) => {
    if (i > 0) io.print("");
    for (const [key, value] of fields) io.print(`${`${key}:`.padEnd(14)}${value}`);
  });
}
