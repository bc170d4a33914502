// Deletes tokens: named ones and/or whole sets (--inactive, --expired), one DELETE each (the Hub has no bulk
// call). Shows what will go and asks on a terminal; elsewhere it needs --yes, since nothing can undo it.
import type { Deps } from "../cli/deps.js";
import type { IOStreams } from "../cli/io.js";
import { AuthError, CancelError, HubpatError, UsageError } from "../errors.js";
import { NotFoundError } from "../hub/errors.js";
import type { Hub } from "../hub/types.js";
import { pickTokens } from "./resolve.js";
import { orgWording, personalTokens, type KindToken, type TokenKind } from "./token-kind.js";
import { inTokenSet } from "./token-sets.js";
import { tokenName, tokenStatus } from "./token-view.js";

export interface DeleteOptions {
  tokens: string[];
  inactive: boolean;
  expired: boolean;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

/** Deletions in flight at once: enough to hide latency, few enough to stay polite. */
const DELETE_CONCURRENCY = 8;

/** Refuses, before any request, a deletion that would need a question there is no terminal to ask. */
export function checkCanConfirm(opts: Pick<DeleteOptions, "yes" | "dryRun">, io: Pick<IOStreams, "canPrompt">): void {
  if (!opts.yes && !opts.dryRun && !io.canPrompt()) throw new UsageError("no terminal to confirm the deletion: pass --yes (or --dry-run to see what would go)");
}

export async function runDelete(opts: DeleteOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock" | "prompter">): Promise<void> {
  await deleteOfKind(personalTokens(deps), opts, deps);
}

/** `delete` for one kind of token (`delete --org` passes an organization's): the named tokens and the chosen sets. */
export async function deleteOfKind<T extends KindToken>(kind: TokenKind<T>, opts: DeleteOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  const { io } = deps;
  if (opts.tokens.length === 0 && !opts.inactive && !opts.expired) throw new UsageError("name the tokens to delete, or pass --inactive or --expired");
  checkCanConfirm(opts, io);

  const hub = await deps.hub();
  const all = await io.progress("Fetching tokens", () => kind.list(hub));
  const now = deps.clock();
  const named = pickTokens(all, opts.tokens);
  const inSet = all.filter((t) => (opts.inactive && inTokenSet("inactive", t, now)) || (opts.expired && inTokenSet("expired", t, now)));
  const doomed: T[] = [...new Set([...named, ...inSet])];
  await deleteChosen(doomed, opts, { kind, hub, now }, deps);
}

/**
 * Shows `doomed`, asks on a terminal (unless --yes), deletes each and reports as `delete` does; with --dry-run only
 * shows them. Shared by `delete`, `delete --org` and `prune`, so all confirm and report the same way.
 */
export async function deleteChosen<T extends KindToken>(
  doomed: T[],
  opts: Pick<DeleteOptions, "yes" | "dryRun" | "json">,
  at: { kind: TokenKind<T>; hub: Hub; now: Date },
  deps: Pick<Deps, "io" | "prompter">,
): Promise<void> {
  const { io } = deps;
  const { kind, hub, now } = at;
  const held = await kind.held();
  if (doomed.length === 0) {
    if (opts.json) io.json([]);
    io.info("No tokens to delete");
    return;
  }
  const describe = (t: T) => `${tokenName(t)}, ${kind.access(t)}, ${tokenStatus(t, now)}${held?.tokenId === t.id ? ", held by this machine's Docker" : ""}`;
  const count = `${doomed.length} ${doomed.length === 1 ? "token" : "tokens"}`;

  if (opts.dryRun) {
    if (opts.json) return io.json(doomed.map((t) => kind.json(t, now, held)));
    io.info(`Would delete ${count}${orgWording(kind, "of")}:`);
    for (const t of doomed) io.info(`  ${describe(t)}`);
    return;
  }
  if (!opts.yes) {
    io.info(`About to delete ${count}${orgWording(kind, "of")}:`);
    for (const t of doomed) io.info(`  ${describe(t)}`);
    if (!(await deps.prompter.confirm(`Delete ${count}? This cannot be undone.`, { default: false }))) throw new CancelError("nothing deleted");
  }
  // One DELETE per token, a few at once, paced by the client to the Hub's rate limit; reported in list order.
  // A bar with counts for several (each DELETE is paced to the rate limit: 500 take seconds); a spinner for one.
  const bar = io.bar(`Deleting ${count}`, doomed.length);
  const result = await (doomed.length > 1
    ? kind.deleteAll(hub, doomed.map((t) => t.id), { concurrency: DELETE_CONCURRENCY, onProgress: (done) => bar.update(done) }).finally(() => bar.end())
    : io.progress(`Deleting ${count}`, () => kind.deleteAll(hub, doomed.map((t) => t.id), { concurrency: DELETE_CONCURRENCY })));
  const errors = new Map(result.failed.map((f) => [f.id, f.error]));
  // Failures grouped by reason, so an expired session is said once, not once per token.
  const failed = new Map<string, string[]>();
  let firstFailure: unknown;
  for (const t of doomed) {
    const error = errors.get(t.id);
    if (!error) io.info(`${io.color.green("✓")} Deleted ${tokenName(t)}${orgWording(kind, "from")}`);
    // Deleted by someone else since the list (the Hub page, another hub-tokens): gone, as asked.
    else if (error instanceof NotFoundError) io.info(`${io.color.green("✓")} ${tokenName(t)} was already deleted`);
    else {
      firstFailure ??= error;
      failed.set(error.message, [...(failed.get(error.message) ?? []), tokenName(t)]);
    }
  }
  if (failed.size > 0) {
    const notDeleted = [...failed.values()].flat().length;
    const why = [...failed].map(([reason, names]) => `not ${names.join(", ")}: ${reason}`).join("; ");
    // A rejected session still exits 4 and says to log in; anything else is a plain failure.
    const Failure = firstFailure instanceof AuthError ? AuthError : HubpatError;
    throw new Failure(`deleted ${doomed.length - notDeleted} of ${doomed.length} tokens; ${why}`, { cause: firstFailure });
  }
  if (held?.tokenId && doomed.some((t) => t.id === held.tokenId)) {
    io.warn("Docker on this machine still holds the deleted token: run docker logout, or hub-tokens create --docker-login");
  }
  if (opts.json) io.json(doomed.map((t) => kind.json(t, now, held)));
}
