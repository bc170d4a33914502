// Inside the single executable: the assets scripts/package.mjs embedded, and the keyring binding loaded from them.
import { homedir } from "node:os";
import { getRawAsset } from "node:sea";
import { messageOf } from "../errors.js";
import type { KeyringBinding } from "../store/binding.js";
import { bindingCacheDirs, DamagedBindingError, extractBinding } from "./binding-cache.js";

declare const __HUBPAT_KEYRING_SHA256__: string;

/** Asset keys, as scripts/package.mjs names them. */
export const ASSETS = { binding: "keyring.node", cli: "tokens.cjs", cliCache: "tokens.cache", help: "help.json" } as const;

let binding: KeyringBinding | undefined;

/**
 * The embedded keyring binding, extracted to the user's cache on first use and checked on every start. When it
 * can't be written or loaded there (a noexec home, say), the next cache root is tried; when none works, the error
 * names HUBPAT_CACHE_DIR, the way out, and why each root failed.
 */
export function embeddedBinding(): KeyringBinding {
  if (binding) return binding;
  const bytes = new Uint8Array(getRawAsset(ASSETS.binding));
  const failures: string[] = [];
  for (const cacheDir of bindingCacheDirs(process.env, process.platform, homedir())) {
    try {
      const { path } = extractBinding({
        bytes,
        sha256: __HUBPAT_KEYRING_SHA256__,
        cacheDir,
        // node:crypto takes milliseconds to load: only when the file has to be written.
        hash: (b) => process.getBuiltinModule("node:crypto").createHash("sha256").update(b).digest("hex"),
      });
      const module = { exports: {} as KeyringBinding };
      process.dlopen(module, path);
      binding = module.exports;
      return binding;
    } catch (err) {
      // A damaged executable is not the directory's fault: no other directory can help.
      if (err instanceof DamagedBindingError) throw err;
      failures.push(`${cacheDir}: ${reason(err)}`);
    }
  }
  throw new Error(`set HUBPAT_CACHE_DIR to a private directory where programs may run (${failures.join("; ")})`);
}

/** The error's gist without the file path dlopen repeats: "failed to map segment from shared object" on noexec. */
function reason(err: unknown): string {
  const message = messageOf(err).split("\n")[0]!;
  return message.replace(/^\S+\.node: /, "");
}
