// Forgets Hub sessions: the account in use, `--account NAME`, or `--all`. A web sign-in's refresh token is revoked
// with the tenant, as docker logout does for Docker's own. Docker's own web session, when an account uses it, is
// Docker's: only hubpat's marker goes, the session stays signed in. The PAT Docker holds (if any) stays too:
// `docker logout` removes it.
import type { Deps } from "../cli/deps.js";
import { chosenAccount, forgetSession, listAccounts, type AccountRef } from "../cli/session.js";
import { messageOf } from "../errors.js";

export interface LogoutOptions {
  /** --all: every account of this Hub. */
  all?: boolean;
}

type LogoutDeps = Pick<Deps, "io" | "sessions" | "hubUrl" | "config"> & Partial<Pick<Deps, "account" | "oauth">>;

export async function runLogout(opts: LogoutOptions, deps: LogoutDeps): Promise<void> {
  const { io } = deps;
  const targets: Array<{ ref: AccountRef; item: { username: string; secret: string } }> = [];
  if (opts.all) {
    for (const ref of await listAccounts(deps)) {
      const item = await deps.sessions.get(ref.key);
      if (item) targets.push({ ref, item });
    }
  } else {
    const chosen = await chosenAccount(deps);
    if (chosen) targets.push(chosen);
  }
  if (targets.length === 0) {
    io.info(`Not logged in to ${deps.hubUrl}${deps.account ? ` as ${deps.account}` : ""}`);
    return;
  }
  for (const { ref, item } of targets) {
    const kind = kindOf(item.secret);
    await forgetSession(deps, ref);
    let note = "";
    if (kind.web?.refreshToken && deps.oauth) {
      // Forgotten first, as Docker CLI does: if the revoke fails, the person is still logged out here.
      try {
        await (await deps.oauth()).revoke(kind.web.refreshToken, kind.web.clientId);
        note = "; web session revoked";
      } catch (err) {
        io.warn(`logged out, but the sign-in service did not revoke the web session: ${messageOf(err)}`);
      }
    }
    if (kind.docker) note = "; Docker's own web session stays signed in";
    io.info(`${io.color.green("✓")} Logged out of ${deps.hubUrl} (${ref.name}${note})`);
  }
}

/** What a stored session secret is, without reading anything else. */
function kindOf(secret: string): { web?: { refreshToken?: string; clientId: string }; docker?: true } {
  if (!secret.startsWith("{")) return {};
  try {
    const o = JSON.parse(secret) as { kind?: string; refreshToken?: string; clientId?: string };
    if (o.kind === "docker") return { docker: true };
    if (o.kind === "web" && typeof o.clientId === "string") return { web: { clientId: o.clientId, ...(o.refreshToken ? { refreshToken: o.refreshToken } : {}) } };
  } catch {
    // Unreadable: forgotten all the same.
  }
  return {};
}
