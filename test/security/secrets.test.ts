// Secret hygiene: passwords, 2FA codes, session JWTs and PATs go only where they belong (the keychain, the Hub,
// and a new PAT once on stdout), never into argv, stderr, --debug lines, error messages, settings or temp files.
// Passwords and codes come from a TTY prompt or stdin, never a flag. Checked with test/fakes/secrets.ts.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTokens } from "../../src/cli/entry.js";
import { runCreate } from "../../src/commands/create.js";
import { runDelete } from "../../src/commands/delete.js";
import { runInspect } from "../../src/commands/inspect.js";
import { runList } from "../../src/commands/list.js";
import { runLogin } from "../../src/commands/login.js";
import { runStatus } from "../../src/commands/status.js";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { handle } from "../../src/helper/protocol.js";
import { HubClient } from "../../src/hub/client.js";
import { MemoryStore } from "../../src/store/memory.js";
import { sink, testDeps } from "../fakes/deps.js";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";
import { everyStore, type StoreWorld } from "../fakes/every-store.js";
import { failure, MONA, TOTP_SECRET, useEmulator } from "../fakes/hub.js";
import { expectNoSecretLeak, expectSecretsOnlyOnStdin } from "../fakes/secrets.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const mode = (p: string) => statSync(p).mode & 0o777;

/** `hub-tokens ARGV` in this process, on buffers: what a person would see, and the exit code. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await runTokens(argv, { stdin: Readable.from([]), stdout: out.stream, stderr: err.stream, env: { HUBPAT_HUB_URL: "http://127.0.0.1:9" } });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe("passwords and codes never come from a flag", () => {
  it.each([
    [["login", "--password", "hunter2-flag"]],
    [["login", "--password=hunter2-flag"]],
    [["login", "-u", "mona", "-p", "hunter2-flag"]],
    [["login", "-u", "mona", "--code", "914273"]],
    [["login", "--otp=914273"]],
    [["login", "mona", "hunter2-flag"]],
  ])("%j is a usage error (exit 2) that doesn't repeat the value", async (argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: (unknown option|too many arguments)/);
    expectNoSecretLeak(["hunter2-flag", "914273"], { stdout: r.stdout, stderr: r.stderr });
  });

  it("offers no flag that takes a password, a code or a token value", async () => {
    const help = (await cli(["login", "--help"])).stdout + (await cli(["--help"])).stdout + (await cli(["create", "--help"])).stdout;
    expect(help).not.toMatch(/--(password|passwd|pw|code|otp|2fa|token|secret|session)\b(?!-stdin)/);
  });
});

describe("the helper's answers", () => {
  it.each([
    ["JSON cut off", '{"ServerURL":"r.test","Username":"u","Secret":"dckr_pat_cutoff'],
    ["a number for Username", '{"ServerURL":"r.test","Username":7,"Secret":"dckr_pat_cutoff"}'],
    ["no ServerURL", '{"Username":"u","Secret":"dckr_pat_cutoff"}'],
    ["an array", '["dckr_pat_cutoff"]'],
  ])("to a store with %s never quote the secret", async (_name, input) => {
    const r = await handle(["store"], input, async () => new MemoryStore());
    expect(r.exitCode).toBe(1);
    expectNoSecretLeak(["dckr_pat_cutoff"], { stdout: r.stdout, stderr: r.stderr });
  });
});

describe("settings", () => {
  it("a settings file an older hubpat left readable to others is made private on the next run", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "hubpat-oldconf-")), "conf");
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, "config.json"), '{"usernames":{"https://hub.docker.com":"mona"}}\n', { mode: 0o644 });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "config.json"), 0o644);
    await runHelperProcess(["status"], "", { PATH: process.env.PATH, HUBPAT_CONFIG_DIR: dir, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }, [process.execPath, HUB_TOKENS]);
    expect([mode(dir), mode(join(dir, "config.json"))]).toEqual([0o700, 0o600]);
  });
});

describe("commands against the emulator, with --debug", () => {
  const ctx = useEmulator(() => ({ users: [{ ...MONA, totpSecret: TOTP_SECRET, tokens: [{ label: "old", isActive: false }] }] }));

  it("keep every secret out of stderr, debug lines and error messages; a new PAT is on stdout once", async () => {
    const hub = ctx.hub;
    const code = hub.currentCode("mona");
    const seeded = hub.seededSecret("mona", "old");
    const t = testDeps({
      hubUrl: hub.url,
      stdin: `${MONA.password}\n${code}\n`,
      debug: true,
      connect: async (session) => new HubClient({ baseUrl: hub.url, ...(session ? { session } : {}), backoffMs: 1, debug: (l) => t.deps.io.debug(l), warn: (l) => t.deps.io.warn(l) }),
    });
    await runLogin({ username: "mona", passwordStdin: true }, t.deps);
    const session = t.sessions.entries.get(`${hub.url}#mona`)!.secret;
    await runCreate({ label: "printed", scope: "Read-only", expires: "30d", dockerLogin: false, json: false }, t.deps);
    const printed = t.stdout().trim();
    expect(printed).toMatch(/^dckr_pat_/);
    await runCreate({ label: "docker", scope: "repo:write", expires: "never", dockerLogin: true, json: true }, t.deps);
    const stored = t.store.entries.get("https://index.docker.io/v1/")!.secret;
    await runList({ active: false, inactive: false, json: true }, t.deps);
    await runInspect({ tokens: ["docker", "printed"], json: false }, t.deps);
    await runStatus({ json: false }, t.deps);
    await runDelete({ tokens: ["printed"], inactive: true, expired: false, yes: true, dryRun: false, json: false }, t.deps);
    expect(t.stderr()).toMatch(/^debug: → POST /m); // the debug channel was on
    // stdout held the printed PAT, once, by design; nothing else.
    expect(t.stdout().split(printed)).toHaveLength(2);
    expectNoSecretLeak([MONA.password, code, session, stored, seeded], { stdout: t.stdout(), stderr: t.stderr() });
    expectNoSecretLeak([printed], { stderr: t.stderr() });
  });

  it("keep them out of every failure's message too", async () => {
    const hub = ctx.hub;
    const messages: string[] = [];
    const wrongPassword = testDeps({ hubUrl: hub.url, stdin: "not-the-password-77\n" });
    messages.push((await failure(runLogin({ username: "mona", passwordStdin: true }, wrongPassword.deps))).line);
    const wrongCode = testDeps({ hubUrl: hub.url, stdin: `${MONA.password}\n000000\n` });
    messages.push((await failure(runLogin({ username: "mona", passwordStdin: true }, wrongCode.deps))).line);
    const revoked = `${hub.sessionFor("mona")}x`;
    const expired = testDeps({ hubUrl: hub.url, session: { username: "mona", token: revoked } });
    messages.push((await failure(runList({ active: false, inactive: false, json: false }, expired.deps))).line);
    expect(messages).toEqual([
      "hub-tokens: Docker Hub did not accept the password for mona: check the username and password and try again",
      "hub-tokens: Docker Hub did not accept the 2FA code: enter the current code from your authenticator app",
      "hub-tokens: Docker Hub refused the session: it expired or was revoked (run: hub-tokens login)",
    ]);
    expectNoSecretLeak(["not-the-password-77", MONA.password, "000000", revoked], { messages, stderr: wrongPassword.stderr() + wrongCode.stderr() + expired.stderr() });
  });
});

// The same sweep in every store the helper can be told to use (test/fakes/every-store.ts): the keychain, pass, the
// kernel keyring and the plain file. Only the keychain starts no process; pass and the kernel store run pass/gpg
// and keyctl, and no secret may reach their argv.
describe.each(everyStore())("the built hub-tokens and helper, as processes, on the $name store", (kind) => {
  let world: StoreWorld;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;
  let conf: string;
  let temp: string;
  let children: string;
  const argvs: string[][] = [];
  const outputs: { stdout: string; stderr: string }[] = [];

  const run = async (args: string[], input = "") => {
    const argv = [process.execPath, "--require", join(ROOT, "test", "fakes", "record-children.cjs"), HUB_TOKENS, ...args];
    argvs.push(argv);
    const r = await runHelperProcess(argv.slice(1), input, env, [argv[0]!]);
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    world = await kind.start();
    hub = await startEmulator({ users: [{ ...MONA, totpSecret: TOTP_SECRET }] });
    const root = mkdtempSync(join(tmpdir(), "hubpat-hygiene-"));
    conf = join(root, "conf");
    temp = join(root, "tmp");
    mkdirSync(temp, { mode: 0o700 });
    children = join(root, "children.jsonl");
    // TMPDIR too: whatever hubpat might leave in a temp dir lands where this test can look.
    env = { ...world.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: conf, TMPDIR: temp, HUBPAT_RECORD_CHILDREN: children };
  });
  afterAll(async () => {
    await hub?.close();
    await world?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("log in, create, list, delete and log out leaving no secret anywhere but the store, no secret in any argv", async () => {
    const code = hub.currentCode("mona");
    expect((await run(["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n${code}\n`)).exitCode).toBe(0);
    const sessions = [...hub.state.sessions.keys()];
    expect(sessions).toHaveLength(1);
    const printed = await run(["--debug", "create", "--label", "ci", "--scope", "Read-only", "--expires", "30d"]);
    expect(printed.exitCode).toBe(0);
    const pat = printed.stdout.trim();
    expect((await run(["create", "--label", "laptop", "--scope", "repo:write", "--expires", "never", "--docker-login"])).exitCode).toBe(0);
    const before = await runHelperProcess(["get"], "https://index.docker.io/v1/", env, [process.execPath, HELPER_BIN]);
    const firstDockerPat = (JSON.parse(before.stdout) as { Secret: string }).Secret;
    expect((await run(["--debug", "rotate"])).exitCode).toBe(0);
    const got = await runHelperProcess(["get"], "https://index.docker.io/v1/", env, [process.execPath, HELPER_BIN]);
    const dockerPat = (JSON.parse(got.stdout) as { Secret: string }).Secret;
    expect(dockerPat).not.toBe(firstDockerPat);
    // A failing Hub answer (404), with --debug: its message and debug lines hold no secret either.
    expect((await run(["--debug", "inspect", "no-such-token"])).exitCode).not.toBe(0);
    expect((await run(["--debug", "list", "--json"])).exitCode).toBe(0);
    expect((await run(["--debug", "status"])).exitCode).toBe(0);
    expect((await run(["--debug", "rm", "ci", "--yes"])).exitCode).toBe(0);
    expect((await run(["logout"])).exitCode).toBe(0);

    const secrets = [MONA.password, code, ...sessions, firstDockerPat, dockerPat];
    // The one PAT printed on purpose appears in that one stdout and nowhere else.
    expectNoSecretLeak([pat], { stderr: outputs.map((o) => o.stderr).join("\n"), stdout: outputs.filter((o) => o !== printed).map((o) => o.stdout).join("\n") });
    expectNoSecretLeak(secrets, { stdout: outputs.map((o) => o.stdout).join("\n"), stderr: outputs.map((o) => o.stderr).join("\n") + got.stderr + before.stderr });
    // The plain file store's own file is where its secrets are meant to be; pass's files are encrypted and searched.
    const storeDirs = [world.env.PASSWORD_STORE_DIR].filter((d): d is string => d !== undefined);
    expectNoSecretLeak([...secrets, pat], { dirs: [conf, temp, ...storeDirs], except: [join(conf, "credentials.json")] });
    for (const argv of argvs) expectSecretsOnlyOnStdin([...secrets, pat], argv, env);
    let started: string[][] = [];
    try {
      started = readFileSync(children, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
    } catch {
      // never written: nothing started
    }
    // With the keychain hubpat starts no child process at all; pass and keyctl are started with no secret in argv.
    if (kind.name === "keychain" || kind.name === "file") expect(started).toEqual([]);
    else {
      expect(started.length).toBeGreaterThan(0);
      expectNoSecretLeak([...secrets, pat], { argv: started });
    }
  });

  it("writes its settings 0600 in a 0700 directory, and nothing else there", () => {
    expect(mode(conf)).toBe(0o700);
    expect(readdirSync(conf).sort()).toEqual(kind.name === "file" ? ["config.json", "credentials.json"] : ["config.json"]);
    for (const f of readdirSync(conf)) expect(mode(join(conf, f))).toBe(0o600);
    // Node's compile cache (bin/*.cjs turns it on) holds compiled code only; the search above covered it too.
    expect(readdirSync(temp).filter((f) => f !== "node-compile-cache")).toEqual([]);
  });
});
