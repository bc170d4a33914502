// Docker holds one Docker Hub credential per machine. With several accounts logged in, storing account B's token
// for Docker while Docker holds A's changes who Docker pulls and pushes as: say so, and ask (off a terminal,
// --replace says yes). Same account: nothing to ask here (create's own replace flow covers that).
import type { Deps } from "../cli/deps.js";
import { CancelError, UsageError } from "../errors.js";
import { dockerHeld, type DockerHeld } from "./token-view.js";

/**
 * Resolves once Docker's credential may become `username`'s, with what Docker holds now (read once, for the
 * caller's own replace flow too); throws when the person (or the flags) say no.
 */
export async function confirmDockerAccount(deps: Pick<Deps, "io" | "prompter" | "store">, username: string, decided: boolean): Promise<DockerHeld | null> {
  const held = await dockerHeld(deps.store, deps.io);
  if (!held || held.username === username || decided) return held;
  const what = `docker holds ${held.username}'s Docker Hub token${held.tokenId ? ` (${held.tokenId.slice(0, 8)})` : ""}, not ${username}'s`;
  if (!deps.io.canPrompt()) throw new UsageError(`${what}: add --replace to store ${username}'s instead (Docker then pulls and pushes as ${username})`);
  const yes = await deps.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}. Store ${username}'s instead (Docker then pulls and pushes as ${username})?`, { default: false });
  if (!yes) throw new CancelError(`kept ${held.username}'s token for Docker; nothing was created`);
  return held;
}
