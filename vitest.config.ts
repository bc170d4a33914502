import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts"],
    reporters: ["default", "./test/reporters/summary.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Keychain and Docker tests start real daemons; two cores, so keep files from all starting at once.
    maxWorkers: 2,
  },
});
