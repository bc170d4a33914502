import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { handle, MAX_INPUT_BYTES, NOT_FOUND, USAGE } from "../../src/helper/protocol.js";
import { KeychainError } from "../../src/store/errors.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { CredentialStore } from "../../src/store/store.js";
import { helperCommands } from "../fakes/binaries.js";
import { ROOT, runProcess } from "../fakes/helper-process.js";
import { failingStore } from "../fakes/stores.js";

const HUB = "https://index.docker.io/v1/";

function seeded(): MemoryStore {
  const store = new MemoryStore();
  store.entries.set(HUB, { username: "mona", secret: "dckr_pat_abc" });
  store.entries.set("127.0.0.1:5000", { username: "<token>", secret: "id-token" });
  return store;
}

async function call(args: string[], input: string, store: CredentialStore = seeded()) {
  return handle(args, input, async () => store);
}

describe("get", () => {
  it.each([
    ["Docker Hub key, exactly as Docker sends it", HUB, `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n`],
    ["a trailing newline is trimmed", `${HUB}\n`, `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n`],
    ["identity tokens come back as \\u003ctoken\\u003e, as Go encodes them", "127.0.0.1:5000", `{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"id-token"}\n`],
  ])("%s", async (_name, input, stdout) => {
    expect(await call(["get"], input)).toEqual({ stdout, stderr: "", exitCode: 0 });
  });

  it("answers Docker's exact not-found text with exit 1 for an unknown key", async () => {
    expect(await call(["get"], "ghcr.io")).toEqual({ stdout: `${NOT_FOUND}\n`, stderr: "", exitCode: 1 });
  });

  it("compares keys as exact strings, as Docker normalises them itself", async () => {
    expect((await call(["get"], "index.docker.io")).stdout).toBe(`${NOT_FOUND}\n`);
  });

  it("rejects an empty server URL with the message Docker maps back", async () => {
    expect(await call(["get"], " \n")).toEqual({ stdout: "no credentials server URL\n", stderr: "", exitCode: 1 });
  });

  it("answers not-found and explains on stderr when the keychain can't be reached", async () => {
    const broken = failingStore("get", new KeychainError("locked"));
    const result = await call(["get"], HUB, broken);
    expect(result.stdout).toBe(`${NOT_FOUND}\n`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`docker-credential-hubpat: answering "not found" for ${HUB}: the keychain is locked and the unlock was refused: unlock your login keyring (for example in Seahorse) and try again\n`);
  });
});

describe("store", () => {
  it("stores exactly what Docker sends, JSON-escaped identity tokens and unicode included", async () => {
    const store = new MemoryStore();
    const input = '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"pässwörd ✓ \\u0026"}\n';
    expect(await call(["store"], input, store)).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(store.entries.get("127.0.0.1:5000")).toEqual({ username: "<token>", secret: "pässwörd ✓ &" });
  });

  it("matches field names case-insensitively, as Go's decoder does", async () => {
    const store = new MemoryStore();
    await call(["store"], '{"serverurl":"r.test","USERNAME":"u","secret":"s"}', store);
    expect(store.entries.get("r.test")).toEqual({ username: "u", secret: "s" });
  });

  it("accepts an empty secret, like the Go helpers", async () => {
    const store = new MemoryStore();
    expect((await call(["store"], '{"ServerURL":"r.test","Username":"u","Secret":""}', store)).exitCode).toBe(0);
    expect(store.entries.get("r.test")).toEqual({ username: "u", secret: "" });
  });

  it("overwrites an existing entry", async () => {
    const store = seeded();
    await call(["store"], `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_new"}`, store);
    expect(store.entries.get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_new" });
  });

  it.each([
    ["empty stdin", "", 'store: no input: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin'],
    ["not JSON", "hello", 'store: input is not JSON: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin'],
    ["a JSON array", "[1]", 'store: input is not a JSON object: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin'],
    ["missing ServerURL", '{"Username":"u","Secret":"s"}', "no credentials server URL"],
    ["missing Username", '{"ServerURL":"r.test","Secret":"s"}', "no credentials username"],
    ["a number for Secret", '{"ServerURL":"r.test","Username":"u","Secret":5}', "store: Secret must be a JSON string"],
    ["huge input", `{"ServerURL":"r.test","Username":"u","Secret":"${"x".repeat(MAX_INPUT_BYTES)}"}`, "store: input is larger than 64 KiB: Docker sends a server URL or one JSON object"],
  ])("rejects %s with one line on stdout, exit 1, and stores nothing", async (_name, input, message) => {
    const store = seeded();
    const before = new Map(store.entries);
    expect(await call(["store"], input, store)).toEqual({ stdout: `${message}\n`, stderr: "", exitCode: 1 });
    expect(store.entries).toEqual(before);
  });

  it("never echoes the secret in an error", async () => {
    const failing = failingStore("set", new KeychainError("no-service"));
    const result = await call(["store"], '{"ServerURL":"r.test","Username":"u","Secret":"TOPSECRET"}', failing);
    expect(result).toEqual({
      stdout: "no Secret Service on the session bus: install and start gnome-keyring (or KeePassXC with Secret Service enabled)\n",
      stderr: "",
      exitCode: 1,
    });
  });
});

describe("erase", () => {
  it("removes the entry and prints nothing", async () => {
    const store = seeded();
    expect(await call(["erase"], HUB, store)).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(store.entries.has(HUB)).toBe(false);
  });

  it("succeeds for a missing entry, as docker logout erases several spellings of a host", async () => {
    const store = seeded();
    expect(await call(["erase"], "https://127.0.0.1:5000", store)).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(store.entries.size).toBe(2);
  });

  it("fails with a sentence naming the fix when the keychain is unreachable", async () => {
    const broken = failingStore("delete", new KeychainError("no-bus"));
    const result = await call(["erase"], HUB, broken);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^no D-Bus session bus .*dbus-run-session\n$/);
    // docker logout never shows an erase error, so the user hears it from the helper's stderr.
    expect(result.stderr).toBe(`docker-credential-hubpat: could not erase ${HUB}: ${result.stdout}`);
  });
});

describe("list", () => {
  it("prints every key and username as one JSON object, keys sorted as Go prints a map", async () => {
    expect(await call(["list"], "unused")).toEqual({ stdout: `{"127.0.0.1:5000":"\\u003ctoken\\u003e","${HUB}":"mona"}\n`, stderr: "", exitCode: 0 });
  });

  it("fails naming the fix on stdout and stderr when the keychain is unreachable (docker build hides it)", async () => {
    const result = await call(["list"], "unused", failingStore("list", new KeychainError("locked")));
    const fix = "the keychain is locked and the unlock was refused: unlock your login keyring (for example in Seahorse) and try again";
    expect(result).toEqual({ stdout: `${fix}\n`, stderr: `docker-credential-hubpat: could not list credentials: ${fix}\n`, exitCode: 1 });
  });

  it("prints {} for an empty store", async () => {
    expect((await call(["list"], "unused", new MemoryStore())).stdout).toBe("{}\n");
  });
});

describe("invocation", () => {
  it.each([
    [["version"], "docker-credential-hubpat (hubpat) v0.0.0-dev\n", 0],
    [["--version"], "docker-credential-hubpat (hubpat) v0.0.0-dev\n", 0],
    [["--help"], `${USAGE}\n`, 0],
    [[], `${USAGE}\n`, 1],
    [["get", "extra"], `${USAGE}\n`, 1],
    [["frob"], "docker-credential-hubpat: unknown action: frob\n", 1],
  ])("%j prints %j and exits %i", async (args, stdout, exitCode) => {
    const store = seeded();
    expect(await call(args, HUB, store)).toEqual({ stdout, stderr: "", exitCode });
    expect(store.entries.size).toBe(2);
  });
});

// The same table through the built helper, once per runtime (the npm bundle on Node, the Bun executable), on a
// real private Secret Service: both must give Docker these exact bytes and exit codes.
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
/** [what, argv, stdin, stdout, exit code]; in order, since store and erase rows change what later rows see. */
const PROCESS_TABLE: [string, string[], string, string, number][] = [
  ["seed Docker Hub", ["store"], `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}`, "", 0],
  ["seed an identity token", ["store"], '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"id-token"}', "", 0],
  ["get Docker Hub", ["get"], HUB, `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n`, 0],
  ["get with a trailing newline", ["get"], `${HUB}\n`, `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n`, 0],
  ["get an identity token", ["get"], "127.0.0.1:5000", '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"id-token"}\n', 0],
  ["get an unknown key", ["get"], "ghcr.io", `${NOT_FOUND}\n`, 1],
  ["get another spelling", ["get"], "index.docker.io", `${NOT_FOUND}\n`, 1],
  ["get an empty URL", ["get"], " \n", "no credentials server URL\n", 1],
  ["store empty stdin", ["store"], "", 'store: no input: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin\n', 1],
  ["store not JSON", ["store"], "hello", 'store: input is not JSON: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin\n', 1],
  ["store a JSON array", ["store"], "[1]", 'store: input is not a JSON object: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin\n', 1],
  ["store without ServerURL", ["store"], '{"Username":"u","Secret":"s"}', "no credentials server URL\n", 1],
  ["store without Username", ["store"], '{"ServerURL":"r.test","Secret":"s"}', "no credentials username\n", 1],
  ["store a number for Secret", ["store"], '{"ServerURL":"r.test","Username":"u","Secret":5}', "store: Secret must be a JSON string\n", 1],
  ["store a huge input", ["store"], `{"ServerURL":"r.test","Username":"u","Secret":"${"x".repeat(MAX_INPUT_BYTES)}"}`, "store: input is larger than 64 KiB: Docker sends a server URL or one JSON object\n", 1],
  ["store unicode, field names in any case", ["store"], '{"serverurl":"r.test","USERNAME":"u","secret":"pässwörd ✓ \\u0026"}\n', "", 0],
  ["get it back", ["get"], "r.test", '{"ServerURL":"r.test","Username":"u","Secret":"pässwörd ✓ \\u0026"}\n', 0],
  ["overwrite with an empty secret", ["store"], '{"ServerURL":"r.test","Username":"u","Secret":""}', "", 0],
  ["get the empty secret", ["get"], "r.test", '{"ServerURL":"r.test","Username":"u","Secret":""}\n', 0],
  ["list, keys sorted as Go prints a map", ["list"], "unused", `{"127.0.0.1:5000":"\\u003ctoken\\u003e","${HUB}":"mona","r.test":"u"}\n`, 0],
  ["erase", ["erase"], "r.test", "", 0],
  ["erase a missing key", ["erase"], "https://127.0.0.1:5000", "", 0],
  ["get the erased key", ["get"], "r.test", `${NOT_FOUND}\n`, 1],
  ["version", ["version"], "", `docker-credential-hubpat (hubpat) v${VERSION}\n`, 0],
  ["--version", ["--version"], "", `docker-credential-hubpat (hubpat) v${VERSION}\n`, 0],
  ["--help", ["--help"], "", `${USAGE}\n`, 0],
  ["no action", [], "", `${USAGE}\n`, 1],
  ["an extra argument", ["get", "extra"], HUB, `${USAGE}\n`, 1],
  ["an unknown action", ["frob"], "", "docker-credential-hubpat: unknown action: frob\n", 1],
  ["list what is left", ["list"], "", `{"127.0.0.1:5000":"\\u003ctoken\\u003e","${HUB}":"mona"}\n`, 0],
];

describe.skipIf(!haveSecretService()).each(helperCommands())("the protocol table through the built helper ($name)", (helper) => {
  let keyring: KeyringSession;
  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
  });
  afterAll(async () => keyring?.close());

  it("answers every row with these bytes on stdout, nothing on stderr, and this exit code", async () => {
    const env = { ...keyring.env, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), "hubpat-protocol-cache-")), HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-protocol-config-")) };
    const got: [string, string, string, number | null][] = [];
    for (const [what, args, input] of PROCESS_TABLE) {
      const r = await runProcess(helper.command, args, input, env);
      got.push([what, r.stdout, r.stderr, r.exitCode]);
    }
    expect(got).toEqual(PROCESS_TABLE.map(([what, , , stdout, exitCode]) => [what, stdout, "", exitCode]));
  }, 120_000);
});
