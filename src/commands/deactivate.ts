// Deactivates tokens: they stop authenticating at once and can be activated again (delete cannot be undone).
import type { Deps } from "../cli/deps.js";
import { setTokensActive, type ActivateOptions } from "./activate.js";
import { personalTokens } from "./token-kind.js";

export type DeactivateOptions = ActivateOptions;

export async function runDeactivate(opts: DeactivateOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  await setTokensActive(opts, personalTokens(deps), deps, false);
}
