// Is `docker-credential-hubpat` on PATH, and is it us? Docker finds a helper by name on PATH and runs it with
// one argument (exec, no shell), so we look it up the same way, then ask it `version`: hubpat answers
// "docker-credential-hubpat (hubpat) v<version>" (src/helper/protocol.ts). Another program of the same name, or
// one that does not run, would make every Docker login fail once config.json names hubpat.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import { HubpatError } from "../errors.js";
import { HELPER_NAME } from "../helper/protocol.js";

/** The helper's first line of `version` output starts with this when it is hubpat. */
const SIGNATURE = `${HELPER_NAME} (hubpat) `;

/** The helper Docker would run, and what it said its version was. */
export interface HelperFound {
  path: string;
  version: string;
}

/** The helper is missing from PATH, does not run, or is another program. */
export class HelperCheckError extends HubpatError {}

/** What Go's exec.LookPath (lp_unix.go) finds for a bare name: a path, nothing, or a relative path it refuses. */
export type LookPathResult = { path: string } | { error: "not-found" } | { error: "dot"; path: string };

/**
 * Looks `name` up on `path` as Go's exec.LookPath does, which is how Docker finds a credential helper: each PATH
 * element in order, an empty one meaning "."; the first regular-or-not file that is not a directory and is
 * executable wins; when that first match is relative (".", "", "bin", "./node_modules/.bin") the answer is
 * ErrDot ("cannot run executable found relative to current directory"), and Go does not look further.
 */
export async function lookPath(name: string, path: string | undefined): Promise<LookPathResult> {
  for (const element of (path ?? "").split(delimiter)) {
    const candidate = join(element === "" ? "." : element, name);
    try {
      if ((await stat(candidate)).isDirectory()) continue;
      await access(candidate, constants.X_OK);
    } catch {
      continue;
    }
    // Named as PATH spells it ("./node_modules/.bin/…"): join() would drop the "./".
    return isAbsolute(candidate) ? { path: candidate } : { error: "dot", path: `${element || "."}/${name}` };
  }
  return { error: "not-found" };
}

/** The executable Docker would run for `name` on PATH; null when Docker would find none or refuse the one it finds. */
export async function whichOnPath(name: string, path: string | undefined): Promise<string | null> {
  const found = await lookPath(name, path);
  return "error" in found ? null : found.path;
}

/** The one line for a helper Docker would refuse because PATH finds it relative to the current directory. */
export function relativeHelperProblem(found: string): string {
  return `${found} is found through a relative PATH entry, and Docker refuses to run a helper found relative to the current directory`;
}

/** How to fix a relative PATH entry. */
export const RELATIVE_HELPER_FIX = "put the absolute directory on PATH instead (e.g. \"$PWD/node_modules/.bin\"), or install hubpat with npm install -g";

/**
 * Checks that `docker-credential-hubpat` on env.PATH runs and is hubpat; resolves where it is and its version.
 * Runs it with env (its PATH finds the `node` its shebang asks for) and a timeout.
 */
export async function checkHelper(env: Record<string, string | undefined>, timeoutMs = 10_000): Promise<HelperFound> {
  const found = await lookPath(HELPER_NAME, env.PATH);
  if ("error" in found && found.error === "dot") {
    throw new HelperCheckError(`${relativeHelperProblem(found.path)}; hubpat changed nothing`, { hint: RELATIVE_HELPER_FIX });
  }
  const path = "error" in found ? null : found.path;
  if (!path) {
    throw new HelperCheckError(`${HELPER_NAME} is not on PATH, so Docker could not run it; hubpat changed nothing`, {
      hint: "install hubpat so its bin directory is on PATH (npm install -g, or link the binary into ~/.local/bin)",
    });
  }
  const out = await new Promise<{ stdout: string; failed: string | null }>((resolve) => {
    execFile(path, ["version"], { env, timeout: timeoutMs, encoding: "utf8", maxBuffer: 64 * 1024 }, (err, stdout) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
      const failed = !e ? null : e.killed ? `did not answer within ${timeoutMs / 1000} s` : typeof e.code === "number" ? `exited with ${e.code}` : `could not be run (${String(e.code ?? e.message)})`;
      resolve({ stdout: String(stdout ?? ""), failed });
    });
  });
  if (out.failed) throw new HelperCheckError(`${path} ${out.failed} when asked its version; hubpat changed nothing`, { hint: "run it by hand to see why" });
  const first = out.stdout.split("\n")[0]!.trim();
  if (!first.startsWith(SIGNATURE)) {
    const said = first.length > 120 ? `${first.slice(0, 120)}…` : first;
    throw new HelperCheckError(`${path} is not hubpat's helper (it says "${said}"); hubpat changed nothing`, {
      hint: `put hubpat's ${HELPER_NAME} first on PATH, or remove the other one`,
    });
  }
  return { path, version: first.slice(SIGNATURE.length).trim() };
}
