// What the benchmarks in scripts/bench/ share: the repository root, their command-line options, this Node and
// the npm bundle of the helper. Not a benchmark itself (scripts/bench.mjs skips it).
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

const argv = process.argv.slice(2);
/** The value after `name` on the command line, or `fallback`. */
export const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
/** Whether `name` is on the command line. */
export const flag = (name) => argv.includes(name);

/** --runs N and --warmup N, with this benchmark's defaults. */
export const runsAndWarmup = (runs, warmup = 3) => ({ RUNS: Number(opt("--runs", runs)), WARMUP: Number(opt("--warmup", warmup)) });

/** This Node, links resolved, and the helper's npm bundle on it. */
export const NODE = realpathSync(process.execPath);
export const BUNDLE = [NODE, join(root, "bin", "docker-credential-hubpat.cjs")];
