import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { blockingStdin, blockingStdout } from "../../src/helper/stdio.js";

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
    await new Promise<void>((resolve) => out.write(text, resolve));
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});
