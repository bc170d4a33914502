// Store benchmark (run by `npm run bench`, after the build): the helper's `get` (hit and miss) on each store hubpat
// offers, from the npm bundle and from the Bun executable (dist/sea, when the helper benchmark or `npm run package`
// has built it), beside Docker's own Go helpers on the stores they share with it: docker-credential-pass on the same
// password store, docker-credential-secretservice on the same private Secret Service. Whole processes, as Docker
// runs them; `node -e 0` on the same Node is the baseline every ratio is against. Cases run round-robin (one run
// of each, then again), so a busy machine slows them all alike. Medians of RUNS runs after WARMUP.
// Options: --runs N, --warmup N, --json FILE (every time, in ms).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";
import { BUNDLE, NODE, opt, root, runsAndWarmup } from "./common.mjs";

const { RUNS, WARMUP } = runsAndWarmup(21);
const EXE = join(root, "dist", "sea", "docker-credential-hubpat");
/** The helper's builds: the npm bundle, and the executable where it is built. */
const BUILDS = [{ label: "hubpat", cmd: BUNDLE }, ...(existsSync(EXE) ? [{ label: "hubpat executable", cmd: [EXE] }] : [])];
const on = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

const HIT = "https://index.docker.io/v1/";
const MISS = "https://registry.bench.invalid";
const creds = JSON.stringify({ ServerURL: HIT, Username: "bench", Secret: "dckr_pat_bench0123456789abcdefghij" });

const dir = mkdtempSync(join(tmpdir(), "hp-bench-"));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
try {
  const conf = join(dir, "conf");
  mkdirSync(conf, { mode: 0o700 });
  const base = { PATH: process.env.PATH, HOME: dir, HUBPAT_CONFIG_DIR: conf, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
  /** Each store: the environment its helpers run in, and the Go helper of the same store, if any. */
  const stores = [];
  if (on("pass") && on("gpg")) {
    const gnupg = join(dir, "g");
    mkdirSync(gnupg, { mode: 0o700 });
    const env = { ...base, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(dir, "p") };
    execFileSync("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "hubpat bench <bench@hubpat.invalid>", "future-default", "default", "never"], { env, stdio: "ignore" });
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(execFileSync("gpg", ["--with-colons", "--list-secret-keys"], { env }).toString())[1];
    execFileSync("pass", ["init", fpr], { env, stdio: "ignore" });
    cleanups.push(() => spawnSync("gpgconf", ["--kill", "gpg-agent"], { env }));
    stores.push({ kind: "pass", env, go: on("docker-credential-pass") ? { label: "Go pass", cmd: ["docker-credential-pass"] } : undefined });
  }
  if (spawnSync("keyctl", ["show", "@u"], { stdio: "ignore" }).status === 0) {
    const ring = execFileSync("keyctl", ["newring", `hubpat-bench-${process.pid}`, "@u"], { encoding: "utf8" }).trim();
    cleanups.push(() => spawnSync("keyctl", ["unlink", ring, "@u"]));
    stores.push({ kind: "kernel", env: { ...base, HUBPAT_KERNEL_KEYRING: ring } });
  }
  stores.push({ kind: "file", env: base });
  if (haveSecretService()) {
    const keyring = await startKeyringSession("unlocked");
    cleanups.push(() => keyring.close());
    stores.push({ kind: "keychain", env: { ...base, ...keyring.env }, go: on("docker-credential-secretservice") ? { label: "Go secretservice", cmd: ["docker-credential-secretservice"] } : undefined });
  }

  const cases = [{ name: "node -e 0", cmd: [NODE, "-e", "0"], env: base }];
  for (const s of stores) {
    const env = { ...s.env, HUBPAT_STORE: s.kind };
    const seed = spawnSync(BUNDLE[0], [...BUNDLE.slice(1), "store"], { env, input: creds });
    if (seed.status !== 0) throw new Error(`seeding the ${s.kind} store failed: ${seed.stdout}${seed.stderr}`);
    for (const b of BUILDS) {
      cases.push({ name: `get hit (${b.label}, ${s.kind})`, cmd: [...b.cmd, "get"], env, input: HIT }, { name: `get miss (${b.label}, ${s.kind})`, cmd: [...b.cmd, "get"], env, input: MISS, status: 1 });
    }
    // Docker's Go helper on the same store: for pass it reads hubpat's own entry (the layout is the same).
    if (s.go) {
      if (s.kind === "keychain") spawnSync(s.go.cmd[0], ["store"], { env, input: creds });
      cases.push({ name: `get hit (${s.go.label})`, cmd: [...s.go.cmd, "get"], env, input: HIT }, { name: `get miss (${s.go.label})`, cmd: [...s.go.cmd, "get"], env, input: MISS, status: [0, 1] });
    }
  }

  const times = cases.map(() => []);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [i, c] of cases.entries()) {
      const t = performance.now();
      const r = spawnSync(c.cmd[0], c.cmd.slice(1), { env: c.env, input: c.input ?? "", stdio: ["pipe", "pipe", "pipe"] });
      const ms = performance.now() - t;
      const want = [c.status ?? 0].flat();
      if (!want.includes(r.status)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
      if (c.name.startsWith("get hit") && !String(r.stdout).includes('"Secret":"dckr_pat_bench')) throw new Error(`${c.name}: no secret in ${r.stdout}`);
      if (round >= WARMUP) times[i].push(ms);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const baseline = median(times[0]);
  console.log(`${RUNS} runs each after ${WARMUP} warm-up rounds, round-robin; Node ${process.version}\n`);
  console.log("| case | median ms | × node -e 0 |\n|---|---:|---:|");
  for (const [i, c] of cases.entries()) {
    const m = median(times[i]);
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / baseline).toFixed(2)} |`);
  }
  const json = opt("--json");
  if (json) writeFileSync(json, JSON.stringify(Object.fromEntries(cases.map((c, i) => [c.name, times[i]])), null, 1));
} finally {
  for (const done of cleanups.reverse()) await done();
}
