// Finding docker-credential-hubpat on PATH as Docker would, and telling hubpat from another program of that name.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHelper, HelperCheckError, whichOnPath } from "../../src/docker/helper.js";
import { HELPER_BIN } from "../fakes/helper-process.js";

const NAME = "docker-credential-hubpat";
const tempDir = () => mkdtempSync(join(tmpdir(), "hubpat-helper-"));
/** A directory holding a `docker-credential-hubpat` shell script with this body. */
function binDir(body: string, mode = 0o755): string {
  const dir = tempDir();
  writeFileSync(join(dir, NAME), `#!/bin/sh\n${body}\n`, { mode });
  return dir;
}
const envWith = (...dirs: string[]) => ({ PATH: [...dirs, "/usr/bin", "/bin"].join(":") });
async function failure(env: Record<string, string>, timeoutMs?: number): Promise<HelperCheckError> {
  const err = await checkHelper(env, timeoutMs).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HelperCheckError);
  return err as HelperCheckError;
}

describe("whichOnPath", () => {
  it("takes the first executable file, skipping directories, non-executables and empty entries", async () => {
    const notExec = binDir("exit 0", 0o644);
    const isDir = tempDir();
    mkdirSync(join(isDir, NAME));
    const good = binDir("exit 0");
    expect(await whichOnPath(NAME, ["", notExec, isDir, good].join(":"))).toBe(join(good, NAME));
    expect(await whichOnPath(NAME, undefined)).toBeNull();
  });
});

describe("checkHelper", () => {
  it("accepts the built hubpat helper, linked onto PATH as npm does, and reports its version", async () => {
    const dir = tempDir();
    symlinkSync(HELPER_BIN, join(dir, NAME));
    const found = await checkHelper({ PATH: [dir, dirname(process.execPath), "/usr/bin", "/bin"].join(":") });
    expect(found.path).toBe(join(dir, NAME));
    expect(found.version).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it("refuses when the helper is not on PATH, naming the fix", async () => {
    const err = await failure(envWith(tempDir()));
    expect(err.message).toBe(`${NAME} is not on PATH, so Docker could not run it; hubpat changed nothing`);
    expect(err.hint).toMatch(/install hubpat/);
  });

  it("refuses another program of the same name, quoting what it says", async () => {
    const dir = binDir("echo 'docker-credential-secretservice (github.com/docker/docker-credential-helpers) v0.9.8'");
    const err = await failure(envWith(dir));
    expect(err.message).toBe(`${join(dir, NAME)} is not hubpat's helper (it says "docker-credential-secretservice (github.com/docker/docker-credential-helpers) v0.9.8"); hubpat changed nothing`);
  });

  it("refuses a helper that fails when asked its version", async () => {
    const dir = binDir("echo 'docker-credential-hubpat (hubpat) v1.0.0'; exit 3");
    expect((await failure(envWith(dir))).message).toBe(`${join(dir, NAME)} exited with 3 when asked its version; hubpat changed nothing`);
  });

  it("refuses a helper whose interpreter is missing (a node script with no node on PATH)", async () => {
    const dir = tempDir();
    symlinkSync(HELPER_BIN, join(dir, NAME));
    const err = await failure({ PATH: `${dir}:/nonexistent` });
    expect(err.message).toMatch(/when asked its version; hubpat changed nothing$/);
  });

  it("gives up on a helper that never answers", async () => {
    const dir = binDir("exec sleep 30");
    expect((await failure(envWith(dir), 300)).message).toBe(`${join(dir, NAME)} did not answer within 0.3 s when asked its version; hubpat changed nothing`);
  });
});
