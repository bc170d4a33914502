// hubpat's own Secret Service client (src/store/secret-service.ts over src/store/dbus.ts) against a real
// gnome-keyring in a private session: the same answers as the @napi-rs/keyring binding it replaces on Linux, in
// every keychain state; the same items, readable both ways; an encrypted session only when a secret crosses the
// bus; one connection however many calls; timeouts that fire.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { KeychainError } from "../../src/store/errors.js";
import { KeychainStore, type KeychainBackend } from "../../src/store/keychain.js";
import { SecretServiceClient } from "../../src/store/secret-service.js";
import type { StoredCredential } from "../../src/store/store.js";
import { helperCommands } from "../fakes/binaries.js";
import { hubpat, keyringItems } from "../helper/processes.js";

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

const HUB = "https://index.docker.io/v1/";
const SERVICE = "docker-credential-hubpat";

type Outcome = { value: unknown } | { problem: string; message: string };

/** What a store call answered: its value, or the KeychainError's problem and message (nothing else may escape). */
async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await fn() };
  } catch (err) {
    if (!(err instanceof KeychainError)) throw err;
    return { problem: err.problem, message: err.message };
  }
}

const store = (env: NodeJS.ProcessEnv, timeoutMs = 10_000) => new KeychainStore({ backend: "secret-service", env, readTimeoutMs: timeoutMs, writeTimeoutMs: timeoutMs });
const mona: StoredCredential = { username: "mona", secret: "dckr_pat_mona" };
const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;

/** Every build of the helper (the npm bundle on Node, the single executable on Bun): each runs our client. */
const BUILDS = helperCommands();

/** The helper process with this keychain backend (ours, or the binding that served before it), by default the bundle. */
const helperWith = (backend: KeychainBackend, env: NodeJS.ProcessEnv, command?: readonly string[]) => (action: string, input: string) =>
  hubpat([action], input, { ...env, ...(backend === "binding" ? { HUBPAT_KEYCHAIN_BACKEND: "binding" } : {}) }, command);

/** Each action Docker can ask for, in an order that visits miss, hit, overwrite, a foreign item and erase. */
const SCRIPT: [string, string, string][] = [
  ["get miss", "get", "miss.test"],
  ["erase miss", "erase", "miss.test"],
  ["list", "list", "unused"],
  ["store new", "store", storeInput("new.test", "mona", "dckr_pat_one")],
  ["get hit", "get", "new.test"],
  ["store over, new username", "store", storeInput("new.test", "<token>", "ey.J ✓ 🐳")],
  ["get overwritten", "get", "new.test"],
  ["get seeded", "get", HUB],
  ["store seeded", "store", storeInput(HUB, "mona", "dckr_pat_new")],
  ["list again", "list", "unused"],
  ["get foreign", "get", "odd.test"],
  ["erase hit", "erase", "new.test"],
  ["erase seeded", "erase", HUB],
  ["list at the end", "list", "unused"],
];

/** What Docker saw for each step: stdout, stderr and the exit code. */
async function runScript(backend: KeychainBackend, env: NodeJS.ProcessEnv, command?: readonly string[]): Promise<Record<string, unknown>> {
  const helper = helperWith(backend, env, command);
  const out: Record<string, unknown> = {};
  for (const [name, action, input] of SCRIPT) {
    const { stdout, stderr, exitCode, signal } = await helper(action, input);
    out[name] = { stdout, stderr, exitCode, signal };
  }
  return out;
}

/** Puts the keychain back as each run starts: one item the binding wrote, one another program wrote. */
async function seed(env: NodeJS.ProcessEnv) {
  for (const item of keyringItems(env)) spawnSync("secret-tool", ["clear", "service", SERVICE, "username", item.account], { env });
  expect((await helperWith("binding", env)("store", storeInput(HUB, "mona", "dckr_pat_mona"))).exitCode).toBe(0);
  spawnSync("secret-tool", ["store", "--label=foreign", "service", SERVICE, "username", "odd.test"], { env, input: "plain" });
}

/** What is left in the keychain: the items' accounts and secrets (the labels differ: see labelFor). */
const visible = (env: NodeJS.ProcessEnv) => keyringItems(env).map(({ account, secret }) => ({ account, secret }));

// Dozens of helper processes each: slow on a busy two-core machine, so the bound is generous.
describe.skipIf(!canRun)("hubpat's Secret Service client answers as the keyring binding did", { timeout: 300_000 }, () => {
  it("unlocked: every action, byte for byte, and the same items left behind", async () => {
    const session = await startKeyringSession("unlocked");
    try {
      await seed(session.env);
      const binding = await runScript("binding", session.env);
      const bindingItems = visible(session.env);
      let ours: Record<string, unknown> = {};
      for (const { name, command } of BUILDS) {
        await seed(session.env);
        ours = await runScript("secret-service", session.env, command);
        expect({ [name]: ours }).toEqual({ [name]: binding });
        expect(visible(session.env)).toEqual(bindingItems);
      }
      // The script saw real answers, not a run of identical failures.
      expect(ours["get overwritten"]).toMatchObject({ stdout: '{"ServerURL":"new.test","Username":"\\u003ctoken\\u003e","Secret":"ey.J ✓ 🐳"}\n', exitCode: 0 });
      expect(ours["list again"]).toMatchObject({ stdout: `{"${HUB}":"mona","new.test":"\\u003ctoken\\u003e"}\n`, exitCode: 0 });
    } finally {
      await session.close();
    }
  });

  it("locked with the unlock refused: misses still answer, everything that needs a secret says locked", async () => {
    const session = await startKeyringSession("locked", { seed: async (env) => void (await helperWith("binding", env)("store", storeInput(HUB, "mona", "dckr_pat_mona"))) });
    try {
      const binding = await runScript("binding", session.env);
      let ours: Record<string, unknown> = {};
      for (const { name, command } of BUILDS) {
        ours = await runScript("secret-service", session.env, command);
        expect({ [name]: ours }).toEqual({ [name]: binding });
      }
      expect(ours["get miss"]).toMatchObject({ stdout: "credentials not found in native keychain\n", stderr: "", exitCode: 1 });
      expect(ours["erase miss"]).toMatchObject({ stdout: "", exitCode: 0 });
      expect(ours["list"]).toMatchObject({ stdout: expect.stringMatching(/^the keychain is locked/) });
    } finally {
      await session.close();
    }
  });

  it("no Secret Service, no bus, a dead bus: the same one line for every action", async () => {
    const session = await startKeyringSession("no-service");
    try {
      const noBus = { ...session.env, DBUS_SESSION_BUS_ADDRESS: undefined };
      const deadBus = { ...session.env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
      for (const [env, fix] of [[session.env, /^no Secret Service on the session bus/], [noBus, /^no D-Bus session bus/], [deadBus, /^no D-Bus session bus/]] as const) {
        const binding = await runScript("binding", env);
        let ours: Record<string, unknown> = {};
        for (const { name, command } of BUILDS) {
          ours = await runScript("secret-service", env, command);
          expect({ [name]: ours }).toEqual({ [name]: binding });
        }
        expect(ours["store new"]).toMatchObject({ stdout: expect.stringMatching(fix), exitCode: 1 });
      }
    } finally {
      await session.close();
    }
  });

  it("a hung Secret Service: every call gives up with the timeout, and the process ends by itself", async () => {
    const session = await startKeyringSession("unlocked");
    process.kill(session.daemonPid!, "SIGSTOP");
    try {
      for (const { command } of BUILDS) {
        const ours = await runScript("secret-service", { ...session.env, HUBPAT_KEYCHAIN_TIMEOUT_MS: "300" }, command);
        for (const o of Object.values(ours)) expect(JSON.stringify(o)).toMatch(/the keychain did not answer in time.*\(no answer in 300 ms\).*"signal":null/);
      }
    } finally {
      process.kill(session.daemonPid!, "SIGCONT");
      await session.close();
    }
  });
});

describe.skipIf(!canRun)("hubpat's Secret Service client on the bus", { timeout: 120_000 }, () => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
  });
  afterAll(async () => session?.close());

  it("reads what the binding wrote and the binding reads what it writes, item for item", async () => {
    const env = session.env;
    const ours = store(env);
    const binding = helperWith("binding", env);
    expect((await binding("store", storeInput("old.test", "alice", "from-the-binding"))).exitCode).toBe(0);
    await ours.set("new.test", { username: "bob", secret: "from-hubpat" });
    expect(await ours.get("old.test")).toEqual({ username: "alice", secret: "from-the-binding" });
    expect((await binding("get", "new.test")).stdout).toBe('{"ServerURL":"new.test","Username":"bob","Secret":"from-hubpat"}\n');
    expect(await ours.list()).toEqual({ "old.test": "alice", "new.test": "bob" });
    expect((await binding("list", "unused")).stdout).toBe('{"new.test":"bob","old.test":"alice"}\n');
    // Overwriting the binding's item keeps one item, now with the username outside the secret too.
    await ours.set("old.test", { username: "carol", secret: "rewritten" });
    expect((await binding("get", "old.test")).stdout).toBe('{"ServerURL":"old.test","Username":"carol","Secret":"rewritten"}\n');
    expect(await ours.list()).toEqual({ "old.test": "carol", "new.test": "bob" });
    // One item each; the binding's label is kept until hubpat rewrites the item, and then it names the username.
    expect(keyringItems(env).map((i) => i.label)).toEqual(["keyring:new.test@docker-credential-hubpat (bob)", "keyring:old.test@docker-credential-hubpat (carol)"]);
    // The binding overwriting ours (an older hubpat) replaces the secret and leaves the label: get reads the new
    // document. (list then still names the label's username until hubpat next writes the item: see labelFor.)
    expect((await binding("store", storeInput("new.test", "dave", "older-hubpat"))).exitCode).toBe(0);
    expect(await ours.get("new.test")).toEqual({ username: "dave", secret: "older-hubpat" });
    expect(keyringItems(env).map((i) => i.account)).toEqual(["new.test", "old.test"]);
    expect((await binding("erase", "new.test")).exitCode).toBe(0);
    expect(await ours.delete("old.test")).toBe(true);
    expect(keyringItems(env)).toEqual([]);
  });

  /** The Secret Service method calls a helper process made, from dbus-monitor on the private bus. */
  async function callsDuring(fn: () => Promise<unknown>): Promise<{ calls: string[]; dump: string }> {
    const monitor = spawn("dbus-monitor", ["--session", "type='method_call',destination='org.freedesktop.secrets'"], { env: session.env, stdio: ["ignore", "pipe", "ignore"] });
    let dump = "";
    monitor.stdout.setEncoding("utf8").on("data", (d: string) => (dump += d));
    // dbus-monitor prints the NameAcquired signal once it is listening.
    for (let i = 0; i < 100 && !dump.includes("NameAcquired"); i++) await new Promise((r) => setTimeout(r, 20));
    try {
      await fn();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      monitor.kill();
    }
    const calls = [...dump.matchAll(/method call .* interface=org\.freedesktop\.Secret\.\w+; member=(\w+)/g)].map((m) => m[1]!);
    return { calls, dump };
  }

  it.each(BUILDS)("$name opens no encrypted session for a miss, an erase of a missing item or a list, and one whenever a secret crosses the bus", async ({ command }) => {
    const helper = async (action: string, input: string) => expect((await hubpat([action], input, session.env, command)).signal).toBeNull();
    const stored = JSON.stringify({ ServerURL: "s.test", Username: "mona", Secret: "dckr_pat_WIRE" });
    expect((await callsDuring(() => helper("get", "s.test"))).calls).toEqual(["SearchItems"]);
    expect((await callsDuring(() => helper("erase", "s.test"))).calls).toEqual(["SearchItems"]);
    const store = await callsDuring(() => helper("store", stored));
    expect(store.calls).toEqual(["SearchItems", "ReadAlias", "OpenSession", "CreateItem"]);
    expect((await callsDuring(() => helper("list", "unused"))).calls).toEqual(["SearchItems"]);
    const get = await callsDuring(() => helper("get", "s.test"));
    expect(get.calls).toEqual(["SearchItems", "OpenSession", "GetSecrets"]);
    for (const { dump } of [store, get]) {
      expect(dump).toContain('string "dh-ietf1024-sha256-aes128-cbc-pkcs7"');
      expect(dump).not.toContain('"plain"');
      // The secret never crosses the bus in the clear: not as text, not as bytes ("WIRE" is 57 49 52 45).
      expect(dump).not.toContain("WIRE");
      expect(dump.replace(/\s+/g, " ")).not.toMatch(/57 49 52 45/i);
    }
    await helper("erase", "s.test");
  });

  it("keeps one bus connection however many calls a process makes", async () => {
    // Deadlines count from each call's turn, so 200 calls at once need no more than one call's time each.
    const ours = store(session.env, 60_000);
    const c = { username: "mona", secret: "dckr_pat_many" };
    const connectionsOfThisProcess = () => {
      const names = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"], { env: session.env, encoding: "utf8" }).stdout;
      return [...names.matchAll(/string "(:[\d.]+)"/g)].filter((m) => {
        const pid = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", `string:${m[1]}`], { env: session.env, encoding: "utf8" }).stdout;
        return new RegExp(`uint32 ${process.pid}\\b`).test(pid);
      }).length;
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => ours.set(`many-${i}.test`, c)));
    for (let i = 0; i < 200; i++) expect(await ours.get(`many-${i}.test`)).toEqual(c);
    expect(Object.keys(await ours.list())).toHaveLength(200);
    expect(connectionsOfThisProcess()).toBe(1);
    await Promise.all(Array.from({ length: 200 }, (_, i) => ours.delete(`many-${i}.test`)));
    expect(keyringItems(session.env)).toEqual([]);
  }, 300_000);

  it("counts a deadline in silence: a list of 1,000 items outlasts it and still answers, while the service keeps talking", async () => {
    // The items go to gnome-keyring's in-memory session collection: created in milliseconds, found by the same search.
    const ss = await SecretServiceClient.connect(session.env);
    const paths: string[] = [];
    try {
      for (let i = 0; i < 1_000; i++) {
        const key = `bulk-${i}.test`;
        paths.push(await ss.createItem("/org/freedesktop/secrets/collection/session", `keyring:${key}@${SERVICE} (mona)`, { service: SERVICE, username: key }, Buffer.from("{}")));
      }
      // Measured: the list takes about 1.2 s here, in replies at most about 40 ms apart (the search is the longest).
      const deadlineMs = 300;
      const t = performance.now();
      const listed = await store(session.env, deadlineMs).list();
      const took = performance.now() - t;
      expect(Object.keys(listed)).toHaveLength(1_000);
      expect(listed["bulk-999.test"]).toBe("mona");
      // What makes this a test of the deadline: the list took longer than one deadline, in replies that kept coming.
      expect(took).toBeGreaterThan(deadlineMs);
    } finally {
      await Promise.all(paths.map((p) => ss.deleteItem(p)));
      ss.close();
    }
  });

  it("fails every waiting call at once when the service hangs, then works again once it answers", async () => {
    const ours = store(session.env, 500);
    await store(session.env).set("hang.test", mona);
    process.kill(session.daemonPid!, "SIGSTOP");
    const started = Date.now();
    let outcomes: Outcome[];
    try {
      outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(() => (i % 2 ? ours.get("hang.test") : ours.list()))));
    } finally {
      process.kill(session.daemonPid!, "SIGCONT");
    }
    expect(new Set(outcomes.map((o) => ("problem" in o ? o.problem : "answered")))).toEqual(new Set(["timeout"]));
    // All twenty waited on the one connection, so all gave up with the first deadline, not one after another.
    expect(Date.now() - started).toBeLessThan(20 * 500);
    expect(await store(session.env).get("hang.test")).toEqual(mona);
    await store(session.env).delete("hang.test");
  });
});
