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

/**
 * Runs `docker-credential-hubpat ACTION`: reads stdin, answers on stdout, resolves the exit code, or
 * "kill" when a hung keychain call would keep the process alive (the answer is then already written; Docker
 * reads only stdout and zero/non-zero, and every such answer is a failure or not-found anyway).
 */
export async function runHelper(args: readonly string[], io: HelperIO, store?: CredentialStore): Promise<number | "kill"> {
  const needsInput = args.length === 1 && NEEDS_INPUT.has(args[0]!);
  const input = needsInput ? await readInput(io.stdin, MAX_INPUT_BYTES + 1) : "";
  const result = await handle(args, input, async () => store ?? openChosenStore(io));
  if (result.stderr) io.stderr.write(result.stderr);
  await new Promise<void>((resolve, reject) => io.stdout.write(result.stdout, (err) => (err ? reject(err) : resolve())));
  return hasAbandonedCalls() ? "kill" : result.exitCode;
}

/** The store the person chose (src/store/choice.ts); the plain file says so on stderr, every time. */
async function openChosenStore(io: HelperIO): Promise<CredentialStore> {
  const { kind } = await chooseStoreQuickly(io.env);
  if (kind === "file") io.stderr.write(`docker-credential-hubpat: warning: ${insecureStorageWarning(credentialsPath(io.env))}\n`);
  return openStore(kind, HELPER_SERVICE, io.env);
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
