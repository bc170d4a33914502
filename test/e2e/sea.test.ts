// The single executable (dist/sea, `npm run package`: Bun, hubpat and the keyring binding) as a user gets it: one
// file, two names, no Node. test/global-setup.ts packages it before any test runs.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";

const SEA_DIR = join(ROOT, "dist", "sea");
const HUBPAT = join(SEA_DIR, "hubpat");
const HELPER = join(SEA_DIR, "docker-credential-hubpat");
const HUB_TOKENS = join(SEA_DIR, "hub-tokens");
const SEA_META = join(ROOT, "build", "sea", "linux-x64", "meta.json");
const BINDING = join(ROOT, "node_modules", "@napi-rs", "keyring-linux-x64-gnu", "keyring.linux-x64-gnu.node");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const isLinuxX64 = process.platform === "linux" && process.arch === "x64";

/** Whether this machine lets the tests mount a noexec tmpfs (root, outside a locked-down container). */
function canMountNoexec(): boolean {
  if (process.getuid?.() !== 0) return false;
  const mnt = mkdtempSync(join(tmpdir(), "hubpat-noexec-probe-"));
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "noexec", "tmpfs", mnt]).status === 0;
  if (ok) spawnSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
  return ok;
}

/** An environment whose PATH has no node at all (nor anything else): the executable must not need one. */
function nodeless(env: NodeJS.ProcessEnv, cacheHome: string): NodeJS.ProcessEnv {
  return { ...env, PATH: mkdtempSync(join(tmpdir(), "hubpat-empty-path-")), XDG_CACHE_HOME: cacheHome, HUBPAT_KEYCHAIN_BACKEND: "binding" };
}

describe.skipIf(!isLinuxX64)("the single executable", () => {
  beforeAll(() => {
    // Packaged by test/global-setup.ts before any test runs: rebuilding here would rewrite dist/ under the feet of
    // the other test files running at the same time.
    if (!existsSync(HUBPAT) || !existsSync(SEA_META)) throw new Error("dist/sea is missing: run npm run package (test/global-setup.ts does, on Linux x64)");
  }, 180_000);

  it("answers as the credential helper and as hub-tokens by the name it is started as", async () => {
    const cache = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
    const env = nodeless(process.env, cache);
    const bundleVersion = await runHelperProcess(["version"], "", process.env, [process.execPath, HELPER_BIN]);
    expect(await runHelperProcess(["version"], "", env, [HELPER])).toEqual(bundleVersion);
    expect(await runHelperProcess(["--version"], "", env, [HUB_TOKENS])).toMatchObject({ stdout: `${VERSION}\n`, exitCode: 0 });
    // A copy under the helper's name, as Windows users get, and the file's own name: the token CLI.
    const copy = join(mkdtempSync(join(tmpdir(), "hubpat-copy-")), "docker-credential-hubpat");
    copyFileSync(HUBPAT, copy);
    expect(await runHelperProcess(["version"], "", env, [copy])).toEqual(bundleVersion);
    expect(await runHelperProcess(["--version"], "", env, [HUBPAT])).toMatchObject({ stdout: `${VERSION}\n`, exitCode: 0 });
    // Nothing asked for the keychain, so nothing was extracted.
    expect(readdirSync(cache)).toEqual([]);
  });

  it("keeps the CLI out of the script every credential lookup runs", () => {
    // scripts/package.mjs keeps the main script's esbuild metafile; the CLI is the second entry, tokens.cjs.
    const meta = JSON.parse(readFileSync(SEA_META, "utf8")) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((p) => p.includes("node_modules/") || p.startsWith("src/cli/") || p.startsWith("src/commands/") || p.startsWith("src/hub/"))).toEqual([]);
    expect(inputs).toContain("src/helper/protocol.ts");
  });

  it("prints the same help pages as the npm package", async () => {
    const fromBundle = await runHelperProcess(["list", "--help"], "", process.env, [process.execPath, join(ROOT, "bin", "hub-tokens.cjs")]);
    expect(await runHelperProcess(["list", "--help"], "", process.env, [HUB_TOKENS])).toEqual(fromBundle);
    expect(fromBundle.stdout).toContain("Usage: hub-tokens list");
  });

  it("runs the CLI embedded in it, not only its help", async () => {
    const r = await runHelperProcess(["no-such-command"], "", process.env, [HUB_TOKENS]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
  });

  it("installs itself with both names, and the installed names answer", async () => {
    const home = mkdtempSync(join(tmpdir(), "hubpat-sea-home-"));
    const bin = join(home, ".local", "bin");
    const env = { ...process.env, HOME: home, DOCKER_CONFIG: join(home, ".docker"), PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: join(home, ".cache") };
    const r = await runHelperProcess(["install"], "", env, [HUB_TOKENS]);
    expect(r).toMatchObject({ stdout: "", exitCode: 0 });
    expect(r.stderr).toBe(`✓ Installed ${bin}/hubpat, with docker-credential-hubpat and hub-tokens beside it\n✓ ${bin} is on PATH\nNext: hub-tokens setup, so Docker keeps its credentials in the keychain through hubpat ("credsStore": "hubpat" in ${home}/.docker/config.json)\n`);
    expect((await runHelperProcess(["version"], "", env, [join(bin, "docker-credential-hubpat")])).stdout).toMatch(/^docker-credential-hubpat \(hubpat\) v/);
    expect((await runHelperProcess(["--version"], "", env, [join(bin, "hub-tokens")])).stdout).toBe(`${VERSION}\n`);
  });

  describe.skipIf(!haveSecretService())("over a real Secret Service", () => {
    let keyring: KeyringSession;
    beforeAll(async () => {
      keyring = await startKeyringSession("unlocked");
    });
    afterAll(async () => {
      await keyring?.close();
    });

    const creds = { ServerURL: "https://registry.sea.test", Username: "mona", Secret: "dckr_pat_sea" };

    it("keeps its keychain through its own Secret Service client on Linux: no binding is extracted or loaded", async () => {
      const cache = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
      const env = { ...process.env, ...keyring.env, PATH: mkdtempSync(join(tmpdir(), "hubpat-empty-path-")), XDG_CACHE_HOME: cache };
      expect(await runHelperProcess(["store"], JSON.stringify(creds), env, [HELPER])).toMatchObject({ stdout: "", exitCode: 0 });
      expect(await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).toEqual({ stdout: `${JSON.stringify(creds)}\n`, stderr: "", exitCode: 0, signal: null });
      expect(await runHelperProcess(["erase"], creds.ServerURL, env, [HELPER])).toMatchObject({ stdout: "", exitCode: 0 });
      expect(readdirSync(cache)).toEqual([]);
    });

    // The binding still serves macOS and Windows, and Linux with HUBPAT_KEYCHAIN_BACKEND=binding: its cache is
    // tested through that way back.
    it("stores, gets and erases, extracting its keyring binding once into a private cache", async () => {
      const cache = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
      const env = nodeless(keyring.env, cache);
      expect(await runHelperProcess(["store"], JSON.stringify(creds), env, [HELPER])).toMatchObject({ stdout: "", exitCode: 0 });

      const [dir] = readdirSync(join(cache, "hubpat"));
      const cached = join(cache, "hubpat", dir!, "keyring.node");
      expect(statSync(join(cache, "hubpat")).mode & 0o777).toBe(0o700);
      expect(statSync(join(cache, "hubpat", dir!)).mode & 0o777).toBe(0o700);
      expect(readFileSync(cached).equals(readFileSync(BINDING))).toBe(true);
      const written = statSync(cached);

      expect(await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).toEqual({ stdout: `${JSON.stringify(creds)}\n`, stderr: "", exitCode: 0, signal: null });
      expect(statSync(cached).ino).toBe(written.ino); // used as it was, not written again
      // The npm package's helper reads the same item: one keychain layout for both.
      expect((await runHelperProcess(["get"], creds.ServerURL, keyring.env, [process.execPath, HELPER_BIN])).stdout).toBe(`${JSON.stringify(creds)}\n`);

      expect(await runHelperProcess(["erase"], creds.ServerURL, env, [HELPER])).toMatchObject({ stdout: "", exitCode: 0 });
      expect(await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).toMatchObject({ stdout: "credentials not found in native keychain\n", exitCode: 1 });
    });

    it("extracts once even when Docker starts several helpers at once on a fresh cache", async () => {
      const cache = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
      const env = nodeless(keyring.env, cache);
      const results = await Promise.all(Array.from({ length: 8 }, () => runHelperProcess(["get"], "https://not-stored.sea.test", env, [HELPER])));
      for (const r of results) expect(r).toEqual({ stdout: "credentials not found in native keychain\n", stderr: "", exitCode: 1, signal: null });
      const [dir] = readdirSync(join(cache, "hubpat"));
      expect(readdirSync(join(cache, "hubpat", dir!))).toEqual(["keyring.node"]); // no temp files left
      expect(readFileSync(join(cache, "hubpat", dir!, "keyring.node")).equals(readFileSync(BINDING))).toBe(true);
    });

    it("loads its binding from $XDG_RUNTIME_DIR when the user's cache can't be written", async () => {
      const notADir = join(mkdtempSync(join(tmpdir(), "hubpat-sea-cache-")), "file");
      writeFileSync(notADir, "");
      const runtime = mkdtempSync(join(tmpdir(), "hubpat-sea-run-"));
      const env = { ...nodeless(keyring.env, notADir), XDG_RUNTIME_DIR: runtime };
      expect(await runHelperProcess(["store"], JSON.stringify(creds), env, [HELPER])).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
      expect(await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).toEqual({ stdout: `${JSON.stringify(creds)}\n`, stderr: "", exitCode: 0, signal: null });
      const [dir] = readdirSync(join(runtime, "hubpat"));
      expect(readFileSync(join(runtime, "hubpat", dir!, "keyring.node")).equals(readFileSync(BINDING))).toBe(true);
      await runHelperProcess(["erase"], creds.ServerURL, env, [HELPER]);
    });

    it("says why and names HUBPAT_CACHE_DIR when no cache can be used, and answers not-found so pulls go on", async () => {
      const base = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
      const [cache, runtime] = [join(base, "cache"), join(base, "run")];
      for (const f of [cache, runtime]) writeFileSync(f, "");
      const r = await runHelperProcess(["get"], creds.ServerURL, { ...nodeless(keyring.env, cache), XDG_RUNTIME_DIR: runtime }, [HELPER]);
      expect(r).toMatchObject({ stdout: "credentials not found in native keychain\n", exitCode: 1 });
      expect(r.stderr).toContain(`(the keyring binding could not be loaded: set HUBPAT_CACHE_DIR to a private directory where programs may run (${cache}: ENOTDIR: not a directory, mkdir '${cache}/hubpat'; ${runtime}: ENOTDIR: not a directory, mkdir '${runtime}/hubpat'))\n`);

      // The way out it names works, and is then the only place used.
      const chosen = join(base, "chosen");
      const fixed = { ...nodeless(keyring.env, cache), XDG_RUNTIME_DIR: runtime, HUBPAT_CACHE_DIR: chosen };
      expect(await runHelperProcess(["get"], creds.ServerURL, fixed, [HELPER])).toEqual({ stdout: "credentials not found in native keychain\n", stderr: "", exitCode: 1, signal: null });
      expect(readdirSync(join(chosen, "hubpat"))).toHaveLength(1);
    });

    it.skipIf(!canMountNoexec())("falls back from a cache on a noexec mount, where the binding can be written but not loaded", async () => {
      const mnt = mkdtempSync(join(tmpdir(), "hubpat-noexec-"));
      expect(spawnSync("mount", ["-t", "tmpfs", "-o", "noexec,mode=0700", "tmpfs", mnt]).status).toBe(0);
      try {
        const runtime = mkdtempSync(join(tmpdir(), "hubpat-sea-run-"));
        const env = { ...nodeless(keyring.env, mnt), XDG_RUNTIME_DIR: runtime };
        expect(await runHelperProcess(["get"], "https://not-stored.sea.test", env, [HELPER])).toEqual({ stdout: "credentials not found in native keychain\n", stderr: "", exitCode: 1, signal: null });
        expect(readdirSync(join(runtime, "hubpat"))).toHaveLength(1);

        // Only the noexec cache: the reason is dlopen's, without the file's path repeated.
        const r = await runHelperProcess(["get"], "https://not-stored.sea.test", { ...env, HUBPAT_CACHE_DIR: mnt }, [HELPER]);
        expect(r.stderr).toContain(`set HUBPAT_CACHE_DIR to a private directory where programs may run (${mnt}: failed to map segment from shared object)`);
      } finally {
        spawnSync("umount", [mnt]);
        rmSync(mnt, { recursive: true, force: true });
      }
    });

    it("notices a cached binding that was changed and writes it again", async () => {
      const cache = mkdtempSync(join(tmpdir(), "hubpat-sea-cache-"));
      const env = nodeless(keyring.env, cache);
      await runHelperProcess(["store"], JSON.stringify(creds), env, [HELPER]);
      const [dir] = readdirSync(join(cache, "hubpat"));
      const cached = join(cache, "hubpat", dir!, "keyring.node");

      const tampered = readFileSync(cached);
      tampered.write("not the binding hubpat shipped", 4096);
      writeFileSync(cached, tampered);
      expect(await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).toEqual({ stdout: `${JSON.stringify(creds)}\n`, stderr: "", exitCode: 0, signal: null });
      expect(readFileSync(cached).equals(readFileSync(BINDING))).toBe(true);

      writeFileSync(cached, "short and wrong");
      expect((await runHelperProcess(["get"], creds.ServerURL, env, [HELPER])).exitCode).toBe(0);
      expect(readFileSync(cached).equals(readFileSync(BINDING))).toBe(true);
      await runHelperProcess(["erase"], creds.ServerURL, env, [HELPER]);
    });
  });

});
