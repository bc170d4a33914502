// The helper protocol table on every real store hubpat offers (pass, the kernel keyring, the file, and the keychain
// on a private Secret Service), beside the MemoryStore it is specified on (protocol.test.ts): stdin in, stdout and
// exit code out, the same answers whatever keeps the secrets.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { handle, NOT_FOUND } from "../../src/helper/protocol.js";
import { openStore } from "../../src/store/choice.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { CredentialStore, StoreKind } from "../../src/store/store.js";
import { haveKeyctl, testKeyring } from "../fakes/kernel-keyring.js";
import { havePass, passWorld } from "../fakes/pass-store.js";
import { useSessionBus } from "../fakes/session-bus.js";

const HUB = "https://index.docker.io/v1/";
const SERVICE = "docker-credential-hubpat";

interface Subject {
  name: string;
  available: () => boolean;
  /** A fresh, empty store, and what to undo afterwards. */
  open: () => Promise<{ store: CredentialStore; close: () => Promise<void> | void }>;
}

const kinds = (kind: StoreKind, env: NodeJS.ProcessEnv) => openStore(kind, SERVICE, env);
const subjects: Subject[] = [
  { name: "memory", available: () => true, open: async () => ({ store: new MemoryStore(), close: () => undefined }) },
  { name: "file", available: () => true, open: async () => ({ store: await kinds("file", { HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-proto-file-")) }), close: () => undefined }) },
  {
    name: "pass",
    available: havePass,
    open: async () => {
      const w = passWorld();
      return { store: await kinds("pass", w.env), close: () => w.close() };
    },
  },
  {
    name: "kernel",
    available: haveKeyctl,
    open: async () => {
      const ring = testKeyring();
      return { store: await kinds("kernel", { ...process.env, ...ring.env }), close: () => ring.close() };
    },
  },
];

describe.each(subjects)("the helper protocol on the $name store", (subject) => {
  let store: CredentialStore;
  let close: () => Promise<void> | void;
  beforeAll(async () => {
    if (!subject.available()) return;
    ({ store, close } = await subject.open());
  });
  afterAll(async () => close?.());
  table(() => store, subject.available);
});

describe.skipIf(!haveSecretService())("the helper protocol on the keychain store (a private Secret Service)", () => {
  let session: KeyringSession;
  let store: CredentialStore;
  let restoreEnv = () => {};
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
    restoreEnv = useSessionBus(session);
    store = await kinds("keychain", { ...process.env, HUBPAT_KEYCHAIN_TIMEOUT_MS: "30000" });
  });
  afterAll(async () => {
    restoreEnv();
    await session?.close();
  });
  table(() => store, () => true);
});

/** The table, run in order on one store: each case leaves the store as the next expects (empty at the end). */
function table(store: () => CredentialStore, available: () => boolean): void {
  const call = (action: string, input: string) => handle([action], input, async () => store());
  const cases: [string, string, string, { stdout: string; exitCode: 0 | 1 }][] = [
    ["an empty store lists {}", "list", "", { stdout: "{}\n", exitCode: 0 }],
    ["get of an unknown key is Docker's exact not-found", "get", HUB, { stdout: `${NOT_FOUND}\n`, exitCode: 1 }],
    ["store takes what Docker sends", "store", JSON.stringify({ ServerURL: HUB, Username: "mona", Secret: "dckr_pat_abc" }), { stdout: "", exitCode: 0 }],
    ["get answers it, as Go encodes it", "get", `${HUB}\n`, { stdout: `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n`, exitCode: 0 }],
    ["keys are exact strings", "get", "index.docker.io", { stdout: `${NOT_FOUND}\n`, exitCode: 1 }],
    ["an identity token and unicode", "store", '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"pässwörd ✓ \\u0026 🐳"}', { stdout: "", exitCode: 0 }],
    ["come back escaped as Go escapes them", "get", "127.0.0.1:5000", { stdout: '{"ServerURL":"127.0.0.1:5000","Username":"\\u003ctoken\\u003e","Secret":"pässwörd ✓ \\u0026 🐳"}\n', exitCode: 0 }],
    ["field names match case-insensitively, an empty secret is fine", "store", '{"serverurl":"r.test","USERNAME":"u","secret":""}', { stdout: "", exitCode: 0 }],
    ["an empty secret comes back empty", "get", "r.test", { stdout: '{"ServerURL":"r.test","Username":"u","Secret":""}\n', exitCode: 0 }],
    ["storing again overwrites", "store", JSON.stringify({ ServerURL: HUB, Username: "mona", Secret: "dckr_pat_new" }), { stdout: "", exitCode: 0 }],
    ["with the new secret", "get", HUB, { stdout: `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_new"}\n`, exitCode: 0 }],
    ["bad input stores nothing", "store", '{"ServerURL":"bad.test","Secret":"s"}', { stdout: "no credentials username\n", exitCode: 1 }],
    ["list: every key and username, sorted as Go prints a map", "list", "", { stdout: `{"127.0.0.1:5000":"\\u003ctoken\\u003e","${HUB}":"mona","r.test":"u"}\n`, exitCode: 0 }],
    ["erase removes", "erase", HUB, { stdout: "", exitCode: 0 }],
    ["erase of a missing key succeeds", "erase", HUB, { stdout: "", exitCode: 0 }],
    ["what was erased is gone", "get", HUB, { stdout: `${NOT_FOUND}\n`, exitCode: 1 }],
    ["erase the rest", "erase", "127.0.0.1:5000", { stdout: "", exitCode: 0 }],
    ["erase the rest", "erase", "r.test", { stdout: "", exitCode: 0 }],
    ["and the store is empty again", "list", "", { stdout: "{}\n", exitCode: 0 }],
  ];
  for (const [name, action, input, expected] of cases) {
    it.skipIf(!available())(`${action}: ${name}`, async () => {
      expect(await call(action, input)).toEqual({ ...expected, stderr: "" });
    });
  }
}
