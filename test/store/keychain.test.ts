// The helper against a real Secret Service (gnome-keyring) in a private D-Bus session: the keychain users have,
// in the states users hit — unlocked, locked with the unlock refused, no Secret Service, no session bus, hung.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { helperCommands } from "../fakes/binaries.js";
import { runHelperProcess } from "../fakes/helper-process.js";
import { keyringItems as items } from "../helper/processes.js";

const HUB = "https://index.docker.io/v1/";
const NOT_FOUND = "credentials not found in native keychain\n";
const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;

/** What secret-tool (libsecret, not our binding) sees of the helper's items: label, account, secret. */
const keyringItems = (env: NodeJS.ProcessEnv) => items(env).map(({ label, account, secret }) => ({ label, account, secret }));

// Each build of the helper: the npm bundle on Node and the single executable on Bun run the same keychain code.
describe.skipIf(!canRun).each(helperCommands())("helper ($name) on an unlocked Secret Service", ({ command }) => {
  let session: KeyringSession;
  const helper = (args: string[], input = "") => runHelperProcess(args, input, session.env, command);
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
  });
  afterAll(async () => session?.close());

  it("stores, gets, lists and erases, byte for byte as Docker expects", async () => {
    expect(await helper(["store"], storeInput("127.0.0.1:5000", "alice", "s3cret"))).toMatchObject({ stdout: "", stderr: "", exitCode: 0 });
    expect(await helper(["get"], "127.0.0.1:5000")).toMatchObject({ stdout: '{"ServerURL":"127.0.0.1:5000","Username":"alice","Secret":"s3cret"}\n', stderr: "", exitCode: 0 });
    expect(await helper(["list"], "unused")).toMatchObject({ stdout: '{"127.0.0.1:5000":"alice"}\n', exitCode: 0 });
    expect(await helper(["erase"], "127.0.0.1:5000")).toMatchObject({ stdout: "", stderr: "", exitCode: 0 });
    expect(await helper(["get"], "127.0.0.1:5000")).toMatchObject({ stdout: NOT_FOUND, stderr: "", exitCode: 1 });
    expect(keyringItems(session.env)).toEqual([]);
  });

  it("keeps one readable item per registry, the username inside the secret and in the label, not in the attributes", async () => {
    await helper(["store"], storeInput("ghcr.io", "mona", "ghp_one"));
    expect(keyringItems(session.env)).toEqual([
      { label: "keyring:ghcr.io@docker-credential-hubpat (mona)", account: "ghcr.io", secret: '{"v":1,"username":"mona","secret":"ghp_one"}' },
    ]);
    await helper(["erase"], "ghcr.io");
  });

  it("overwrites in place: storing twice leaves one item with the new secret", async () => {
    await helper(["store"], storeInput(HUB, "mona", "dckr_pat_old"));
    await helper(["store"], storeInput(HUB, "mona", "dckr_pat_new"));
    expect((await helper(["get"], HUB)).stdout).toBe(`{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_new"}\n`);
    expect(keyringItems(session.env).filter((i) => i.account === HUB)).toHaveLength(1);
    await helper(["erase"], HUB);
  });

  it("round-trips unicode, identity-token usernames and a 32 KiB secret exactly", async () => {
    const long = "x".repeat(32 * 1024);
    await helper(["store"], '{"ServerURL":"reg.test","Username":"\\u003ctoken\\u003e","Secret":"pässwörd ✓ 🐳 \\u0026"}\n');
    await helper(["store"], storeInput("long.test", "łukasz", long));
    expect((await helper(["get"], "reg.test")).stdout).toBe('{"ServerURL":"reg.test","Username":"\\u003ctoken\\u003e","Secret":"pässwörd ✓ 🐳 \\u0026"}\n');
    expect((await helper(["get"], "long.test")).stdout).toBe(`{"ServerURL":"long.test","Username":"łukasz","Secret":"${long}"}\n`);
    expect((await helper(["list"], "unused")).stdout).toBe('{"long.test":"łukasz","reg.test":"\\u003ctoken\\u003e"}\n');
    await helper(["erase"], "reg.test");
    await helper(["erase"], "long.test");
  });

  it("treats keys as exact strings and succeeds erasing a key that isn't there", async () => {
    await helper(["store"], storeInput("l.test", "u", "s"));
    expect((await helper(["get"], "https://l.test")).stdout).toBe(NOT_FOUND);
    expect(await helper(["erase"], "https://l.test")).toMatchObject({ stdout: "", exitCode: 0 });
    expect(keyringItems(session.env).map((i) => i.account)).toEqual(["l.test"]);
    await helper(["erase"], "l.test");
  });

  it("leaves the keychain untouched when the input is bad", async () => {
    await helper(["store"], storeInput("keep.test", "u", "s"));
    const before = keyringItems(session.env);
    for (const [args, input] of [[["store"], ""], [["store"], "not json"], [["store"], '{"ServerURL":"x.test","Secret":"s"}'], [["frob"], ""], [[], ""]] as const) {
      const result = await helper([...args], input);
      expect(result.exitCode).toBe(1);
      expect(result.stdout.split("\n")).toHaveLength(2);
    }
    expect(keyringItems(session.env)).toEqual(before);
    await helper(["erase"], "keep.test");
  });

  it("answers not-found, explaining on stderr, for an item under its name that it didn't write, and lists around it", async () => {
    spawnSync("secret-tool", ["store", "--label=foreign", "service", "docker-credential-hubpat", "username", "odd.test"], { env: session.env, input: "plain" });
    const result = await helper(["get"], "odd.test");
    expect(result).toMatchObject({ stdout: NOT_FOUND, exitCode: 1 });
    expect(result.stderr).toBe(`docker-credential-hubpat: answering "not found" for odd.test: the keychain refused the request (the keychain item for odd.test is not in hubpat's format: erase it with docker logout and log in again)\n`);
    expect(result.stderr).not.toContain("plain");
    await helper(["store"], storeInput("mine.test", "u", "s"));
    expect(await helper(["list"], "unused")).toMatchObject({ stdout: '{"mine.test":"u"}\n', exitCode: 0 });
    await helper(["erase"], "odd.test");
    await helper(["erase"], "mine.test");
  });
});

/** The one line of stdout and stderr for each action when the keychain can't be used. */
async function expectUnreachable(command: string[], env: NodeJS.ProcessEnv, fix: string, detail = "", { hung = false } = {}) {
  // After answering, a helper whose keychain call is stuck in a native thread ends itself with SIGKILL.
  const failed = (r: { exitCode: number | null; signal: string | null }) => r.exitCode === 1 || (hung && r.signal === "SIGKILL");
  const line = (text: string) => new RegExp(`^${escape(text)}${detail ? ` \\((${detail})\\)` : ""}\n$`);
  const get = await runHelperProcess(["get"], HUB, env, command);
  expect(get.stdout).toBe(NOT_FOUND);
  expect(failed(get)).toBe(true);
  expect(get.stderr).toMatch(line(`docker-credential-hubpat: answering "not found" for ${HUB}: ${fix}`));
  const stderrFor: Record<string, (text: string) => string> = {
    store: () => "",
    erase: (text) => `docker-credential-hubpat: could not erase ${HUB}: ${text}`,
    list: (text) => `docker-credential-hubpat: could not list credentials: ${text}`,
  };
  for (const [action, input] of [["store", storeInput(HUB, "mona", "dckr_pat_SECRET")], ["erase", HUB], ["list", "unused"]]) {
    const result = await runHelperProcess([action!], input!, env, command);
    expect(result.stderr).toBe(stderrFor[action!]!(result.stdout));
    expect(failed(result)).toBe(true);
    expect(result.stdout).toMatch(line(fix));
    expect(result.stdout).not.toContain("SECRET");
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const LOCKED = "the keychain is locked and the unlock was refused: unlock your login keyring (for example in Seahorse) and try again";
const NO_SERVICE = "no Secret Service on the session bus: install and start gnome-keyring (or KeePassXC with Secret Service enabled)";
const NO_BUS = "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead): run inside a desktop session or start one with dbus-run-session";

describe.skipIf(!canRun).each(helperCommands())("helper ($name) when the keychain can't answer", ({ command }) => {
  it("locked, unlock refused: get says not-found so pulls go on; store, erase and list fail naming the fix", async () => {
    const session = await startKeyringSession("locked", {
      seed: async (env) => {
        expect((await runHelperProcess(["store"], storeInput(HUB, "mona", "dckr_pat_kept"), env, command)).exitCode).toBe(0);
      },
    });
    try {
      await expectUnreachable(command, session.env, LOCKED);
    } finally {
      await session.close();
    }
  });

  it("no Secret Service on the bus", async () => {
    const session = await startKeyringSession("no-service");
    try {
      await expectUnreachable(command, session.env, NO_SERVICE);
    } finally {
      await session.close();
    }
  });

  it("no session bus at all, or a dead one", async () => {
    const noBus = { ...process.env };
    delete noBus.DBUS_SESSION_BUS_ADDRESS;
    await expectUnreachable(command, noBus, NO_BUS);
    await expectUnreachable(command, { ...noBus, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }, NO_BUS);
  });

  it("a Secret Service that hangs: every action gives up after the timeout instead of hanging Docker", async () => {
    const session = await startKeyringSession("unlocked");
    try {
      process.kill(session.daemonPid!, "SIGSTOP");
      const env = { ...session.env, HUBPAT_KEYCHAIN_TIMEOUT_MS: "400" };
      // Either our 400 ms timer fires or the binding's own D-Bus connect gives up (about 2 s): both end the call.
      await expectUnreachable(command, env, "the keychain did not answer in time: unlock it if it is waiting for a password, or restart the keyring daemon", "no answer in 400 ms|the D-Bus call got no reply", { hung: true });
    } finally {
      process.kill(session.daemonPid!, "SIGCONT");
      await session.close();
    }
  });
});
