// Changes a token's label (the Hub's "description"); scope and expiry are fixed at creation.
import type { Deps } from "../cli/deps.js";
import { checkLabel } from "./create.js";
import { pickToken, warnDuplicateLabel } from "./resolve.js";
import { dockerHeld, tokenJson, tokenName } from "./token-view.js";

export interface RenameOptions {
  token: string;
  label: string;
  json: boolean;
}

export async function runRename(opts: RenameOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  const { io } = deps;
  const label = checkLabel(opts.label);
  const hub = await deps.hub();
  const all = (await io.progress("Fetching tokens", () => hub.listTokens())).tokens;
  const token = pickToken(all, opts.token);
  if (token.label === label) {
    // Nothing to change: no request, and no "Renamed".
    if (opts.json) return io.json(tokenJson(token, deps.clock(), await dockerHeld(deps.store, io)));
    io.info(`${tokenName(token)} is already labelled ${io.color.bold(label)}`);
    return;
  }
  warnDuplicateLabel(io, all.filter((t) => t.id !== token.id), label);
  const renamed = await io.progress("Renaming token", () => hub.updateToken(token.id, { label }));
  if (opts.json) return io.json(tokenJson(renamed, deps.clock(), await dockerHeld(deps.store, io)));
  io.info(`${io.color.green("✓")} Renamed ${tokenName(token)} to ${io.color.bold(renamed.label)}`);
}
