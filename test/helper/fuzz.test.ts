// Property tests of the helper's promise to Docker, whatever it is given: exit 0 or 1, exactly one protocol answer
// on stdout, never a stack trace or a hang, and nothing stored when the input is rejected.
// `npm test` runs a few hundred cases; `npm run fuzz` (FUZZ_RUNS=10000) runs ten thousand in-process and a few
// hundred through the real built process, on a private Secret Service. A failure prints fast-check's seed and
// path; FUZZ_SEED=<seed> replays the same cases.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { goJSON, handle, MAX_INPUT_BYTES, NOT_FOUND, type HelperResult } from "../../src/helper/protocol.js";
import { KeychainError, type KeychainProblem } from "../../src/store/errors.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { CredentialStore, StoredCredential } from "../../src/store/store.js";
import { helperCommands } from "../fakes/binaries.js";
import { duplicateAccounts, hubpat, keyringItems, STACK_TRACE } from "./processes.js";

const RUNS = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : 300;
/** Spawned cases cost a process each: a fiftieth of the in-process count, at least 25. */
const SPAWN_RUNS = Math.max(25, Math.floor(RUNS / 50));
const SEED = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };
const params = (numRuns: number) => ({ numRuns, ...SEED });

const HUB = "https://index.docker.io/v1/";
const KEYS = [HUB, "127.0.0.1:5000", "ghcr.io", "régistry.例え.test", "\u003ctoken\u003e.test"];
const ACTIONS = ["get", "store", "erase", "list", "version", "--version", "-v", "--help", "-h"];
const SECRET_MARK = "sEcReT-";

// ---- generators ----------------------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates included: what a JS string can hold but valid UTF-8 can't. */
const utf16 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
const anyText = (maxLength: number) => fc.oneof(fc.string({ unit: "binary", maxLength }), utf16(maxLength), fc.string({ maxLength }));

/** An argv word: an action, a near-action, or anything (no NUL: exec can't pass one). */
const argWord = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ACTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...ACTIONS).chain((a) => fc.constantFrom(a.toUpperCase(), ` ${a}`, `${a}\n`, `${a}\nget`, `--${a}`, `${a}\u0085`, `${a}\r`)) },
  { weight: 3, arbitrary: anyText(40) },
).map((w) => w.replaceAll("\0", ""));
const argvArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("get", "store", "erase", "list").map((a) => [a]) },
  { weight: 2, arbitrary: fc.tuple(argWord) },
  { weight: 1, arbitrary: fc.array(argWord, { maxLength: 4 }) },
);

/** Byte sequences that are not UTF-8: stray continuation, truncated sequences, overlong, encoded surrogates. */
const badUTF8 = fc.constantFrom([0xff], [0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x90], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe]);
const withBadUTF8 = fc
  .array(fc.oneof(fc.string({ maxLength: 12 }).map((s) => [...Buffer.from(s)]), badUTF8), { maxLength: 12 })
  .map((parts) => Buffer.from(parts.flat()));

const fieldName = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), `${name[0]!.toLowerCase()}${name.slice(1)}`, `${name} `, `${name}s`);
const keyish = fc.oneof(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS).map((k) => ` ${k}\n`), fc.constantFrom("", " ", "\n"), anyText(30));
const jsonValue = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
const secretish = fc.oneof(fc.string({ maxLength: 30 }).map((s) => `${SECRET_MARK}${s}`), fc.constant(""), anyText(20));

/** Store objects that are right, or one mistake away from right: names, casing, types, extra and missing keys. */
const nearValidStore = fc
  .tuple(
    fc.option(fc.tuple(fieldName("ServerURL"), fc.oneof({ weight: 4, arbitrary: keyish }, jsonValue)), { nil: undefined }),
    fc.option(fc.tuple(fieldName("Username"), fc.oneof({ weight: 4, arbitrary: fc.oneof(fc.constantFrom("mona", "<token>", "łukasz", ""), anyText(20)) }, jsonValue)), { nil: undefined }),
    fc.option(fc.tuple(fieldName("Secret"), fc.oneof({ weight: 4, arbitrary: secretish }, jsonValue)), { nil: undefined }),
    fc.array(fc.tuple(fc.string({ maxLength: 8 }), jsonValue), { maxLength: 2 }),
    fc.constantFrom("json", "go", "pretty"),
    fc.constantFrom("none", "newline", "crlf", "spaces", "truncate", "garbage", "twice", "array"),
    fc.nat(),
  )
  .map(([url, user, secret, extra, encoding, mutation, cut]) => {
    const obj = Object.fromEntries([url, user, secret, ...extra].filter((e) => e !== undefined));
    const text = encoding === "go" ? goJSON(obj) : encoding === "pretty" ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
    switch (mutation) {
      case "newline":
        return `${text}\n`;
      case "crlf":
        return `${text.replaceAll(",", ",\r\n")}\r\n`;
      case "spaces":
        return `  \t${text}  `;
      case "truncate":
        return text.slice(0, cut % Math.max(1, text.length));
      case "garbage":
        return `${text}}x`;
      case "twice":
        return `${text}\n${text}\n`;
      case "array":
        return `[${text}]`;
      default:
        return text;
    }
  });

/** Inputs at and around the 64 KiB cap, in 1-, 2- and invalid bytes, and a valid store object near it. */
const huge = fc.oneof(
  fc.tuple(fc.constantFrom(MAX_INPUT_BYTES - 1, MAX_INPUT_BYTES, MAX_INPUT_BYTES + 1, 3 * MAX_INPUT_BYTES), fc.constantFrom([0x61], [0xc3, 0xa9], [0xff], [0x0a])).map(([n, unit]) =>
    Buffer.from(Array.from({ length: Math.ceil(n / unit.length) }, () => unit).flat().slice(0, n)),
  ),
  fc.integer({ min: -64, max: 64 }).map((delta) => {
    const frame = JSON.stringify({ ServerURL: "big.test", Username: "u", Secret: "" });
    return `${JSON.stringify({ ServerURL: "big.test", Username: "u", Secret: "s".repeat(MAX_INPUT_BYTES - frame.length + delta) })}`;
  }),
);

/** stdin: raw bytes (decoded as the helper decodes them) or a JS string. */
const inputArb: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: withBadUTF8 },
  { weight: 3, arbitrary: anyText(200) },
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 8, arbitrary: nearValidStore },
  { weight: 4, arbitrary: keyish },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`) },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constantFrom("", "unused", "\n", "null", "{}", "[]", '""', "\ufeff{}") },
);
/** A store object Docker could send: any key and username that aren't blank, any secret. */
const validStore = fc
  .record({ ServerURL: fc.oneof(fc.constantFrom(...KEYS), anyText(30)), Username: fc.oneof(fc.constantFrom("mona", "<token>"), anyText(20)), Secret: secretish })
  .filter((c) => c.ServerURL.trim() !== "" && c.Username !== "")
  .map((c) => `${goJSON(c)}\n`);

/** argv and stdin, with stdin leaning towards what the action expects so that hits and stores happen too. */
const caseArb: fc.Arbitrary<[string[], string | Buffer]> = argvArb.chain((args) => {
  const action = args.length === 1 ? args[0] : undefined;
  const likely =
    action === "get" || action === "erase" ? fc.oneof(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS).map((k) => `${k}\n`)) : action === "store" ? fc.oneof(validStore, nearValidStore) : inputArb;
  return fc.oneof(likely, inputArb).map((input) => [args, input] as [string[], string | Buffer]);
});

const asText = (input: string | Buffer) => (typeof input === "string" ? input : input.toString("utf8"));

const credentialArb: fc.Arbitrary<StoredCredential> = fc.record({ username: fc.oneof(fc.constantFrom("mona", "<token>"), anyText(10)), secret: anyText(20) });
const storeArb = fc.dictionary(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS) }, anyText(12)), credentialArb, { maxKeys: 4 }).map((entries) => {
  const store = new MemoryStore();
  for (const [k, v] of Object.entries(entries)) store.entries.set(k, v);
  return store;
});

// ---- the properties ------------------------------------------------------------------------------------------

type Snapshot = Map<string, StoredCredential>;
const snapshot = (store: MemoryStore): Snapshot => new Map([...store.entries].map(([k, v]) => [k, { ...v }]));

/** Values of fields named like "secret" in a JSON input, long enough to look for in the output. */
function secretsIn(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text.replace(/\r?\n/g, ""));
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([k, v]) => (/secret/i.test(k) && typeof v === "string" && v.startsWith(SECRET_MARK) && v.length > SECRET_MARK.length + 4 ? [v] : []));
  } catch {
    return [];
  }
}

/** What every answer must look like, for any argv and stdin: checked in-process and on the real process. */
function checkShape(args: readonly string[], text: string, r: Pick<HelperResult, "stdout" | "stderr"> & { exitCode: number | null }): void {
  expect([0, 1]).toContain(r.exitCode);
  expect(r.stdout).not.toMatch(STACK_TRACE);
  expect(r.stderr).not.toMatch(STACK_TRACE);
  const action = args.length === 1 ? args[0] : undefined;
  if (r.exitCode === 0 && (action === "store" || action === "erase")) expect(r.stdout).toBe("");
  // One answer: a single non-blank line, then "\n" (Docker trims it and quotes it whole).
  else expect(r.stdout).toMatch(/^[^\n]*\S[^\n]*\n$/);
  // stderr is for the person: at most one line.
  expect(r.stderr).toMatch(/^([^\n]+\n)?$/);
  if (r.exitCode === 0 && (action === "get" || action === "list")) expect(() => JSON.parse(r.stdout)).not.toThrow();
  if (action === "store" && r.exitCode !== 0) for (const s of secretsIn(text)) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
}

/** What the answer says about the store, against the MemoryStore before and after. */
function checkEffect(args: readonly string[], r: HelperResult, before: Snapshot, after: Snapshot): void {
  const action = args.length === 1 ? args[0] : undefined;
  if (r.exitCode !== 0 || (action !== "store" && action !== "erase")) expect(after).toEqual(before);
  if (r.exitCode === 0 && action === "get") {
    const answer = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual(["ServerURL", "Username", "Secret"]);
    const found = before.get(answer.ServerURL as string);
    expect(found).toBeDefined();
    expect({ username: answer.Username, secret: answer.Secret }).toEqual({ username: found!.username, secret: found!.secret });
  }
  if (r.exitCode === 1 && action === "get" && r.stdout === `${NOT_FOUND}\n`) expect(r.stderr).toBe("");
  if (r.exitCode === 0 && action === "list") expect(JSON.parse(r.stdout)).toEqual(Object.fromEntries([...before].map(([k, v]) => [k, v.username])));
  if (r.exitCode === 0 && action === "erase") {
    const gone = [...before.keys()].filter((k) => !after.has(k));
    expect(gone.length).toBeLessThanOrEqual(1);
    expect(after.size).toBe(before.size - gone.length);
    for (const [k, v] of after) expect(v).toEqual(before.get(k));
  }
  if (r.exitCode === 0 && action === "store") {
    const changed = [...after.keys()].filter((k) => JSON.stringify(after.get(k)) !== JSON.stringify(before.get(k)));
    expect(changed.length).toBeLessThanOrEqual(1);
    for (const k of before.keys()) expect(after.has(k)).toBe(true);
  }
}

/** Outcomes by action and exit code, printed after a run: shows the generators reach every branch. */
function tally(): { count(args: readonly string[], r: { exitCode: number | null; stdout: string }): void; toString(): string } {
  const seen = new Map<string, number>();
  return {
    count(args, r) {
      const action = args.length === 1 && ACTIONS.includes(args[0]!) ? args[0]! : "bad argv";
      const outcome = r.exitCode === 1 && r.stdout === `${NOT_FOUND}\n` ? "not found" : `exit ${r.exitCode}`;
      seen.set(`${action} ${outcome}`, (seen.get(`${action} ${outcome}`) ?? 0) + 1);
    },
    toString: () => [...seen].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}: ${n}`).join(", "),
  };
}

describe("handle, for any argv and any stdin", () => {
  it(`answers once, exits 0 or 1, and leaves the store alone when it rejects (${RUNS} cases)`, async () => {
    const outcomes = tally();
    await fc.assert(
      fc.asyncProperty(caseArb, storeArb, async ([args, input], store) => {
        const text = asText(input);
        const before = snapshot(store);
        const r = await handle(args, text, async () => store);
        outcomes.count(args, r);
        checkShape(args, text, r);
        checkEffect(args, r, before, snapshot(store));
      }),
      params(RUNS),
    );
    console.log(`handle: ${outcomes}`);
  });

  const thrown = fc.oneof(
    fc.constantFrom<KeychainProblem>("no-bus", "no-service", "locked", "timeout", "unavailable", "failed").map((p) => new KeychainError(p, { detail: "cause" })),
    anyText(60).map((m) => new Error(m)),
    fc.constant(new Error("boom\n    at Object.<anonymous> (/x/y.js:1:2)\n    at node:internal/main:3:4")),
    fc.oneof(anyText(20), fc.constant(undefined), fc.constant(null), fc.integer(), fc.constant({})),
  );

  it(`answers one line whatever the store throws (${Math.ceil(RUNS / 4)} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("get", "store", "erase", "list"), inputArb, fc.constantFrom<keyof CredentialStore>("get", "set", "delete", "list"), thrown, async (action, input, method, err) => {
        const store = new MemoryStore();
        store.entries.set(HUB, { username: "mona", secret: "dckr_pat_x" });
        Object.assign(store, { [method]: () => Promise.reject(err) });
        const text = asText(input);
        const r = await handle([action], text, async () => store);
        checkShape([action], text, r);
      }),
      params(Math.ceil(RUNS / 4)),
    );
  });
});

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

describe.skipIf(!canRun).each(helperCommands())("the built helper process ($name), on a real Secret Service", (helper) => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
    for (const [i, key] of KEYS.entries()) {
      const r = await hubpat(["store"], `${goJSON({ ServerURL: key, Username: i % 2 ? "<token>" : "mona", Secret: `seed-${i}` })}\n`, session.env, helper.command);
      expect(r).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
    }
  });
  afterAll(async () => session?.close());

  it(`answers once, exits 0 or 1 without a signal, finishes, and leaves the keychain alone when it rejects (${SPAWN_RUNS} cases)`, async () => {
    const outcomes = tally();
    // A crash of gnome-keyring-daemon itself is not hubpat's: then the cases run again on a new daemon.
    await session.survivingDaemonCrash(() =>
      fc.assert(
        fc.asyncProperty(caseArb, async ([args, input]) => {
          const before = keyringItems(session.env);
          const r = await hubpat(args, input, session.env, helper.command);
          outcomes.count(args, r);
          expect(r.hung ?? false).toBe(false);
          expect(r.signal).toBeNull();
          const text = asText(input);
          checkShape(args, text, r);
          const after = keyringItems(session.env);
          expect(duplicateAccounts(after)).toEqual([]);
          const action = args.length === 1 ? args[0] : undefined;
          if (r.exitCode !== 0 || (action !== "store" && action !== "erase")) expect(after).toEqual(before);
          // The real keychain answers get and list as the store it holds.
          if (r.exitCode === 0 && action === "get") {
            const answer = JSON.parse(r.stdout) as { ServerURL: string; Username: string; Secret: string };
            const item = before.find((i) => i.account === answer.ServerURL);
            expect(item && JSON.parse(item.secret)).toMatchObject({ username: answer.Username, secret: answer.Secret });
          }
          // (Counted, not compared by name: secret-tool prints an account with a newline in it over two lines.)
          if (r.exitCode === 0 && action === "list") expect(Object.keys(JSON.parse(r.stdout) as object)).toHaveLength(before.length);
        }),
        params(SPAWN_RUNS),
      ),
    );
    console.log(`built helper (${helper.name}): ${outcomes}`);
  }, 1_800_000);
});
