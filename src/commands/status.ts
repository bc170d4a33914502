// Who is logged in, until when, against which Hub, where secrets are kept, and whether Docker asks hubpat for
// its Docker Hub credentials. Exit 4 when not logged in, so scripts can test it.
import { readFile } from "node:fs/promises";
import { DOCKER_HUB_KEY, type Deps } from "../cli/deps.js";
import { isoTime, relativeTime } from "../cli/io.js";
import { isExpired, readSession } from "../cli/session.js";
import { AuthError } from "../errors.js";
import { dockerHeld } from "./token-view.js";

export interface StatusOptions {
  json: boolean;
}

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
    const cfg = JSON.parse(raw) as { credsStore?: unknown; credHelpers?: Record<string, unknown> };
    const helpers = cfg.credHelpers ?? {};
    const hubHelper = helpers[DOCKER_HUB_KEY] ?? helpers["index.docker.io"] ?? helpers["docker.io"];
    return (hubHelper ?? cfg.credsStore) === HELPER_NAME ? "yes" : "no";
  } catch {
    return "no";
  }
}

export async function runStatus(opts: StatusOptions, deps: Pick<Deps, "io" | "sessions" | "store" | "hubUrl" | "clock" | "storeDescription" | "storeKind" | "dockerConfigPath">): Promise<void> {
  const { io } = deps;
  const now = deps.clock();
  const session = await readSession(deps);
  const expired = session !== null && isExpired(session, now);
  const wired = await dockerUsesHelper(deps.dockerConfigPath);
  const held = await dockerHeld(deps.store, io);

  if (opts.json) {
    io.json({
      hubUrl: deps.hubUrl,
      loggedIn: session !== null && !expired,
      username: session?.username ?? null,
      sessionExpiresAt: session?.expiresAt ? isoTime(session.expiresAt) : null,
      store: deps.storeKind,
      secrets: deps.storeDescription,
      docker: { configPath: deps.dockerConfigPath, usesHubpat: wired === "yes", credential: held ? { username: held.username, tokenId: held.tokenId ?? null, hint: held.hint } : null },
    });
  } else {
    const c = io.color;
    const account = !session
      ? c.yellow("not logged in")
      : !session.expiresAt
        ? session.username
        : expired
          ? `${session.username}, ${c.red(`session expired ${relativeTime(session.expiresAt, now)}`)} (${isoTime(session.expiresAt)})`
          : `${session.username}, session valid until ${isoTime(session.expiresAt)} (${relativeTime(session.expiresAt, now)})`;
    const docker =
      wired === "yes"
        ? `uses hubpat (${deps.dockerConfigPath})`
        : `${c.yellow("does not use hubpat")}: set "credsStore": "${HELPER_NAME}" in ${deps.dockerConfigPath}`;
    const credential = !held
      ? "none stored"
      : held.tokenId
        ? `token ${held.tokenId.slice(0, 8)} ${held.hint} for ${held.username}`
        : `a secret ${held.hint ? `${held.hint} ` : ""}for ${held.username}, not created by hubpat`;
    io.print(`Hub:       ${deps.hubUrl}`);
    io.print(`Account:   ${account}`);
    io.print(`Secrets:   ${deps.storeDescription}`);
    io.print(`Docker:    ${docker}`);
    io.print(`Docker Hub credential: ${credential}`);
  }
  if (!session) throw new AuthError(`not logged in to ${deps.hubUrl}`);
  if (expired) throw new AuthError(`your session for ${deps.hubUrl} has expired`);
}
