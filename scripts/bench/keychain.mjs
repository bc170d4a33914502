// The Linux keychain path (run by `npm run bench`, after the build): the npm bundle's `get` (hit and miss) and
// `list` with hubpat's own Secret Service client, with the @napi-rs/keyring binding it replaced
// (HUBPAT_KEYCHAIN_BACKEND=binding), and Docker's Go docker-credential-secretservice, inside one private unlocked
// Secret Service holding a few items of each. `node -e 0` is measured too, the floor of any Node process.
// Cases run round-robin (one run of each, then again), so a busy machine slows them all alike. Medians of RUNS
// runs after WARMUP; ratios against the Go helper's same action. Options: --runs N, --warmup N.
// A second table times the keychain call alone, inside this process, as a helper process makes it: a fresh copy of
// src/store/keychain.ts (bundled once, loaded anew each run, so nothing is reused: a new connection, and a new
// session where one is needed) with each backend. Process start-up dominates the first table on a busy machine;
// this one shows what the keychain path itself costs.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";
import { BUNDLE, NODE, root, runsAndWarmup } from "./common.mjs";

const { RUNS, WARMUP } = runsAndWarmup(31);
const GO = "docker-credential-secretservice";

if (!haveSecretService()) {
  console.log("(no gnome-keyring or dbus-daemon here: the keychain benchmark needs a private Secret Service)");
  process.exit(0);
}
const haveGo = spawnSync("sh", ["-c", `command -v ${GO}`]).status === 0;

const HIT = "https://index.docker.io/v1/";
const MISS = "https://registry.bench.invalid";
const creds = (url) => JSON.stringify({ ServerURL: url, Username: "bench", Secret: "dckr_pat_bench0123456789abcdefghij" });
const KEYS = [HIT, "ghcr.io", "127.0.0.1:5000"];

const helpers = [
  { label: "hubpat, own client", cmd: BUNDLE, env: {} },
  { label: "hubpat, binding", cmd: BUNDLE, env: { HUBPAT_KEYCHAIN_BACKEND: "binding" } },
  ...(haveGo ? [{ label: "Go secretservice", cmd: [GO], env: {} }] : []),
];
const cases = [{ name: "node -e 0", cmd: [NODE, "-e", "0"], env: {} }];
for (const h of helpers) {
  cases.push(
    { name: `get hit (${h.label})`, action: "get hit", cmd: [...h.cmd, "get"], input: HIT, env: h.env },
    { name: `get miss (${h.label})`, action: "get miss", cmd: [...h.cmd, "get"], input: MISS, env: h.env, status: 1 },
    { name: `list (${h.label})`, action: "list", cmd: [...h.cmd, "list"], input: "", env: h.env },
  );
}

const keyring = await startKeyringSession("unlocked");
try {
  // hubpat's items written by its own client (the label names the username, so list needs no session); Go's its own.
  for (const key of KEYS) {
    for (const cmd of [BUNDLE, ...(haveGo ? [[GO]] : [])]) {
      const r = spawnSync(cmd[0], [...cmd.slice(1), "store"], { env: keyring.env, input: creds(key) });
      if (r.status !== 0) throw new Error(`seeding ${cmd.join(" ")} failed: ${r.stdout}${r.stderr}`);
    }
  }
  const times = cases.map(() => []);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [i, c] of cases.entries()) {
      const t = performance.now();
      const r = spawnSync(c.cmd[0], c.cmd.slice(1), { env: { ...keyring.env, ...c.env }, input: c.input ?? "", stdio: ["pipe", "pipe", "pipe"] });
      const ms = performance.now() - t;
      if (r.status !== (c.status ?? 0)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
      if (c.action === "get hit" && !String(r.stdout).includes('"Secret"')) throw new Error(`${c.name}: no secret in ${r.stdout}`);
      if (round >= WARMUP) times[i].push(ms);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const medians = new Map(cases.map((c, i) => [c.name, median(times[i])]));
  console.log(`| case | median | × Go helper's same action |`);
  console.log(`|---|---|---|`);
  for (const c of cases) {
    const go = c.action ? medians.get(`${c.action} (Go secretservice)`) : undefined;
    console.log(`| ${c.name} | ${medians.get(c.name).toFixed(1)} ms | ${go ? `${(medians.get(c.name) / go).toFixed(2)} ×` : ""} |`);
  }
  console.log(`\n${RUNS} runs each after ${WARMUP} warm-up, round-robin, one private unlocked gnome-keyring.`);
  await inProcess();
} finally {
  await keyring.close();
}

/** The second table: each backend's call alone, from a freshly loaded store module each run. */
async function inProcess() {
  const { build } = await import("esbuild");
  mkdirSync(join(root, "dist"), { recursive: true });
  const bundle = join(root, "dist", "bench-keychain.cjs");
  await build({ stdin: { contents: `export { KeychainStore } from "./src/store/keychain.ts";`, resolveDir: root, loader: "ts" }, bundle: true, platform: "node", format: "cjs", outfile: bundle, external: ["@napi-rs/*"], logLevel: "error" });
  const require = createRequire(bundle);
  // The binding reads the bus address from this process's environment.
  Object.assign(process.env, { DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: keyring.env.XDG_RUNTIME_DIR });
  const calls = [
    ["get hit", (s) => s.get(HIT)],
    ["get miss", (s) => s.get(MISS)],
    ["list", (s) => s.list()],
  ];
  const rows = [];
  for (const backend of ["secret-service", "binding"]) for (const [action, call] of calls) rows.push({ backend, action, call, times: [] });
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const row of rows) {
      delete require.cache[bundle];
      const { KeychainStore } = require(bundle);
      const store = new KeychainStore({ backend: row.backend, env: keyring.env });
      const t = performance.now();
      await row.call(store);
      if (round >= WARMUP) row.times.push(performance.now() - t);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\n| keychain call alone | own client | binding | own ÷ binding |`);
  console.log(`|---|---|---|---|`);
  for (const [action] of calls) {
    const own = median(rows.find((r) => r.backend === "secret-service" && r.action === action).times);
    const binding = median(rows.find((r) => r.backend === "binding" && r.action === action).times);
    console.log(`| ${action} | ${own.toFixed(2)} ms | ${binding.toFixed(2)} ms | ${(own / binding).toFixed(2)} × |`);
  }
}
