// A scratch world for tests that run Docker or hub-tokens setup against the built helper: a directory removed
// after the test, with bin/docker-credential-hubpat (the built helper, linked) for PATH and an empty docker/ for
// DOCKER_CONFIG. Each test makes its own PATH and environment from it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { HELPER_BIN } from "./helper-process.js";

export interface HelperWorld {
  dir: string;
  /** Holds docker-credential-hubpat, and nothing else. */
  bin: string;
  /** An empty Docker config directory. */
  dockerConfig: string;
}

/** Makes a HelperWorld under a fresh temporary directory named `prefix…`; call it inside a test. */
export function helperWorld(prefix: string): HelperWorld {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "bin");
  const dockerConfig = join(dir, "docker");
  mkdirSync(bin);
  mkdirSync(dockerConfig);
  symlinkSync(HELPER_BIN, join(bin, "docker-credential-hubpat"));
  return { dir, bin, dockerConfig };
}
