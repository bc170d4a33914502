// The one entry point of both faces. Loaded on every Docker credential lookup, so it imports nothing but
// node: built-ins here and chooses its face before loading anything else; node:fs only when it is used, as under
// Bun loading it costs about 1.7 ms of a lookup (src/bun.ts).
import { basename, join } from "node:path";
import { bun } from "./bun.js";

/** Which program the user started: the Docker credential helper or the token CLI. */
export type Face = "helper" | "tokens";

/** The face a program name asks for: `docker-credential-*` is the helper, anything else the token CLI. */
export function faceFromName(programPath: string): Face {
  return basename(programPath).replace(/\.(exe|cjs|js)$/i, "").startsWith("docker-credential-") ? "helper" : "tokens";
}

/**
 * Leaves this process's memory out of any core dump, before a secret can be in it: a crash or a SIGABRT/SIGQUIT
 * would otherwise write the password, the session or a token to disk (as ssh-agent and gpg-agent prevent with
 * PR_SET_DUMPABLE). Node and Bun have no prctl or setrlimit without native code, but every runtime can write
 * /proc/self/coredump_filter (proc(5)): 0 drops every memory mapping, and the kernel writes only the registers
 * (a 69 KB core instead of 50 MB under Node, 53 KB instead of 6.4 GB under Bun 1.4; measured, no secret left in
 * either). About 55 µs. Elsewhere (no procfs, a locked-down container) it stays as it was. Under Bun through
 * Bun.write, so the helper does not load node:fs for it. Resolves whether the filter was written.
 */
export async function keepMemoryOutOfCoreDumps(platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform !== "linux") return false;
  try {
    if (bun) await bun.write("/proc/self/coredump_filter", "0");
    else process.getBuiltinModule("node:fs").writeFileSync("/proc/self/coredump_filter", "0");
    return true;
  } catch {
    return false;
  }
}

/** The part of Bun's bun:ffi used here (no bun-types in the project). */
interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: number[]) => number>; close(): void };
}

/**
 * No core at all, under Bun: prctl(PR_SET_DUMPABLE, 0) through bun:ffi, as ssh-agent does. The memory filter above
 * leaves the registers in a core, and Bun's SIMD string code had a 22-byte password in an AVX register there
 * (measured: 1 hit in a 78 KB core). About 7 ms (the FFI trampoline is compiled on first use), so only hub-tokens
 * pays it; Node has no FFI, and there the filter is what there is. False when not under Bun or when it failed.
 */
export function makeUndumpable(): boolean {
  if ((globalThis as { Bun?: unknown }).Bun === undefined || process.platform !== "linux") return false;
  try {
    const ffi = (process.getBuiltinModule as (id: string) => unknown)("bun:ffi") as BunFfi;
    const libc = ffi.dlopen("libc.so.6", { prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" } });
    const PR_SET_DUMPABLE = 4;
    const ok = libc.symbols.prctl!(PR_SET_DUMPABLE, 0, 0, 0, 0) === 0;
    libc.close();
    return ok;
  } catch {
    return false;
  }
}

/** Runs one face with argv (after the program name) and ends the process with its exit code. */
export async function run(face: Face, argv: string[]): Promise<void> {
  await keepMemoryOutOfCoreDumps();
  if (face === "helper") {
    const [{ runHelper }, { helperStdin, helperStdout }] = await Promise.all([import("./helper/run.js"), import("./helper/stdio.js")]);
    // Not process.stdin and process.stdout (streams costing ms to set up); stderr only when written to.
    const io = { stdin: helperStdin(), stdout: helperStdout(), get stderr() { return quietWhenClosed(process.stderr); }, env: process.env };
    const code = await runHelper(argv, io);
    // A keychain call that timed out still holds a native thread, and Node's exit waits for it: only a
    // signal ends the process then. The answer is already on stdout, and it is a non-zero answer anyway.
    if (code === "kill") process.kill(process.pid, "SIGKILL");
    else process.exit(code);
  }
  quietWhenClosed(process.stdout);
  quietWhenClosed(process.stderr);
  const help = cachedHelp(argv);
  if (help !== undefined) {
    process.stdout.write(help);
    return;
  }
  // Before the CLI can read a password or a session (the helper stays on the filter alone: its hot path is measured).
  makeUndumpable();
  const { runTokens } = await import("./cli/entry.js");
  process.exitCode = await runTokens(argv);
}

const quieted = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that went away early (`| head`, `| grep -q`) is not an error, as with git and gh: what is still
 * written to that stream is dropped, and the command ends with the exit code it would have had, with no stack
 * trace. Any other write error still ends the process as an uncaught error. The helper's stdout has the same
 * rule in src/helper/stdio.ts (it writes with writeSync, not through a stream).
 */
export function quietWhenClosed<T extends NodeJS.WritableStream>(stream: T): T {
  if (quieted.has(stream)) return stream;
  quieted.add(stream);
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  return stream;
}

let readHelp = (): string => process.getBuiltinModule("node:fs").readFileSync(join(__dirname, "help.json"), "utf8");

/** Where the help pages come from: dist/help.json beside the bundle, or the single executable's asset. */
export function setHelpSource(read: () => string): void {
  readHelp = read;
}

/**
 * `hub-tokens --help`, `hub-tokens <command> --help` and `hub-tokens help [command]` from dist/help.json, which the build renders from the
 * commander definitions: loading the CLI bundle only to print help costs more than Node's own start-up.
 * Undefined for anything else, or when there is no such file (tests running the sources).
 */
function cachedHelp(argv: string[]): string | undefined {
  const [first, second] = argv;
  const isHelp = (a: string | undefined) => a === "--help" || a === "-h";
  const key =
    argv.length === 1 && (isHelp(first) || first === "help") ? ""
    : argv.length === 2 && isHelp(second) && !first!.startsWith("-") ? first!
    : argv.length === 2 && first === "help" && !second!.startsWith("-") ? second!
    : undefined;
  if (key === undefined) return undefined;
  try {
    const pages = JSON.parse(readHelp()) as Record<string, string>;
    return Object.hasOwn(pages, key) ? pages[key] : undefined;
  } catch {
    return undefined;
  }
}
