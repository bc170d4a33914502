// Where Docker's config is, asked of Docker itself: the real Docker CLI and the built hub-tokens, run with the same
// environment and working directory, must use the same config.json (DOCKER_CONFIG set but empty means unset).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { HELPER_BIN, ROOT } from "../fakes/helper-process.js";

const TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const DOCKER = spawnSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).stdout.trim();
const haveDocker = DOCKER !== "";
if (!haveDocker && process.env.CI) throw new Error("CI must install the docker CLI (see scripts/setup-machine.sh)");

/** A home, a working directory inside it, and a PATH with the built helper and the pinned node. */
function world() {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-config-dir-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, "home");
  const cwd = join(dir, "work");
  const bin = join(dir, "bin");
  for (const d of [home, cwd, bin]) mkdirSync(d);
  symlinkSync(HELPER_BIN, join(bin, "docker-credential-hubpat"));
  const env = { HOME: home, DOCKER_CONFIG: "", HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1", HUBPAT_CONFIG_DIR: join(dir, "hubpat"), PATH: [bin, dirname(process.execPath), "/usr/bin", "/bin"].join(":") };
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 60_000 });
  return { home, cwd, run };
}

describe.skipIf(!haveDocker)("DOCKER_CONFIG set but empty", () => {
  it("Docker and hub-tokens both use ~/.docker/config.json, and setup writes nothing in the current directory", () => {
    const w = world();
    // Docker's own choice: `docker context use` records the context in the config.json Docker reads.
    expect(w.run(DOCKER, ["context", "create", "probe", "--docker", "host=unix:///nonexistent.sock"]).status).toBe(0);
    expect(w.run(DOCKER, ["context", "use", "probe"]).status).toBe(0);
    const dockers = join(w.home, ".docker", "config.json");
    expect(JSON.parse(readFileSync(dockers, "utf8"))).toMatchObject({ currentContext: "probe" });

    const status = w.run(process.execPath, [TOKENS, "status", "--json"]);
    expect(JSON.parse(status.stdout).docker.configPath).toBe(dockers);

    const setup = w.run(process.execPath, [TOKENS, "setup"]);
    expect(setup.status, setup.stderr).toBe(0);
    expect(existsSync(join(w.cwd, "config.json"))).toBe(false);
    expect(JSON.parse(readFileSync(dockers, "utf8"))).toMatchObject({ currentContext: "probe", credsStore: "hubpat" });
  });
});
