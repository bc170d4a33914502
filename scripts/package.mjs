// `npm run package`: hubpat as one self-contained executable, built with Bun (the pinned `bun` devDependency),
// in dist/sea/: `hubpat` plus the links `docker-credential-hubpat` and `hub-tokens` to it.
//
//   1. esbuild bundles two CommonJS scripts: main.cjs (src/sea/bun/main.ts: both faces' entry and the helper's
//      whole hot path, nothing else) and tokens.cjs (the CLI, required only when `hub-tokens` runs).
//   2. `bun build --compile --bytecode` turns both into one executable with their bytecode, the keyring binding
//      and the help pages embedded as plain files (`--asset`), and every run-time autoload off: .env, bunfig.toml,
//      tsconfig.json and package.json in the working directory (or HOME) change nothing in the executable.
//      The binding is loaded only from hubpat's verified private cache (src/sea/binding-cache.ts), never from
//      Bun's own $TMPDIR extraction. Not stripped: `strip` breaks a Bun executable.
//      The executable starts with JavaScriptCore's tier-up thresholds scaled by JIT_POLICY (below), and the CLI
//      face sets them back to normal once its code is loaded (src/sea/bun/cli.ts).
//
// Options:
//   --target OS-ARCH   cross-build one of linux-x64, linux-arm64, darwin-x64, darwin-arm64, windows-x64 into
//                      dist/sea/OS-ARCH/hubpat[.exe], from the @oven/bun-* and @napi-rs/keyring-* npm packages
//                      pinned in package-lock.json (fetched by npm into its cache, checked against the lock's
//                      integrity). Repeatable. The host's is also built into dist/sea/ unless --no-host is given.
//   --all-targets      every target above.
//   --runtime node     the former Node single executable (Node SEA + postject), into dist/node-sea/, kept so
//                      scripts/bench/helper.mjs measures both runtimes in one run.
//   --quiet            print nothing but errors.
import { build } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const log = flag("--quiet") ? () => {} : (...a) => console.log(...a);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const KEYRING_PACKAGES = JSON.parse(readFileSync(join(root, "src", "store", "keyring-packages.json"), "utf8"));
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * How many times more reluctant to JIT-compile the executable starts (Bun's --compile-jit-policy). A credential
 * lookup runs each function a few times in 10-15 ms, and compiling it costs more than it saves: measured on a
 * `get` miss (30 runs round-robin, one private gnome-keyring), 15.4 -> 13.9 ms at 10 and 16.7 -> 14.8 ms at 1000;
 * a hit 23.9 -> 21.2 ms. BUN_JSC_useBaselineJIT=0 gave the same gain: it is the baseline JIT's compiling that
 * costs. (100 measured slower than 1 in three runs, for reasons not found; 10 and 1000 alike faster.) hub-tokens
 * sets the normal policy again (Bun.unsafe.setJITPolicy(1)) before a command runs.
 */
const JIT_POLICY = 1000;

/** The targets hubpat's executable is built for: Bun's name, its npm package, the keyring's platform key. */
const TARGETS = {
  "linux-x64": { bun: "bun-linux-x64", oven: "@oven/bun-linux-x64", keyring: "linux-x64", exe: "" },
  "linux-arm64": { bun: "bun-linux-arm64", oven: "@oven/bun-linux-aarch64", keyring: "linux-arm64", exe: "" },
  "darwin-x64": { bun: "bun-darwin-x64", oven: "@oven/bun-darwin-x64", keyring: "darwin-x64", exe: "" },
  "darwin-arm64": { bun: "bun-darwin-arm64", oven: "@oven/bun-darwin-aarch64", keyring: "darwin-arm64", exe: "" },
  "windows-x64": { bun: "bun-windows-x64", oven: "@oven/bun-windows-x64", keyring: "win32-x64", exe: ".exe" },
};
const hostTarget = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;

if (flag("--runtime") && argv[argv.indexOf("--runtime") + 1] === "node") {
  await packageNode();
} else {
  const cross = flag("--all-targets") ? Object.keys(TARGETS).filter((t) => t !== hostTarget) : argv.flatMap((a, i) => (a === "--target" ? [argv[i + 1]] : []));
  for (const t of cross) if (!TARGETS[t]) throw new Error(`package: unknown target ${t} (one of ${Object.keys(TARGETS).join(", ")})`);
  await buildHelp();
  const built = [];
  if (!flag("--no-host") && !cross.includes(hostTarget)) built.push(await packageBun(hostTarget, join(root, "dist", "sea"), true));
  for (const t of cross) built.push(await packageBun(t, join(root, "dist", "sea", t), t === hostTarget));
  writeFileSync(join(root, "build", "sea", "sizes.json"), JSON.stringify(Object.fromEntries(built.map((b) => [b.target, b])), null, 1));
}

/** dist/help.json must exist (npm run build makes it); package runs after the build. */
async function buildHelp() {
  if (!existsSync(join(root, "dist", "help.json"))) throw new Error("package: dist/help.json is missing: run npm run build first");
}

/** One Bun executable for `target` in `out`; `isHost` runs it once to check it starts. */
async function packageBun(target, out, isHost) {
  const t = TARGETS[target];
  const work = join(root, "build", "sea", target);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(out, { recursive: true });
  // Only this target's files: dist/sea/ also holds the cross-built targets' directories.
  for (const name of ["hubpat", "docker-credential-hubpat", "hub-tokens"]) rmSync(join(out, `${name}${t.exe}`), { force: true });

  // The binding for the target, as @napi-rs/keyring's own loader would pick it (glibc on Linux).
  const keyringPackage = KEYRING_PACKAGES[t.keyring];
  const keyringDir = isHost ? dirname(require.resolve(`${keyringPackage}/package.json`)) : npmPackage(keyringPackage);
  const bindingFile = join(keyringDir, JSON.parse(readFileSync(join(keyringDir, "package.json"), "utf8")).main);
  const binding = readFileSync(bindingFile);
  const bindingSha256 = createHash("sha256").update(binding).digest("hex");
  copyFileSync(bindingFile, join(work, "keyring.node"));
  copyFileSync(join(root, "dist", "help.json"), join(work, "help.json"));

  // 1. The two scripts.
  const main = join(work, "main.cjs");
  const tokens = join(work, "tokens.cjs");
  const common = { ...esbuildOptions("bun", bindingSha256), supported: { "dynamic-import": false } };
  const [mainBuild] = await Promise.all([
    build({ ...common, entryPoints: [join(root, "src", "sea", "bun", "main.ts")], outfile: main, metafile: true }),
    build({ ...common, entryPoints: [join(root, "src", "sea", "tokens.ts")], outfile: tokens }),
  ]);
  writeFileSync(join(work, "meta.json"), JSON.stringify(mainBuild.metafile));

  // 2. The executable. The host's Bun is the pinned devDependency; another target's is its @oven/bun-* package.
  const hubpat = join(out, `hubpat${t.exe}`);
  const bunArgs = [
    "build", "--compile", "--bytecode", "--format=cjs", `--compile-jit-policy=${JIT_POLICY}`,
    `--target=${t.bun}`, `--compile-executable-path=${isHost ? hostBun() : join(npmPackage(t.oven), "bin", `bun${t.exe}`)}`,
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--no-compile-autoload-tsconfig", "--no-compile-autoload-package-json",
    "--asset", join(work, "keyring.node"), "--asset", join(work, "help.json"),
    main, tokens, "--outfile", hubpat,
  ];
  // Bun's own config files of the machine that builds must not reach the build either.
  const r = spawnSync(hostBun(), bunArgs, { cwd: work, encoding: "utf8", env: buildEnv() });
  if (r.status !== 0) throw new Error(`package: bun build for ${target} failed:\n${r.stdout}${r.stderr}`);
  chmodSync(hubpat, 0o755);
  for (const name of ["docker-credential-hubpat", "hub-tokens"]) {
    if (t.exe) copyFileSync(hubpat, join(out, `${name}${t.exe}`));
    else symlinkSync(`hubpat${t.exe}`, join(out, name));
  }

  if (isHost) {
    const check = spawnSync(hubpat, ["--version"], { encoding: "utf8" });
    if (check.status !== 0 || check.stdout.trim() !== pkg.version) throw new Error(`the executable does not run: ${check.stdout}${check.stderr}`);
  }
  const size = statSync(hubpat).size;
  // gzip -9 of 120 MB takes seconds: only when the sizes are printed (not under --quiet, as the tests run it).
  const gzipped = flag("--quiet") ? undefined : gzipSync(readFileSync(hubpat), { level: 9 }).length;
  log(`${hubpat.slice(root.length)}: ${mb(size)} (${mb(gzipped)} gzipped), Bun ${bunVersion()} for ${t.bun}, main script ${(statSync(main).size / 1e3).toFixed(0)} KB, CLI ${mb(statSync(tokens).size)}, binding ${keyringPackage} sha256 ${bindingSha256.slice(0, 16)}…${isHost ? "" : " (cross-built: not run)"}`);
  return { target, size, gzipped, main: statSync(main).size, tokens: statSync(tokens).size, binding: binding.length };
}

/** esbuild's options for an executable's two scripts, for `runtime` (src/sea/bun or src/sea/node). */
function esbuildOptions(runtime, bindingSha256) {
  return {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    define: { __HUBPAT_VERSION__: JSON.stringify(pkg.version), __HUBPAT_KEYRING_SHA256__: JSON.stringify(bindingSha256) },
    legalComments: "none",
    logLevel: "warning",
    plugins: [executableOnly(runtime)],
  };
}

/**
 * The executable's scripts reach no package on disk: the keyring's npm loader (never called there: the
 * executable registers its own) is a stub that throws, so no node_modules/ beside the user can be found.
 */
function executableOnly(runtime) {
  return {
    name: "executable-only",
    setup(b) {
      b.onResolve({ filter: /\/cli\/entry\.js$/ }, (a) => (a.importer.endsWith(join("src", "main.ts")) ? { path: join(root, "src", "sea", runtime, "cli.ts") } : undefined));
      b.onResolve({ filter: /^@napi-rs\/keyring/ }, (a) => ({ path: a.path, namespace: "no-package" }));
      b.onLoad({ filter: /.*/, namespace: "no-package" }, (a) => ({ contents: `throw new Error(${JSON.stringify(`the executable loads no ${a.path} from disk`)});`, loader: "js" }));
    },
  };
}

/** An environment for bun build without the builder's Bun settings (BUN_*, a global bunfig via XDG/HOME). */
function buildEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BUN_")));
  return { ...env, BUN_INSTALL: join(root, "build", "bun-home"), XDG_CONFIG_HOME: join(root, "build", "bun-home"), DO_NOT_TRACK: "1" };
}

/** The pinned Bun for this machine, from node_modules (the `bun` package moves its platform binary into bin/). */
function hostBun() {
  const oven = TARGETS[hostTarget]?.oven;
  const candidates = [oven && join(root, "node_modules", oven, "bin", `bun${TARGETS[hostTarget].exe}`), join(root, "node_modules", "bun", "bin", "bun.exe")];
  const found = candidates.find((c) => c && existsSync(c) && statSync(c).size > 1e6);
  if (!found) throw new Error(`package: no Bun binary in node_modules for ${hostTarget}: run npm ci`);
  return found;
}

function bunVersion() {
  return execFileSync(hostBun(), ["--version"], { encoding: "utf8" }).trim();
}

/**
 * Another platform's npm package at the version package-lock.json pins, unpacked into build/cross/: npm refuses to
 * install a package for another os/cpu, so `npm pack` fetches the tarball (from npm's cache when it has it) and
 * its sha512 must match the lock's integrity.
 */
function npmPackage(name) {
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.integrity) throw new Error(`package: ${name} is not in package-lock.json`);
  const dir = join(root, "build", "cross", `${name.replace("/", "+")}@${entry.version}`);
  if (existsSync(join(dir, "package", "package.json"))) return join(dir, "package");
  mkdirSync(dir, { recursive: true });
  const spec = `${name}@${entry.version}`;
  let packed = spawnSync("npm", ["pack", spec, "--offline", "--json", "--pack-destination", dir], { encoding: "utf8" });
  if (packed.status !== 0) packed = spawnSync("npm", ["pack", spec, "--json", "--pack-destination", dir], { encoding: "utf8" });
  if (packed.status !== 0) throw new Error(`package: npm pack ${spec} failed: ${packed.stderr}`);
  const tarball = join(dir, JSON.parse(packed.stdout)[0].filename);
  const [algo, want] = entry.integrity.split("-");
  const got = createHash(algo).update(readFileSync(tarball)).digest("base64");
  if (got !== want) throw new Error(`package: ${spec} does not match package-lock.json's integrity`);
  execFileSync("tar", ["-xzf", tarball, "-C", dir]);
  rmSync(tarball);
  return join(dir, "package");
}

/**
 * The Node single executable, as before the move to Bun: esbuild, `node --experimental-sea-config` with V8's
 * code cache, the pinned Node binary stripped and the blob injected with postject. Into dist/node-sea/.
 */
async function packageNode() {
  const target = `${process.platform}-${process.arch}`;
  const bindingPackage = KEYRING_PACKAGES[target];
  const bindingDir = dirname(require.resolve(`${bindingPackage}/package.json`));
  const bindingFile = join(bindingDir, JSON.parse(readFileSync(join(bindingDir, "package.json"), "utf8")).main);
  const bindingSha256 = createHash("sha256").update(readFileSync(bindingFile)).digest("hex");
  const node = realpathSync(process.execPath);
  const work = join(root, "build", "node-sea");
  const out = join(root, "dist", "node-sea");
  rmSync(work, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(out, { recursive: true });
  const common = { ...esbuildOptions("node", bindingSha256), minifyWhitespace: true, minifySyntax: true };
  const script = join(work, "hubpat.cjs");
  const cliScript = join(work, "tokens.cjs");
  await Promise.all([
    build({ ...common, entryPoints: [join(root, "src", "sea", "node", "main.ts")], outfile: script }),
    build({ ...common, entryPoints: [join(root, "src", "sea", "tokens.ts")], outfile: cliScript }),
  ]);
  // The CLI's code cache, made by this same Node for the exact text src/sea/node/cli.ts compiles.
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
  const blob = join(work, "hubpat.blob");
  const config = {
    main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false,
    assets: { "keyring.node": bindingFile, "tokens.cjs": cliScript, "tokens.cache": cliCache, "help.json": join(root, "dist", "help.json") },
  };
  writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
  execFileSync(node, ["--experimental-sea-config", join(work, "sea-config.json")], { stdio: "ignore" });
  const hubpat = join(out, "hubpat");
  copyFileSync(node, hubpat);
  chmodSync(hubpat, 0o755);
  if (process.platform === "linux") spawnSync("strip", ["--strip-all", hubpat], { stdio: "ignore" });
  execFileSync(node, [join(root, "node_modules", "postject", "dist", "cli.js"), hubpat, "NODE_SEA_BLOB", blob, "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"], { stdio: "ignore" });
  for (const name of ["docker-credential-hubpat", "hub-tokens"]) symlinkSync("hubpat", join(out, name));
  const check = spawnSync(hubpat, ["--version"], { encoding: "utf8" });
  if (check.status !== 0 || check.stdout.trim() !== pkg.version) throw new Error(`the Node executable does not run: ${check.stdout}${check.stderr}`);
  log(`dist/node-sea/hubpat: ${mb(statSync(hubpat).size)} (Node ${process.version}, for comparison)`);
}
