// Who is logged in, until when, against which Hub, where secrets are kept, and whether Docker asks hubpat for
// its Docker Hub credentials. Exit 4 when not logged in, so scripts can test it.
import { readFile } from "node:fs/promises";
import { DOCKER_HUB_KEY, type Deps } from "../cli/deps.js";
import { isoTime, relativeTime } from "../cli/io.js";
import { isExpired, readAllSessions, readSession, SESSION_KIND_WORDS, type Session } from "../cli/session.js";
import { parseDockerConfig } from "../docker/config.js";
import { AuthError, messageOf } from "../errors.js";
import { dockerHeld } from "./token-view.js";

export interface StatusOptions {
  /** `--offline`: say what the keychain holds without asking the Hub whether the session still works. */
  offline?: boolean;
  json: boolean;
}

/** What the Hub said of the session: taken, refused, not asked (offline, none, expired) or unreachable. */
type SessionCheck = { state: "valid" | "refused" | "unchecked" } | { state: "unreachable"; error: string };

/** The helper's name as Docker's config.json spells it (`docker-credential-` + this). */
const HELPER_NAME = "hubpat";

/** Whether Docker's config.json sends Docker Hub lookups to hubpat; `missing` when there is no such file. */
export async function dockerUsesHelper(configPath: string): Promise<"yes" | "no" | "missing"> {
  let raw: string;
  try {
    raw = await readFile(configPath, "utf8");
  } catch {
    return "missing";
  }
  try {
    // As Docker decodes it: repeated keys merged, field names in any case (src/docker/go-json.ts).
    const cfg = parseDockerConfig(configPath, raw).view;
    const helpers: Record<string, string | undefined> = cfg.credHelpers ?? {};
    const hubHelper = helpers[DOCKER_HUB_KEY] ?? helpers["index.docker.io"] ?? helpers["docker.io"];
    return (hubHelper ?? cfg.credsStore) === HELPER_NAME ? "yes" : "no";
  } catch {
    return "no";
  }
}

/** How another account's session ends, in words (only the account in use is checked with the Hub). */
function sessionEnd(c: Deps["io"]["color"], session: Session, now: Date): string {
  if (!session.expiresAt) return "";
  if (isExpired(session, now)) {
    return session.refresh ? `, session ended ${relativeTime(session.expiresAt, now)}; renewed on the next command` : `, ${c.red(`session expired ${relativeTime(session.expiresAt, now)}`)} (${isoTime(session.expiresAt)})`;
  }
  return `, session valid until ${isoTime(session.expiresAt)} (${relativeTime(session.expiresAt, now)})${session.refresh ? "; renewed when it ends" : ""}`;
}

export async function runStatus(
  opts: StatusOptions,
  deps: Pick<Deps, "io" | "sessions" | "store" | "hubUrl" | "clock" | "storeDescription" | "storeKind" | "dockerConfigPath" | "connect"> & Partial<Pick<Deps, "account" | "config" | "dockerSession">>,
): Promise<void> {
  const { io } = deps;
  const now = deps.clock();
  // Several accounts and none the default: status still lists them all, then exits 4 with the reason.
  let choiceProblem: AuthError | undefined;
  const session = await readSession(deps).catch((err: unknown) => {
    if (err instanceof AuthError) return (choiceProblem = err), null;
    throw err;
  });
  // A web session past its access token's end is renewed by the next command: still logged in, nothing to check.
  const ended = session !== null && isExpired(session, now);
  const expired = ended && !session.refresh;
  // The JWT's expiry is only what the keychain knows: the Hub may have dropped the session since (a logout
  // elsewhere, a password change). One small request says; --offline skips it.
  const check: SessionCheck = !session || ended || opts.offline ? { state: "unchecked" } : await checkWithHub(deps, session.token);
  const wired = await dockerUsesHelper(deps.dockerConfigPath);
  const held = await dockerHeld(deps.store, io);
  const all = await readAllSessions(deps);
  const others = all.filter((a) => a.ref.key !== session?.key);
  const dockerWeb = deps.dockerSession ? await (await deps.dockerSession()).read().catch(() => null) : null;

  if (opts.json) {
    io.json({
      hubUrl: deps.hubUrl,
      loggedIn: session !== null && !expired && check.state !== "refused",
      username: session?.username ?? null,
      sessionKind: session?.kind ?? null,
      sessionExpiresAt: session?.expiresAt ? isoTime(session.expiresAt) : null,
      accounts: all.map(({ ref, session: s }) => ({
        name: ref.name,
        inUse: ref.key === session?.key,
        kind: s?.kind ?? null,
        loggedIn: s !== null && (!isExpired(s, now) || s.refresh !== undefined),
        sessionExpiresAt: s?.expiresAt ? isoTime(s.expiresAt) : null,
      })),
      store: deps.storeKind,
      session: { checkedWithHub: check.state === "valid" || check.state === "refused", acceptedByHub: check.state === "valid" ? true : check.state === "refused" ? false : null, ...("error" in check ? { error: check.error } : {}) },
      secrets: deps.storeDescription,
      docker: {
        configPath: deps.dockerConfigPath,
        usesHubpat: wired === "yes",
        credential: held ? { username: held.username, tokenId: held.tokenId ?? null, hint: held.hint } : null,
        webSession: dockerWeb ? { username: dockerWeb.username } : null,
      },
    });
  } else {
    const c = io.color;
    const who = (s: Session) => `${s.username} (${SESSION_KIND_WORDS[s.kind]})`;
    const account = !session
      ? c.yellow(choiceProblem ? "none chosen" : "not logged in")
      : !session.expiresAt
        ? `${who(session)}${check.state === "refused" ? `, ${c.red("session refused by Docker Hub")}` : checkWords(check)}`
        : ended
          ? `${who(session)}${sessionEnd(c, session, now)}`
          : check.state === "refused"
            ? `${who(session)}, ${c.red("session refused by Docker Hub")}: it ended before ${isoTime(session.expiresAt)} (a logout or password change elsewhere)`
            : `${who(session)}${sessionEnd(c, session, now)}${checkWords(check)}`;
    const docker =
      wired === "yes"
        ? `uses hubpat (${deps.dockerConfigPath})`
        : `${c.yellow("does not use hubpat")}: set "credsStore": "${HELPER_NAME}" in ${deps.dockerConfigPath}`;
    // Whose token Docker holds, when that is not the account in use.
    const whose = held && session && held.username !== session.username ? ` (not ${session.username}'s)` : "";
    const credential = !held
      ? "none stored"
      : held.tokenId
        ? `token ${held.tokenId.slice(0, 8)} ${held.hint} for ${held.username}${whose}`
        : `a secret ${held.hint ? `${held.hint} ` : ""}for ${held.username}, not created by hubpat${whose}`;
    io.print(`Hub:       ${deps.hubUrl}`);
    io.print(`Account:   ${account}`);
    for (const o of others) io.print(`Also:      ${o.session ? `${who(o.session)}${sessionEnd(c, o.session, now)}` : `${o.ref.name} (session unreadable, or Docker's web session gone)`}`);
    io.print(`Secrets:   ${deps.storeDescription}`);
    io.print(`Docker:    ${docker}`);
    io.print(`Docker Hub credential: ${credential}`);
    if (dockerWeb) io.print(`Docker web session: ${dockerWeb.username}${all.some((a) => a.session?.kind === "docker") ? ", used by hub-tokens" : " (hub-tokens login --use-docker-session uses it)"}`);
  }
  if (choiceProblem) throw choiceProblem;
  if (!session) throw new AuthError(`not logged in to ${deps.hubUrl}`);
  if (expired) throw new AuthError(`your session for ${deps.hubUrl} has expired`);
  if (check.state === "refused") throw new AuthError(`Docker Hub refused ${session.username}'s session for ${deps.hubUrl}: it expired or was revoked`);
}

/** After the expiry: what the Hub said, in words. */
function checkWords(check: SessionCheck): string {
  if (check.state === "valid") return ", checked with Docker Hub";
  if (check.state === "unreachable") return `; not checked with Docker Hub (${check.error})`;
  return check.state === "unchecked" ? " (--offline: not checked with Docker Hub)" : "";
}

/** One small authenticated request: does the Hub still take this session? Shown with a spinner on a terminal. */
async function checkWithHub(deps: Pick<Deps, "io" | "connect">, token: string): Promise<SessionCheck> {
  try {
    const hub = await deps.connect(token);
    if (!hub.checkSession) return { state: "unchecked" };
    return (await deps.io.progress("Checking the session with Docker Hub", () => hub.checkSession!())) ? { state: "valid" } : { state: "refused" };
  } catch (err) {
    return { state: "unreachable", error: messageOf(err) };
  }
}
