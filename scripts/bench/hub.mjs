// Hub client benchmark (run by `npm run bench`, after the build): listing 1,000 and 5,000 tokens against one
// page's time, and deleting 500 tokens under the emulator's rate limit against the limit's floor. The emulator runs
// in a child process (this file with --serve) so its work doesn't share the client's event loop, as with a real
// Hub. Goals (README): list 1,000 ≤ 2 × one page; bulk delete ≤ 1.2 × the floor with no request refused.
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { startEmulator, HubClient } = require("../../dist/bench-hub.cjs");

const PAGE = 100;
const LATENCY_MS = 40; // a network round trip to the Hub, added by the emulator to every answer
const DELETE_N = 500;
const RATE = { limit: 100, windowSeconds: 1 };
const DELETE_CONCURRENCY = 8;

if (process.argv[2] === "--serve") serve();
else await main();

// ---- child: one emulator at a time, driven over IPC
function serve() {
  let emu;
  process.on("message", async (msg) => {
    if (msg.cmd === "start") {
      if (emu) await emu.close();
      emu = await startEmulator({ users: [{ username: "bench", password: "pw" }], rateLimit: msg.rateLimit, faults: { latencyMs: msg.latencyMs }, record: false });
      const ids = [];
      for (let i = 0; i < msg.tokens; i++) ids.push(emu.addToken("bench", { label: `t${i}`, isActive: i % 4 !== 0 }).token.uuid);
      process.send({ url: emu.url, session: emu.sessionFor("bench"), ids });
    } else if (msg.cmd === "stats") {
      process.send({ ...emu.stats, left: emu.tokensOf("bench").length });
    } else if (msg.cmd === "stop") {
      if (emu) await emu.close();
      process.exit(0);
    }
  });
}

// ---- parent
async function main() {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = (msg) => new Promise((resolve) => { child.once("message", resolve); child.send(msg); });
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };

  const rows = [];
  for (const latencyMs of [0, LATENCY_MS]) {
    // Cold: the count is unknown, so page 1 goes first and the rest after it (two round trips at best).
    // Count known: `expectedCount` (the total a previous list saw) sends every page at once.
    const measure = async (tokens, runs, expected) => {
      const emu = await ask({ cmd: "start", tokens, latencyMs, rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
      const list = () => new HubClient({ baseUrl: emu.url, session: emu.session, pageSize: PAGE }).listTokens(expected ? { expectedCount: tokens } : {});
      const first = await list(); // warm-up: code hot
      if (first.tokens.length !== tokens) throw new Error(`listed ${first.tokens.length} of ${tokens} tokens`);
      const times = [];
      for (let i = 0; i < runs; i++) times.push(await time(list)); // a new client each time, as each CLI run has
      return median(times);
    };
    const onePage = await measure(PAGE, 15, false);
    rows.push({ case: `list ${PAGE} (one page), +${latencyMs} ms`, ms: onePage, vs: "baseline", ratio: 1 });
    for (const [n, runs] of [[1000, 9], [5000, 5]]) {
      for (const expected of [false, true]) {
        const ms = await measure(n, runs, expected);
        rows.push({ case: `list ${n}${expected ? ", count known" : ""}, +${latencyMs} ms`, ms, vs: "one page", ratio: ms / onePage });
      }
    }
  }

  // Bulk delete: the floor is how long the rate limit alone makes it take. Starting just after a window opens,
  // ceil(N / limit) windows are needed, so the last batch can go out (limit windows - 1) × window after the
  // start, and then takes one request's time (measured in the same run).
  const deletes = [];
  for (let run = 0; run < 3; run++) {
    const emu = await ask({ cmd: "start", tokens: DELETE_N, latencyMs: 0, rateLimit: RATE });
    const hub = new HubClient({ baseUrl: emu.url, session: emu.session });
    const windowMs = RATE.windowSeconds * 1000;
    await new Promise((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 5));
    const single = await time(() => hub.getToken(emu.ids[0]));
    await new Promise((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 5));
    const startedIn = Date.now() % windowMs;
    const ms = await time(async () => {
      const result = await hub.deleteTokens(emu.ids, { concurrency: DELETE_CONCURRENCY });
      if (result.failed.length) throw new Error(`${result.failed.length} deletes failed: ${result.failed[0].error.message}`);
    });
    const floor = (Math.ceil(DELETE_N / RATE.limit) - 1) * windowMs - startedIn + single;
    const stats = await ask({ cmd: "stats" });
    if (stats.left !== 0) throw new Error(`${stats.left} tokens were left`);
    deletes.push({ ms, floor, refused: stats.rateLimited, maxInWindow: stats.maxInWindow });
  }
  const del = { ms: median(deletes.map((d) => d.ms)), floor: median(deletes.map((d) => d.floor)) };
  rows.push({ case: `delete ${DELETE_N} at ${RATE.limit}/${RATE.windowSeconds}s, ${DELETE_CONCURRENCY} at once`, ms: del.ms, vs: "rate-limit floor", ratio: del.ms / del.floor });
  child.send({ cmd: "stop" });

  console.log("| case | median ms | vs | ratio |");
  console.log("|---|---:|---|---:|");
  for (const r of rows) console.log(`| ${r.case} | ${r.ms.toFixed(1)} | ${r.vs} | ${r.ratio.toFixed(2)}× |`);
  console.log(`\nrate-limit floor (median): ${del.floor.toFixed(0)} ms; requests refused with 429: ${deletes.map((d) => d.refused).join(", ")}; ` +
    `most requests in one window: ${Math.max(...deletes.map((d) => d.maxInWindow))} (limit ${RATE.limit})`);
  console.log(`goals: list 1,000 ≤ 2× one page (+${LATENCY_MS} ms rows); bulk delete ≤ 1.2× floor with 0 refused`);
}
