// Insecure storage (src/store/file.ts): the opt-in plain file for machines without a keychain. The same
// round trips as the keychain (test/store/keychain.test.ts, test/helper/keychain-model.test.ts), run on the file
// directly and through the built helper as Docker runs it; plus what makes it safe enough to offer: 0600 in a
// 0700 directory, atomic writes under a lock, a warning on every use, and never chosen unless asked for.
import fc from "fast-check";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { handle, NOT_FOUND } from "../../src/helper/protocol.js";
import { KeychainError } from "../../src/store/errors.js";
import { configDir, CREDENTIALS_FILE, FileStore, insecureStorageChosen } from "../../src/store/file.js";
import { HELPER_SERVICE } from "../../src/store/keychain.js";
import { HELPER_BIN } from "../fakes/helper-process.js";
import { hubpat, NODE, ROOT, runProcess, STACK_TRACE } from "../helper/processes.js";
import { expectNoSecretLeak } from "../fakes/secrets.js";

const HUB = "https://index.docker.io/v1/";
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const mode = (p: string) => statSync(p).mode & 0o777;
const tempDir = () => mkdtempSync(join(tmpdir(), "hubpat-file-"));
const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;
/** An environment with no keychain at all: the helper could only use the file if it were asked to. */
const noKeychain = (dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH, HOME: dir, HUBPAT_CONFIG_DIR: join(dir, "conf"), DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus", HUBPAT_KEYCHAIN_TIMEOUT_MS: "2000", ...extra,
});

describe("FileStore", () => {
  it("keeps what is stored, per service, in a 0600 file in a 0700 directory, leaving no temporary or lock file", async () => {
    const dir = join(tempDir(), "conf");
    const path = join(dir, CREDENTIALS_FILE);
    const docker = new FileStore(path, HELPER_SERVICE);
    const sessions = new FileStore(path, "hubpat-session");
    expect(await docker.get(HUB)).toBeNull();
    expect(await docker.list()).toEqual({});
    expect(existsSync(dir)).toBe(false); // reading creates nothing
    await docker.set(HUB, { username: "mona", secret: "dckr_pat_1", tokenId: "t-1" });
    await sessions.set("https://hub.docker.com", { username: "mona", secret: "eyJ.session" });
    expect(await docker.get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_1", tokenId: "t-1" });
    expect(await docker.list()).toEqual({ [HUB]: "mona" });
    expect(await sessions.list()).toEqual({ "https://hub.docker.com": "mona" });
    expect([mode(dir), mode(path)]).toEqual([0o700, 0o600]);
    expect(readdirSync(dir)).toEqual([CREDENTIALS_FILE]);
    expect(await docker.delete(HUB)).toBe(true);
    expect(await docker.delete(HUB)).toBe(false);
    expect(await docker.get(HUB)).toBeNull();
    expect(await sessions.get("https://hub.docker.com")).toEqual({ username: "mona", secret: "eyJ.session" });
  });

  it("makes a directory it finds open to others private again before writing a secret into it", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    await new FileStore(join(dir, CREDENTIALS_FILE), HELPER_SERVICE).set("r.test", { username: "u", secret: "s" });
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses a file other users can read, naming the fix", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    await new FileStore(path, HELPER_SERVICE).set("r.test", { username: "u", secret: "s" });
    chmodSync(path, 0o644);
    const err = await new FileStore(path, HELPER_SERVICE).get("r.test").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainError);
    expect((err as Error).message).toBe(`hubpat's credentials file (insecure storage) could not be used (${path} can be read by other users (mode 644): run chmod 600 ${path})`);
  });

  it("says a damaged file is not hubpat's format without quoting it", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    writeFileSync(path, '{"v":1,"services":{"docker-credential-hubpat":{"r.test":{"secret":"dckr_pat_cut', { mode: 0o600 });
    const err = (await new FileStore(path, HELPER_SERVICE).list().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`${path} is not in hubpat's format: move it away and log in again`);
    expect(err.message).not.toContain("dckr_pat_cut");
  });

  it("breaks a lock a killed process left behind, and writes", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    writeFileSync(`${path}.lock`, "", { mode: 0o600 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    await new FileStore(path, HELPER_SERVICE).set("r.test", { username: "u", secret: "s" });
    expect(readdirSync(dir)).toEqual([CREDENTIALS_FILE]);
  });

  it("breaks a lock at once when the process named in it is gone, however fresh the lock looks", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    const dead = spawnSync("true").pid!;
    // A lock stamped in the future: an age rule would keep it for good; the holder's liveness breaks it.
    writeFileSync(`${path}.lock`, `${dead}\n`, { mode: 0o600 });
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(`${path}.lock`, later, later);
    await new FileStore(path, HELPER_SERVICE, 2_000).set("r.test", { username: "u", secret: "s" });
    expect(readdirSync(dir)).toEqual([CREDENTIALS_FILE]);
  });

  it("waits for a lock whose holder is alive, then names it", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    const holder = spawn("sleep", ["30"]);
    onTestFinished(() => void holder.kill());
    writeFileSync(`${path}.lock`, `${holder.pid}\n`, { mode: 0o600 });
    const err = await new FileStore(path, HELPER_SERVICE, 300).set("r.test", { username: "u", secret: "s" }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainError);
    expect((err as Error).message).toContain(`${path}.lock stayed locked for 0.3 s by process ${holder.pid}, which is still running: if no hubpat is running, delete it`);
    expect(existsSync(path)).toBe(false);
  });

  it("removes under the lock the temp files interrupted writers left (plain-text copies), and only those", async () => {
    const dir = tempDir();
    const path = join(dir, CREDENTIALS_FILE);
    const store = new FileStore(path, HELPER_SERVICE);
    await store.set("r.test", { username: "u", secret: "kept-secret" });
    for (const name of [`${CREDENTIALS_FILE}.4242.lx1abc.tmp`, `${CREDENTIALS_FILE}.${process.pid}.zz9.tmp`]) writeFileSync(join(dir, name), '{"v":1,"services":{"x":{"r":{"username":"u","secret":"leftover-secret"}}}}', { mode: 0o600 });
    writeFileSync(join(dir, "notes.txt"), "mine");
    await store.set("s.test", { username: "u", secret: "s" });
    expect(readdirSync(dir).sort()).toEqual([CREDENTIALS_FILE, "notes.txt"]);
  });

  it("leaves no temp file behind after real SIGKILLs of storing helpers, once the next store runs", async () => {
    const dir = tempDir();
    const env = { ...noKeychain(dir), HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1" };
    const conf = join(dir, "conf");
    for (let i = 0; i < 12; i++) {
      const child = spawn(NODE, [HELPER_BIN, "store"], { env, stdio: ["pipe", "ignore", "ignore"] });
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin.end(storeInput(`r${i}.test`, "u", `killed-secret-${i}`));
      await sleep(100 + Math.floor(Math.random() * 150));
      child.kill("SIGKILL");
      await exited;
    }
    const last = await hubpat(["store"], storeInput("final.test", "u", "s"), env);
    expect(last.exitCode).toBe(0);
    expect(readdirSync(conf).filter((n) => n !== CREDENTIALS_FILE && n !== "config.json")).toEqual([]);
  });

  it("keeps a symlinked credentials.json a link, and erases from the file it points to", async () => {
    const dir = tempDir();
    const elsewhere = join(dir, "dotfiles");
    mkdirSync(elsewhere, { mode: 0o700 });
    const conf = join(dir, "conf");
    mkdirSync(conf, { mode: 0o700 });
    const path = join(conf, CREDENTIALS_FILE);
    const target = join(elsewhere, "hubpat-credentials.json");
    symlinkSync(target, path); // dangling until the first write
    const store = new FileStore(path, HELPER_SERVICE);
    await store.set("r.test", { username: "u", secret: "linked-secret" });
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toContain("linked-secret");
    expect(mode(target)).toBe(0o600);
    await store.delete("r.test");
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).not.toContain("linked-secret");
    expect(await store.get("r.test")).toBeNull();
    expect(readdirSync(elsewhere)).toEqual(["hubpat-credentials.json"]);
  });

  it("answers the protocol byte for byte as on the keychain", async () => {
    const store = new FileStore(join(tempDir(), CREDENTIALS_FILE), HELPER_SERVICE);
    const call = (action: string, input: string) => handle([action], input, async () => store);
    expect(await call("store", storeInput("127.0.0.1:5000", "<token>", "id-token"))).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(await call("get", "127.0.0.1:5000\n")).toEqual({ stdout: '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"id-token"}\n', stderr: "", exitCode: 0 });
    expect(await call("list", "")).toEqual({ stdout: '{"127.0.0.1:5000":"\\u003ctoken\\u003e"}\n', stderr: "", exitCode: 0 });
    expect(await call("erase", "127.0.0.1:5000")).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(await call("get", "127.0.0.1:5000")).toEqual({ stdout: `${NOT_FOUND}\n`, stderr: "", exitCode: 1 });
  });

  it("answers like a map over random store, get, erase and list sequences", async () => {
    const key = fc.constantFrom(HUB, "index.docker.io", "127.0.0.1:5000", "régistry.例え.test", 'q"uote\\back.test', "__proto__", "constructor");
    const op = fc.oneof(
      fc.tuple(fc.constant("store" as const), key, fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 })),
      fc.tuple(fc.constant("get" as const), key),
      fc.tuple(fc.constant("erase" as const), key),
      fc.tuple(fc.constant("list" as const)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 15 }), async (ops) => {
        const store = new FileStore(join(tempDir(), CREDENTIALS_FILE), HELPER_SERVICE);
        const model = new Map<string, { username: string; secret: string }>();
        for (const [name, k, username, secret] of ops) {
          if (name === "store") {
            await store.set(k, { username: username!, secret: secret! });
            model.set(k, { username: username!, secret: secret! });
          } else if (name === "get") expect(await store.get(k)).toEqual(model.get(k) ?? null);
          else if (name === "erase") expect(await store.delete(k)).toBe(model.delete(k));
          else expect(await store.list()).toEqual(Object.fromEntries([...model].map(([u, c]) => [u, c.username])));
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("choosing insecure storage", () => {
  it("is off unless HUBPAT_INSECURE_STORAGE or the remembered setting says so; the variable wins", () => {
    const dir = tempDir();
    const env = { HUBPAT_CONFIG_DIR: dir };
    expect(insecureStorageChosen(env)).toBe(false);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ usernames: {}, insecureStorage: true }));
    expect(insecureStorageChosen(env)).toBe(true);
    expect(insecureStorageChosen({ ...env, HUBPAT_INSECURE_STORAGE: "0" })).toBe(false);
    writeFileSync(join(dir, "config.json"), "{not json");
    expect(insecureStorageChosen(env)).toBe(false);
    expect(insecureStorageChosen({ ...env, HUBPAT_INSECURE_STORAGE: "1" })).toBe(true);
  });

  it("finds the settings where conf put them for earlier hubpat, on each platform", () => {
    expect(configDir({}, "linux", "/home/mona")).toBe("/home/mona/.config/hubpat");
    expect(configDir({ XDG_CONFIG_HOME: "/x" }, "linux", "/home/mona")).toBe("/x/hubpat");
    expect(configDir({}, "darwin", "/Users/mona")).toBe("/Users/mona/Library/Preferences/hubpat");
    expect(configDir({ HUBPAT_CONFIG_DIR: "/c" }, "darwin", "/Users/mona")).toBe("/c");
  });
});

describe("the built helper with insecure storage", () => {
  it("stores, gets, lists and erases as with the keychain, warning on stderr every time, with no keychain around", async () => {
    const dir = tempDir();
    const env = noKeychain(dir, { HUBPAT_INSECURE_STORAGE: "1" });
    const path = join(dir, "conf", CREDENTIALS_FILE);
    const warning = `docker-credential-hubpat: warning: secrets are kept unencrypted in ${path}, not in the OS keychain (insecure storage is on)\n`;
    expect(await hubpat(["store"], storeInput(HUB, "mona", "dckr_pat_file1"), env)).toMatchObject({ stdout: "", stderr: warning, exitCode: 0 });
    expect(await hubpat(["get"], HUB, env)).toMatchObject({ stdout: `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_file1"}\n`, stderr: warning, exitCode: 0 });
    expect(await hubpat(["list"], "", env)).toMatchObject({ stdout: `{"${HUB}":"mona"}\n`, stderr: warning, exitCode: 0 });
    expect(await hubpat(["erase"], HUB, env)).toMatchObject({ stdout: "", stderr: warning, exitCode: 0 });
    expect(await hubpat(["get"], HUB, env)).toMatchObject({ stdout: `${NOT_FOUND}\n`, stderr: warning, exitCode: 1 });
    expect(await hubpat(["version"], "", env)).toMatchObject({ stderr: "", exitCode: 0 }); // no store opened, nothing to warn about
    expect([mode(join(dir, "conf")), mode(path)]).toEqual([0o700, 0o600]);
  });

  it("loads only node: built-ins, not even the keyring binding", async () => {
    const dir = tempDir();
    const record = join(dir, "requires.txt");
    const env = noKeychain(dir, { HUBPAT_INSECURE_STORAGE: "1", HUBPAT_RECORD_REQUIRES: record });
    await runProcess([NODE, "--require", join(ROOT, "test", "fakes", "record-requires.cjs"), HELPER_BIN], ["get"], HUB, env);
    const requests = readFileSync(record, "utf8").trim().split("\n");
    expect(requests).toContain("node:fs"); // the recorder saw the loads
    expect(requests.filter((r) => !builtins.has(r) && r !== HELPER_BIN && !r.endsWith("/dist/main.cjs"))).toEqual([]);
  });

  it("uses the file when the setting says so, with no variable set", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "conf"), { mode: 0o700 });
    writeFileSync(join(dir, "conf", "config.json"), JSON.stringify({ usernames: {}, insecureStorage: true }), { mode: 0o600 });
    const env = noKeychain(dir);
    const stored = await hubpat(["store"], storeInput("r.test", "u", "s"), env);
    expect(stored).toMatchObject({ exitCode: 0, stdout: "" });
    expect(stored.stderr).toMatch(/^docker-credential-hubpat: warning: secrets are kept unencrypted in /);
    expect(JSON.parse(readFileSync(join(dir, "conf", CREDENTIALS_FILE), "utf8"))).toEqual({ v: 1, services: { [HELPER_SERVICE]: { "r.test": { username: "u", secret: "s" } } } });
  });

  it("never falls back to the file on its own: no keychain and no choice is a keychain error, and no file", async () => {
    const dir = tempDir();
    const env = noKeychain(dir);
    const r = await hubpat(["store"], storeInput("r.test", "u", "dckr_pat_nowhere"), env);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/D-Bus|Secret Service|keychain/);
    expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(join(dir, "conf"))).toBe(false);
    expectNoSecretLeak(["dckr_pat_nowhere"], { stdout: r.stdout, stderr: r.stderr, dirs: [dir] });
  });

  it("loses nothing when many helpers store at once, and leaves one well-formed file", async () => {
    const dir = tempDir();
    const env = noKeychain(dir, { HUBPAT_INSECURE_STORAGE: "1" });
    const keys = Array.from({ length: 12 }, (_, i) => `r${i}.test`);
    const results = await Promise.all([
      ...keys.map((k) => hubpat(["store"], storeInput(k, `u-${k}`, `s-${k}`), env)),
      ...Array.from({ length: 4 }, (_, i) => hubpat(["store"], storeInput("same.test", "u", `same-${i}`), env)),
    ]);
    expect(results.map((r) => r.exitCode)).toEqual(results.map(() => 0));
    const list = JSON.parse((await hubpat(["list"], "", env)).stdout) as Record<string, string>;
    expect(Object.keys(list).sort()).toEqual([...keys, "same.test"].sort());
    const same = JSON.parse((await hubpat(["get"], "same.test", env)).stdout) as { Secret: string };
    expect(["same-0", "same-1", "same-2", "same-3"]).toContain(same.Secret);
    expect(readdirSync(join(dir, "conf"))).toEqual([CREDENTIALS_FILE]);
  });
});
