// `npm test`'s last step: the date-sensitive suites (vitest.clock.config.ts) again with the machine's clock at
// each end of the range hubpat must work in, so no test can pass only because of today's date. The clock is
// shifted for every process of the run, children too, with libfaketime (Debian's faketime), by a fixed offset
// from the real time: time still passes, and a child reads the same clock as its parent. Node's monotonic clock
// (timers) is left alone. Usage: node scripts/test-clock.mjs [ISO-DATE ...]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DATES = process.argv.length > 2 ? process.argv.slice(2) : ["2025-01-15T12:00:00Z", "2035-06-30T12:00:00Z"];
const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

if (process.platform !== "linux") {
  console.log(`test-clock: skipped: libfaketime is used on Linux only (this is ${process.platform})`);
  process.exit(0);
}
if (spawnSync("sh", ["-c", "command -v faketime"]).status !== 0) {
  console.error("test-clock: faketime is not installed: run bash scripts/setup-machine.sh (Debian package faketime)");
  process.exit(1);
}
if (!existsSync(new URL("../dist/main.cjs", import.meta.url))) {
  console.error("test-clock: dist/ is not built: run npm run build (npm test does)");
  process.exit(1);
}

/** `cmd` with the machine's clock at `date`: faketime's wrapper, with an offset in seconds from now. */
const shifted = (date, cmd, args, options = {}) => {
  const offset = Math.round((Date.parse(date) - Date.now()) / 1000);
  return spawnSync("faketime", ["--exclude-monotonic", "-f", `${offset >= 0 ? "+" : ""}${offset}s`, cmd, ...args], { cwd: root, ...options });
};

for (const date of DATES) {
  if (Number.isNaN(Date.parse(date))) {
    console.error(`test-clock: ${date} is not a date: give ISO dates such as 2035-06-30T12:00:00Z`);
    process.exit(2);
  }
  // libfaketime must take with this Node, or the run below would prove nothing.
  const seen = shifted(date, process.execPath, ["-e", "process.stdout.write(new Date().toISOString())"], { encoding: "utf8" });
  const year = new Date(date).getUTCFullYear();
  if (seen.status !== 0 || !seen.stdout.startsWith(String(year))) {
    console.error(`test-clock: libfaketime did not shift ${process.execPath}'s clock to ${date} (it read ${seen.stdout || seen.stderr})`);
    process.exit(1);
  }
  console.log(`\ntest-clock: the date-sensitive suites with the machine's clock at ${date}`);
  const run = shifted(date, process.execPath, [vitest, "run", "--config", "vitest.clock.config.ts"], { stdio: "inherit" });
  if (run.status !== 0) {
    console.error(`test-clock: the suites failed with the machine's clock at ${date} (rerun: node scripts/test-clock.mjs ${date})`);
    process.exit(run.status ?? 1);
  }
}
