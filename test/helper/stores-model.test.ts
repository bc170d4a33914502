// The keychain-model property test (keychain-model.test.ts) on the other stores: random sequences of store, get,
// erase and list, applied to a Map and to the real store (pass with real gpg, the kernel keyring, the file), must
// answer alike at every step and end with the same contents; through the store directly and through the built
// helper process as Docker runs it. Each store's arbitraries keep to what it can hold, said below.
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/choice.js";
import type { StoreKind } from "../../src/store/store.js";
import { runHelperProcess } from "../fakes/helper-process.js";
import { haveKeyctl, testKeyring } from "../fakes/kernel-keyring.js";
import { havePass, passWorld } from "../fakes/pass-store.js";
import { helperReal, listOf, type Model, type Real, runModel, sortKeys, storeReal } from "../fakes/store-model.js";

const FUZZING = Number(process.env.FUZZ_RUNS) > 0;

const KEY_POOL = ["https://index.docker.io/v1/", "index.docker.io", "127.0.0.1:5000", "l.test", "https://l.test", "régistry.例え.test", "🐳.example:5000", 'q"uote\\back.test', "a&b<c>.test"];
const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }).filter((k) => k === k.trim() && k !== "" && !/[\r\n\0]/.test(k)) },
);

interface Limits {
  /** pass: the username is a file name in docker-credential-pass's layout. */
  username?: (u: string) => boolean;
  /** pass: docker-credential-pass trims trailing newlines off every secret. kernel: a key holds 32767 bytes. */
  secret?: (s: string) => boolean;
}
const LIMITS: Partial<Record<StoreKind, Limits>> = {
  pass: { username: (u) => u !== "." && u !== ".." && !/[/\0\r\n]/.test(u), secret: (s) => !/[\r\n]$/.test(s) },
  kernel: { secret: (s) => Buffer.byteLength(s) <= 30_000 },
};

function commandsFor(limits: Limits) {
  const usernameArb = fc.oneof(fc.constantFrom("<token>", "mona", "łukasz", "用户", "a&b>c"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((u) => !u.includes("\0"))).filter((u) => limits.username?.(u) ?? true);
  const secretArb = fc
    .oneof(
      fc.constant(""),
      fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0")),
      fc.constantFrom("dckr_pat_abc", 'quote " backslash \\ newline \n tab \t', "\u2028\u2029 ✓ 🐳"),
      fc.tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom("x", "é", "🐳")).map(([n, ch]) => ch.repeat(Math.floor(n / Buffer.byteLength(ch)))),
    )
    .filter((s) => limits.secret?.(s) ?? true);
  const run = (f: (m: Model, r: Real) => Promise<void>, name: () => string): fc.AsyncCommand<Model, Real> => ({ check: () => true, run: f, toString: name });
  return fc.commands(
    [
      fc.tuple(keyArb, usernameArb, secretArb).map(([k, username, secret]) =>
        run(async (m, r) => {
          await r.store(k, { username, secret });
          m.set(k, { username, secret });
        }, () => `store(${JSON.stringify(k)}, ${JSON.stringify(username)}, ${secret.length} chars)`),
      ),
      keyArb.map((k) => run(async (m, r) => expect(await r.get(k)).toEqual(m.get(k) ?? null), () => `get(${JSON.stringify(k)})`)),
      keyArb.map((k) =>
        run(async (m, r) => {
          await r.erase(k);
          m.delete(k);
        }, () => `erase(${JSON.stringify(k)})`),
      ),
      fc.constant(run(async (m, r) => expect(sortKeys(await r.list())).toEqual(listOf(m)), () => "list()")),
    ],
    { maxCommands: 10 },
  );
}

/** Each store: whether it can run here, a fresh environment for it, and how many sequences (pass runs gpg per call). */
const SUBJECTS: { kind: StoreKind; available: () => boolean; direct: number; process: number }[] = [
  { kind: "file", available: () => true, direct: FUZZING ? 300 : 30, process: FUZZING ? 60 : 4 },
  { kind: "kernel", available: haveKeyctl, direct: FUZZING ? 300 : 30, process: FUZZING ? 60 : 4 },
  { kind: "pass", available: havePass, direct: FUZZING ? 100 : 6, process: FUZZING ? 20 : 2 },
];

describe.each(SUBJECTS)("store, get, erase and list against a model, on the $kind store", (subject) => {
  let env: NodeJS.ProcessEnv;
  let close: () => void = () => undefined;
  beforeAll(() => {
    if (!subject.available()) return;
    const conf = mkdtempSync(join(tmpdir(), "hubpat-model-"));
    if (subject.kind === "pass") {
      const w = passWorld();
      env = { ...w.env, HUBPAT_CONFIG_DIR: conf };
      close = () => w.close();
    } else if (subject.kind === "kernel") {
      const ring = testKeyring();
      env = { ...process.env, ...ring.env, HUBPAT_CONFIG_DIR: conf };
      close = () => ring.close();
    } else env = { PATH: process.env.PATH, HUBPAT_CONFIG_DIR: conf };
    env.HUBPAT_STORE = subject.kind;
  });
  afterAll(() => close());
  const open = () => openStore(subject.kind, "docker-credential-hubpat", env);

  async function againstModel(realFor: () => Promise<Real>, numRuns: number) {
    const commands = commandsFor(LIMITS[subject.kind] ?? {});
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        await runModel(await open(), await realFor(), cmds);
      }),
      { numRuns },
    );
  }

  it.skipIf(!subject.available())(`through the store (${subject.direct} sequences)`, async () => {
    await againstModel(async () => storeReal(await open()), subject.direct);
  }, 900_000);

  it.skipIf(!subject.available())(`through the built helper process (${subject.process} sequences)`, async () => {
    const run = async (action: string, input: string) => {
      const r = await runHelperProcess([action], input, env);
      expect(r.signal).toBeNull();
      // The file store warns on every use, as it should; the others say nothing on success.
      if (subject.kind !== "file") expect(r.stderr).toBe("");
      return r;
    };
    await againstModel(async () => helperReal(run), subject.process);
  }, 900_000);
});
