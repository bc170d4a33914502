// The real Docker CLI with the helper on each store that needs no desktop keychain (pass, the kernel keyring, the
// file), on a machine with no session bus at all: docker login stores through the helper into that store, docker
// pull sends it to the engine and the real registry accepts it, docker logout erases it. The keychain's own run
// of the same is test/e2e/docker.test.ts.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStore } from "../../src/store/file.js";
import { PassStore } from "../../src/store/pass.js";
import type { StoreKind } from "../../src/store/store.js";
import { helperCommands } from "../fakes/binaries.js";
import { haveDockerRegistry, startDockerRegistry, type DockerRegistry } from "../fakes/docker-registry.js";
import { startFakeEngine, type FakeEngine } from "../fakes/docker-engine.js";
import { ROOT, runProcess } from "../fakes/helper-process.js";
import { haveKeyctl, testKeyring, type TestKeyring } from "../fakes/kernel-keyring.js";
import { havePass, passWorld, type PassWorld } from "../fakes/pass-store.js";
import { expectNoSecretLeak } from "../fakes/secrets.js";

const ALICE = { username: "alice", password: "alice-registry-pw-2" };
const NODE_BIN = join(ROOT, "node_modules", ".bin");
const dockerMajor = Number(/^Docker version (\d+)\./.exec(spawnSync("docker", ["--version"], { encoding: "utf8" }).stdout ?? "")?.[1] ?? 0);
const missing = [...(dockerMajor >= 28 ? [] : ["the docker CLI 28"]), ...(haveDockerRegistry() ? [] : ["docker-registry"]), ...(havePass() ? [] : ["pass and gnupg"]), ...(haveKeyctl() ? [] : ["keyutils"])];
if (missing.length > 0 && process.env.CI) throw new Error(`CI must install ${missing.join(", ")} (see scripts/setup-machine.sh)`);

/** One store's world: the environment the helper runs in, and what the store holds, read without the helper. */
interface StoreWorld {
  env: NodeJS.ProcessEnv;
  held(): Promise<Record<string, string>>;
  close(): void;
}

function storeWorld(kind: StoreKind, conf: string): StoreWorld {
  const base = { HUBPAT_CONFIG_DIR: conf };
  if (kind === "pass") {
    const w: PassWorld = passWorld();
    const env = { ...w.env, ...base };
    return { env, held: () => new PassStore({ service: "docker-credential-hubpat", env }).list(), close: () => w.close() };
  }
  if (kind === "kernel") {
    const ring: TestKeyring = testKeyring();
    return {
      env: { ...base, ...ring.env },
      held: async () => Object.fromEntries(ring.descriptions().map((d) => [d.replace(/^hubpat:docker-credential-hubpat:/, ""), "?"])),
      close: () => ring.close(),
    };
  }
  return { env: base, held: () => new FileStore(join(conf, "credentials.json"), "docker-credential-hubpat").list(), close: () => undefined };
}

describe.skipIf(missing.length > 0).each(helperCommands())("docker with the helper as the $name, no keychain anywhere", (helper) => {
  let registry: DockerRegistry;
  beforeAll(async () => {
    registry = await startDockerRegistry([ALICE]);
    await registry.pushImage("demo/hello", "latest", ALICE);
  });
  afterAll(async () => registry?.close());

  describe.each(["pass", "kernel", "file"] as const)("on the %s store", (kind) => {
    let dir: string;
    let world: StoreWorld;
    let engine: FakeEngine;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "hubpat-dstores-"));
      const conf = join(dir, "conf");
      mkdirSync(conf, { mode: 0o700 });
      // As `hub-tokens setup --store KIND` records it.
      writeFileSync(join(conf, "config.json"), JSON.stringify({ store: kind, insecureStorage: kind === "file" }), { mode: 0o600 });
      world = storeWorld(kind, conf);
      const bin = join(dir, "bin");
      const dockerConfig = join(dir, "docker-config");
      mkdirSync(bin);
      mkdirSync(dockerConfig);
      symlinkSync(helper.target, join(bin, "docker-credential-hubpat"));
      writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ credsStore: "hubpat" }));
      engine = await startFakeEngine({ registries: { [registry.host]: registry.url } });
      env = {
        ...world.env,
        HOME: world.env.HOME ?? join(dir, "home"),
        DOCKER_CONFIG: dockerConfig,
        DOCKER_HOST: engine.host,
        PATH: [bin, NODE_BIN, process.env.PATH].join(":"),
        DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/hubpat-no-bus",
      };
    });
    afterAll(async () => {
      await engine?.close();
      expect(engine.unhandled).toEqual([]);
      world?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const docker = (args: string[], input = "") => runProcess(["docker"], args, input, env);

    it("docker login stores through the helper into the store, docker pull sends it, docker logout erases it", async () => {
      const login = await docker(["login", "-u", ALICE.username, "--password-stdin", registry.host], `${ALICE.password}\n`);
      expect(login).toMatchObject({ stdout: "Login Succeeded\n", exitCode: 0 });
      expect(Object.keys(await world.held())).toEqual([registry.host]);

      const pull = await docker(["pull", `${registry.host}/demo/hello`]);
      expect(pull.exitCode).toBe(0);
      expect(pull.stdout.trimEnd().split("\n").at(-1)).toBe(`${registry.host}/demo/hello:latest`);
      expect(engine.pulls.map((p) => p.auth)).toEqual([{ username: ALICE.username, password: ALICE.password, serveraddress: registry.host }]);

      const logout = await docker(["logout", registry.host]);
      expect(logout).toMatchObject({ exitCode: 0, stdout: `Removing login credentials for ${registry.host}\n` });
      expect(await world.held()).toEqual({});
      // Nothing but the file store's own file holds the password in plain text.
      if (kind !== "file") expectNoSecretLeak([ALICE.password], { stdout: login.stdout + pull.stdout, stderr: login.stderr + pull.stderr, dirs: [dir] });
      else expect(readdirSync(join(dir, "conf")).sort()).toEqual(["config.json", "credentials.json"]);
    });
  });
});
