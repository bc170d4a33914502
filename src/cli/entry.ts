// The `hub-tokens` face: argv in, an exit code out. The one place that turns an error into a line on stderr and
// an exit code (0 ok, 1 failure, 2 usage, 4 not logged in or session rejected, 130 cancelled).
import { ExitCode, exitCodeOf, formatError, HubpatError } from "../errors.js";
import type { ProcessLike } from "./deps.js";

/** Runs `hub-tokens` with argv (after the program name); resolves the exit code. */
export async function runTokens(argv: string[], proc: ProcessLike = process): Promise<number> {
  const { createProgram } = await import("./program.js");
  const { CommanderError } = await import("commander");
  // Ctrl-C while waiting on the Hub or the keychain: stop now with 130. (At a prompt the terminal is raw and
  // the prompter turns Ctrl-C into a CancelError instead.)
  const onSigint = () => {
    proc.stderr.write("\n");
    process.exit(ExitCode.cancelled);
  };
  process.once("SIGINT", onSigint);
  const program = createProgram({
    writeOut: (s) => void proc.stdout.write(s),
    writeErr: (s) => void proc.stderr.write(s),
    env: proc.env,
    makeDeps: async (globals) => (await import("./deps.js")).productionDeps(proc, globals),
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    return report(err, proc, CommanderError);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/**
 * Every help page (`hub-tokens --help`, `hub-tokens <command> --help`), keyed by command name or alias ("" for
 * the program). scripts/build.mjs writes them to dist/help.json so main.ts answers --help without loading this.
 */
export async function helpPages(): Promise<Record<string, string>> {
  const { createProgram } = await import("./program.js");
  let text = "";
  const program = createProgram({ writeOut: (s) => void (text += s), writeErr: () => {}, env: {}, makeDeps: () => Promise.reject(new Error("help only")) });
  const page = (cmd: typeof program) => {
    text = "";
    cmd.outputHelp();
    return text;
  };
  const pages: Record<string, string> = { "": page(program) };
  for (const cmd of program.commands) for (const name of [cmd.name(), ...cmd.aliases()]) pages[name] = page(cmd);
  return pages;
}

/** The manual pages, hub-tokens.1 and docker-credential-hubpat.1 (roff), from the same tree as the help pages. */
export async function manPages(): Promise<Record<string, string>> {
  const [{ createProgram }, { tokensManPage, helperManPage }, { VERSION }] = await Promise.all([import("./program.js"), import("./man.js"), import("../version.js")]);
  const program = createProgram({ writeOut: () => {}, writeErr: () => {}, env: {}, makeDeps: () => Promise.reject(new Error("manual only")) });
  return { "hub-tokens.1": tokensManPage(program, VERSION), "docker-credential-hubpat.1": helperManPage(VERSION) };
}

/** Prints `err` as one line (stack only with HUBPAT_DEBUG=1) and returns its exit code. */
export function report(err: unknown, proc: Pick<ProcessLike, "stderr" | "env">, commanderError: abstract new (...a: never[]) => { exitCode: number }): number {
  // Commander has already written its message (or the help text) to our stderr/stdout.
  if (err instanceof commanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  proc.stderr.write(`hub-tokens: ${formatError(err)}\n`);
  if (proc.env.HUBPAT_DEBUG === "1" && err instanceof Error && err.stack) proc.stderr.write(`${err.stack}\n`);
  else if (!(err instanceof HubpatError)) proc.stderr.write("(not an error hubpat expected: HUBPAT_DEBUG=1 shows the stack trace)\n");
  return exitCodeOf(err);
}
