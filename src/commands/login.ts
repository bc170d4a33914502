// Password login, with the 2FA code when the Hub asks for one. Keeps the session JWT in the keychain and the
// username in hubpat's settings file; the password lives only as long as this function.
import type { Deps } from "../cli/deps.js";
import { saveSession } from "../cli/session.js";
import { LoginError, WEB_LOGIN_ADVICE } from "../hub/errors.js";
import { UsageError } from "../errors.js";
import { requireWorkingStore } from "../store/choice.js";
import { loggedIn, offerDockerSession, runUseDockerSession, runWebLogin } from "./login-web.js";

export interface LoginOptions {
  /** -u/--username; prompted for on a terminal when absent. */
  username?: string;
  /** --password-stdin: the password is stdin's first line, a 2FA code its second. */
  passwordStdin: boolean;
  /** --web: the browser sign-in (OAuth device code) instead of a password. */
  web?: boolean;
  /** --use-docker-session: reuse Docker's own web session for Docker Hub. */
  useDockerSession?: boolean;
}

/** A personal access token where a password was asked for: `dckr_pat_…`, or an older bare-uuid token. */
export function looksLikePat(password: string): boolean {
  return /^dckr_pat_/.test(password) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(password);
}

/** Reads a stream to its end (a pipe: `printf 'pw\n123456\n' | hub-tokens login --password-stdin`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  return text;
}

export async function runLogin(
  opts: LoginOptions,
  deps: Pick<Deps, "io" | "prompter" | "connect" | "sessions" | "config" | "hubUrl" | "clock" | "storeKind" | "checkStore"> & Partial<Pick<Deps, "oauth" | "browser" | "dockerSession" | "account">>,
): Promise<void> {
  const { io, prompter } = deps;
  // The session has to be kept: a store that can't keep it fails now, not after the password, the 2FA code or
  // the browser.
  await requireWorkingStore({ kind: deps.storeKind, check: deps.checkStore });
  if (opts.web) return runWebLogin(deps);
  if (opts.useDockerSession) return runUseDockerSession(deps);
  if (!opts.passwordStdin && (await offerDockerSession(deps, opts.username ?? deps.account))) return;
  let username = opts.username ?? deps.account;
  if (!username) {
    if (!io.canPrompt()) throw new UsageError("no terminal to ask for the username: pass --username");
    const last = deps.config.lastUsername(deps.hubUrl);
    username = (await prompter.input("Docker Hub username:", { ...(last ? { default: last } : {}), validate: (v) => (v.trim() ? true : "enter your username") })).trim();
  }

  let password: string;
  let stdinLines: string[] = [];
  if (opts.passwordStdin) {
    stdinLines = (await readAll(io.in)).split(/\r?\n/);
    password = stdinLines[0] ?? "";
    if (!password) throw new UsageError("no password on stdin: pipe it as the first line with --password-stdin");
  } else {
    if (!io.canPrompt()) throw new UsageError("no terminal to ask for the password: pipe it with --password-stdin");
    password = await prompter.password("Password:");
  }
  // A PAT would sign in, but its session can't manage tokens (CONTRACT "What a PAT may not do"): say so before
  // sending it anywhere.
  if (looksLikePat(password)) throw new LoginError(`that is a personal access token, not ${username}'s password, and a token's session can't manage tokens: ${WEB_LOGIN_ADVICE}`);

  const code = async (): Promise<string> => {
    if (opts.passwordStdin) {
      const line = stdinLines[1]?.trim();
      if (!line) throw new UsageError("this account has two-factor authentication: put the code on the line after the password");
      const why = checkCode(line);
      if (why !== true) throw new UsageError(why);
      return normalizeCode(line);
    }
    // Masked like the password (the README promises it), and checked before it is sent: a 2FA code is good once.
    return normalizeCode(await io.withoutProgress(() => prompter.password("Two-factor authentication code:", { validate: checkCode })));
  };

  const hub = await deps.connect();
  const session = await io.progress("Logging in to Docker Hub", () => hub.login(username, password, code));
  const saved = await saveSession(deps, session.username, session.token);
  deps.config.setLastUsername(deps.hubUrl, session.username);
  loggedIn(deps, session.username, "password", saved.previousDefault);
}

/** A 2FA code as authenticator apps show it ("123 456", "123-456") without its spaces and dashes. */
export function normalizeCode(text: string): string {
  return text.replace(/[\s-]/g, "");
}

/**
 * Whether `text` is a 6-digit TOTP code once spaces and dashes go; else what to type instead. The Hub's API takes
 * only TOTP codes (src/hub/contract/CONTRACT.md), so a recovery code is sent to the website.
 */
export function checkCode(text: string): string | true {
  const code = normalizeCode(text);
  if (/^\d{6}$/.test(code)) return true;
  if (/^[a-z0-9]{8,}$/i.test(code) && /[a-z]/i.test(code)) {
    return "that looks like a recovery code, which Docker Hub takes only on its website: enter the 6-digit code from your authenticator app";
  }
  return `a 2FA code has 6 digits${code.length > 0 ? `, and this has ${code.replace(/\D/g, "").length}` : ""}: enter the code from your authenticator app`;
}
