// hub-tokens start-up benchmark (run by `npm run bench`, after the build): `hub-tokens --help` and
// `hub-tokens list` (one page, against the emulator, session in a private Secret Service) as whole processes,
// against `node -e 0` measured in the same run. Goal (README): --help ≤ 1.5 × node -e 0.
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
const HUB_TOKENS = join(root, "bin/hub-tokens.cjs");
const RUNS = 21;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Asynchronous spawns: the emulator answers from this same process, so the event loop must stay free.
function run(args, env, input = "") {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
    child.stdin.end(input);
  });
}
async function timeProcess(args, env) {
  const times = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    const r = await run(args, env);
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // two warm-ups: the compile cache and the page cache
  }
  return median(times);
}

const rows = [];
const baseline = await timeProcess(["-e", "0"], process.env);
rows.push({ case: "node -e 0", ms: baseline, ratio: 1 });
rows.push({ case: "hub-tokens --help", ms: await timeProcess([HUB_TOKENS, "--help"], process.env), goal: "≤ 1.5 ×" });

if (haveSecretService()) {
  const keyring = await startKeyringSession("unlocked");
  const emu = await startEmulator({ users: [{ username: "bench", password: "pw" }], record: false });
  try {
    for (let i = 0; i < 100; i++) emu.addToken("bench", { label: `t${i}` });
    const env = { ...keyring.env, HUBPAT_HUB_URL: emu.url, HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-bench-")) };
    const login = await run([HUB_TOKENS, "login", "-u", "bench", "--password-stdin"], env, "pw\n");
    if (login.status !== 0) throw new Error(`login failed: ${login.stderr}`);
    rows.push({ case: "hub-tokens list (100 tokens, one page)", ms: await timeProcess([HUB_TOKENS, "list"], env) });
  } finally {
    await emu.close();
    await keyring.close();
  }
} else {
  console.log("(no gnome-keyring here: hub-tokens list not measured)");
}

console.log("| case | median ms | × node -e 0 | goal |\n|---|---:|---:|---|");
for (const r of rows) console.log(`| ${r.case} | ${r.ms.toFixed(1)} | ${(r.ms / baseline).toFixed(2)} | ${r.goal ?? ""} |`);
