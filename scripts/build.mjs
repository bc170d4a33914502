// Builds dist/ with esbuild: main.cjs (both faces' entry and the whole helper hot path) and tokens.cjs (the
// token CLI, loaded only by `hub-tokens`). Keeping them apart means Docker's every credential lookup parses
// only the helper's code. The keyring binding stays external: it is a native .node file.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  external: ["@napi-rs/keyring"],
  define: { __HUBPAT_VERSION__: JSON.stringify(pkg.version) },
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
};

// main.cjs must not pull the CLI in: its import of ./cli/entry.js becomes a runtime require of ./tokens.cjs.
// A require, not an import(): a real import() starts Node's ESM loader and pre-parses the 3 MB bundle for its
// exports (cjs-module-lexer), about 8 ms of every hub-tokens command (measured with --cpu-prof).
const splitCli = {
  name: "split-cli",
  setup(b) {
    b.onResolve({ filter: /\/cli\/entry\.js$/ }, () => ({ path: "./tokens.cjs", external: true }));
  },
};

const [main, tokens] = await Promise.all([
  build({ ...common, entryPoints: ["src/main.ts"], outfile: "dist/main.cjs", plugins: [splitCli], supported: { "dynamic-import": false } }),
  build({ ...common, entryPoints: ["src/cli/entry.ts"], outfile: "dist/tokens.cjs" }),
  // The offline Hub (`npm run emulator`, the demo) and emulator + client for scripts/bench/hub.mjs: not shipped.
  build({ ...common, entryPoints: ["src/emulator/main.ts"], outfile: "dist/emulator.cjs", metafile: false }),
  build({ ...common, entryPoints: ["src/emulator/bench-entry.ts"], outfile: "dist/bench-hub.cjs", metafile: false }),
]);
const { writeFileSync } = await import("node:fs");
writeFileSync("dist/meta.json", JSON.stringify({ main: main.metafile, tokens: tokens.metafile }));

// `hub-tokens [command] --help` is answered by main.cjs from these pages without loading tokens.cjs (see
// cachedHelp in src/main.ts); they are commander's own output, rendered from the built CLI.
const { createRequire } = await import("node:module");
const { helpPages, manPages } = createRequire(import.meta.url)("../dist/tokens.cjs");
writeFileSync("dist/help.json", JSON.stringify(await helpPages()));
// The manual pages (src/cli/man.ts), from the same definitions: npm links them (package.json "man"), the release
// archive and the .deb ship them (scripts/release.mjs).
const { mkdirSync } = await import("node:fs");
mkdirSync("dist/man", { recursive: true });
for (const [name, text] of Object.entries(await manPages())) writeFileSync(`dist/man/${name}`, text);
