// The helper's stdin and stdout without process.stdin and process.stdout: on a pipe, each builds a net.Socket
// and loads Node's stream machinery, about 4 ms each of a credential lookup that takes 30 (scripts/bench/helper.mjs).
// Docker writes the whole request and closes the pipe before it reads the answer, and the answer is one short
// line, so blocking reads on fd 0 and blocking writes on fd 1 are all the helper needs. Under Bun, Bun.stdin and
// Bun.write serve instead: loading node:fs costs about 1.7 ms there, where they cost under 0.5 ms (src/bun.ts).
import { bun, type BunRuntime } from "../bun.js";

/** The helper's stdin: Bun's under Bun, else blocking reads on fd 0. */
export function helperStdin(): InputSource {
  return bun ? bunStdin(bun) : blockingStdin();
}

/** The helper's stdout: Bun.write under Bun, else blocking writes on fd 1. */
export function helperStdout(): OutputSink {
  return bun ? bunStdout(bun) : blockingStdout();
}

/** Stdin read through Bun.stdin's stream, lazily (nothing is read unless the action needs input). */
export function bunStdin(runtime: Pick<BunRuntime, "stdin">): InputSource {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let stopped = false;
  return {
    destroy() {
      stopped = true;
      reader?.cancel().catch(() => {});
    },
    async *[Symbol.asyncIterator]() {
      reader = runtime.stdin.stream().getReader();
      while (!stopped) {
        const { done, value } = await reader.read();
        if (done) return;
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    },
  };
}

/** Stdout written by Bun.write, which writes it all; a reader that went away (EPIPE) gets nothing. */
export function bunStdout(runtime: Pick<BunRuntime, "stdout" | "write">): OutputSink {
  return {
    write(text, done) {
      runtime.write(runtime.stdout, text).then(
        () => done(),
        (err: NodeJS.ErrnoException) => done(err.code === "EPIPE" ? undefined : err),
      );
      return true;
    },
  };
}

/** What runHelper reads its input from: chunks, and a way to stop early (see HelperIO). */
export interface InputSource extends AsyncIterable<Buffer> {
  destroy(): void;
}

/**
 * Stdin read with blocking reads, lazily (nothing is read unless the action needs input, so `version` on a
 * terminal doesn't wait). A descriptor someone left non-blocking (EAGAIN) hands over to process.stdin, after
 * whatever was already read.
 */
export function blockingStdin(fd = 0, fallback: () => AsyncIterable<Buffer | string> = () => process.stdin): InputSource {
  let stopped = false;
  return {
    destroy() {
      stopped = true;
    },
    async *[Symbol.asyncIterator]() {
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        if (stopped) return;
        let n: number;
        try {
          n = process.getBuiltinModule("node:fs").readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "EAGAIN") {
            for await (const chunk of fallback()) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            return;
          }
          if (code === "EOF" || code === "EBADF") return; // Windows reports a closed pipe as EOF; no stdin at all
          throw err;
        }
        if (n === 0) return;
        yield Buffer.from(buf.subarray(0, n));
      }
    },
  };
}

/** What runHelper writes its answer to (see HelperIO): `done` gets the error when the write failed. */
export interface OutputSink {
  write(text: string, done: (err?: Error | null) => void): unknown;
}

/**
 * Stdout written with blocking writes. A descriptor someone left non-blocking and full (EAGAIN) hands the rest
 * over to process.stdout; a reader that went away (EPIPE) gets nothing, as with process.stdout.
 */
export function blockingStdout(fd = 1, fallback: () => OutputSink = () => process.stdout): OutputSink {
  return {
    write(text, done) {
      const buf = Buffer.from(text);
      let off = 0;
      try {
        const { writeSync } = process.getBuiltinModule("node:fs");
        while (off < buf.length) off += writeSync(fd, buf, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") return fallback().write(buf.subarray(off).toString(), done);
        if (code !== "EPIPE") throw err;
      }
      done();
      return true;
    },
  };
}
