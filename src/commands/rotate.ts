// Replaces a token with a new one of the same label (marked rotated, with the date and the old token's short id),
// scope and lifetime, in an order that never leaves Docker without a working token: create, verify with the
// registry's token service (as `docker login` would), store for Docker, and only then deactivate (or delete) the old
// one. A failure at any step undoes what it can and says what state the tokens are in; the old token keeps working
// throughout. The mark is how a later rotate finds what a killed one left (step 0) and a create whose answer was lost.
import { DOCKER_HUB_KEY, type Deps } from "../cli/deps.js";
import { isoTime } from "../cli/io.js";
import { requireSession } from "../cli/session.js";
import { AuthError, HubpatError, messageOf, UsageError } from "../errors.js";
import type { CreatedToken, Hub, Token } from "../hub/types.js";
import { requireWorkingStore } from "../store/choice.js";
import type { StoredCredential } from "../store/store.js";
import { parseExpiry } from "./create.js";
import { pickToken } from "./resolve.js";
import { scopeWording, storedForDocker, tokenJson, tokenName } from "./token-view.js";

export interface RotateOptions {
  /** uuid, unique uuid prefix or label; default: the token the helper holds for Docker Hub. */
  token?: string;
  /** 30d, 60d, 90d, 1y, never or a date; default: the old token's lifetime again, from now. */
  expires?: string;
  /** Delete the old token instead of deactivating it. */
  delete: boolean;
  json: boolean;
}

/** The mark a rotation adds; older hubpat wrote it without the ", from <short id>" part. */
const ROTATED = /\s*\(rotated \d{4}-\d{2}-\d{2}(?:, from ([0-9a-f]{8}))?\)$/;
const MAX_LABEL = 100;
const shortId = (id: string) => id.slice(0, 8);

/**
 * "laptop (rotated 2026-11-23, from 0d8f2a1c)": the old label, an earlier rotation mark replaced, and the old
 * token's short id, within the Hub's 100 characters. The id makes each rotated token's label its own (eight
 * rotations of one laptop token are no longer eight identical labels), and it is how the next rotate of the same
 * token finds what an interrupted one created.
 */
export function rotatedLabel(old: Pick<Token, "label" | "id">, now: Date): string {
  const mark = ` (rotated ${now.toISOString().slice(0, 10)}, from ${shortId(old.id)})`;
  return `${old.label.replace(ROTATED, "").slice(0, MAX_LABEL - mark.length).trimEnd()}${mark}`;
}

/** The short id of the token `label` says it was rotated from; undefined when it says none. */
function rotatedFrom(label: string): string | undefined {
  return ROTATED.exec(label)?.[1];
}

/** Tokens a rotation of `old` created but never finished with (killed, or its answer lost): same mark, not Docker's. */
function orphansOf(old: Token, tokens: Token[], heldId: string | undefined): Token[] {
  return tokens.filter((t) => t.id !== old.id && t.id !== heldId && rotatedFrom(t.label) === shortId(old.id));
}

/** The new token's expiry: the old one's lifetime again, from now; none when the old one never expired. */
function sameLifetime(old: Token, now: Date): Date | undefined {
  if (!old.expiresAt) return undefined;
  const lifetime = old.expiresAt.getTime() - old.createdAt.getTime();
  return new Date(now.getTime() + Math.max(lifetime, 86_400_000));
}

export async function runRotate(opts: RotateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "sessions" | "hubUrl" | "clock" | "storeKind" | "checkStore">): Promise<void> {
  const { io } = deps;
  const ok = io.color.green("✓");
  const session = await requireSession(deps);
  const hub = await deps.hub(session);
  const list = await io.progress("Fetching tokens", () => hub.listTokens());
  let held: StoredCredential | null;
  try {
    held = await deps.store.get(DOCKER_HUB_KEY);
  } catch (err) {
    throw new HubpatError("can't read Docker's credential for Docker Hub, so nothing was rotated", { cause: err, hint: "see: hub-tokens doctor" });
  }

  let old: Token;
  if (opts.token !== undefined) old = pickToken(list.tokens, opts.token);
  else {
    if (!held?.tokenId) throw new UsageError("the helper holds no token hubpat created for Docker Hub: name the token to rotate");
    if (held.username !== session.username) {
      throw new UsageError(`Docker's token belongs to ${held.username}, and this command runs as ${session.username}: run it as ${held.username} (hub-tokens --account ${held.username} rotate, after logging in as ${held.username}), or name a token of yours`);
    }
    const found = list.tokens.find((t) => t.id === held!.tokenId);
    if (!found) throw new HubpatError(`Docker's token ${held.tokenId.slice(0, 8)} no longer exists on Docker Hub, so there is nothing to rotate`, { hint: "run: hub-tokens create --docker-login" });
    old = found;
  }
  const forDocker = held?.tokenId === old.id;
  // The new token goes into Docker's item: a store that can't take it fails before a token is created.
  if (forDocker) await requireWorkingStore({ kind: deps.storeKind, check: deps.checkStore });
  const oldName = tokenName(old);
  const still = forDocker ? `${oldName} is unchanged, and Docker still uses it` : `${oldName} is unchanged`;
  const now = deps.clock();
  const expiresAt = opts.expires !== undefined ? parseExpiry(opts.expires, now) : sameLifetime(old, now);

  // 0. Clean up after an earlier rotation that did not finish. Tokens it created for `old` that Docker never got
  // are deleted; and if `old` itself came from a rotation whose predecessor still works (killed after storing for
  // Docker, before retiring), that predecessor is retired now, as that rotation would have.
  for (const orphan of orphansOf(old, list.tokens, held?.tokenId)) {
    await hub.deleteToken(orphan.id).then(
      () => io.info(`${ok} Deleted ${tokenName(orphan)}, left over from an earlier rotation of ${oldName} that did not finish`),
      (err: unknown) => io.warn(`${tokenName(orphan)} is left over from an earlier rotation of ${oldName}, and deleting it failed (${messageOf(err)}): delete it with hub-tokens delete ${orphan.id}`),
    );
  }
  const predecessor = forDocker ? list.tokens.find((t) => t.isActive && t.id !== old.id && t.id.startsWith(rotatedFrom(old.label) ?? "-")) : undefined;
  if (predecessor) {
    await (opts.delete ? hub.deleteToken(predecessor.id) : hub.updateToken(predecessor.id, { isActive: false })).then(
      () => io.info(`${ok} ${opts.delete ? "Deleted" : "Deactivated"} ${tokenName(predecessor)}, which the interrupted rotation to ${oldName} left working`),
      (err: unknown) => io.warn(`${tokenName(predecessor)} still works though ${oldName} replaced it, and retiring it failed (${messageOf(err)}): run hub-tokens deactivate ${predecessor.id}`),
    );
  }

  // 1. Create. When the answer is lost (the connection dropped, a timeout, a 5xx), the Hub may have made the token
  // anyway: it is found by its label, which no other token has (step 0), and deleted again.
  const label = rotatedLabel(old, now);
  let created: CreatedToken;
  try {
    created = await io.progress("Creating the new token", () => hub.createToken({ label, scopes: old.scopes, ...(expiresAt ? { expiresAt } : {}) }));
  } catch (err) {
    const Failure = err instanceof AuthError ? AuthError : HubpatError;
    const made = err instanceof AuthError ? "" : await takeBackLost(hub, label);
    throw new Failure(`could not create the new token (${messageOf(err)})${made}; ${still}`, { cause: err });
  }
  const newName = tokenName(created);
  io.info(`${ok} Created ${io.color.bold(newName)}: ${scopeWording(created)}, ${created.expiresAt ? `expires ${isoTime(created.expiresAt)}` : "never expires"}`);

  // 2. Verify, as `docker login` would. A token the registry refuses is no replacement: take it back.
  let accepted: boolean;
  let refusal: unknown;
  try {
    accepted = await io.progress("Verifying it with the registry", () => hub.verifyRegistryLogin(session.username, created.secret));
  } catch (err) {
    accepted = false;
    refusal = err;
  }
  if (!accepted) {
    const why = refusal === undefined ? "the registry's token service refused it" : `the registry's token service could not be asked (${messageOf(refusal)})`;
    throw new HubpatError(`${why}, so ${await takeBack(hub, created)}; ${still}`, { cause: refusal });
  }
  io.info(`${ok} The registry's token service accepts it`);

  // 3. Hand it over: into Docker's keychain item when Docker held the old one, else once on stdout.
  if (forDocker) {
    try {
      await deps.store.set(DOCKER_HUB_KEY, { username: session.username, secret: created.secret, tokenId: created.id });
      // Deliberate: read back before the old token is retired, so a keychain that drops the write can't leave Docker with neither.
      const back = await deps.store.get(DOCKER_HUB_KEY);
      if (back?.secret !== created.secret) throw new HubpatError("the keychain gave back something else");
    } catch (err) {
      // Docker's item may hold either token now; put the old one back so it matches what the Hub has.
      const restored = await deps.store.set(DOCKER_HUB_KEY, held!).then(() => true, () => false);
      const docker = restored ? `${oldName} is unchanged, and Docker still uses it` : `${oldName} is unchanged, but Docker's keychain item could not be restored: run hub-tokens doctor`;
      throw new HubpatError(`could not store the new token for Docker (${messageOf(err)}), so ${await takeBack(hub, created)}; ${docker}`, { cause: err });
    }
    io.info(`${ok} Stored for Docker (${DOCKER_HUB_KEY}) as ${session.username}, secret …${created.secret.slice(-4)}`);
  } else if (!opts.json) {
    io.print(created.secret);
    // Printed once: a reader that went away got nothing, and the old token must not be retired for a lost one.
    if (!(await io.delivered())) throw new HubpatError(`${newName}'s secret never reached stdout (the reader had closed it), so ${await takeBack(hub, created)}; ${still}`, { hint: "run rotate again with its output going somewhere open" });
  }

  // 4. Retire the old token, now that nothing needs it.
  const verb = opts.delete ? "delete" : "deactivate";
  let retired: Token | undefined;
  try {
    if (opts.delete) await io.progress(`Deleting ${old.label}`, () => hub.deleteToken(old.id));
    else retired = await io.progress(`Deactivating ${old.label}`, () => hub.updateToken(old.id, { isActive: false }));
  } catch (err) {
    const where = forDocker ? "is stored for Docker and works" : "works (its secret is printed above, once)";
    throw new HubpatError(`${newName} ${where}, but could not ${verb} ${oldName} (${messageOf(err)}): it still works`, { cause: err, hint: `run: hub-tokens ${verb} ${old.id}` });
  }
  io.info(`${ok} ${opts.delete ? "Deleted" : "Deactivated"} ${oldName}`);

  if (opts.json) {
    const heldNow = forDocker ? storedForDocker(created, session.username) : null;
    io.json({
      new: { ...tokenJson(created, now, heldNow), ...(forDocker ? {} : { secret: created.secret }) },
      old: opts.delete ? { ...tokenJson(old, now, null), deleted: true } : { ...tokenJson(retired ?? old, now, null), deleted: false },
      storedForDocker: forDocker,
    });
    // With --json the new secret is in this document alone, written after the old token was retired: when it
    // never reached stdout, the new token goes and the old one comes back where it can.
    if (!forDocker && !(await io.delivered())) {
      const back = opts.delete
        ? `${oldName} was deleted already`
        : await hub.updateToken(old.id, { isActive: true }).then(
            () => `${oldName} is active again`,
            (err: unknown) => `${oldName} stays deactivated, as reactivating it failed (${messageOf(err)}): run hub-tokens activate ${old.id}`,
          );
      throw new HubpatError(`${newName}'s secret never reached stdout (the reader had closed it), so ${await takeBack(hub, created)}; ${back}`, { hint: "run rotate again with its output going somewhere open" });
    }
  }
}

/** After a create whose answer did not come: finds a token the request made anyway, by its label, and deletes it. */
async function takeBackLost(hub: Hub, label: string): Promise<string> {
  let made: Token | undefined;
  try {
    made = (await hub.listTokens()).tokens.find((t) => t.label === label);
  } catch (err) {
    return `; whether the Hub made it anyway could not be checked (${messageOf(err)}): look for "${label}" in hub-tokens list, and delete it`;
  }
  if (!made) return "";
  try {
    await hub.deleteToken(made.id);
    return `; the Hub had made it anyway (${tokenName(made)}), and it was deleted again`;
  } catch (err) {
    return `; the Hub had made it anyway (${tokenName(made)}), and deleting it failed (${messageOf(err)}): delete it with hub-tokens delete ${made.id}`;
  }
}

/** Deletes a new token that can't be used; says what happened either way. */
async function takeBack(hub: Hub, created: CreatedToken): Promise<string> {
  try {
    await hub.deleteToken(created.id);
    return `${tokenName(created)} was deleted again`;
  } catch (err) {
    return `${tokenName(created)} is left over and deleting it failed too (${messageOf(err)}): delete it with hub-tokens delete ${created.id}`;
  }
}
