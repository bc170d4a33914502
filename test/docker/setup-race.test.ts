// setup racing a real `docker login`: the Docker CLI logs bob in to a real registry (docker-registry with htpasswd)
// while `hub-tokens setup` moves 60 plain-text credentials out of the same config.json, started at random offsets.
// Docker's own Save is temp file + rename with no lock, so setup must never rename over a file it did not read.
// In every run nothing may be lost: each of the 61 credentials is where Docker will look for it (the helper's
// store when config.json ends with "credsStore": "hubpat", config.json's auths when it does not).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAuth } from "../../src/docker/migrate.js";
import { haveDockerRegistry, startDockerRegistry, type DockerRegistry } from "../fakes/docker-registry.js";
import { ROOT } from "../fakes/helper-process.js";
import { helperWorld } from "../fakes/helper-world.js";

const DOCKER = spawnSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).stdout.trim();
const canRun = DOCKER !== "" && haveDockerRegistry();
if (!canRun && process.env.CI) throw new Error("CI must install the docker CLI, docker-registry and apache2-utils");
const BOB = { username: "bob", password: "bob-race-password" };
const RUNS = 12;
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Runs a process to its end; resolves its exit code and output. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.stdin.end(input);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe.skipIf(!canRun)("setup against a concurrent docker login", () => {
  let registry: DockerRegistry;
  beforeAll(async () => {
    registry = await startDockerRegistry([BOB]);
  });
  afterAll(async () => registry?.close());

  it(`loses nothing in ${RUNS} runs at random offsets`, async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { dir, bin } = helperWorld("hubpat-race-");
      const expected = new Map<string, { username: string; secret: string }>();
      const auths: Record<string, { auth: string }> = {};
      for (let n = 0; n < 60; n++) {
        expected.set(`r${n}.example.test`, { username: `u${n}`, secret: `race-secret-${n}` });
        auths[`r${n}.example.test`] = { auth: b64(`u${n}:race-secret-${n}`) };
      }
      expected.set(registry.host, { username: BOB.username, secret: BOB.password });
      const configPath = join(dir, "docker", "config.json");
      writeFileSync(configPath, JSON.stringify({ auths }, null, "\t"));
      // No other helper on PATH: Docker must not pick Debian's docker-credential-secretservice.
      const env = { HOME: dir, DOCKER_CONFIG: join(dir, "docker"), PATH: [bin, dirname(process.execPath)].join(":"), HUBPAT_STORE: "file", HUBPAT_CONFIG_DIR: join(dir, "hubpat") };

      const offset = Math.floor(Math.random() * 1500);
      const [setup, login] = await Promise.all([
        run(process.execPath, [join(ROOT, "bin", "hub-tokens.cjs"), "setup"], env, ""),
        sleep(offset).then(() => run(DOCKER, ["login", "-u", BOB.username, "--password-stdin", registry.host], env, `${BOB.password}\n`)),
      ]);
      expect(login.out, `run ${i}`).toContain("Login Succeeded");
      expect([0, 1], `run ${i}: ${setup.out}`).toContain(setup.code);

      // Written last by Docker or by setup, both of which write plain JSON (no repeated keys).
      const view = JSON.parse(readFileSync(configPath, "utf8")) as { credsStore?: string; auths?: Record<string, { auth?: string }> };
      const storePath = join(dir, "hubpat", "credentials.json");
      const stored = existsSync(storePath) ? (JSON.parse(readFileSync(storePath, "utf8")) as { services: Record<string, Record<string, { username: string; secret: string }>> }).services["docker-credential-hubpat"] ?? {} : {};
      const lost = [...expected].filter(([url, want]) => {
        if (view.credsStore === "hubpat") return stored[url]?.username !== want.username || stored[url]?.secret !== want.secret;
        const got = view.auths?.[url]?.auth;
        const decoded = typeof got === "string" ? decodeAuth(got) : null;
        return decoded?.username !== want.username || decoded?.password !== want.secret;
      });
      expect(lost.map(([url]) => url), `run ${i} (docker login ${offset} ms after setup started): ${setup.out}`).toEqual([]);
      // Docker itself finds bob's credential where it now looks.
      const asked = spawnSync(DOCKER, ["login", registry.host], { env, input: "", encoding: "utf8", timeout: 60_000 });
      expect(asked.stdout + asked.stderr, `run ${i}`).toMatch(/Login Succeeded|\[Username: bob\]/);
      outcomes.push(`${offset} ms: ${view.credsStore === "hubpat" ? "wired" : "not wired"}${setup.out.includes("changed while setup ran") ? ", restarted" : ""}`);
    }
    console.log(`setup vs docker login: ${outcomes.join("; ")}`);
  }, 600_000);
});
