// The helper's stdin and stdout without process.stdin and process.stdout: on a pipe, each builds a net.Socket
// and loads Node's stream machinery, about 4 ms each of a credential lookup that takes 30 (scripts/bench/helper.mjs).
// Docker writes the whole request and closes the pipe before it reads the answer, and the answer is one short
// line, so blocking reads on fd 0 and blocking writes on fd 1 are all the helper needs.
import { readSync, writeSync } from "node:fs";

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
          n = readSync(fd, buf, 0, buf.length, null);
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

/** What runHelper writes its answer to (see HelperIO). */
export interface OutputSink {
  write(text: string, done: () => void): unknown;
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
