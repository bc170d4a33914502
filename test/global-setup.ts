import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

// The e2e, keychain and Docker tests run the built bundles: build once per run so `vitest run` alone is enough.
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  // The single executable (test/e2e/sea.test.ts, the Docker suite's second helper): packaged when missing, and
  // afresh in CI, where the Docker suite requires it. `npm run package` refreshes a local one. Linux x64 only:
  // the one platform its tests run on.
  const onLinuxX64 = process.platform === "linux" && process.arch === "x64";
  if (onLinuxX64 && (process.env.CI === "true" || !existsSync("dist/sea/hubpat"))) {
    execFileSync(process.execPath, ["scripts/package.mjs", "--quiet"], { stdio: "inherit" });
  }
}
