// The Bun executable in a hostile directory. A compiled Bun program would, by default, read .env and bunfig.toml
// from the working directory (a .env with HUBPAT_INSECURE_STORAGE=1 switched `get` to a plain-text file; a bunfig
// `preload` ran code inside the helper), and Bun extracts an embedded .node to $TMPDIR and later only checks that
// the file is there. scripts/package.mjs turns every autoload off and the binding is loaded only from hubpat's
// verified cache: these tests plant each of those files, in the working directory and in HOME, and a native
// module that would say so if it were ever loaded, and check that every answer stays the same.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { EXECUTABLE_HERE } from "../fakes/binaries.js";
import { ROOT, runProcess, type ProcessResult } from "../fakes/helper-process.js";
import { keyringItems } from "../helper/processes.js";

const SEA = join(ROOT, "dist", "sea");
const HELPER = join(SEA, "docker-credential-hubpat");
const HUB_TOKENS = join(SEA, "hub-tokens");
const BINDING = join(ROOT, "node_modules", "@napi-rs", "keyring-linux-x64-gnu", "keyring.linux-x64-gnu.node");
const haveCc = spawnSync("cc", ["--version"]).status === 0;

/** Where planted code reports that it ran: one file per marker, in a directory no test expects anything in. */
const markers = mkdtempSync(join(tmpdir(), "hubpat-planted-ran-"));
const ran = () => readdirSync(markers);

/** A script that leaves a marker when anything runs it. */
const evilScript = (name: string) => `require("node:fs").writeFileSync(${JSON.stringify(join(markers, name))}, "ran");\nmodule.exports = {};\n`;

/**
 * A native module that leaves a marker when loaded (an ELF constructor runs on dlopen), and otherwise looks like
 * a file of the binding's size class. Built with the system C compiler.
 */
function evilNativeModule(dir: string, name: string): string {
  const src = join(dir, `${name}.c`);
  const out = join(dir, `${name}.node`);
  writeFileSync(src, `#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen(${JSON.stringify(join(markers, name))}, "w"); if (f) { fputs("loaded", f); fclose(f); } }\n`);
  const cc = spawnSync("cc", ["-shared", "-fPIC", "-o", out, src], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
  return out;
}

/** Every file Bun or a Node-ish loader could pick up from a directory, each pointing at planted code. */
function plant(dir: string): void {
  const evilEnv = join(dir, "evil-store");
  writeFileSync(join(dir, ".env"), [`HUBPAT_INSECURE_STORAGE=1`, `HUBPAT_STORE=file`, `HUBPAT_CONFIG_DIR=${evilEnv}`, `HUBPAT_CACHE_DIR=${evilEnv}`, `HUBPAT_HUB_URL=http://127.0.0.1:9`, `NODE_OPTIONS=--require ./evil-dotenv.js`, `BUN_OPTIONS=--preload ./evil-dotenv.js`].join("\n") + "\n");
  for (const f of [".env.local", ".env.production", ".env.development"]) writeFileSync(join(dir, f), "HUBPAT_INSECURE_STORAGE=1\n");
  const bunfig = `preload = ["./evil-bunfig.js"]\nsmol = true\n[install]\nauto = "force"\n[run]\nbun = true\n`;
  writeFileSync(join(dir, "bunfig.toml"), bunfig);
  writeFileSync(join(dir, ".bunfig.toml"), bunfig);
  mkdirSync(join(dir, ".config"), { recursive: true });
  writeFileSync(join(dir, ".config", ".bunfig.toml"), bunfig);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "planted", type: "module", main: "./evil-package.js", imports: { "#keyring": "./evil-package.js" }, dependencies: { commander: "*" } }));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "*": ["./node_modules/*", "./evil-tsconfig.js"] }, jsx: "react", jsxFactory: "evil" } }));
  for (const f of ["evil-dotenv", "evil-bunfig", "evil-package", "evil-tsconfig"]) writeFileSync(join(dir, `${f}.js`), evilScript(f));
  for (const pkg of ["commander", "chalk", "undici", "@inquirer/prompts", "@napi-rs/keyring", "@napi-rs/keyring-linux-x64-gnu", "node:fs", "fs"]) {
    const p = join(dir, "node_modules", pkg);
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, "package.json"), JSON.stringify({ name: pkg, main: "index.js" }));
    writeFileSync(join(p, "index.js"), evilScript(`node_modules-${pkg.replaceAll("/", "+").replace(":", "_")}`));
  }
}

describe.skipIf(!EXECUTABLE_HERE || !haveSecretService())("the Bun executable in a hostile directory", () => {
  let keyring: KeyringSession;
  let base: string;
  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    base = mkdtempSync(join(tmpdir(), "hubpat-hostile-"));
  });
  afterAll(async () => {
    await keyring?.close();
    rmSync(markers, { recursive: true, force: true });
  });

  const creds = { ServerURL: "https://registry.hostile.test", Username: "mona", Secret: "dckr_pat_hostile" };
  /** What a person would run there: each helper action and a few hub-tokens commands. */
  const commands: [string, string[], string][] = [
    [HELPER, ["store"], JSON.stringify(creds)],
    [HELPER, ["get"], creds.ServerURL],
    [HELPER, ["get"], "https://missing.hostile.test"],
    [HELPER, ["list"], ""],
    [HELPER, ["version"], ""],
    [HUB_TOKENS, ["--version"], ""],
    [HUB_TOKENS, ["--help"], ""],
    [HUB_TOKENS, ["list", "--help"], ""],
    [HUB_TOKENS, ["status", "--json"], ""],
    [HELPER, ["erase"], creds.ServerURL],
  ];

  async function runAll(cwd: string, env: NodeJS.ProcessEnv): Promise<ProcessResult[]> {
    const results: ProcessResult[] = [];
    for (const [exe, args, input] of commands) {
      results.push(await runProcess([exe], args, input, env, 60_000, cwd));
    }
    return results;
  }

  it.each(["working directory", "HOME"])(".env, bunfig.toml, package.json, tsconfig.json and node_modules/ in the %s change nothing", async (where) => {
    const dir = mkdtempSync(join(base, "dir-"));
    const cwd = join(dir, "work");
    const home = join(dir, "home");
    for (const d of [cwd, home]) mkdirSync(d, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: home, XDG_CACHE_HOME: join(dir, "cache"), HUBPAT_CONFIG_DIR: join(dir, "config"), PATH: "/usr/bin:/bin" };
    delete env.XDG_CONFIG_HOME;

    const clean = await runAll(cwd, env);
    expect(clean[1]).toMatchObject({ stdout: `${JSON.stringify(creds)}\n`, exitCode: 0 });
    const itemsBefore = keyringItems(keyring.env).length;

    plant(where === "HOME" ? home : cwd);
    const planted = await runAll(cwd, env);
    expect(planted).toEqual(clean);
    expect(ran()).toEqual([]);
    // The keychain, not the planted plain-text file, answered: nothing was written where the .env pointed.
    expect(existsSync(join(where === "HOME" ? home : cwd, "evil-store"))).toBe(false);
    expect(keyringItems(keyring.env)).toHaveLength(itemsBefore);
  });

  describe.skipIf(!haveCc)("a planted keyring binding", () => {
    it("in the cache, before the first run or swapped in after it, is replaced unloaded", async () => {
      const dir = mkdtempSync(join(base, "cache-"));
      const evil = evilNativeModule(dir, "cache-planted");
      const cache = join(dir, "cache");
      // The binding's way (on Linux the keychain needs no binding unless asked for it).
      const env = { ...keyring.env, XDG_CACHE_HOME: cache, HUBPAT_CONFIG_DIR: join(dir, "config"), HUBPAT_KEYCHAIN_BACKEND: "binding" };
      // The first run makes the directory; plant before the next and again after it.
      expect(await runProcess([HELPER], ["get"], "https://missing.hostile.test", env)).toMatchObject({ exitCode: 1, stderr: "" });
      const [hash] = readdirSync(join(cache, "hubpat"));
      const cached = join(cache, "hubpat", hash!, "keyring.node");
      for (const round of [1, 2]) {
        cpSync(evil, cached);
        expect(await runProcess([HELPER], ["store"], JSON.stringify(creds), env)).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
        expect(ran()).toEqual([]);
        expect(readFileSync(cached).equals(readFileSync(BINDING))).toBe(true);
        expect((await runProcess([HELPER], ["get"], creds.ServerURL, env)).stdout, `round ${round}`).toBe(`${JSON.stringify(creds)}\n`);
      }
      await runProcess([HELPER], ["erase"], creds.ServerURL, env);
    });

    it("in TMPDIR, under the names Bun extracts to, is never loaded and nothing is extracted there", async () => {
      const dir = mkdtempSync(join(base, "tmp-"));
      const evil = evilNativeModule(dir, "tmpdir-planted");
      const tmp = join(dir, "tmp");
      mkdirSync(tmp);
      // Bun names its extraction .bun-<counter>-<hash>.node (and older versions bun-<hash>.node).
      for (const name of [".bun-0-keyring.node", ".bun-0-00000000.node", "bun-keyring.node", "keyring.node", "keyring.linux-x64-gnu.node"]) cpSync(evil, join(tmp, name));
      const before = readdirSync(tmp).sort();
      const env = { ...keyring.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp, XDG_CACHE_HOME: join(dir, "cache"), HUBPAT_CONFIG_DIR: join(dir, "config") };
      expect(await runProcess([HELPER], ["store"], JSON.stringify(creds), env)).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
      expect((await runProcess([HELPER], ["get"], creds.ServerURL, env)).stdout).toBe(`${JSON.stringify(creds)}\n`);
      expect((await runProcess([HUB_TOKENS], ["status", "--json"], "", env)).exitCode).not.toBeNull();
      await runProcess([HELPER], ["erase"], creds.ServerURL, env);
      expect(ran()).toEqual([]);
      expect(readdirSync(tmp).sort()).toEqual(before);
    });
  });
});
