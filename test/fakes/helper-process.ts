import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The built helper as Docker runs it from npm: the bin script, on the pinned Node. */
export const HELPER_BIN = join(ROOT, "bin", "docker-credential-hubpat.cjs");

export interface ProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Present, and true, only when the process had to be killed because it did not finish within the bound. */
  hung?: true;
}

/** libfaketime's settings, when scripts/test-clock.mjs runs the tests on a shifted clock. */
const CLOCK_VARIABLES = ["LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "FAKETIME_NO_CACHE"];

/**
 * The machine's clock as this process reads it: the libfaketime variables it runs under, or nothing. A child
 * started with a scratch environment keeps them, so every process of a test reads one clock, as on a real machine
 * (a child on the real clock would see sessions and certificates from the shifted one as not yet valid).
 */
export function machineClock(): NodeJS.ProcessEnv {
  return Object.fromEntries(CLOCK_VARIABLES.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/**
 * Runs `command ...args` as Docker runs a helper (exec, no shell, all of stdin then EOF) and resolves how it ended.
 * A process still running after `boundMs` is killed and reported `hung: true`: the bound turns a hang into a failure,
 * it measures nothing.
 */
export function runProcess(command: readonly string[], args: readonly string[], input: string | Uint8Array, env: NodeJS.ProcessEnv, boundMs = 60_000, cwd?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...machineClock(), ...env }, stdio: ["pipe", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
    let stdout = "";
    let stderr = "";
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, boundMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode, signal, ...(hung ? { hung } : {}) });
    });
    child.stdin.on("error", () => {}); // the helper may exit before reading a huge input
    child.stdin.end(input);
  });
}

/** Runs the helper with one action and `input` on stdin; by default the npm bundle on the Node running the tests. */
export function runHelperProcess(args: string[], input: string, env: NodeJS.ProcessEnv, command: string[] = [process.execPath, HELPER_BIN]): Promise<ProcessResult> {
  return runProcess(command, args, input, env);
}
