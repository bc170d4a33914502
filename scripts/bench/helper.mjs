// Credential-helper start-up benchmark (run by `npm run bench`, after the build): Docker starts the helper once
// per credential lookup, so its whole-process time is what a `docker pull` pays. Times, inside one private
// unlocked Secret Service:
//   - `get` (hit and miss), `store` and `erase` through the Node bundle (bin/…cjs on the pinned Node), the single
//     executable (dist/sea, packaged here first) and Docker's Go helper docker-credential-secretservice;
//   - `hub-tokens --help` from the bundle and the executable;
//   - `node -e 0` on the same Node: the baseline every ratio is against. Goal (README): get ≤ 1.3 × node -e 0.
// Cases run round-robin (one run of each, then again), so a busy machine slows them all alike; each `erase`
// follows its own `store` of the same key, so it always erases something. Medians of RUNS runs after WARMUP.
// Options: --runs N, --warmup N, --json FILE (every time, in ms), --no-package (use dist/sea as it is).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const RUNS = Number(opt("--runs", 31));
const WARMUP = Number(opt("--warmup", 3));
const NODE = realpathSync(process.execPath);
const BUNDLE = [NODE, join(root, "bin", "docker-credential-hubpat.cjs")];
const BUNDLE_CLI = [NODE, join(root, "bin", "hub-tokens.cjs")];
const SEA = join(root, "dist", "sea", "docker-credential-hubpat");
const SEA_CLI = join(root, "dist", "sea", "hub-tokens");
const GO = "docker-credential-secretservice";

if (!haveSecretService()) {
  console.log("(no gnome-keyring or dbus-daemon here: the helper benchmark needs a private Secret Service)");
  process.exit(0);
}
if (!argv.includes("--no-package") || !existsSync(SEA)) {
  const r = spawnSync(NODE, [join(root, "scripts", "package.mjs"), "--quiet"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run package failed");
}
const haveGo = spawnSync("sh", ["-c", `command -v ${GO}`]).status === 0;

const HIT = "https://index.docker.io/v1/";
const MISS = "https://registry.bench.invalid";
const creds = (url) => JSON.stringify({ ServerURL: url, Username: "bench", Secret: "dckr_pat_bench0123456789abcdefghij" });

/** One row: a command, its stdin, and the exit code that means it worked (a miss exits 1 by the protocol). */
const cases = [{ name: "node -e 0", cmd: [NODE, "-e", "0"], baseline: true }];
const helpers = [
  { label: "bundle", cmd: BUNDLE, key: "https://bundle.bench.test" },
  { label: "executable", cmd: [SEA], key: "https://sea.bench.test" },
  ...(haveGo ? [{ label: "Go secretservice", cmd: [GO], key: "https://go.bench.test" }] : []),
];
for (const h of helpers) {
  cases.push(
    { name: `get hit (${h.label})`, cmd: [...h.cmd, "get"], input: HIT, goal: "≤ 1.3 ×" },
    { name: `get miss (${h.label})`, cmd: [...h.cmd, "get"], input: MISS, status: 1 },
    { name: `store (${h.label})`, cmd: [...h.cmd, "store"], input: creds(h.key) },
    { name: `erase (${h.label})`, cmd: [...h.cmd, "erase"], input: h.key },
  );
}
cases.push({ name: "hub-tokens --help (bundle)", cmd: [...BUNDLE_CLI, "--help"] }, { name: "hub-tokens --help (executable)", cmd: [SEA_CLI, "--help"] });

const keyring = await startKeyringSession("unlocked");
const cache = mkdtempSync(join(tmpdir(), "hubpat-bench-cache-"));
// A private cache for the executable's extracted binding: the first warm-up run extracts it.
const env = { ...keyring.env, XDG_CACHE_HOME: cache, HUBPAT_CONFIG_DIR: join(cache, "config") };
try {
  // The hit: hubpat's helpers share one item; Go's helper keeps its own.
  for (const cmd of [BUNDLE, ...(haveGo ? [[GO]] : [])]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), "store"], { env, input: creds(HIT) });
    if (r.status !== 0) throw new Error(`seeding ${cmd.join(" ")} failed: ${r.stdout}${r.stderr}`);
  }
  const times = cases.map(() => []);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [i, c] of cases.entries()) {
      const t = performance.now();
      const r = spawnSync(c.cmd[0], c.cmd.slice(1), { env, input: c.input ?? "", stdio: ["pipe", "pipe", "pipe"] });
      const ms = performance.now() - t;
      if (r.status !== (c.status ?? 0)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
      if (c.name.startsWith("get hit") && !String(r.stdout).includes('"Secret"')) throw new Error(`${c.name}: no secret in ${r.stdout}`);
      if (round >= WARMUP) times[i].push(ms);
    }
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const base = median(times[0]);
  console.log(`${RUNS} runs each after ${WARMUP} warm-up rounds, round-robin; Node ${process.version}\n`);
  console.log("| case | median ms | × node -e 0 | goal |\n|---|---:|---:|---|");
  for (const [i, c] of cases.entries()) {
    const m = median(times[i]);
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} | ${c.goal && !c.name.includes("Go") ? c.goal : ""} |`);
  }
  const json = opt("--json");
  if (json) writeFileSync(json, JSON.stringify(Object.fromEntries(cases.map((c, i) => [c.name, times[i]])), null, 1));
} finally {
  await keyring.close();
  rmSync(cache, { recursive: true, force: true });
}
