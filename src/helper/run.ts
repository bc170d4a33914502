import type { Writable } from "node:stream";
import { hasAbandonedCalls } from "../store/abandoned.js";
import { chooseStoreQuickly, openStore } from "../store/choice.js";
import { credentialsPath, insecureStorageWarning } from "../store/paths.js";
import { HELPER_SERVICE, type CredentialStore } from "../store/store.js";
import { handle, MAX_INPUT_BYTES } from "./protocol.js";

/** The process edges the helper touches, injectable so tests can run it without a child process. */
export interface HelperIO {
  /** process.stdin, or anything read the same way: src/helper/stdio.ts reads fd 0 without the stream machinery. */
  stdin: AsyncIterable<Buffer | string> & { destroy(): unknown };
  /** process.stdout, or anything written the same way (src/helper/stdio.ts). */
  stdout: { write(text: string, done: (err?: Error | null) => void): unknown };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

const NEEDS_INPUT = new Set(["get", "store", "erase"]);
const USES_STORE = new Set(["get", "store", "erase", "list"]);

/**
 * Runs `docker-credential-hubpat ACTION`: reads stdin, answers on stdout, resolves the exit code, or
 * "kill" when a hung keychain call would keep the process alive (the answer is then already written; Docker
 * reads only stdout and zero/non-zero, and every such answer is a failure or not-found anyway).
 */
export async function runHelper(args: readonly string[], io: HelperIO, store?: CredentialStore): Promise<number | "kill"> {
  const action = args.length === 1 ? args[0]! : undefined;
  // The store is chosen and its connection started while stdin is read (both wait on the kernel under Bun); a
  // failure to open it is met, and reported, only where the action asks for the store.
  const opening = !store && action !== undefined && USES_STORE.has(action) ? openChosenStore(io.env) : undefined;
  opening?.catch(() => {});
  const input = action !== undefined && NEEDS_INPUT.has(action) ? await readInput(io.stdin, MAX_INPUT_BYTES + 1) : "";
  const result = await handle(args, input, async () => {
    if (store) return store;
    const opened = await (opening ?? openChosenStore(io.env));
    if (opened.warning) io.stderr.write(opened.warning);
    return opened.store;
  });
  if (result.stderr) io.stderr.write(result.stderr);
  await new Promise<void>((resolve, reject) => io.stdout.write(result.stdout, (err) => (err ? reject(err) : resolve())));
  return hasAbandonedCalls() ? "kill" : result.exitCode;
}

/** The store the person chose (src/store/choice.ts), its connection started; the plain file's warning, to print on use. */
async function openChosenStore(env: NodeJS.ProcessEnv): Promise<{ store: CredentialStore; warning?: string }> {
  const { kind } = await chooseStoreQuickly(env);
  const store = await openStore(kind, HELPER_SERVICE, env);
  store.prepare?.();
  return kind === "file" ? { store, warning: `docker-credential-hubpat: warning: ${insecureStorageWarning(credentialsPath(env))}\n` } : { store };
}

/** Reads stdin to its end, but stops after `limit` bytes so a huge input can't exhaust memory. */
async function readInput(stream: HelperIO["stdin"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buf);
    size += buf.length;
    if (size >= limit) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}
