// hub-tokens start-up benchmark (run by `npm run bench`, after the build and the helper benchmark's packaging):
// `hub-tokens --help` and `hub-tokens list` (100 tokens, one page, against the emulator, session in a private
// Secret Service) as whole processes, from the Bun executable (dist/sea) and the npm bundle, against `node -e 0`
// measured in the same run. Goals (README), for the executable: --help ≤ 1.0 ×, list ≤ 2.5 × node -e 0.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";

const require = createRequire(import.meta.url);
const { startEmulator } = require("../../dist/bench-hub.cjs");
const root = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE = [process.execPath, join(root, "bin/hub-tokens.cjs")];
const EXE = [join(root, "dist", "sea", "hub-tokens")];
const builds = [["Bun executable", EXE], ["npm bundle", BUNDLE]];
const RUNS = 21;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Asynchronous spawns: the emulator answers from this same process, so the event loop must stay free.
function run(argv, env, input = "") {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
    child.stdin.end(input);
  });
}
/** Medians of every case, run round-robin (one run of each, then again) so a busy machine slows them alike. */
async function timeRoundRobin(cases) {
  const times = cases.map(() => []);
  for (let i = 0; i < RUNS + 2; i++) {
    for (const [j, c] of cases.entries()) {
      const t = performance.now();
      const r = await run(c.argv, c.env);
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`${c.argv.join(" ")} exited ${r.status}: ${r.stderr}`);
      if (i >= 2) times[j].push(ms); // two warm-ups: the compile cache, the binding cache and the page cache
    }
  }
  return cases.map((c, j) => ({ ...c, ms: median(times[j]) }));
}

const cases = [{ case: "node -e 0", argv: [process.execPath, "-e", "0"], env: process.env }];
for (const [name, argv] of builds) cases.push({ case: `hub-tokens --help (${name})`, argv: [...argv, "--help"], env: process.env, goal: argv === EXE ? "≤ 1.0 ×" : "" });

let rows;
if (haveSecretService()) {
  const keyring = await startKeyringSession("unlocked");
  const emu = await startEmulator({ users: [{ username: "bench", password: "pw" }], record: false });
  try {
    for (let i = 0; i < 100; i++) emu.addToken("bench", { label: `t${i}` });
    const dir = mkdtempSync(join(tmpdir(), "hubpat-bench-"));
    const env = { ...keyring.env, HUBPAT_HUB_URL: emu.url, HUBPAT_CONFIG_DIR: join(dir, "config"), XDG_CACHE_HOME: join(dir, "cache") };
    const login = await run([...BUNDLE, "login", "-u", "bench", "--password-stdin"], env, "pw\n");
    if (login.status !== 0) throw new Error(`login failed: ${login.stderr}`);
    for (const [name, argv] of builds) cases.push({ case: `hub-tokens list, 100 tokens (${name})`, argv: [...argv, "list"], env, goal: argv === EXE ? "≤ 2.5 ×" : "" });
    rows = await timeRoundRobin(cases);
  } finally {
    await emu.close();
    await keyring.close();
  }
} else {
  console.log("(no gnome-keyring here: hub-tokens list not measured)");
  rows = await timeRoundRobin(cases);
}

const baseline = rows[0].ms;
console.log(`${RUNS} runs each after 2 warm-up rounds, round-robin; Node ${process.version}\n`);
console.log("| case | median ms | × node -e 0 | goal |\n|---|---:|---:|---|");
for (const r of rows) console.log(`| ${r.case} | ${r.ms.toFixed(1)} | ${(r.ms / baseline).toFixed(2)} | ${r.goal ?? ""} |`);
