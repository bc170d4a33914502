// Activates tokens; deactivate.ts is the same walk the other way.
import type { Deps } from "../cli/deps.js";
import { pickTokens } from "./resolve.js";
import { orgWording, personalTokens, type KindToken, type TokenKind } from "./token-kind.js";
import { tokenName } from "./token-view.js";

export interface ActivateOptions {
  tokens: string[];
  json: boolean;
}

/** Sets each named token's active flag, one request each, reporting as it goes; `activate --org` passes an organization's kind. */
export async function setTokensActive<T extends KindToken>(opts: ActivateOptions, kind: TokenKind<T>, deps: Pick<Deps, "io" | "hub" | "clock">, isActive: boolean): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = await io.progress("Fetching tokens", async () => pickTokens(await kind.list(hub), opts.tokens));
  const done: T[] = [];
  for (const token of tokens) {
    const updated = await io.progress(`${isActive ? "Activating" : "Deactivating"} ${token.label}`, () => kind.setActive(hub, token.id, isActive));
    done.push(updated);
    io.info(`${io.color.green("✓")} ${isActive ? "Activated" : "Deactivated"} ${tokenName(updated)}${orgWording(kind, "in")}`);
  }
  if (opts.json) {
    const held = await kind.held();
    io.json(done.map((t) => kind.json(t, deps.clock(), held)));
  }
}

export async function runActivate(opts: ActivateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  await setTokensActive(opts, personalTokens(deps), deps, true);
}
