// setup killed between its steps (SIGKILL: no cleanup runs): config.json is then the old file or the new one,
// never broken, and every credential it held is in the file or in the store. Then setup run again finishes the
// job and leaves no temp file behind. The work runs in a child process (test/docker/setup-child.ts, bundled
// here with esbuild), once stopped at each named step, then killed at random moments, with a plain-file store;
// and once at each step with the real keychain in a private Secret Service session.
import { spawn } from "node:child_process";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { ROOT } from "../fakes/helper-process.js";

const HUB = "https://index.docker.io/v1/";
const b64 = (s: string) => Buffer.from(s).toString("base64");
/** What Docker would send for each registry of OLD. */
const CREDENTIALS: Record<string, { username: string; secret: string }> = {
  [HUB]: { username: "mona", secret: "dckr_pat_crash_hub" },
  "ghcr.io": { username: "octo", secret: "ghp_crash" },
  "registry.example:5000": { username: "<token>", secret: "eyJ.crash.identity" },
};
const OLD = `{
    "auths": {
        "${HUB}": { "auth": "${b64("mona:dckr_pat_crash_hub")}" },
        "ghcr.io": { "auth": "${b64("octo:ghp_crash")}", "email": "octo@example.com" },
        "registry.example:5000": { "identitytoken": "eyJ.crash.identity" }
    },
    "psFormat": "table {{.ID}}",
    "currentContext": "default"
}
`;
/** Every step setup announces, in order, for OLD. */
const STEPS = [`stored:${HUB}`, "stored:ghcr.io", "stored:registry.example:5000", "stored", "backed-up", "temp-written", "renamed", "done"];

let child = "";
beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "hubpat-crash-bundle-"));
  child = join(out, "setup-child.cjs");
  chmodSync(out, 0o755); // readable by the unprivileged user of the EACCES test
  await build({ entryPoints: [join(ROOT, "test/docker/setup-child.ts")], outfile: child, bundle: true, platform: "node", format: "cjs", target: "node22", external: ["@napi-rs/keyring"], logLevel: "warning" });
});

interface Run {
  steps: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child; kills it with SIGKILL once it prints `killAt`, or after `killAfterMs`. */
function runChild(env: NodeJS.ProcessEnv, kill: { at?: string; afterMs?: number } = {}, asNobody = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const argv = asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, child] : [process.execPath, child];
    const p = spawn(argv[0]!, argv.slice(1), {
      env: { ...env, NODE_PATH: join(ROOT, "node_modules"), ...(kill.at ? { SETUP_PAUSE_AT: kill.at } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = kill.afterMs === undefined ? undefined : setTimeout(() => p.kill("SIGKILL"), kill.afterMs);
    p.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (kill.at && stdout.split("\n").includes(kill.at)) p.kill("SIGKILL");
    });
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ steps: stdout.split("\n").filter(Boolean), code, signal, stderr });
    });
  });
}

/** A fresh DOCKER_CONFIG holding OLD, and the env for a child working on it. */
function scene(base: NodeJS.ProcessEnv, fileStore: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-crash-"));
  const config = join(dir, "docker", "config.json");
  const env = { ...base, SETUP_CONFIG: config, ...(fileStore ? { SETUP_STORE_FILE: join(dir, "store", "credentials.json") } : {}) };
  return { dir, config, env };
}
function writeOld(config: string) {
  mkdirSync(join(config, ".."), { recursive: true });
  writeFileSync(config, OLD, { mode: 0o600 });
}

/** Empties the store of every registry of OLD (the keychain outlives a test; a file store does not). */
async function clearStore(env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runChild({ ...env, SETUP_ACTION: "clear", SETUP_URLS: JSON.stringify(Object.keys(CREDENTIALS)) });
  expect(r.code, r.stderr).toBe(0);
}

/** What the store holds for every registry of OLD, read by a separate process. */
async function storeContents(env: NodeJS.ProcessEnv): Promise<Record<string, { username: string; secret: string } | null>> {
  const r = await runChild({ ...env, SETUP_ACTION: "dump", SETUP_URLS: JSON.stringify(Object.keys(CREDENTIALS)) });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.steps[0]!) as Record<string, { username: string; secret: string } | null>;
}

/** The invariant after a kill: the file is OLD or NEW exactly, and each credential is in the file or the store. */
async function expectOldOrNew(config: string, env: NodeJS.ProcessEnv, NEW: string): Promise<"old" | "new"> {
  const text = readFileSync(config, "utf8");
  expect(() => JSON.parse(text)).not.toThrow();
  expect([OLD, NEW]).toContain(text);
  const state = text === OLD ? "old" : "new";
  if (state === "new") {
    const stored = await storeContents(env);
    for (const [url, c] of Object.entries(CREDENTIALS)) expect(stored[url], url).toEqual(c);
  }
  // When the file is OLD it holds every credential itself (it is byte for byte what it was).
  return state;
}

/** After setup runs again uninterrupted: NEW, every credential stored, one backup of OLD, no temp file. */
async function expectFinished(s: ReturnType<typeof scene>, NEW: string) {
  const r = await runChild(s.env);
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(s.config, "utf8")).toBe(NEW);
  expect(await storeContents(s.env)).toEqual(CREDENTIALS);
  const files = readdirSync(join(s.config, ".."));
  expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
  const backups = files.filter((f) => f.startsWith("config.json.hubpat-backup-"));
  expect(backups.length).toBeGreaterThanOrEqual(1);
  for (const b of backups) expect(readFileSync(join(s.config, "..", b), "utf8")).toBe(OLD);
}

/** NEW, from one uninterrupted run, and the steps it went through. */
async function reference(base: NodeJS.ProcessEnv, fileStore: boolean): Promise<string> {
  const s = scene(base, fileStore);
  writeOld(s.config);
  await clearStore(s.env);
  const r = await runChild(s.env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.steps).toEqual(STEPS);
  const NEW = readFileSync(s.config, "utf8");
  expect(JSON.parse(NEW)).toMatchObject({ credsStore: "hubpat", psFormat: "table {{.ID}}", auths: { [HUB]: {}, "ghcr.io": { email: "octo@example.com" } } });
  for (const c of Object.values(CREDENTIALS)) expect(NEW).not.toContain(c.secret);
  return NEW;
}

const killedAtEachStep = (label: string, base: () => NodeJS.ProcessEnv, fileStore: boolean) =>
  it.each(STEPS)(`${label}: killed at %s, the file is old or new and no credential is lost`, async (step) => {
    const NEW = await reference(base(), fileStore);
    const s = scene(base(), fileStore);
    writeOld(s.config);
    await clearStore(s.env);
    const r = await runChild(s.env, { at: step });
    expect(r.signal).toBe("SIGKILL");
    expect(r.steps.at(-1)).toBe(step);
    const state = await expectOldOrNew(s.config, s.env, NEW);
    // Up to the rename the old file stands; from it on, the new one.
    expect(state).toBe(STEPS.indexOf(step) >= STEPS.indexOf("renamed") ? "new" : "old");
    await expectFinished(s, NEW);
  });

describe("setup killed with a plain-file store", () => {
  killedAtEachStep("file store", () => process.env, true);

  it("killed at random moments, 12 times: never a broken file, never a lost credential", { timeout: 120_000 }, async () => {
    const NEW = await reference(process.env, true);
    // Spread the kills over a whole run's duration, measured here rather than assumed.
    const t0 = Date.now();
    await runChild(scene(process.env, true).env);
    const span = Math.max(50, (Date.now() - t0) * 1.5);
    for (let i = 0; i < 12; i++) {
      const s = scene(process.env, true);
      writeOld(s.config);
      await runChild(s.env, { afterMs: Math.floor(Math.random() * span) });
      await expectOldOrNew(s.config, s.env, NEW);
      await expectFinished(s, NEW);
    }
  });
});

// Root ignores file permissions, so this runs setup as nobody (setpriv) on a config.json nobody owns, in a
// directory nobody may write: the temp file (and the backup) cannot be created.
const canDropToNobody = process.getuid?.() === 0 && spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]).status === 0;
describe.skipIf(!canDropToNobody)("setup as a user who may not write config.json's directory", () => {
  it("fails with EACCES, the file unchanged and every credential in it, and the copies in the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-eacces-"));
    chmodSync(dir, 0o755);
    const docker = join(dir, "docker");
    mkdirSync(docker, { mode: 0o755 }); // root's: nobody may not create files here
    const config = join(docker, "config.json");
    writeFileSync(config, OLD, { mode: 0o644 });
    chownSync(config, 65534, 65534); // nobody's, and u+w: the mode check lets it through
    const storeDir = join(dir, "store");
    mkdirSync(storeDir, { mode: 0o700 });
    chownSync(storeDir, 65534, 65534);
    const env = { PATH: process.env.PATH, HOME: dir, SETUP_CONFIG: config, SETUP_STORE_FILE: join(storeDir, "credentials.json") };

    const r = await runChild(env, {}, true);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cannot write next to ${config} (EACCES): it is unchanged; the credentials already copied to the keychain stay there too\n`);
    expect(readFileSync(config, "utf8")).toBe(OLD);
    expect(readdirSync(docker)).toEqual(["config.json"]);
    const dump = await runChild({ ...env, SETUP_ACTION: "dump", SETUP_URLS: JSON.stringify(Object.keys(CREDENTIALS)) }, {}, true);
    expect(JSON.parse(dump.steps[0]!)).toEqual(CREDENTIALS);
  });
});

describe.skipIf(!haveSecretService())("setup killed with the OS keychain (a private Secret Service)", () => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
  });
  afterAll(async () => {
    await session?.close();
  });

  it("moves every credential into the keychain, where another process reads it back", async () => {
    const NEW = await reference(session.env, false);
    expect(NEW).toContain('"credsStore": "hubpat"');
    expect(await storeContents(session.env)).toEqual(CREDENTIALS);
  });

  killedAtEachStep("keychain", () => session.env, false);
});
