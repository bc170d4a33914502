// A process that runs `hub-tokens setup`'s work for test/docker/crash.test.ts, which bundles it with esbuild and
// kills it. It prints each step's name on stdout as it reaches it, and at SETUP_PAUSE_AT waits forever (to be
// killed there). SETUP_ACTION=dump prints the store's credentials for SETUP_URLS as JSON instead; =clear deletes them.
// The store is a FileStore at SETUP_STORE_FILE, or the OS keychain (the env's session bus) when that is unset.
import { runSetup } from "../../src/commands/setup.js";
import type { CredentialStore } from "../../src/store/store.js";
import { VERSION } from "../../src/version.js";

async function main(): Promise<void> {
  const env = process.env;
  let store: CredentialStore;
  if (env.SETUP_STORE_FILE) {
    const { FileStore } = await import("../../src/store/file.js");
    const { HELPER_SERVICE } = await import("../../src/store/keychain.js");
    store = new FileStore(env.SETUP_STORE_FILE, HELPER_SERVICE);
  } else {
    const { KeychainStore } = await import("../../src/store/keychain.js");
    store = new KeychainStore();
  }
  if (env.SETUP_ACTION === "clear") {
    for (const url of JSON.parse(env.SETUP_URLS ?? "[]") as string[]) await store.delete(url);
    return;
  }
  if (env.SETUP_ACTION === "dump") {
    const urls = JSON.parse(env.SETUP_URLS ?? "[]") as string[];
    const out: Record<string, unknown> = {};
    for (const url of urls) out[url] = await store.get(url);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  await runSetup(
    { dryRun: false, undo: false },
    {
      io: { print: (l) => process.stderr.write(`${l}\n`), info: (l) => process.stderr.write(`${l}\n`), warn: (l) => process.stderr.write(`! ${l}\n`) },
      store,
      clock: () => new Date(),
      dockerConfigPath: env.SETUP_CONFIG!,
      env,
      checkHelper: async () => ({ path: "/test/docker-credential-hubpat", version: `v${VERSION}` }),
      onStep: async (step) => {
        process.stdout.write(`${step}\n`);
        if (step === env.SETUP_PAUSE_AT) await new Promise(() => setInterval(() => {}, 60_000));
      },
    },
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
