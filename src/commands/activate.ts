// Activates tokens; deactivate.ts is the same walk the other way.
import type { Deps } from "../cli/deps.js";
import { pickTokens } from "./resolve.js";
import { orgWording, personalTokens, type KindToken, type TokenKind } from "./token-kind.js";
import { relativeTime } from "../cli/io.js";
import { tokenName, tokenStatus } from "./token-view.js";

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
  const now = deps.clock();
  // Already as asked: said plainly, and no request (the Hub would answer 200 and change nothing).
  const todo = tokens.filter((token) => {
    if (token.isActive !== isActive) return true;
    const expired = tokenStatus(token, now) === "expired";
    io.info(`${tokenName(token)}${orgWording(kind, "in")} is already ${isActive ? "active" : "inactive"}${isActive && expired ? `, but it expired ${relativeTime(token.expiresAt!, now)}: create a new one` : ""}`);
    done.push(token);
    return false;
  });
  const bar = io.bar(`${isActive ? "Activating" : "Deactivating"} ${todo.length} tokens`, todo.length);
  for (const [i, token] of todo.entries()) {
    const updated = await (todo.length > 1 ? kind.setActive(hub, token.id, isActive) : io.progress(`${isActive ? "Activating" : "Deactivating"} ${token.label}`, () => kind.setActive(hub, token.id, isActive)));
    done.push(updated);
    io.info(`${io.color.green("✓")} ${isActive ? "Activated" : "Deactivated"} ${tokenName(updated)}${orgWording(kind, "in")}`);
    bar.update(i + 1);
  }
  bar.end();
  if (opts.json) {
    const held = await kind.held();
    const byId = new Map(done.map((t) => [t.id, t]));
    io.json(tokens.map((t) => kind.json(byId.get(t.id)!, deps.clock(), held)));
  }
}

export async function runActivate(opts: ActivateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  await setTokensActive(opts, personalTokens(deps), deps, true);
}
