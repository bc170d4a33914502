import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { blockingStdin, blockingStdout, bunStdin, bunStdout } from "../../src/helper/stdio.js";

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "hubpat-stdio-")), "f");
  writeFileSync(path, content);
  return path;
}
function open(path: string, flags: string): number {
  const fd = openSync(path, flags);
  onTestFinished(() => closeSync(fd));
  return fd;
}
async function collect(src: AsyncIterable<Buffer>): Promise<string> {
  let text = "";
  for await (const chunk of src) text += chunk.toString("utf8");
  return text;
}

describe("blockingStdin", () => {
  it("reads everything up to the end, in chunks of at most 64 KiB", async () => {
    const big = "é".repeat(100_000);
    const chunks: Buffer[] = [];
    for await (const c of blockingStdin(open(tempFile(big), "r"))) chunks.push(c);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(big);
    expect(chunks.every((c) => c.length <= 64 * 1024)).toBe(true);
  });

  it("reads nothing until iterated, and nothing more once destroyed", async () => {
    const fd = open(tempFile("a".repeat(200_000)), "r");
    const src = blockingStdin(fd);
    let got = 0;
    for await (const c of src) {
      got += c.length;
      src.destroy();
    }
    expect(got).toBe(64 * 1024);
  });

  it("is empty when there is no stdin at all", async () => {
    expect(await collect(blockingStdin(9999))).toBe("");
  });

  it("hands a non-blocking descriptor (EAGAIN) over to the stream", async () => {
    // Our end of a child's stdout pipe is non-blocking, and empty for the first 200 ms.
    const child = spawn("sh", ["-c", "sleep 0.2; printf late"], { stdio: ["ignore", "pipe", "ignore"] });
    const fd = (child.stdout as unknown as { _handle: { fd: number } })._handle.fd;
    expect(await collect(blockingStdin(fd, () => child.stdout))).toBe("late");
  });
});

describe("blockingStdout", () => {
  it("writes the whole text, then calls back", async () => {
    const path = tempFile("");
    const out = blockingStdout(open(path, "w"));
    const text = '{"ServerURL":"https://index.docker.io/v1/","Username":"ü","Secret":"s"}\n'.repeat(2000);
    await new Promise<void>((resolve) => out.write(text, () => resolve()));
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

// Under Bun the helper reads and writes through Bun's own stdin and Bun.write (src/helper/stdio.ts); the Bun
// executable runs them for real in the protocol table. Here: their contract, on a runtime that behaves as Bun's.
describe("bunStdin", () => {
  const runtime = (chunks: string[]) => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[pulled++]));
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    return { stdin: { stream: () => stream, text: async () => "" }, pulled: () => pulled, cancelled: () => cancelled };
  };

  it("yields what stdin holds, as Buffers, to its end", async () => {
    const r = runtime(['{"ServerURL":', '"https://index.docker.io/v1/"}', "\n"]);
    const chunks: Buffer[] = [];
    for await (const c of bunStdin(r)) chunks.push(c);
    expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe('{"ServerURL":"https://index.docker.io/v1/"}\n');
  });

  it("stops reading when destroyed (an input over the limit)", async () => {
    const r = runtime(["a".repeat(10), "b".repeat(10), "c".repeat(10)]);
    const src = bunStdin(r);
    let seen = "";
    for await (const c of src) {
      seen += c.toString();
      src.destroy();
    }
    expect(seen).toBe("a".repeat(10));
    expect(r.cancelled()).toBe(true);
    expect(r.pulled()).toBeLessThan(3);
  });
});

describe("bunStdout", () => {
  const failing = (code: string) => ({
    stdout: "stdout",
    write: async () => {
      throw Object.assign(new Error(`${code}: write`), { code });
    },
  });

  it("writes the text to Bun.stdout, then calls back", async () => {
    const written: [unknown, unknown][] = [];
    const out = bunStdout({ stdout: "the stdout", write: async (dest, data) => (written.push([dest, data]), String(data).length) });
    const err = await new Promise((resolve) => out.write("answer\n", resolve));
    expect(err).toBeUndefined();
    expect(written).toEqual([["the stdout", "answer\n"]]);
  });

  it("takes a reader that went away (EPIPE) as written, and hands any other failure to the callback", async () => {
    expect(await new Promise((resolve) => bunStdout(failing("EPIPE")).write("x", resolve))).toBeUndefined();
    const err = await new Promise((resolve) => bunStdout(failing("EIO")).write("x", resolve));
    expect(err).toMatchObject({ code: "EIO" });
  });
});
