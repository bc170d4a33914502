// Model-based tests on a real Secret Service: random sequences of store, get, erase and list, applied both to a
// Map and to the keychain, must answer alike at every step and end with the same contents, one item per key.
// Run through KeychainStore directly (many sequences) and through the built helper process as Docker runs it.
import fc from "fast-check";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { KeychainStore } from "../../src/store/keychain.js";
import { useSessionBus } from "../fakes/session-bus.js";
import { type Credential, helperReal, listOf, type Model, type Real, runModel, sortKeys, storeReal } from "../fakes/store-model.js";
import { duplicateAccounts, hubpat, keyringItems } from "./processes.js";

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

const FUZZING = Number(process.env.FUZZ_RUNS) > 0;
const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const DIRECT_RUNS = FUZZING ? 500 : 50;
const PROCESS_RUNS = FUZZING ? 100 : 10;

class StoreCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly c: Credential,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await real.store(this.key, this.c);
    model.set(this.key, this.c);
  }
  toString = () => `store(${JSON.stringify(this.key)}, ${JSON.stringify(this.c.username)}, ${this.c.secret.length} chars)`;
}

class GetCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, real: Real) {
    expect(await real.get(this.key)).toEqual(model.get(this.key) ?? null);
  }
  toString = () => `get(${JSON.stringify(this.key)})`;
}

class EraseCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await real.erase(this.key);
    model.delete(this.key);
  }
  toString = () => `erase(${JSON.stringify(this.key)})`;
}

class ListCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    expect(sortKeys(await real.list())).toEqual(listOf(model));
  }
  toString = () => "list()";
}

// Keys Docker sends are trimmed, one line, and valid UTF-8 (it normalises them; Go's encoder can't write a lone
// surrogate). A small pool makes sequences revisit keys; the random ones add unicode and near-duplicates.
const KEY_POOL = ["https://index.docker.io/v1/", "index.docker.io", "127.0.0.1:5000", "l.test", "https://l.test", "régistry.例え.test", "🐳.example:5000", 'q"uote\\back.test', "a&b<c>.test"];
const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }).filter((k) => k === k.trim() && k !== "" && !/[\r\n\0]/.test(k)) },
);
const usernameArb = fc.oneof(fc.constantFrom("<token>", "mona", "łukasz", "用户", "a&b>c"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((u) => !u.includes("\0")));
const secretArb = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0")),
  fc.constantFrom("dckr_pat_abc", 'quote " backslash \\ newline \n tab \t', "\u2028\u2029 ✓ 🐳"),
  // Long: the helper takes up to 64 KiB of stdin, so a secret can be tens of KiB.
  fc.tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom("x", "é", "🐳")).map(([n, ch]) => ch.repeat(Math.floor(n / Buffer.byteLength(ch)))),
);
const commandsArb = fc.commands(
  [
    fc.tuple(keyArb, usernameArb, secretArb).map(([k, username, secret]) => new StoreCommand(k, { username, secret })),
    keyArb.map((k) => new GetCommand(k)),
    keyArb.map((k) => new EraseCommand(k)),
    fc.constant(new ListCommand()),
  ],
  { maxCommands: 12 },
);

describe.skipIf(!canRun)("store, get, erase and list against a model, on a real Secret Service", () => {
  let session: KeyringSession;
  // A new store per sequence, as each hub-tokens or helper process has its own.
  const newStore = () => new KeychainStore({ readTimeoutMs: 30_000, writeTimeoutMs: 30_000 });
  let restoreEnv = () => {};

  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
    restoreEnv = useSessionBus(session);
  });
  afterAll(async () => {
    restoreEnv();
    await session?.close();
  });

  /** Every run starts from an empty keychain and ends equal to its model, item for item. */
  async function runAgainstModel(realFor: () => Real, numRuns: number) {
    // gnome-keyring-daemon has a crash of its own under many short connections (see survivingDaemonCrash):
    // then the same sequences run again on a new daemon, and a failure says what became of the daemon.
    const seed = FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31);
    await session.survivingDaemonCrash(() =>
      fc.assert(
        fc.asyncProperty(commandsArb, async (cmds) => {
          const model = await runModel(newStore(), realFor(), cmds);
          const items = keyringItems(session.env);
          expect(duplicateAccounts(items)).toEqual([]);
          expect(items).toHaveLength(model.size);
        }),
        { numRuns, seed },
      ),
    );
  }

  it(`through KeychainStore (${DIRECT_RUNS} sequences)`, async () => {
    await runAgainstModel(() => storeReal(newStore()), DIRECT_RUNS);
  }, 900_000);

  it("keeps a bounded number of D-Bus connections however many calls it makes", async () => {
    // A binding entry held a bus connection until it was garbage-collected; an entry per call ran a long-lived
    // process into the bus's connection limit, and gnome-keyring-daemon off the bus, after a few hundred calls
    // (the 500-sequence run of this file). hubpat's own client keeps one connection per process.
    const openFds = () => readdirSync("/proc/self/fd").length;
    const c = { username: "mona", secret: "dckr_pat_fd" };
    const keychain = newStore();
    await session.explain(async () => {
      await keychain.set("fd.test", c);
      const before = openFds();
      for (let i = 0; i < 300; i++) {
        await keychain.set("fd.test", c);
        expect(await keychain.get("fd.test")).toEqual(c);
      }
      await keychain.delete("fd.test");
      expect(openFds() - before).toBeLessThan(10);
    });
  }, 120_000);

  it(`through the built helper process, as Docker calls it (${PROCESS_RUNS} sequences)`, async () => {
    const run = async (action: string, input: string) => {
      const r = await hubpat([action], input, session.env);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe("");
      return r;
    };
    await runAgainstModel(() => helperReal(run), PROCESS_RUNS);
  }, 900_000);
});
