// `hub-tokens login --web`: the device-code sign-in Docker CLI does (src/hub/oauth.ts), for accounts whose
// organization enforces SSO and for anyone who would rather sign in in a browser. The code and the URL are always
// printed (stderr, even with -q: they are the instructions); the browser opens only when the person presses Enter
// on a terminal and a browser can show the page here. Off a terminal (or over SSH) it prints and polls, never
// waiting for a key. Nothing is stored until the tenant answers with tokens, so Ctrl-C leaves nothing behind.
//
// `hub-tokens login --use-docker-session`: Docker's own web session, reused (src/docker/web-session.ts).
import type { Deps } from "../cli/deps.js";
import { DOCKER_SESSION_SECRET, listAccounts, saveSession, SESSION_KIND_WORDS, webSecret, type SessionKind } from "../cli/session.js";
import { HubpatError, UsageError } from "../errors.js";

type WebDeps = Pick<Deps, "io" | "sessions" | "config" | "hubUrl" | "clock"> & Partial<Pick<Deps, "oauth" | "browser" | "dockerSession" | "account">>;

/** Signs in through the browser and keeps the web session (access and refresh token) for the account it names. */
export async function runWebLogin(deps: WebDeps): Promise<void> {
  const { io } = deps;
  if (!deps.oauth) throw new HubpatError("web sign-in is not available here");
  const client = await deps.oauth();
  const signIn = await io.progress("Starting web sign-in", () => client.startDeviceSignIn());
  const c = io.color;
  const say = (line: string) => void io.err.write(`${line}\n`);
  say(`Your one-time device confirmation code is: ${c.bold(signIn.userCode)}`);
  say(`Sign in and confirm it at: ${c.underline(signIn.verificationUrl)}`);

  // Enter opens the browser, once, and only on a terminal where one can show the page. The key is read in line
  // mode, so Ctrl-C stays the terminal's SIGINT (src/cli/entry.ts stops with 130).
  const browser = io.isStdinTTY && deps.browser ? await deps.browser() : null;
  let stopListening = () => {};
  if (browser) {
    say(`Press ${c.bold("Enter")} to open it in your browser, or open it on any device.`);
    const onData = () => {
      stopListening();
      void browser.open(signIn.verificationUrl).then((opened) => {
        if (!opened) say(`Could not start a browser (${browser.name}): open the URL yourself.`);
      });
    };
    io.in.on("data", onData);
    io.in.resume?.();
    stopListening = () => {
      io.in.off("data", onData);
      io.in.pause?.();
    };
  } else {
    say("Open it on any device with a browser (this session has none to open).");
  }
  const minutes = Math.max(1, Math.round((signIn.expiresAt.getTime() - deps.clock().getTime()) / 60_000));
  let tokens;
  try {
    tokens = await io.progress(`Waiting for you to confirm in the browser (the code is good for ${minutes} min; Ctrl-C stops)`, () => client.waitForApproval(signIn));
  } finally {
    stopListening();
  }
  const username = tokens.username;
  if (!username) throw new HubpatError("the sign-in finished, but its access token names no Docker Hub account");
  if (deps.account !== undefined && deps.account !== username) {
    throw new UsageError(`the browser signed in as ${username}, not ${deps.account}: sign in there as ${deps.account}, or drop --account`);
  }
  const saved = await saveSession(deps, username, webSecret(tokens.accessToken, tokens.refreshToken, client.clientId));
  loggedIn(deps, username, "web", saved.previousDefault);
}

/** Uses Docker's own web session for the account Docker is signed in as; asked on a terminal, --use-docker-session elsewhere. */
export async function runUseDockerSession(deps: WebDeps): Promise<void> {
  const found = deps.dockerSession ? await (await deps.dockerSession()).read() : null;
  if (!found) {
    throw new UsageError("docker holds no web session for Docker Hub on this machine (sign in with docker login, choosing the web sign-in), so there is none to use", { hint: "or run: hub-tokens login --web" });
  }
  if (deps.account !== undefined && deps.account !== found.username) {
    throw new UsageError(`docker is signed in as ${found.username}, not ${deps.account}: use hub-tokens login --web --account ${deps.account}`);
  }
  const saved = await saveSession(deps, found.username, DOCKER_SESSION_SECRET);
  loggedIn(deps, found.username, "docker", saved.previousDefault);
  deps.io.info(`  hubpat renews it when it expires and writes the new tokens back for Docker; hub-tokens logout never signs Docker out`);
}

/**
 * On a terminal, before asking for a password: when Docker holds a web session for an account hubpat has no
 * session for, offer it once. Resolves whether it was taken.
 */
export async function offerDockerSession(deps: WebDeps & Pick<Deps, "prompter">, username: string | undefined): Promise<boolean> {
  if (!deps.dockerSession || !deps.io.canPrompt()) return false;
  const found = await (await deps.dockerSession()).read().catch(() => null);
  if (!found || (username !== undefined && username !== found.username)) return false;
  if ((await listAccounts(deps)).some((a) => a.name === found.username)) return false;
  const yes = await deps.prompter.confirm(`Docker is signed in to Docker Hub as ${found.username} (web sign-in). Use that session instead of a password?`, { default: true });
  if (!yes) return false;
  await runUseDockerSession(deps);
  return true;
}

/** The success lines every kind of login ends with. */
export function loggedIn(deps: Pick<Deps, "io" | "hubUrl">, username: string, kind: SessionKind, previousDefault: string | undefined): void {
  const { io } = deps;
  // A password login keeps the line it always had; the other kinds say which they are.
  io.info(`${io.color.green("✓")} Logged in to ${deps.hubUrl} as ${io.color.bold(username)}${kind === "password" ? "" : ` (${SESSION_KIND_WORDS[kind]})`}`);
  if (previousDefault) io.info(`  ${username} is now the default account; back to the other: hub-tokens switch ${previousDefault}`);
}
