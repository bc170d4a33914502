// Forgets the Hub session. The PAT Docker holds (if any) stays: it is Docker's, and `docker logout` removes it.
import type { Deps } from "../cli/deps.js";
import { readSession } from "../cli/session.js";

export type LogoutOptions = Record<string, never>;

export async function runLogout(_opts: LogoutOptions, deps: Pick<Deps, "io" | "sessions" | "hubUrl">): Promise<void> {
  const { io } = deps;
  const session = await readSession(deps);
  if (!session) {
    io.info(`Not logged in to ${deps.hubUrl}`);
    return;
  }
  await deps.sessions.delete(deps.hubUrl);
  io.info(`${io.color.green("✓")} Logged out of ${deps.hubUrl} (${session.username})`);
}
