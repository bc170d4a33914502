// The builds of the helper that end-to-end tests run, so each suite can run once per runtime (describe.each):
// the npm package on Node, and the single executable on Bun.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HELPER_BIN, ROOT } from "./helper-process.js";

export interface HelperCommand {
  /** Shown in test names. */
  name: string;
  /**
   * The file to put on PATH as `docker-credential-hubpat` (a symlink to it), as Docker finds a helper: by name, run
   * with exec and one argument. The Node bundle's shebang finds `node` on PATH, so callers put the pinned Node first.
   */
  target: string;
  /** The argv that starts it as the helper directly: the pinned Node and the bin script, or the executable's link. */
  command: string[];
}

/** The single executable (`npm run package`); the name Docker runs it by makes it the helper. */
export const SEA_BIN = join(ROOT, "dist", "sea", "hubpat");
/** The pinned Node (devDependency), whatever Node runs vitest. */
const NODE = join(ROOT, "node_modules", ".bin", "node");

/** Whether the single executable is built and tested here: Linux x64, the one platform its tests run on. */
export const EXECUTABLE_HERE = process.platform === "linux" && process.arch === "x64";

/**
 * Every helper build to test: the Node bundle (bin/ over dist/, from `npm run build`), and the Bun executable,
 * which test/global-setup.ts packages before any test runs on Linux x64. In CI it must be there: a missing one
 * fails there instead of going untested.
 */
export function helperCommands(): HelperCommand[] {
  const commands: HelperCommand[] = [{ name: "node bundle", target: HELPER_BIN, command: [NODE, HELPER_BIN] }];
  if (existsSync(SEA_BIN) || (process.env.CI === "true" && EXECUTABLE_HERE)) {
    commands.push({ name: "Bun executable", target: SEA_BIN, command: [join(ROOT, "dist", "sea", "docker-credential-hubpat")] });
  }
  return commands;
}

/** A build of `hub-tokens` to test, and the argv that starts it. */
export interface TokensCommand {
  name: string;
  command: string[];
}

/** Every `hub-tokens` build to test: the bin script on this Node, and the single executable as for the helper. */
export function tokensCommands(): TokensCommand[] {
  const commands = [{ name: "node bundle", command: [process.execPath, join(ROOT, "bin", "hub-tokens.cjs")] }];
  if (helperCommands().some((c) => c.target === SEA_BIN)) commands.push({ name: "Bun executable", command: [join(ROOT, "dist", "sea", "hub-tokens")] });
  return commands;
}
