// Inside the single executable: the assets scripts/package.mjs embedded, and the keyring binding loaded from them.
import { homedir } from "node:os";
import { getRawAsset } from "node:sea";
import type { KeyringBinding } from "../store/binding.js";
import { extractBinding, userCacheDir } from "./binding-cache.js";

declare const __HUBPAT_KEYRING_SHA256__: string;

/** Asset keys, as scripts/package.mjs names them. */
export const ASSETS = { binding: "keyring.node", cli: "tokens.cjs", cliCache: "tokens.cache", help: "help.json" } as const;

let binding: KeyringBinding | undefined;

/** The embedded keyring binding, extracted to the user's cache on first use and checked on every start. */
export function embeddedBinding(): KeyringBinding {
  if (binding) return binding;
  const { path } = extractBinding({
    bytes: new Uint8Array(getRawAsset(ASSETS.binding)),
    sha256: __HUBPAT_KEYRING_SHA256__,
    cacheDir: userCacheDir(process.env, process.platform, homedir()),
    // node:crypto takes milliseconds to load: only when the file has to be written.
    hash: (bytes) => process.getBuiltinModule("node:crypto").createHash("sha256").update(bytes).digest("hex"),
  });
  const module = { exports: {} as KeyringBinding };
  process.dlopen(module, path);
  binding = module.exports;
  return binding;
}
