// Secret hygiene, as one reusable check: a test that handles a password, 2FA code, session JWT or PAT names
// them, and everything the person or the machine keeps afterwards (stdout where no secret belongs, stderr,
// --debug lines, error messages, files under the config and temp dirs, argv of every process started) must hold
// none of them, also not JSON-escaped.
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/** Where a secret could end up. Each is optional; give what the test has. */
export interface LeakSurfaces {
  stdout?: string;
  stderr?: string;
  /** --debug output, when apart from stderr. */
  debug?: string;
  /** Messages of errors the code threw (the text entry.ts would print). */
  messages?: string[];
  /** Directories to search recursively: config dirs, temp dirs; every file's name and content. */
  dirs?: string[];
  /** Files under `dirs` that are the store itself (the plain file store's credentials.json): not searched. */
  except?: string[];
  /** The argv of every process the test or the code under test started (see child-argv.cjs). */
  argv?: readonly (readonly string[])[];
}

/** Every regular file under `dir` (not following links), with its content. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out; // gone or never made: nothing left behind
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push({ path, text: readFileSync(path, "latin1") + readFileSync(path, "utf8") });
  }
  return out;
}

/** The forms a secret is searched in: as is, and as JSON writes it inside a string. */
function forms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}

/**
 * Fails when any of `secrets` appears on any surface, naming the surface (never the secret itself, so the
 * failure report does not become a leak of its own). Secrets shorter than 6 characters are refused: they would
 * match by chance.
 */
export function expectNoSecretLeak(secrets: readonly string[], where: LeakSurfaces): void {
  const places: { name: string; text: string }[] = [];
  if (where.stdout !== undefined) places.push({ name: "stdout", text: where.stdout });
  if (where.stderr !== undefined) places.push({ name: "stderr", text: where.stderr });
  if (where.debug !== undefined) places.push({ name: "debug output", text: where.debug });
  for (const [i, m] of (where.messages ?? []).entries()) places.push({ name: `error message ${i}`, text: m });
  for (const dir of where.dirs ?? []) for (const f of filesUnder(dir)) if (!(where.except ?? []).includes(f.path)) places.push({ name: `file ${f.path}`, text: `${f.path}\n${f.text}` });
  for (const argv of where.argv ?? []) places.push({ name: `argv of ${argv[0] ?? "?"}`, text: argv.join("\0") });
  const leaks: string[] = [];
  for (const [n, secret] of secrets.entries()) {
    if (secret.length < 6) throw new Error(`secret #${n} is too short to search for without false alarms`);
    for (const p of places) if (forms(secret).some((f) => p.text.includes(f))) leaks.push(`secret #${n} in ${p.name}`);
  }
  expect(leaks, "secrets found where they must never be").toEqual([]);
}

/** Whether a spawned process got `secrets` only on stdin: none may appear in its argv or environment. */
export function expectSecretsOnlyOnStdin(secrets: readonly string[], argv: readonly string[], env: NodeJS.ProcessEnv): void {
  expectNoSecretLeak(secrets, { argv: [argv, Object.entries(env).map(([k, v]) => `${k}=${v ?? ""}`)] });
}
