// The keychain with Secret Services other than an unlocked gnome-keyring with a login keyring: gnome-keyring with
// no default collection (a fresh headless machine), and KeePassXC's Secret Service (offscreen, a throwaway
// database). KWallet is not tested: Debian's kwalletd needs a KDE session and a display to start, so it does not
// run headless here.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveKeePassXC, haveSecretService, KEYRING_PASSWORD, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { KeychainStore } from "../../src/store/keychain.js";
import { helperCommands } from "../fakes/binaries.js";
import { hubpat, keyringItems } from "../helper/processes.js";

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");
if (!haveKeePassXC() && process.env.CI) throw new Error("CI must install keepassxc (see scripts/setup-machine.sh)");

const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;
const NOT_FOUND = "credentials not found in native keychain\n";
const BUILDS = helperCommands();
const store = (env: NodeJS.ProcessEnv) => new KeychainStore({ env, readTimeoutMs: 20_000, writeTimeoutMs: 20_000 });

describe.skipIf(!canRun)("gnome-keyring with no default collection", { timeout: 180_000 }, () => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("no-default");
  });
  afterAll(async () => {
    // The fix below starts a daemon of its own (--replace): end it by its pid, found on the bus.
    const owner = /uint32 (\d+)/.exec(spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", "string:org.freedesktop.secrets"], { env: session.env, encoding: "utf8" }).stdout)?.[1];
    if (owner && Number(owner) !== session.daemonPid) process.kill(Number(owner), "SIGKILL");
    await session?.close();
  });

  it("says before anything is asked that no collection can take the item, with the command that makes one; misses still answer", async () => {
    const problem = await store(session.env).check();
    expect(problem).toEqual({
      problem: "the Secret Service has no default collection to keep new items in",
      fix: `create the login keyring: read -rsp "New keyring password: " pw && printf %s "$pw" | gnome-keyring-daemon --replace --unlock --components=secrets; unset pw`,
    });
    for (const { name, command } of BUILDS) {
      const stored = await hubpat(["store"], storeInput("a.test", "mona", "dckr_pat_x"), session.env, command);
      expect({ name, stdout: stored.stdout, exitCode: stored.exitCode }).toEqual({ name, stdout: `${problem!.problem}: ${problem!.fix}\n`, exitCode: 1 });
      expect(await hubpat(["get"], "a.test", session.env, command)).toMatchObject({ stdout: NOT_FOUND, stderr: "", exitCode: 1 });
      expect(await hubpat(["list"], "", session.env, command)).toMatchObject({ stdout: "{}\n", exitCode: 0 });
    }
  });

  it("works once the fix it names has run", async () => {
    // The fix as a person runs it, with the password typed: here, given on stdin.
    const fixed = spawnSync("sh", ["-c", "printf %s \"$PW\" | gnome-keyring-daemon --replace --unlock --components=secrets"], { env: { ...session.env, PW: KEYRING_PASSWORD }, encoding: "utf8" });
    expect(fixed.status).toBe(0);
    const keychain = store(session.env);
    let problem: unknown;
    // The replacing daemon takes the bus name over within a second or two.
    for (let i = 0; i < 50; i++) {
      problem = await keychain.check();
      if (problem === null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(problem).toBeNull();
    expect(keychain.describe()).toBe('Secret Service collection "Login" (GNOME Keyring), service "docker-credential-hubpat"');
    expect(await hubpat(["store"], storeInput("a.test", "mona", "dckr_pat_x"), session.env)).toMatchObject({ stdout: "", exitCode: 0 });
    expect((await hubpat(["get"], "a.test", session.env)).stdout).toBe('{"ServerURL":"a.test","Username":"mona","Secret":"dckr_pat_x"}\n');
  });
});

describe.skipIf(!canRun || !haveKeePassXC())("KeePassXC's Secret Service", { timeout: 180_000 }, () => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("keepassxc");
  }, 120_000);
  afterAll(async () => session?.close());

  it.each(BUILDS)("$name stores, gets, overwrites, lists and erases, byte for byte as on gnome-keyring", ({ command }) => session.explain(async () => {
    const helper = (action: string, input: string) => hubpat([action], input, session.env, command);
    expect(await helper("store", storeInput("k.test", "mona", "dckr_pat_one"))).toMatchObject({ stdout: "", stderr: "", exitCode: 0 });
    expect((await helper("get", "k.test")).stdout).toBe('{"ServerURL":"k.test","Username":"mona","Secret":"dckr_pat_one"}\n');
    // Overwriting an item another process made: in place, with no dialog for a person to answer.
    expect(await helper("store", storeInput("k.test", "<token>", "ey.J}{TITLE}{USERNAME} ✓"))).toMatchObject({ stdout: "", stderr: "", exitCode: 0 });
    // KeePassXC's placeholders ({TITLE}, {USERNAME}) are not expanded in what it gives back.
    expect((await helper("get", "k.test")).stdout).toBe('{"ServerURL":"k.test","Username":"\\u003ctoken\\u003e","Secret":"ey.J}{TITLE}{USERNAME} ✓"}\n');
    expect((await helper("list", "")).stdout).toBe('{"k.test":"\\u003ctoken\\u003e"}\n');
    expect(keyringItems(session.env).map((i) => i.account)).toEqual(["k.test"]);
    expect(await helper("erase", "k.test")).toMatchObject({ stdout: "", exitCode: 0 });
    expect(await helper("get", "k.test")).toMatchObject({ stdout: NOT_FOUND, exitCode: 1 });
    expect(keyringItems(session.env)).toEqual([]);
  }));

  it("reads what the binding wrote there, and names the collection and KeePassXC", async () => {
    const binding = (action: string, input: string) => hubpat([action], input, { ...session.env, HUBPAT_KEYCHAIN_BACKEND: "binding" });
    expect((await binding("store", storeInput("b.test", "alice", "from-the-binding"))).exitCode).toBe(0);
    const keychain = store(session.env);
    expect(await keychain.get("b.test")).toEqual({ username: "alice", secret: "from-the-binding" });
    expect(await keychain.list()).toEqual({ "b.test": "alice" });
    expect(await keychain.check()).toBeNull();
    expect(keychain.describe()).toBe('Secret Service collection "hubpat test" (KeePassXC), service "docker-credential-hubpat"');
    expect(await keychain.delete("b.test")).toBe(true);
  });
});
