// `npm run bench`: runs every benchmark in scripts/bench/ in turn, each in its own process, each printing its
// own table of medians and ratios against a baseline measured in the same run. Not a test: nothing here fails
// on a number; the goals and the last results are in the README.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.argv.slice(2);
const files = readdirSync(new URL("./bench/", import.meta.url))
  .filter((f) => f.endsWith(".mjs") && f !== "common.mjs" && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace(/\.mjs$/, "")}\n`);
  const r = spawnSync(process.execPath, [new URL(`./bench/${file}`, import.meta.url).pathname], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
