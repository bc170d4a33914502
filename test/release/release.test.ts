// The release artifacts (`npm run release`, scripts/release.mjs) as a user meets them: the archive unpacked
// anywhere runs with no Node on PATH; the .deb installs with dpkg -i (root: CI's throwaway machine), its manual
// page, completion and binaries are where Debian looks, lintian says only what the README explains, and
// dpkg -r leaves nothing behind. Built once here from the single executable the global setup packaged.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { ROOT, runProcess } from "../fakes/helper-process.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const OUT = join(ROOT, "dist", "release");
const ARCHIVE = join(OUT, `hubpat-${VERSION}-linux-x64.tar.gz`);
const DEB = join(OUT, `hubpat_${VERSION}_amd64.deb`);
const isLinuxX64 = process.platform === "linux" && process.arch === "x64";
const canBuild = isLinuxX64 && existsSync(join(ROOT, "dist", "sea", "hubpat")) && spawnSync("sh", ["-c", "command -v dpkg-deb"]).status === 0;
const isRoot = process.getuid?.() === 0;
const have = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

/** An environment with nothing on PATH: no node, no shell tools. The executables must need none. */
const bare = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: mkdtempSync(join(tmpdir(), "hubpat-empty-path-")), HOME: mkdtempSync(join(tmpdir(), "hubpat-home-")), ...extra });

/** A credential round trip through `helper` in a private Secret Service: store, get, erase, get (not found). */
async function roundTrip(helper: string, env: NodeJS.ProcessEnv): Promise<void> {
  const cred = { ServerURL: "registry.example:5000", Username: "mona", Secret: "s3cret-from-the-release" };
  expect(await runProcess([helper], ["store"], JSON.stringify(cred), env)).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
  expect(JSON.parse((await runProcess([helper], ["get"], cred.ServerURL, env)).stdout)).toEqual(cred);
  expect(await runProcess([helper], ["erase"], cred.ServerURL, env)).toMatchObject({ exitCode: 0 });
  expect(await runProcess([helper], ["get"], cred.ServerURL, env)).toMatchObject({ stdout: "credentials not found in native keychain\n", exitCode: 1 });
}

/** The lintian tags the README explains: its "| `tag` | why |" rows under "Lintian". */
function explainedTags(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = /\n#+ Lintian\n([\s\S]*?)(\n#|$)/.exec(readme)?.[1] ?? "";
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]!).sort();
}

describe.skipIf(!canBuild)("the release artifacts", () => {
  let keyring: KeyringSession | undefined;

  beforeAll(async () => {
    // As `npm run release` after `npm run package`: linux-arm64 is cross-built into dist/sea/linux-arm64 only
    // (package.mjs --no-host), so the suites running dist/sea/hubpat meanwhile are not disturbed.
    execFileSync(process.execPath, [join(ROOT, "scripts", "release.mjs"), "--quiet"], { cwd: ROOT, stdio: "inherit" });
    keyring = haveSecretService() ? await startKeyringSession("unlocked") : undefined;
  }, 600_000);
  afterAll(async () => keyring?.close());

  it("are the archive, the .deb and SHA256SUMS, whose sums hold", () => {
    const files = readdirSync(OUT).sort();
    expect(files).toEqual(expect.arrayContaining([`hubpat-${VERSION}-linux-x64.tar.gz`, `hubpat_${VERSION}_amd64.deb`, "SHA256SUMS"]));
    const sums = readFileSync(join(OUT, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split("  "));
    expect(sums.map(([, f]) => f).sort()).toEqual(files.filter((f) => f !== "SHA256SUMS"));
    for (const [sum, f] of sums) expect(createHash("sha256").update(readFileSync(join(OUT, f!))).digest("hex")).toBe(sum);
    expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: OUT }).status).toBe(0);
  });

  describe("hubpat-VERSION-linux-x64.tar.gz", () => {
    let dir: string;
    beforeAll(() => {
      const to = mkdtempSync(join(tmpdir(), "hubpat-unpacked-"));
      execFileSync("tar", ["-xzf", ARCHIVE, "-C", to]);
      dir = join(to, `hubpat-${VERSION}-linux-x64`);
    });

    it("holds the executable, its two names as links, completions, man pages, LICENSE and README", () => {
      const listed = execFileSync("tar", ["-tzvf", ARCHIVE], { encoding: "utf8" }).trim().split("\n");
      expect(listed.every((l) => l.includes(" 0/0 "))).toBe(true);
      const names = listed.map((l) => l.replace(/^.* \d\d:\d\d /, "").replace(/ -> .*$/, "")).sort();
      const base = `hubpat-${VERSION}-linux-x64/`;
      expect(names).toEqual(
        ["", "LICENSE", "README.md", "completions/", "completions/_hub-tokens", "completions/hub-tokens.bash", "completions/hub-tokens.fish", "docker-credential-hubpat", "hub-tokens", "hubpat", "man/", "man/docker-credential-hubpat.1", "man/hub-tokens.1"].map((n) => base + n).sort(),
      );
      for (const name of ["docker-credential-hubpat", "hub-tokens"]) expect(readlinkSync(join(dir, name))).toBe("hubpat");
      expect(lstatSync(join(dir, "hubpat")).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(dir, "man", "hub-tokens.1"), "utf8")).toBe(readFileSync(join(ROOT, "dist", "man", "hub-tokens.1"), "utf8"));
    });

    it("runs both names with no Node on PATH", async () => {
      expect(await runProcess([join(dir, "hub-tokens")], ["--version"], "", bare())).toEqual({ stdout: `${VERSION}\n`, stderr: "", exitCode: 0, signal: null });
      expect(await runProcess([join(dir, "docker-credential-hubpat")], ["version"], "", bare())).toEqual({ stdout: `docker-credential-hubpat (hubpat) v${VERSION}\n`, stderr: "", exitCode: 0, signal: null });
      expect((await runProcess([join(dir, "hub-tokens")], ["--help"], "", bare())).stdout).toMatch(/^Usage: hub-tokens /);
    });

    it("installs itself as the README says: hub-tokens install --prefix DIR, with no Node on PATH", async () => {
      const env = bare();
      const prefix = join(env.HOME!, ".local", "bin");
      const r = await runProcess([join(dir, "hub-tokens")], ["install", "--prefix", prefix], "", env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readdirSync(prefix).sort()).toEqual(["docker-credential-hubpat", "hub-tokens", "hubpat"]);
      expect((await runProcess([join(prefix, "docker-credential-hubpat")], ["version"], "", bare())).stdout).toBe(`docker-credential-hubpat (hubpat) v${VERSION}\n`);
    });

    it.skipIf(!haveSecretService())("keeps a credential in the keychain through the unpacked helper, with no Node on PATH", async () => {
      await roundTrip(join(dir, "docker-credential-hubpat"), bare(keyring!.env));
    });
  });

  it("has linux-arm64 artifacts too, built for aarch64 (not run here: this machine is x64)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-arm64-"));
    execFileSync("tar", ["-xzf", join(OUT, `hubpat-${VERSION}-linux-arm64.tar.gz`), "-C", dir]);
    const exe = readFileSync(join(dir, `hubpat-${VERSION}-linux-arm64`, "hubpat")).subarray(0, 20);
    expect([exe.readUInt32BE(0), exe.readUInt16LE(18)]).toEqual([0x7f454c46, 183]); // ELF, EM_AARCH64
    expect(execFileSync("dpkg-deb", ["--field", join(OUT, `hubpat_${VERSION}_arm64.deb`), "Architecture"], { encoding: "utf8" })).toBe("arm64\n");
  });

  describe("hubpat_VERSION_amd64.deb", () => {
    it("says what it is and what it needs", () => {
      const info = execFileSync("dpkg-deb", ["--field", DEB, "Package", "Version", "Architecture", "Depends"], { encoding: "utf8" });
      expect(info).toMatch(new RegExp(`^Package: hubpat\nVersion: ${VERSION.replace(/\./g, "\\.")}\nArchitecture: amd64\nDepends: libc6 \\(>= [0-9.]+\\)`));
    });

    it.skipIf(!have("lintian"))("is lintian clean but for the tags the README explains, each of which it still shows", () => {
      const r = spawnSync("lintian", ["--tag-display-limit", "0", DEB], { encoding: "utf8" });
      const tags = [...new Set([...r.stdout.matchAll(/^[EWIXP]: hubpat(?: [a-z]+)?: ([a-z0-9-]+)/gm)].map((m) => m[1]!))].sort();
      expect(tags, r.stdout).toEqual(explainedTags());
    }, 300_000);

    describe.skipIf(!isRoot)("installed with dpkg -i (root: the tests run on a throwaway machine)", () => {
      let installedBefore: boolean;
      beforeAll(() => {
        installedBefore = spawnSync("dpkg-query", ["-W", "-f", "${Status}", "hubpat"], { encoding: "utf8" }).stdout.includes("installed");
        if (installedBefore) return; // a person's own hubpat: leave it alone (the tests below say so)
        dpkg(["-i", DEB]);
      }, 120_000);

      it("puts both names on PATH, and they run with no Node", async () => {
        expect(installedBefore, "hubpat was already installed with dpkg on this machine: not touching it").toBe(false);
        expect(await runProcess(["/usr/bin/hub-tokens"], ["--version"], "", bare())).toEqual({ stdout: `${VERSION}\n`, stderr: "", exitCode: 0, signal: null });
        expect((await runProcess(["/usr/bin/docker-credential-hubpat"], ["version"], "", bare())).stdout).toBe(`docker-credential-hubpat (hubpat) v${VERSION}\n`);
        if (keyring) await roundTrip("/usr/bin/docker-credential-hubpat", bare(keyring.env));
      });

      it("has manual pages man finds", () => {
        expect(installedBefore).toBe(false);
        for (const page of ["hub-tokens", "docker-credential-hubpat"]) expect(execFileSync("man", ["-w", page], { encoding: "utf8" })).toBe(`/usr/share/man/man1/${page}.1.gz\n`);
      });

      it.skipIf(!existsSync("/usr/share/bash-completion/bash_completion"))("has a bash completion that bash-completion loads on demand", () => {
        expect(installedBefore).toBe(false);
        // What an interactive bash does at the first TAB after `hub-tokens `: load the command's completion file.
        const script = "source /usr/share/bash-completion/bash_completion; { _comp_load hub-tokens || __load_completion hub-tokens || _completion_loader hub-tokens; } 2>/dev/null; complete -p hub-tokens";
        expect(execFileSync("bash", ["-c", script], { encoding: "utf8" })).toBe("complete -F _hub_tokens hub-tokens\n");
      });

      it("is removed by dpkg -r, every file with it", () => {
        expect(installedBefore).toBe(false);
        const files = execFileSync("dpkg-query", ["-L", "hubpat"], { encoding: "utf8" }).trim().split("\n").filter((f) => !existsSync(f) || !lstatSync(f).isDirectory());
        expect(files).toEqual(expect.arrayContaining(["/usr/bin/hub-tokens", "/usr/bin/docker-credential-hubpat", "/usr/lib/hubpat/hubpat", "/usr/share/bash-completion/completions/hub-tokens"]));
        dpkg(["-r", "hubpat"]);
        expect(files.filter((f) => existsSync(f) || isLink(f))).toEqual([]);
        expect(existsSync("/usr/lib/hubpat")).toBe(false);
        expect(spawnSync("dpkg-query", ["-W", "-f", "${Status}", "hubpat"], { encoding: "utf8" }).stdout).not.toMatch(/ installed$/);
      });

      afterAll(() => {
        if (!installedBefore && spawnSync("dpkg-query", ["-W", "-f", "${Status}", "hubpat"], { encoding: "utf8" }).stdout.endsWith(" installed")) dpkg(["-r", "hubpat"]);
      });
    });
  });
});

const isLink = (f: string) => {
  try {
    return lstatSync(f).isSymbolicLink();
  } catch {
    return false;
  }
};

/** dpkg, waiting out another dpkg or apt holding its lock (other work on the machine). */
function dpkg(args: string[]): void {
  for (let attempt = 0; ; attempt++) {
    const r = spawnSync("dpkg", args, { encoding: "utf8" });
    if (r.status === 0) return;
    if (!/lock/i.test(r.stderr) || attempt >= 30) throw new Error(`dpkg ${args.join(" ")} failed: ${r.stderr}`);
    execFileSync("sleep", ["2"]);
  }
}
