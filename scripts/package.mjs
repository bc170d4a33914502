// `npm run package`: hubpat as one self-contained executable for this platform (a Node single-executable
// application), in dist/sea/: `hubpat` plus the links `docker-credential-hubpat` and `hub-tokens` to it.
//
//   1. esbuild bundles src/sea/main.ts with everything (both faces, the CLI's dependencies) into one CJS script:
//      a SEA's main script can only require built-ins.
//   2. `node --experimental-sea-config` turns it into a blob with V8's code cache and the keyring binding as an
//      asset (the binding's sha256 goes into the script, so a damaged or swapped cached copy is noticed).
//   3. The pinned Node binary (node_modules/.bin/node, the same one that built the blob: the code cache is only
//      valid for it) is copied, stripped of its symbols, and the blob injected with postject.
//
// Runs offline from npm packages only. Options: --no-strip (keep symbols, to compare sizes), --quiet.
import { build } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const log = args.has("--quiet") ? () => {} : (...a) => console.log(...a);

// The binding for this platform, as @napi-rs/keyring's own loader would pick it (glibc on Linux).
const PLATFORM_PACKAGES = JSON.parse(readFileSync(join(root, "src", "store", "keyring-packages.json"), "utf8"));
const target = `${process.platform}-${process.arch}`;
const bindingPackage = PLATFORM_PACKAGES[target];
if (!bindingPackage) throw new Error(`no keyring binding package known for ${target}`);
const bindingDir = dirname(require.resolve(`${bindingPackage}/package.json`));
const bindingFile = join(bindingDir, JSON.parse(readFileSync(join(bindingDir, "package.json"), "utf8")).main);
const binding = readFileSync(bindingFile);
const bindingSha256 = createHash("sha256").update(binding).digest("hex");

// The Node that runs this script is the base binary: `npm run` puts node_modules/.bin first on PATH.
const node = realpathSync(process.execPath);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const work = join(root, "build", "sea");
const out = join(root, "dist", "sea");
const exe = process.platform === "win32" ? ".exe" : "";
rmSync(work, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(out, { recursive: true });

// 1. Two scripts. The blob's main script holds both faces' entry and the helper's whole hot path, and nothing
//    else: each Docker credential lookup loads it, and a 2 MB script costs about 10 ms more to start even with
//    its code cache. The CLI is the asset tokens.cjs, compiled by src/sea/cli.ts only when `hub-tokens` runs.
//    The npm path's import("@napi-rs/keyring") stays in both but never runs: the SEA replaces the loader first.
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  external: ["@napi-rs/keyring"],
  define: { __HUBPAT_VERSION__: JSON.stringify(pkg.version), __HUBPAT_KEYRING_SHA256__: JSON.stringify(bindingSha256) },
  legalComments: "none",
  logLevel: "warning",
  minifyWhitespace: true,
  minifySyntax: true,
};
const embeddedCli = {
  name: "embedded-cli",
  setup(b) {
    b.onResolve({ filter: /\/cli\/entry\.js$/ }, (a) => (a.importer.endsWith(join("src", "main.ts")) ? { path: join(root, "src", "sea", "cli.ts") } : undefined));
  },
};
const script = join(work, "hubpat.cjs");
const cliScript = join(work, "tokens.cjs");
const [mainBuild] = await Promise.all([
  build({ ...common, entryPoints: [join(root, "src", "sea", "main.ts")], outfile: script, plugins: [embeddedCli], metafile: true }),
  build({ ...common, entryPoints: [join(root, "src", "sea", "tokens.ts")], outfile: cliScript }),
]);
writeFileSync(join(work, "meta.json"), JSON.stringify(mainBuild.metafile));

// The CLI's code cache, made by this same Node (V8 refuses a cache from another version or other flags), for
// the exact text src/sea/cli.ts compiles, after rendering every help page so commander's functions are in it.
const cliCache = join(work, "tokens.cache");
{
  const { constants, Script } = await import("node:vm");
  const source = readFileSync(cliScript, "utf8");
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const compiled = new Script(wrapped, { filename: "hubpat:tokens.cjs", importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const mod = { exports: {} };
  compiled.runInThisContext()(mod.exports, require, mod, "hubpat:tokens.cjs", ".");
  await mod.exports.helpPages?.();
  writeFileSync(cliCache, compiled.createCachedData());
}

// 2. The blob.
const blob = join(work, "hubpat.blob");
const config = {
  main: script,
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  useSnapshot: false,
  assets: { "keyring.node": bindingFile, "tokens.cjs": cliScript, "tokens.cache": cliCache, "help.json": join(root, "dist", "help.json") },
};
writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
execFileSync(node, ["--experimental-sea-config", join(work, "sea-config.json")], { stdio: "ignore" });

// 3. The executable.
const hubpat = join(out, `hubpat${exe}`);
copyFileSync(node, hubpat);
chmodSync(hubpat, 0o755);
const unstripped = statSync(hubpat).size;
// Node's official Linux binary keeps its symbol table (about 18 MB); postject works on the stripped file.
if (!args.has("--no-strip") && process.platform === "linux") {
  const stripped = spawnSync("strip", ["--strip-all", hubpat], { stdio: "ignore" });
  if (stripped.error || stripped.status !== 0) console.warn("package: strip failed or is missing (Debian: binutils): the executable keeps its symbols");
}
if (process.platform === "darwin") execFileSync("codesign", ["--remove-signature", hubpat]);
const postject = join(root, "node_modules", "postject", "dist", "cli.js");
const postjectArgs = [postject, hubpat, "NODE_SEA_BLOB", blob, "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"];
if (process.platform === "darwin") postjectArgs.push("--macho-segment-name", "NODE_SEA");
execFileSync(node, postjectArgs, { stdio: "ignore" });
if (process.platform === "darwin") execFileSync("codesign", ["--sign", "-", hubpat]);
for (const name of ["docker-credential-hubpat", "hub-tokens"]) {
  if (process.platform === "win32") copyFileSync(hubpat, join(out, `${name}${exe}`));
  else symlinkSync(`hubpat${exe}`, join(out, name));
}

// Sizes, for the README.
const size = statSync(hubpat).size;
const gz = gzipSync(readFileSync(hubpat), { level: 9 }).length;
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const check = spawnSync(hubpat, ["--version"], { encoding: "utf8" });
if (check.status !== 0 || check.stdout.trim() !== pkg.version) throw new Error(`the executable does not run: ${check.stdout}${check.stderr}`);
log(`dist/sea/hubpat${exe}: ${mb(size)} (${mb(gz)} gzipped; Node binary ${mb(unstripped)} before strip), script ${mb(statSync(script).size)}, blob ${mb(statSync(blob).size)}, binding ${bindingPackage} sha256 ${bindingSha256.slice(0, 16)}…`);
writeFileSync(join(work, "sizes.json"), JSON.stringify({ size, gzipped: gz, node: unstripped, script: statSync(script).size, blob: statSync(blob).size }));
