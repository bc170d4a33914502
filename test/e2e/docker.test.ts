// The real Docker CLI (28.x, client only) calling the helper, over a real keychain (gnome-keyring in a private
// D-Bus session), against a real registry (Debian's docker-registry with htpasswd auth) and, where a command needs
// a daemon, a fake engine on a unix socket that records the X-Registry-Auth Docker sends. What each test checks is
// what the user sees (docker's stdout, stderr, exit code) and what is kept (keychain, config.json, the header).
// See src/helper/credential-helper-protocol.md for the Docker behaviour each test relies on.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringMode, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { KeychainError } from "../../src/store/errors.js";
import { helperCommands, type HelperCommand } from "../fakes/binaries.js";
import { haveDockerRegistry, startDockerRegistry, type DockerRegistry } from "../fakes/docker-registry.js";
import { startFakeEngine, type FakeEngine, type FakeEngineOptions } from "../fakes/docker-engine.js";
import { ROOT, runHelperProcess, runProcess, type ProcessResult } from "../fakes/helper-process.js";
import { expectNoSecretLeak } from "../fakes/secrets.js";

const HUB = "https://index.docker.io/v1/";
const ALICE = { username: "alice", password: "alice-registry-pw-1" };
const MONA_PAT = "dckr_pat_mona-hub-token-0001";
const NODE_BIN = join(ROOT, "node_modules", ".bin");

const onPath = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
/** The CLI's major version, or 0 when there is none: "Docker version 28.2.2, build e6534b4". */
const dockerMajor = Number(/^Docker version (\d+)\./.exec(onPath("docker") ? spawnSync("docker", ["--version"], { encoding: "utf8" }).stdout : "")?.[1] ?? 0);
// The behaviour asserted here is Docker 28's (the version the protocol notes were measured with); older CLIs differ
// in what they send (20.10 leaves serveraddress out for keys config.json has no auths entry for, and asks /info).
const missing = [
  ...(dockerMajor >= 28 ? [] : [dockerMajor ? `the docker CLI 28 or later (found ${dockerMajor})` : "the docker CLI (28 or later)"]),
  ...(haveDockerRegistry() ? [] : ["docker-registry and htpasswd (apache2-utils)"]),
  ...(haveSecretService() && onPath("secret-tool") ? [] : ["gnome-keyring, dbus and libsecret-tools"]),
];
if (missing.length > 0 && process.env.CI) throw new Error(`CI must install ${missing.join(", ")} (see scripts/setup-machine.sh)`);
const skip = missing.length > 0;
if (skip) console.warn(`skipping the Docker CLI tests: they need ${missing.join(", ")}`);
/** A describe title that says why it was skipped, on a machine without the tools. */
const titled = (title: string) => (skip ? `${title} (skipped: needs ${missing.join(", ")})` : title);

let registry: DockerRegistry;
beforeAll(async () => {
  if (skip) return;
  registry = await startDockerRegistry([ALICE]);
  await registry.pushImage("demo/hello", "latest", ALICE);
});
afterAll(async () => registry?.close());

/** Docker's view of one test: its own DOCKER_CONFIG, HOME and PATH, the helper linked in as Docker finds it. */
interface DockerWorld {
  dir: string;
  run(args: string[], input?: string, extraEnv?: NodeJS.ProcessEnv): Promise<ProcessResult>;
  /** config.json as Docker left it. */
  config(): unknown;
  /** What the decoy helper was asked: one "action input" line per call. */
  decoyCalls(): string[];
}

/**
 * A fresh Docker setup for this test. `config` is written as config.json: always with an explicit credsStore or
 * credHelpers, or Docker would pick Debian's docker-credential-secretservice from PATH by itself.
 */
function dockerWorld(helper: HelperCommand, session: KeyringSession, config: object, engine?: FakeEngine): DockerWorld {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-docker-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "bin");
  const dockerConfig = join(dir, "docker-config");
  const home = join(dir, "home");
  for (const d of [bin, dockerConfig, home]) mkdirSync(d);
  symlinkSync(helper.target, join(bin, "docker-credential-hubpat"));
  // A second helper that answers every `get` with its own credential and records each call, to show which
  // registries Docker routes where.
  const decoyLog = join(dir, "decoy.log");
  writeFileSync(
    join(bin, "docker-credential-decoy"),
    [
      "#!/bin/sh",
      `input=$(cat); printf '%s %s\\n' "$1" "$input" >> '${decoyLog}'`,
      `case "$1" in get) printf '{"ServerURL":"%s","Username":"decoy","Secret":"decoy-secret"}\\n' "$input";; list) echo '{}';; esac`,
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "docker-credential-decoy"), 0o755);
  writeFileSync(join(dockerConfig, "config.json"), JSON.stringify(config));

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(session.env)) if (!k.startsWith("DOCKER_")) env[k] = v;
  Object.assign(env, {
    DOCKER_CONFIG: dockerConfig,
    HOME: home,
    PATH: [bin, NODE_BIN, process.env.PATH].join(":"),
    // No engine: a socket that isn't there, so the CLI never finds a daemon of the machine's.
    DOCKER_HOST: engine?.host ?? `unix://${join(dir, "no-engine.sock")}`,
  });
  return {
    dir,
    run: (args, input = "", extraEnv = {}) => runProcess(["docker"], args, input, { ...env, ...extraEnv }),
    config: () => JSON.parse(readFileSync(join(dockerConfig, "config.json"), "utf8")),
    decoyCalls: () => {
      try {
        return readFileSync(decoyLog, "utf8").split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}


/** The registries the helper holds in the keychain, read by libsecret's secret-tool (not our binding): the item labels name them. */
function keychainAccounts(session: KeyringSession): string[] {
  const out = spawnSync("secret-tool", ["search", "--all", "service", "docker-credential-hubpat"], { env: session.env, encoding: "utf8" });
  // An empty keyring is exit 0 and no output; a keyring it could not read must not pass for an empty one.
  if (out.status !== 0) throw new Error(`secret-tool search failed: ${out.stderr}`);
  return [...out.stdout.matchAll(/^label = keyring:(.*)@docker-credential-hubpat(?: \(.*\))?$/gm)].map((m) => m[1]!).sort();
}

/** How many of the helper's items a locked keyring holds: secret-tool still finds them, but can't read them. */
function lockedItems(session: KeyringSession): number {
  const out = spawnSync("secret-tool", ["search", "--all", "service", "docker-credential-hubpat"], { env: session.env, encoding: "utf8" });
  if (!out.stderr.includes("locked")) throw new Error(`expected a locked keyring: ${out.stderr}`);
  return out.stdout.match(/^\[\/\d+\]$/gm)?.length ?? 0;
}

const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;

describe.each(helperCommands())("docker with the helper as the $name", (helper) => {
  // The helper run directly, for setup and checks, under the name Docker runs it by (a single executable picks
  // its face from that name).
  let linkDir: string;
  beforeAll(() => {
    linkDir = mkdtempSync(join(tmpdir(), "hubpat-helper-"));
    symlinkSync(helper.target, join(linkDir, "docker-credential-hubpat"));
  });
  afterAll(() => rmSync(linkDir, { recursive: true, force: true }));
  const call = (env: NodeJS.ProcessEnv, args: string[], input = "") =>
    runHelperProcess(args, input, { ...env, PATH: `${NODE_BIN}:${process.env.PATH}` }, [join(linkDir, "docker-credential-hubpat")]);

  describe.skipIf(skip)(titled("on an unlocked keychain"), () => {
    let session: KeyringSession;
    let engine: FakeEngine | undefined;
    beforeAll(async () => {
      session = await startKeyringSession("unlocked");
    });
    afterAll(async () => session?.close());
    afterEach(async () => {
      spawnSync("secret-tool", ["clear", "service", "docker-credential-hubpat"], { env: session.env });
      if (engine) {
        await engine.close();
        expect(engine.unhandled).toEqual([]);
        engine = undefined;
      }
    });
    const withEngine = async (options: FakeEngineOptions = {}) => (engine = await startFakeEngine({ registries: { [registry.host]: registry.url }, ...options }));
    const get = async (url: string) => (await call(session.env, ["get"], url)).stdout;

    it("docker login with no engine logs in client-side and stores through the helper: keychain, not config.json", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      const login = await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], `${ALICE.password}\n`);
      expect(login).toMatchObject({ stdout: "Login Succeeded\n", exitCode: 0 });
      // stderr has Docker's own log line about trying https first; never its plain-text warning.
      expect(login.stderr).not.toContain("unencrypted");
      expect(docker.config()).toEqual({ auths: { [registry.host]: {} }, credsStore: "hubpat" });
      expect(keychainAccounts(session)).toEqual([registry.host]);
      expect(await get(registry.host)).toBe(`{"ServerURL":"${registry.host}","Username":"alice","Secret":"${ALICE.password}"}\n`);
      expectNoSecretLeak([ALICE.password], { stdout: login.stdout, stderr: login.stderr, dirs: [docker.dir] });
    });

    it("docker login through an engine sends the password to /auth and stores through the helper", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      const login = await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], `${ALICE.password}\n`);
      expect(login).toEqual({ stdout: "Login Succeeded\n", stderr: "", exitCode: 0, signal: null });
      expect(eng.logins).toEqual([{ username: ALICE.username, password: ALICE.password, serveraddress: registry.host }]);
      expect(docker.config()).toEqual({ auths: { [registry.host]: {} }, credsStore: "hubpat" });
      expect(await get(registry.host)).toBe(`{"ServerURL":"${registry.host}","Username":"alice","Secret":"${ALICE.password}"}\n`);
      expectNoSecretLeak([ALICE.password], { dirs: [docker.dir] });
    });

    it.each([
      ["no engine", false, ""],
      ["an engine", true, "Error response from daemon: "],
    ])("a login the registry rejects stores nothing (%s)", async (_, useEngine, prefix) => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, useEngine ? await withEngine() : undefined);
      const login = await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], "not-the-password\n");
      expect(login.exitCode).toBe(1);
      expect(login.stdout).toBe("");
      expect(login.stderr.trimEnd().split("\n").at(-1)).toBe(`${prefix}login attempt to ${registry.url}/v2/ failed with status: 401 Unauthorized`);
      expect(keychainAccounts(session)).toEqual([]);
      expect(docker.config()).toEqual({ credsStore: "hubpat" });
    });

    it("docker pull sends the stored credential to the engine, and the registry accepts it", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      const pull = await docker.run(["pull", `${registry.host}/demo/hello`]);
      expect(pull.stderr).toBe("");
      expect(pull.exitCode).toBe(0);
      expect(pull.stdout).toMatch(/^Digest: sha256:[0-9a-f]{64}$/m);
      expect(pull.stdout.trimEnd().split("\n").at(-1)).toBe(`${registry.host}/demo/hello:latest`);
      expect(eng.pulls).toEqual([
        { image: `${registry.host}/demo/hello`, tag: "latest", registryAuth: expect.any(String), auth: { username: ALICE.username, password: ALICE.password, serveraddress: registry.host } },
      ]);
    });

    it("a Docker Hub image asks the helper for https://index.docker.io/v1/", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      expect(await call(session.env, ["store"], storeInput(HUB, "mona", MONA_PAT))).toMatchObject({ exitCode: 0 });
      const pull = await docker.run(["pull", "alpine"]);
      expect(pull).toMatchObject({ stderr: "", exitCode: 0 });
      expect(pull.stdout.trimEnd().split("\n").at(-1)).toBe("docker.io/library/alpine:latest");
      expect(eng.pulls.map((p) => [p.image, p.auth])).toEqual([["docker.io/library/alpine", { username: "mona", password: MONA_PAT, serveraddress: HUB }]]);
    });

    it("a registry with nothing stored is pulled anonymously: X-Registry-Auth is {}", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await call(session.env, ["store"], storeInput(HUB, "mona", MONA_PAT));
      const pull = await docker.run(["pull", "registry.example.test/tools/jq:1.7"]);
      expect(pull).toMatchObject({ stderr: "", exitCode: 0 });
      expect(eng.pulls.map((p) => [p.image, p.tag, p.registryAuth])).toEqual([["registry.example.test/tools/jq", "1.7", "e30="]]);
    });

    it("without credentials the real registry refuses the pull, and Docker says so", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      const pull = await docker.run(["pull", `${registry.host}/demo/hello`]);
      expect(pull.exitCode).toBe(1);
      expect(pull.stderr).toMatch(/^Error response from daemon: .*no basic auth credentials$/m);
      expect(eng.pulls.map((p) => p.registryAuth)).toEqual(["e30="]);
    });

    it("docker create of a missing image pulls it with the stored credential, then creates", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      const create = await docker.run(["create", `${registry.host}/demo/hello`]);
      expect(create.exitCode).toBe(0);
      expect(create.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      expect(create.stderr).toContain(`Unable to find image '${registry.host}/demo/hello:latest' locally`);
      expect(eng.pulls.map((p) => p.auth)).toEqual([{ username: ALICE.username, password: ALICE.password, serveraddress: registry.host }]);
    });

    it("docker login with no -u logs in again with the stored credential, read through the helper", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      const again = await docker.run(["login", registry.host]);
      expect(again).toMatchObject({ stdout: "Login Succeeded\n", exitCode: 0 });
      expect(again.stderr).toMatch(/^Authenticating with existing credentials\.\.\. \[Username: alice\]\n/);
      expect(eng.logins).toHaveLength(2);
      expect(eng.logins[1]).toEqual({ username: ALICE.username, password: ALICE.password, serveraddress: registry.host });
    });

    it("a legacy docker build lists the helper's registries and sends every credential in X-Registry-Config", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await call(session.env, ["store"], storeInput(HUB, "mona", MONA_PAT));
      await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      const context = join(docker.dir, "context");
      mkdirSync(context);
      writeFileSync(join(context, "Dockerfile"), "FROM scratch\n");
      const build = await docker.run(["build", context], "", { DOCKER_BUILDKIT: "0" });
      expect(build.exitCode).toBe(0);
      expect(build.stdout).toMatch(/^Successfully built [0-9a-f]{12}\n$/m);
      expect(build.stderr).not.toContain("docker-credential-hubpat");
      expect(eng.builds).toEqual([
        {
          [HUB]: { username: "mona", password: MONA_PAT, serveraddress: HUB },
          [registry.host]: { username: ALICE.username, password: ALICE.password, serveraddress: registry.host },
        },
      ]);
    });

    it("docker logout erases the credential: keychain and config.json empty, no warning", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      expect(keychainAccounts(session)).toEqual([registry.host]);
      const logout = await docker.run(["logout", registry.host]);
      expect(logout).toEqual({ stdout: `Removing login credentials for ${registry.host}\n`, stderr: "", exitCode: 0, signal: null });
      expect(keychainAccounts(session)).toEqual([]);
      expect(docker.config()).toEqual({ auths: {}, credsStore: "hubpat" });
    });

    it("docker logout HOST erases every spelling Docker tries (host, http://, https://) and no other registry", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      for (const key of [registry.host, `http://${registry.host}`, `https://${registry.host}`, "other.example.test"]) {
        await call(session.env, ["store"], storeInput(key, "alice", "some-secret"));
      }
      const logout = await docker.run(["logout", registry.host]);
      expect(logout).toMatchObject({ stderr: "", exitCode: 0 });
      expect(keychainAccounts(session)).toEqual(["other.example.test"]);
    });

    it("docker logout with nothing stored succeeds quietly, since erasing a missing key is not an error", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      const logout = await docker.run(["logout", registry.host]);
      expect(logout).toEqual({ stdout: `Removing login credentials for ${registry.host}\n`, stderr: "", exitCode: 0, signal: null });
    });

    // Docker first asks `get https://index.docker.io/v1/refresh-token` (a web login's token): any answer but the
    // exact not-found one puts a WARNING on stderr.
    it("docker logout with no server erases the Docker Hub credential", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      await call(session.env, ["store"], storeInput(HUB, "mona", MONA_PAT));
      const logout = await docker.run(["logout"]);
      expect(logout).toEqual({ stdout: `Removing login credentials for ${HUB}\n`, stderr: "", exitCode: 0, signal: null });
      expect(keychainAccounts(session)).toEqual([]);
    });

    it("a credHelpers entry routes that registry alone to hubpat; the rest go to credsStore", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "decoy", credHelpers: { [registry.host]: "hubpat" } }, eng);
      // hubpat holds a credential for the other registry too: if Docker asked hubpat for it, the pull would carry it.
      await call(session.env, ["store"], storeInput("other.example.test", "alice", "hubpat-other-secret"));
      const login = await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      expect(login).toMatchObject({ stdout: "Login Succeeded\n", exitCode: 0 });
      expect(keychainAccounts(session)).toEqual([registry.host, "other.example.test"]);
      expect((await docker.run(["pull", `${registry.host}/demo/hello`])).exitCode).toBe(0);
      expect((await docker.run(["pull", "other.example.test/app"])).exitCode).toBe(0);
      expect(eng.pulls.map((p) => p.auth)).toEqual([
        { username: ALICE.username, password: ALICE.password, serveraddress: registry.host },
        { username: "decoy", password: "decoy-secret", serveraddress: "other.example.test" },
      ]);
      expect((await docker.run(["logout", registry.host])).exitCode).toBe(0);
      expect(keychainAccounts(session)).toEqual(["other.example.test"]);
      // Docker 28 routes by the exact key: of the four spellings logout erases, the two with a scheme are not the
      // credHelpers key, so they go to credsStore. Only the bare host ever reached hubpat.
      expect(docker.decoyCalls()).toEqual(["get other.example.test", `erase http://${registry.host}`, `erase https://${registry.host}`]);
    });

    it("an identity token stored as Username <token> is sent as identitytoken, without username or password", async () => {
      const eng = await withEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      await call(session.env, ["store"], '{"ServerURL":"tokens.example.test","Username":"\\u003ctoken\\u003e","Secret":"idt-0123456789"}\n');
      expect((await docker.run(["pull", "tokens.example.test/app"])).exitCode).toBe(0);
      expect(eng.pulls.map((p) => p.auth)).toEqual([{ identitytoken: "idt-0123456789", serveraddress: "tokens.example.test" }]);
    });

    it("a login answered with an IdentityToken stores <token> and the token, never the password", async () => {
      const eng = await withEngine({ identityTokens: { "tokens.example.test": "idt-from-engine-42" } });
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, eng);
      const login = await docker.run(["login", "-u", "alice", "--password-stdin", "tokens.example.test"], "alice-oauth-password\n");
      expect(login).toMatchObject({ stdout: "Login Succeeded\n", exitCode: 0 });
      expect(await get("tokens.example.test")).toBe('{"ServerURL":"tokens.example.test","Username":"\\u003ctoken\\u003e","Secret":"idt-from-engine-42"}\n');
      expect((await docker.run(["pull", "tokens.example.test/app"])).exitCode).toBe(0);
      expect(eng.pulls.map((p) => p.auth)).toEqual([{ identitytoken: "idt-from-engine-42", serveraddress: "tokens.example.test" }]);
      expectNoSecretLeak(["alice-oauth-password"], { dirs: [docker.dir] });
    });
  });

  describe.skipIf(skip).each<KeyringMode>(["no-service", "locked"])(titled("with the keychain %s"), (mode) => {
    let session: KeyringSession;
    let engine: FakeEngine | undefined;
    const reason = new KeychainError(mode === "locked" ? "locked" : "no-service").message;
    beforeAll(async () => {
      // Locked: a Hub and a registry credential sit behind the lock, so `get` and `erase` have something they can't reach.
      session = await startKeyringSession(mode, {
        seed: async (env) => {
          for (const input of [storeInput(HUB, "mona", MONA_PAT), storeInput(registry.host, ALICE.username, ALICE.password)]) {
            const seeded = await call(env, ["store"], input);
            if (seeded.exitCode !== 0) throw new Error(`could not seed the keyring: ${seeded.stdout}`);
          }
        },
      });
    });
    afterAll(async () => session?.close());
    afterEach(async () => {
      if (engine) {
        await engine.close();
        expect(engine.unhandled).toEqual([]);
        engine = undefined;
      }
    });

    it("docker pull of a public image goes on anonymously; the helper's reason reaches the terminal", async () => {
      engine = await startFakeEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, engine);
      const pull = await docker.run(["pull", "alpine"]);
      expect(pull.exitCode).toBe(0);
      expect(pull.stderr).toBe(`docker-credential-hubpat: answering "not found" for ${HUB}: ${reason}\n`);
      expect(pull.stdout.trimEnd().split("\n").at(-1)).toBe("docker.io/library/alpine:latest");
      expect(engine.pulls.map((p) => p.registryAuth)).toEqual(["e30="]);
    });

    it("docker create of a missing public image still pulls and creates (a get error would abort it)", async () => {
      engine = await startFakeEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, engine);
      const create = await docker.run(["create", "alpine"]);
      expect(create.exitCode).toBe(0);
      expect(create.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      expect(create.stderr).toContain(`docker-credential-hubpat: answering "not found" for ${HUB}: ${reason}\n`);
      expect(engine.pulls.map((p) => p.registryAuth)).toEqual(["e30="]);
    });

    it("a legacy docker build still runs, with no credentials to send, and the helper says why", async () => {
      engine = await startFakeEngine();
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" }, engine);
      const context = join(docker.dir, "context");
      mkdirSync(context);
      writeFileSync(join(context, "Dockerfile"), "FROM scratch\n");
      const build = await docker.run(["build", context], "", { DOCKER_BUILDKIT: "0" });
      expect(build.exitCode).toBe(0);
      expect(build.stdout).toMatch(/^Successfully built [0-9a-f]{12}\n$/m);
      // Docker drops a failed `list` without a word, so the helper says it on stderr, which reaches the terminal.
      expect(build.stderr).toContain(`docker-credential-hubpat: could not list credentials: ${reason}\n`);
      expect(engine.builds).toEqual([{}]);
    });

    it("docker logout (Docker Hub) warns that it could not erase, quoting the helper's reason", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      const logout = await docker.run(["logout"]);
      expect(logout).toMatchObject({ stdout: `Removing login credentials for ${HUB}\n`, exitCode: 0 });
      expect(logout.stderr).toContain(`WARNING: could not erase credentials:\n${HUB}: error erasing credentials - err: exit status 1, out: \`${reason}\`\n`);
      if (mode === "locked") expect(lockedItems(session)).toBe(2);
    });

    it("docker logout HOST exits 0 and the credential stays: Docker 28 never warns, so the helper tells the user", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      const logout = await docker.run(["logout", registry.host]);
      // Docker erases [HOST, HOST, http://HOST, https://HOST] and warns only when the map of failures has as many
      // keys as that list: HOST twice makes that impossible (cli/command/registry/logout.go), so the user is told
      // nothing itself: the helper's stderr is the only place that says why.
      expect(logout).toMatchObject({ stdout: `Removing login credentials for ${registry.host}\n`, exitCode: 0 });
      expect(logout.stderr).not.toContain("WARNING");
      expect(logout.stderr).toContain(`docker-credential-hubpat: could not erase ${registry.host}: ${reason}\n`);
      if (mode === "locked") expect(lockedItems(session)).toBe(2);
    });

    it("docker login fails with Docker's 'Error saving credentials' and the helper's one-sentence reason", async () => {
      const docker = dockerWorld(helper, session, { credsStore: "hubpat" });
      const login = await docker.run(["login", "-u", ALICE.username, "--password-stdin", registry.host], ALICE.password);
      expect(login.exitCode).toBe(1);
      expect(login.stderr).toMatch(new RegExp(`^Error saving credentials: error storing credentials - err: exit status 1, out: \`${escape(reason)}\`$`, "m"));
      expect(docker.config()).toEqual({ credsStore: "hubpat" });
      expectNoSecretLeak([ALICE.password], { stdout: login.stdout, stderr: login.stderr, dirs: [docker.dir] });
    });
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
