import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInstall, type InstallDeps } from "../../src/commands/install.js";
import { HubpatError } from "../../src/errors.js";

function setup(over: Partial<InstallDeps> = {}) {
  const root = mkdtempSync(join(tmpdir(), "hubpat-install-"));
  const home = join(root, "home");
  mkdirSync(home);
  const executable = join(root, "download", "hubpat");
  mkdirSync(join(root, "download"));
  writeFileSync(executable, "#!/bin/sh\necho pretend single executable\n");
  chmodSync(executable, 0o700);
  const lines: string[] = [];
  const io = { info: (l: string) => void lines.push(l), warn: (l: string) => void lines.push(`warning: ${l}`) };
  const deps: InstallDeps = { io, executable, isSingleExecutable: true, env: { PATH: "/usr/bin:/bin" }, home, dockerConfigPath: join(home, ".docker", "config.json"), platform: "linux", ...over };
  return { root, home, executable, deps, lines };
}

describe("hub-tokens install", () => {
  it("copies the executable to ~/.local/bin with its two names beside it, and says what is missing", async () => {
    const { home, executable, deps, lines } = setup();
    const bin = join(home, ".local", "bin");
    const r = await runInstall({}, deps);

    expect(r).toEqual({ dir: bin, files: [join(bin, "hubpat"), join(bin, "docker-credential-hubpat"), join(bin, "hub-tokens")], onPath: false, dockerWired: false });
    expect(readFileSync(join(bin, "hubpat"), "utf8")).toBe(readFileSync(executable, "utf8"));
    expect(statSync(join(bin, "hubpat")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(bin, "docker-credential-hubpat"))).toBe("hubpat");
    expect(readlinkSync(join(bin, "hub-tokens"))).toBe("hubpat");
    expect(readdirSync(bin).sort()).toEqual(["docker-credential-hubpat", "hub-tokens", "hubpat"]); // no temp files left
    expect(lines).toEqual([
      `✓ Installed ${bin}/hubpat, with docker-credential-hubpat and hub-tokens beside it`,
      `warning: ${bin} is not on PATH, so neither Docker nor your shell will find hubpat there`,
      `warning: add it, e.g. in ~/.profile: export PATH="${bin}:$PATH"`,
      `Next: hub-tokens setup, so Docker keeps its credentials in the keychain through hubpat ("credsStore": "hubpat" in ${home}/.docker/config.json)`,
    ]);
  });

  it("says when the directory is on PATH and Docker already uses hubpat", async () => {
    const { root, home, deps, lines } = setup();
    const prefix = join(root, "tools");
    mkdirSync(join(home, ".docker"));
    writeFileSync(join(home, ".docker", "config.json"), JSON.stringify({ auths: {}, credsStore: "hubpat" }));
    const r = await runInstall({ prefix }, { ...deps, env: { PATH: `/usr/bin:${prefix}/:/bin` } });
    expect(r).toMatchObject({ dir: prefix, onPath: true, dockerWired: true });
    expect(lines.slice(1)).toEqual([`✓ ${prefix} is on PATH`, `✓ Docker already uses hubpat ("credsStore": "hubpat" in ${home}/.docker/config.json)`]);
  });

  it("warns when another docker-credential-hubpat comes first on PATH", async () => {
    const { root, deps, lines } = setup();
    const other = join(root, "other");
    mkdirSync(other);
    writeFileSync(join(other, "docker-credential-hubpat"), "#!/bin/sh\n");
    chmodSync(join(other, "docker-credential-hubpat"), 0o755);
    const prefix = join(root, "bin");
    await runInstall({ prefix }, { ...deps, env: { PATH: `${other}:${prefix}` } });
    expect(lines).toContain(`warning: ${prefix} is on PATH, but ${other}/docker-credential-hubpat comes first there: Docker will run that one`);
  });

  it("replaces an earlier install, copies and links alike, and can be run from the installed copy", async () => {
    const { root, deps } = setup();
    const prefix = join(root, "bin");
    mkdirSync(prefix);
    writeFileSync(join(prefix, "hubpat"), "old version");
    writeFileSync(join(prefix, "docker-credential-hubpat"), "an old copy");
    await runInstall({ prefix }, deps);
    expect(readFileSync(join(prefix, "hubpat"), "utf8")).toBe(readFileSync(deps.executable, "utf8"));
    expect(lstatSync(join(prefix, "docker-credential-hubpat")).isSymbolicLink()).toBe(true);

    // `hub-tokens install` run from the installed copy, through its link.
    await runInstall({ prefix }, { ...deps, executable: join(prefix, "hub-tokens") });
    expect(readFileSync(join(prefix, "hubpat"), "utf8")).toBe(readFileSync(deps.executable, "utf8"));
    expect(readdirSync(prefix).sort()).toEqual(["docker-credential-hubpat", "hub-tokens", "hubpat"]);
  });

  it("refuses a directory in the place of a name", async () => {
    const { root, deps } = setup();
    const prefix = join(root, "bin");
    mkdirSync(join(prefix, "hub-tokens"), { recursive: true });
    await expect(runInstall({ prefix }, deps)).rejects.toThrow(`${prefix}/hub-tokens is a directory: move it away and run install again`);
  });

  it("makes copies with .exe names on Windows", async () => {
    const { root, deps } = setup();
    const prefix = join(root, "bin");
    await runInstall({ prefix }, { ...deps, platform: "win32", env: { PATH: "" } });
    expect(readdirSync(prefix).sort()).toEqual(["docker-credential-hubpat.exe", "hub-tokens.exe", "hubpat.exe"]);
    expect(lstatSync(join(prefix, "hub-tokens.exe")).isFile()).toBe(true);
  });

  it("is for the single executable only: from npm it changes nothing", async () => {
    const { home, deps } = setup();
    const err: unknown = await runInstall({}, { ...deps, isSingleExecutable: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubpatError);
    expect((err as HubpatError).message).toMatch(/^install puts the single executable in place/);
    expect(readdirSync(home)).toEqual([]);
  });
});
