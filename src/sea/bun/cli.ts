// What src/main.ts's import("./cli/entry.js") becomes in the Bun executable (scripts/package.mjs redirects it
// here): the CLI is its second entry point, tokens.cjs (src/sea/tokens.ts, with its own bytecode), required only
// when `hub-tokens` runs, so Docker's credential lookups never load its 2 MB.
import { bun } from "../../bun.js";
import { embeddedBinding, embeddedPath, EMBEDDED } from "./embedded.js";

type CliModule = typeof import("../tokens.js");

/** Runs `hub-tokens` with argv from the embedded CLI; resolves the exit code. */
export async function runTokens(argv: string[]): Promise<number> {
  // createRequire, not a relative require: Bun would resolve that against the build machine's source path.
  const cli = process.getBuiltinModule("node:module").createRequire(embeddedPath(EMBEDDED.cli))(embeddedPath(EMBEDDED.cli)) as CliModule;
  cli.setBindingLoader(async () => embeddedBinding());
  // The executable starts reluctant to JIT-compile, for the helper's short lookups (scripts/package.mjs's
  // JIT_POLICY); a command can run for minutes (setup of thousands of credentials), so from here on the normal policy.
  bun?.unsafe.setJITPolicy(1);
  return cli.runTokens(argv);
}
