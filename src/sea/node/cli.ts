// What src/main.ts's import("./cli/entry.js") becomes in the single executable (scripts/package.mjs redirects it
// here): the CLI is the asset "tokens.cjs", compiled with the V8 code cache made for it when it was packaged.
import { getAsset } from "node:sea";
import { constants, Script } from "node:vm";
import { ASSETS, embeddedBinding } from "./embedded.js";

type CliModule = typeof import("../tokens.js");

/** Runs `hub-tokens` with argv from the embedded CLI; resolves the exit code. */
export async function runTokens(argv: string[]): Promise<number> {
  const cli = loadCli();
  cli.setBindingLoader(async () => embeddedBinding());
  return cli.runTokens(argv);
}

/** The CommonJS wrapper the asset is compiled in: scripts/package.mjs makes the code cache for exactly this text. */
function wrapCli(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

function loadCli(): CliModule {
  let cachedData: Buffer | undefined;
  try {
    cachedData = Buffer.from(getAsset(ASSETS.cliCache));
  } catch {
    cachedData = undefined; // packaged without one: V8 compiles from source
  }
  const script = new Script(wrapCli(getAsset(ASSETS.cli, "utf8")), {
    filename: "hubpat:tokens.cjs",
    // An import() of a built-in in the CLI would otherwise fail here, though it works from the npm bundle.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as CliModule };
  const load = script.runInThisContext() as (e: object, r: (id: string) => unknown, m: object, f: string, d: string) => void;
  load(module.exports, requireBuiltin, module, "hubpat:tokens.cjs", ".");
  return module.exports;
}

/** A SEA script can require built-ins only, and the CLI bundle needs nothing else. */
function requireBuiltin(id: string): unknown {
  const builtin = process.getBuiltinModule(id);
  if (builtin === undefined) throw new Error(`the embedded CLI asked for ${id}, which is not built into Node`);
  return builtin;
}
