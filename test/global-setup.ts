import { execFileSync } from "node:child_process";

// The e2e, keychain and Docker tests run the built bundles: build once per run so `vitest run` alone is enough.
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  // The Bun executable (test/e2e/sea.test.ts, test/security/executable.test.ts, and the second runtime of the
  // Docker, hub-tokens, protocol and fuzz suites): packaged afresh on every run (about 5 s), so no test runs a
  // stale one. Linux x64 only: the one platform its tests run on.
  if (process.platform === "linux" && process.arch === "x64") {
    execFileSync(process.execPath, ["scripts/package.mjs", "--quiet"], { stdio: "inherit" });
  }
}
