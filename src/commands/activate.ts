// Activates tokens; deactivate.ts is the same walk the other way.
import type { Deps } from "../cli/deps.js";
import { resolveTokens } from "./resolve.js";
import { dockerHeld, tokenJson, tokenName } from "./token-view.js";

export interface ActivateOptions {
  tokens: string[];
  json: boolean;
}

/** Sets each named token's active flag, one request each, reporting as it goes. */
export async function setTokensActive(opts: ActivateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">, isActive: boolean): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = await io.progress("Fetching tokens", () => resolveTokens(hub, opts.tokens));
  const done = [];
  for (const token of tokens) {
    const updated = await io.progress(`${isActive ? "Activating" : "Deactivating"} ${token.label}`, () => hub.updateToken(token.id, { isActive }));
    done.push(updated);
    io.info(`${io.color.green("✓")} ${isActive ? "Activated" : "Deactivated"} ${tokenName(updated)}`);
  }
  if (opts.json) {
    const held = await dockerHeld(deps.store, io);
    io.json(done.map((t) => tokenJson(t, deps.clock(), held)));
  }
}

export async function runActivate(opts: ActivateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  await setTokensActive(opts, deps, true);
}
