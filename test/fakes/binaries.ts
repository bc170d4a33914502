// The builds of the helper that end-to-end tests run, so each suite can run once per variant (describe.each).
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
}

/** The single executable (`npm run package`); the name Docker runs it by makes it the helper. */
export const SEA_BIN = join(ROOT, "dist", "sea", "hubpat");

/**
 * Every helper build to test: the Node bundle (bin/ over dist/, from `npm run build`), and the single executable
 * when it has been packaged. In CI it must be there: a missing one fails there instead of going untested.
 */
export function helperCommands(): HelperCommand[] {
  const commands = [{ name: "node bundle", target: HELPER_BIN }];
  const onLinuxX64 = process.platform === "linux" && process.arch === "x64";
  if (existsSync(SEA_BIN) || (process.env.CI === "true" && onLinuxX64)) commands.push({ name: "single executable", target: SEA_BIN });
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
  if (helperCommands().some((c) => c.target === SEA_BIN)) commands.push({ name: "single executable", command: [join(ROOT, "dist", "sea", "hub-tokens")] });
  return commands;
}
