// Credential-helper start-up benchmark (run by `npm run bench`, after the build): Docker starts the helper once
// per credential lookup, so its whole-process time is what a `docker pull` pays. Times, inside one private
// unlocked Secret Service:
//   - `get` (hit and miss), `store`, `erase` and `list` through the Bun executable (dist/sea, packaged here first),
//     the former Node single executable (dist/node-sea, packaged here too: both runtimes in one run), the npm
//     bundle (bin/…cjs on the pinned Node) and Docker's Go helper docker-credential-secretservice;
//   - `node -e 0` on the same Node.
// Ratios: against `node -e 0`, and against the Go helper's same action. Goals (README): get hit ≤ 1.0 × Go's hit,
// get miss ≤ 1.2 × Go's miss. Cases run round-robin (one run of each, then again), so a busy machine slows them
// all alike; each `erase` follows its own `store` of the same key, so it always erases something. Medians of RUNS
// runs after WARMUP. Options: --runs N, --warmup N, --json FILE (every time, in ms), --no-package (use dist/ as is).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";
import { BUNDLE, flag, NODE, opt, root, runsAndWarmup } from "./common.mjs";

const { RUNS, WARMUP } = runsAndWarmup(31);
const EXE = join(root, "dist", "sea", "docker-credential-hubpat");
const NODE_SEA = join(root, "dist", "node-sea", "docker-credential-hubpat");
const GO = "docker-credential-secretservice";
/** Clock ticks per second of /proc's times: 100 on every Linux this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

if (!haveSecretService()) {
  console.log("(no gnome-keyring or dbus-daemon here: the helper benchmark needs a private Secret Service)");
  process.exit(0);
}
for (const [exe, extra] of [[EXE, []], [NODE_SEA, ["--runtime", "node"]]]) {
  if (flag("--no-package") && existsSync(exe)) continue;
  const r = spawnSync(NODE, [join(root, "scripts", "package.mjs"), "--quiet", ...extra], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`node scripts/package.mjs ${extra.join(" ")} failed`);
}
const haveGo = spawnSync("sh", ["-c", `command -v ${GO}`]).status === 0;

const HIT = "https://index.docker.io/v1/";
const MISS = "https://registry.bench.invalid";
const creds = (url) => JSON.stringify({ ServerURL: url, Username: "bench", Secret: "dckr_pat_bench0123456789abcdefghij" });

/** One row: a command, its stdin, and the exit code that means it worked (a miss exits 1 by the protocol). */
const cases = [{ name: "node -e 0", cmd: [NODE, "-e", "0"], baseline: true }];
const helpers = [
  { label: "Bun executable", cmd: [EXE], key: "https://exe.bench.test" },
  { label: "Node executable", cmd: [NODE_SEA], key: "https://node-sea.bench.test" },
  { label: "npm bundle", cmd: BUNDLE, key: "https://bundle.bench.test" },
  ...(haveGo ? [{ label: "Go secretservice", cmd: [GO], key: "https://go.bench.test" }] : []),
];
const GOALS = { "get hit": "≤ 1.0 × Go", "get miss": "≤ 1.2 × Go" };
for (const h of helpers) {
  cases.push(
    { action: "get hit", label: h.label, cmd: [...h.cmd, "get"], input: HIT },
    { action: "get miss", label: h.label, cmd: [...h.cmd, "get"], input: MISS, status: 1 },
    { action: "store", label: h.label, cmd: [...h.cmd, "store"], input: creds(h.key) },
    { action: "erase", label: h.label, cmd: [...h.cmd, "erase"], input: h.key },
    { action: "list", label: h.label, cmd: [...h.cmd, "list"], input: "" },
  );
}
for (const c of cases) c.name ??= `${c.action} (${c.label})`;

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
  const cpuTicks = cases.map(() => 0);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [i, c] of cases.entries()) {
      const ticks = childTicks();
      const t = performance.now();
      const r = spawnSync(c.cmd[0], c.cmd.slice(1), { env, input: c.input ?? "", stdio: ["pipe", "pipe", "pipe"] });
      const ms = performance.now() - t;
      if (round >= WARMUP) cpuTicks[i] += childTicks() - ticks;
      if (r.status !== (c.status ?? 0)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
      if (c.action === "get hit" && !String(r.stdout).includes('"Secret"')) throw new Error(`${c.name}: no secret in ${r.stdout}`);
      if (round >= WARMUP) times[i].push(ms);
    }
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const base = median(times[0]);
  const medians = new Map(cases.map((c, i) => [c.name, median(times[i])]));
  console.log(`${RUNS} runs each after ${WARMUP} warm-up rounds, round-robin; Node ${process.version}, ${bunVersion()}\n`);
  // CPU time (user + system of the child, mean per run): the work itself, less disturbed than wall time by other
  // jobs on a shared machine. /proc counts it in clock ticks (10 ms), hence a mean over all runs, not a median.
  const cpu = new Map(cases.map((c, i) => [c.name, (cpuTicks[i] * 1000) / TICKS_PER_SECOND / RUNS]));
  const ratio = (map, c) => {
    const go = c.action && haveGo && c.label !== "Go secretservice" ? map.get(`${c.action} (Go secretservice)`) : undefined;
    return go ? (map.get(c.name) / go).toFixed(2) : "";
  };
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(", ")} (2 cores)\n`);
  console.log("| case | median ms | × node -e 0 | × Go (same action) | CPU ms (mean) | CPU × Go | goal |\n|---|---:|---:|---:|---:|---:|---|");
  for (const c of cases) {
    const m = medians.get(c.name);
    const goal = c.label === "Bun executable" ? (GOALS[c.action] ?? "") : "";
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} | ${ratio(medians, c)} | ${cpu.get(c.name).toFixed(1)} | ${ratio(cpu, c)} | ${goal} |`);
  }
  const json = opt("--json");
  if (json) writeFileSync(json, JSON.stringify(Object.fromEntries(cases.map((c, i) => [c.name, times[i]])), null, 1));
} finally {
  await keyring.close();
  rmSync(cache, { recursive: true, force: true });
}

/** The pinned Bun the executable was built with. */
function bunVersion() {
  const v = spawnSync(join(root, "node_modules", "bun", "bin", "bun.exe"), ["--version"], { encoding: "utf8" });
  return v.status === 0 ? `Bun ${v.stdout.trim()}` : "Bun (version unknown)";
}

/** The user + system time of this process's waited-for children so far, in clock ticks (/proc/self/stat). */
function childTicks() {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return Number(fields[13]) + Number(fields[14]); // cutime, cstime
}
