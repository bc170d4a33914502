// Changes a token's label (the Hub's "description"); scope and expiry are fixed at creation.
import type { Deps } from "../cli/deps.js";
import { checkLabel } from "./create.js";
import { resolveTokens } from "./resolve.js";
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
  const [token] = await io.progress("Fetching tokens", () => resolveTokens(hub, [opts.token]));
  const renamed = await io.progress("Renaming token", () => hub.updateToken(token!.id, { label }));
  if (opts.json) return io.json(tokenJson(renamed, deps.clock(), await dockerHeld(deps.store, io)));
  io.info(`${io.color.green("✓")} Renamed ${tokenName(token!)} to ${io.color.bold(renamed.label)}`);
}
