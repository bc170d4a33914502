// Finding docker-credential-hubpat on PATH as Docker would, and telling hubpat from another program of that name.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { checkHelper, HelperCheckError, lookPath, whichOnPath } from "../../src/docker/helper.js";
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

describe("lookPath, as Go's exec.LookPath", () => {
  it("takes the first executable file, skipping directories and non-executables", async () => {
    const notExec = binDir("exit 0", 0o644);
    const isDir = tempDir();
    mkdirSync(join(isDir, NAME));
    const good = binDir("exit 0");
    expect(await lookPath(NAME, [notExec, isDir, good].join(":"))).toEqual({ path: join(good, NAME) });
    expect(await whichOnPath(NAME, [notExec, isDir, good].join(":"))).toBe(join(good, NAME));
    expect(await lookPath(NAME, undefined)).toEqual({ error: "not-found" });
  });

  it("refuses (ErrDot) a first match through a relative or empty entry, and does not look further", async () => {
    const cwd = process.cwd();
    const dir = binDir("exit 0");
    const good = binDir("exit 0");
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(join(dir, NAME), join(dir, "node_modules", ".bin", NAME));
    process.chdir(dir);
    onTestFinished(() => process.chdir(cwd));
    expect(await lookPath(NAME, ["./node_modules/.bin", good].join(":"))).toEqual({ error: "dot", path: `./node_modules/.bin/${NAME}` });
    expect(await lookPath(NAME, ["node_modules/.bin", good].join(":"))).toEqual({ error: "dot", path: `node_modules/.bin/${NAME}` });
    expect(await lookPath(NAME, ["", good].join(":"))).toEqual({ error: "dot", path: `./${NAME}` });
    expect(await lookPath(NAME, [".", good].join(":"))).toEqual({ error: "dot", path: `./${NAME}` });
    expect(await whichOnPath(NAME, ["", good].join(":"))).toBeNull();
    // A relative entry that holds no helper is passed over, as Go does.
    expect(await lookPath(NAME, ["./nothing-here", good].join(":"))).toEqual({ path: join(good, NAME) });
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

const DOCKER = spawnSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).stdout.trim();

describe.skipIf(DOCKER === "")("the helper check agrees with the Docker CLI", () => {
  /** A directory with bin/docker-credential-hubpat (the built helper, logging each action Docker asks) and a config using it. */
  function world() {
    const dir = tempDir();
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "docker"));
    writeFileSync(join(dir, "bin", NAME), `#!/bin/sh\necho "$1" >> '${join(dir, "calls.log")}'\nexec '${process.execPath}' '${HELPER_BIN}' "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dir, "docker", "config.json"), JSON.stringify({ auths: { "127.0.0.1:9": {} }, credsStore: "hubpat" }));
    const cwd = process.cwd();
    process.chdir(dir);
    onTestFinished(() => process.chdir(cwd));
    const env = (pathHead: string) => ({ PATH: [pathHead, "/usr/bin", "/bin"].join(":"), DOCKER_CONFIG: join(dir, "docker"), HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1", HUBPAT_CONFIG_DIR: join(dir, "hubpat"), HOME: dir });
    /** Whether `docker login HOST` ran the helper (it asks `get` for the stored credential first). */
    const dockerRanHelper = (pathHead: string) => {
      rmSync(join(dir, "calls.log"), { force: true });
      spawnSync(DOCKER, ["login", "127.0.0.1:9"], { cwd: dir, env: env(pathHead), input: "", timeout: 30_000 });
      return existsSync(join(dir, "calls.log")) && readFileSync(join(dir, "calls.log"), "utf8").includes("get");
    };
    return { dir, env, dockerRanHelper };
  }

  it.each(["./bin", "bin"])("PATH=%s:…: Docker does not run the helper, and setup's check refuses it with the fix", async (head) => {
    const w = world();
    expect(w.dockerRanHelper(head)).toBe(false);
    const err = await failure(w.env(head));
    expect(err.message).toBe(`${head}/${NAME} is found through a relative PATH entry, and Docker refuses to run a helper found relative to the current directory; hubpat changed nothing`);
    expect(err.hint).toMatch(/absolute directory on PATH/);
  });

  it("an absolute PATH entry: Docker runs the helper, and setup's check accepts it", async () => {
    const w = world();
    expect(w.dockerRanHelper(join(w.dir, "bin"))).toBe(true);
    expect((await checkHelper(w.env(join(w.dir, "bin")))).path).toBe(join(w.dir, "bin", NAME));
  });
});
