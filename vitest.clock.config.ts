// The suite again on a shifted machine clock (scripts/test-clock.mjs runs it under libfaketime, after `vitest
// run` has built dist/ and the single executable, so no global setup here). Left out: the suites about load,
// concurrency, crashes, the keychain daemon and packaging, which read no dates and are most of the suite's time; and the
// plain-file store's, whose stale-lock rule compares a lock file's mtime with Date.now(): libfaketime can't shift
// the kernel's file times as Node reads them (libuv calls statx directly), so under it every lock looks years old
// or from the future, which no real machine shows. The pass suites run: their gpg keys are made on the same
// shifted clock (test/fakes/pass-store.ts), else gpg refuses a key "created in the future".
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  test: {
    ...base.test,
    globalSetup: [],
    exclude: ["**/node_modules/**", "test/helper/keychain-model.test.ts", "test/helper/stores-model.test.ts", "test/helper/concurrency.test.ts", "test/helper/fuzz.test.ts", "test/docker/crash.test.ts", "test/store/keychain.test.ts", "test/store/file.test.ts", "test/release/**"],
  },
});
