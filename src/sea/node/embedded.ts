// Inside the Node single executable (`node scripts/package.mjs --runtime node`): the assets scripts/package.mjs
// embedded, and the keyring binding loaded from them through the verified private cache.
import { homedir } from "node:os";
import { getRawAsset } from "node:sea";
import type { KeyringBinding } from "../../store/binding.js";
import { bindingCacheDirs, loadCachedBinding } from "../binding-cache.js";

declare const __HUBPAT_KEYRING_SHA256__: string;

/** Asset keys, as scripts/package.mjs names them. */
export const ASSETS = { binding: "keyring.node", cli: "tokens.cjs", cliCache: "tokens.cache", help: "help.json" } as const;

let binding: KeyringBinding | undefined;

/** The embedded keyring binding, loaded from the user's cache after its sha256 is checked (binding-cache.ts). */
export function embeddedBinding(): KeyringBinding {
  binding ??= loadCachedBinding<KeyringBinding>({
    embedded: () => new Uint8Array(getRawAsset(ASSETS.binding)),
    sha256: __HUBPAT_KEYRING_SHA256__,
    cacheDirs: bindingCacheDirs(process.env, process.platform, homedir()),
    hash: (b) => process.getBuiltinModule("node:crypto").createHash("sha256").update(b).digest("hex"),
    dlopen: (module, path) => process.dlopen(module, path),
  });
  return binding;
}
