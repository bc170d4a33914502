// Many helper processes at once on one real Secret Service, as a parallel `docker compose pull` or a CI runner
// with several jobs does: every answer must still be one a single helper could give, and nothing may be lost
// or stored twice. Docker's own Go helper is run under the same kind of load, as an observation only.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { goJSON, NOT_FOUND } from "../../src/helper/protocol.js";
import { duplicateAccounts, type Exit, GO_HELPER, HUBPAT, keyringItems, runProcess } from "./processes.js";

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

const HUB = "https://index.docker.io/v1/";
const SHARED = [HUB, "127.0.0.1:5000"];
const ROUNDS = 3;

interface Credential {
  username: string;
  secret: string;
}
interface Op {
  action: "store" | "get" | "erase" | "list";
  key: string;
  credential?: Credential;
}

const storeInput = (key: string, c: Credential) => `${goJSON({ ServerURL: key, Username: c.username, Secret: c.secret })}\n`;
const inputOf = (op: Op) => (op.action === "store" ? storeInput(op.key, op.credential!) : op.action === "list" ? "unused" : op.key);
const same = (a: Credential, b: Credential) => a.username === b.username && a.secret === b.secret;

/** Checks a successful list answer; set by each round, which knows what was written. */
let listProblem: (stdout: string) => string | undefined = () => undefined;

/** How one answer breaks the protocol, or undefined. `possible` lists every value the key could hold. */
function problemWith(op: Op, r: Exit, possible: readonly Credential[]): string | undefined {
  const what = `${op.action} ${op.key}`;
  if (r.hung) return `${what}: did not finish`;
  if (r.signal !== null) return `${what}: killed by ${r.signal}`;
  if (r.stderr !== "") return `${what}: stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
  if (op.action === "list") return r.exitCode === 0 ? listProblem(r.stdout) : `list: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout.slice(0, 300))}`;
  if (op.action !== "get") return r.exitCode === 0 && r.stdout === "" ? undefined : `${what}: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout.slice(0, 300))}`;
  if (r.exitCode === 1 && r.stdout === `${NOT_FOUND}\n`) return undefined;
  if (r.exitCode !== 0) return `${what}: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout.slice(0, 300))}`;
  const answer = JSON.parse(r.stdout) as { ServerURL: string; Username: string; Secret: string };
  if (answer.ServerURL !== op.key) return `${what}: answered for ${answer.ServerURL}`;
  return possible.some((c) => same(c, { username: answer.Username, secret: answer.Secret })) ? undefined : `${what}: read a value nobody wrote`;
}

describe.skipIf(!canRun)("helper processes at once on a real Secret Service", () => {
  let session: KeyringSession;
  // Generous keychain timeouts: this test is about races, and a 2-core machine starting 50 Node processes is
  // slow; a timeout would be reported as an error here (timeouts have their own tests in test/store/).
  let env: NodeJS.ProcessEnv;
  const helper = (op: Op) => runProcess(HUBPAT, [op.action], inputOf(op), env, 120_000);

  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
    env = { ...session.env, HUBPAT_KEYCHAIN_TIMEOUT_MS: "60000" };
  });
  afterAll(async () => session?.close());

  it(`50 processes storing, reading, listing and erasing: every read was written, nothing lost, no duplicates (${ROUNDS} rounds)`, () =>
    // A crash of gnome-keyring-daemon itself is not hubpat's: then the test runs again on a new daemon.
    session.survivingDaemonCrash(async () => {
      const problems: string[] = [];
      // Every value each key was ever given, over all rounds: what a read may return.
      const everWritten = new Map<string, Credential[]>();
      const wrote = (key: string, c: Credential) => everWritten.set(key, [...(everWritten.get(key) ?? []), c]);
      const written = (key: string) => everWritten.get(key) ?? [];
      for (let round = 0; round < ROUNDS; round++) {
        // Shared keys start out stored, so that erases and stores race on an existing item, not only on creation.
        const seeded: Credential = { username: "seed", secret: `seed-${round}` };
        for (const key of SHARED) {
          expect(await helper({ action: "store", key, credential: seeded })).toMatchObject({ exitCode: 0, stderr: "" });
          wrote(key, seeded);
        }

        const ops: Op[] = [];
        // 16 keys with one writer each (the solo ones), a reader racing the writer on 4 of them, and 2 lists.
        ops.push({ action: "list", key: "" }, { action: "list", key: "" });
        for (let i = 0; i < 16; i++) {
          const key = `solo-${round}-${i}.test:${5000 + i}`;
          ops.push({ action: "store", key, credential: { username: i % 3 === 0 ? "<token>" : `user-${i}`, secret: `dckr_pat_solo_${round}_${i}_✓` } });
          if (i < 4) ops.push({ action: "get", key });
        }
        // Two keys everyone fights over: 6 writers, 5 readers and 3 erasers each, interleaved.
        for (let i = 0; i < 6; i++) {
          for (const [k, key] of SHARED.entries()) {
            ops.push({ action: "store", key, credential: { username: `writer-${k}-${i}`, secret: `dckr_pat_${round}_${k}_${i}` } });
            if (i < 5) ops.push({ action: "get", key });
            if (i < 3) ops.push({ action: "erase", key });
          }
        }
        expect(ops).toHaveLength(50);
        for (const op of ops) if (op.action === "store") wrote(op.key, op.credential!);

        // A list answers every key with the username of some writer of that key (or of the seed).
        listProblem = (stdout) => {
          const listed = JSON.parse(stdout) as Record<string, string>;
          const bad = Object.entries(listed).filter(([key, username]) => !written(key).some((c) => c.username === username));
          return bad.length === 0 ? undefined : `list: ${bad.length} keys with a username nobody wrote, e.g. ${bad[0]![0]}`;
        };
        const results = await Promise.all(ops.map(helper));
        results.forEach((r, i) => {
          const problem = problemWith(ops[i]!, r, written(ops[i]!.key));
          if (problem) problems.push(`round ${round}: ${problem}`);
        });

        const items = keyringItems(session.env);
        for (const account of duplicateAccounts(items)) problems.push(`round ${round}: two or more keychain items for ${account}`);
        // Nothing lost: each solo key holds exactly what its one writer wrote.
        for (const op of ops.filter((o) => o.action === "store" && o.key.startsWith("solo-"))) {
          const r = await helper({ action: "get", key: op.key });
          const answer = r.exitCode === 0 ? (JSON.parse(r.stdout) as { Username: string; Secret: string }) : undefined;
          if (!answer || !same({ username: answer.Username, secret: answer.Secret }, op.credential!)) problems.push(`round ${round}: lost the write to ${op.key}`);
        }
        // A shared key ends holding some writer's value, or nothing.
        for (const key of SHARED) {
          const r = await helper({ action: "get", key });
          const problem = problemWith({ action: "get", key }, r, written(key));
          if (problem) problems.push(`round ${round}, afterwards: ${problem}`);
        }
      }
      expect(problems).toEqual([]);
    }), 600_000);

  it("50 processes creating the same new key at once leave one item holding one of their values", () =>
    // A crash of gnome-keyring-daemon itself is not hubpat's: then the test runs again on a new daemon.
    session.survivingDaemonCrash(async () => {
      const problems: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const key = `fresh-${round}.example:5000`;
        const ops: Op[] = Array.from({ length: 50 }, (_, i) => ({ action: "store", key, credential: { username: `creator-${i}`, secret: `dckr_pat_fresh_${round}_${i}` } }));
        const results = await Promise.all(ops.map(helper));
        results.forEach((r, i) => {
          const problem = problemWith(ops[i]!, r, []);
          if (problem) problems.push(`round ${round}: ${problem}`);
        });
        const items = keyringItems(session.env).filter((item) => item.account === key);
        if (items.length !== 1) problems.push(`round ${round}: ${items.length} keychain items for ${key}`);
        const r = await helper({ action: "get", key });
        const problem = problemWith({ action: "get", key }, r, ops.map((o) => o.credential!));
        if (problem || r.exitCode !== 0) problems.push(`round ${round}, afterwards: ${problem ?? "not found"}`);
      }
      expect(problems).toEqual([]);
    }), 600_000);

  it("120 concurrent gets and erases of the same entries: hubpat never crashes (Docker's Go helper observed)", () =>
    // A crash of gnome-keyring-daemon itself is not hubpat's: then the test runs again on a new daemon.
    session.survivingDaemonCrash(async () => {
      const keys = ["a.example:5000", "b.example:5000", "c.example:5000"];
      const seed: Credential = { username: "mona", secret: "dckr_pat_shared" };
      const ops: Op[] = Array.from({ length: 120 }, (_, i) => ({ action: i % 2 === 0 ? "get" : "erase", key: keys[i % 3]! }));

      async function load(command: readonly string[]): Promise<{ op: Op; r: Exit }[]> {
        const out: { op: Op; r: Exit }[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          for (const key of keys) await runProcess(command, ["store"], storeInput(key, seed), env, 120_000);
          const results = await Promise.all(ops.map((op) => runProcess(command, [op.action], op.key, env, 120_000)));
          out.push(...results.map((r, i) => ({ op: ops[i]!, r })));
        }
        return out;
      }

      if (existsSync(GO_HELPER)) {
        // Docker's helper goes through libsecret, which can free an item's secret while another process's erase
        // is removing it; the Go runtime then dies with "fatal error: unexpected signal … SIGSEGV" (exit 2).
        const go = await load([GO_HELPER]);
        const crashed = go.filter(({ r }) => r.signal !== null || /SIGSEGV|unexpected signal|fatal error/.test(r.stderr));
        const failed = go.filter(({ op, r }) => r.exitCode !== 0 && !(op.action === "get" && r.stdout.trim() === NOT_FOUND));
        console.log(
          `observation: ${GO_HELPER} under ${ROUNDS} × 120 concurrent get/erase on 3 entries: ${crashed.length} of ${go.length} calls crashed ` +
            `(${crashed.filter(({ r }) => r.signal !== null).length} by a signal, ${crashed.filter(({ r }) => r.signal === null).length} by the Go runtime's SIGSEGV handler), ` +
            `${failed.length} failed with an error other than not-found`,
        );
      } else {
        console.log(`observation: ${GO_HELPER} is not installed; hubpat alone under load`);
      }

      const ours = await load(HUBPAT);
      const problems = ours.flatMap(({ op, r }) => problemWith(op, r, [seed]) ?? []);
      expect(ours.filter(({ r }) => r.signal !== null)).toEqual([]);
      expect(problems).toEqual([]);
      expect(duplicateAccounts(keyringItems(session.env))).toEqual([]);
    }), 600_000);
});
