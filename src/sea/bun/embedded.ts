// Inside the Bun single executable (scripts/package.mjs): the files it embeds and the keyring binding loaded from
// them through the verified private cache (src/sea/binding-cache.ts). The binding is embedded as plain data
// (`--asset`), never imported as a .node file: that would make Bun extract it to $TMPDIR itself.
import { dirname, join } from "node:path";
import { bun as maybeBun, type BunRuntime } from "../../bun.js";
import type { KeyringBinding } from "../../store/binding.js";
import { bindingCacheDirs, loadCachedBinding } from "../binding-cache.js";

declare const __HUBPAT_KEYRING_SHA256__: string;

/** This file runs only inside the Bun executable. */
const bun = maybeBun as BunRuntime;

/** Files scripts/package.mjs embeds beside the entry, by name. */
export const EMBEDDED = { binding: "keyring.node", cli: "tokens.cjs", help: "help.json" } as const;

/**
 * The path of an embedded file. Bun's __dirname and import.meta.url are the build machine's source paths, so the
 * entry's own path (Bun.main) is the only safe anchor: a relative require could reach the disk.
 */
export function embeddedPath(name: (typeof EMBEDDED)[keyof typeof EMBEDDED]): string {
  return join(dirname(bun.main), name);
}

let binding: KeyringBinding | undefined;

/** The embedded keyring binding, loaded from the user's cache after its sha256 is checked, on every start. */
export function embeddedBinding(): KeyringBinding {
  binding ??= loadCachedBinding<KeyringBinding>({
    embedded: () => process.getBuiltinModule("node:fs").readFileSync(embeddedPath(EMBEDDED.binding)),
    sha256: __HUBPAT_KEYRING_SHA256__,
    cacheDirs: bindingCacheDirs(process.env, process.platform, process.getBuiltinModule("node:os").homedir()),
    // Bun's native hasher: a 3 MB binding in about 2 ms, without loading node:crypto.
    hash: (b) => new bun.CryptoHasher("sha256").update(b).digest("hex"),
    dlopen: (module, path) => process.dlopen(module, path),
  });
  return binding;
}
