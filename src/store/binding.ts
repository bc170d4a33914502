import type * as Keyring from "@napi-rs/keyring";
import platformPackages from "./keyring-packages.json" with { type: "json" };

/** The parts of @napi-rs/keyring hubpat uses. */
export type KeyringBinding = Pick<typeof Keyring, "AsyncEntry" | "findCredentialsAsync">;

let loaded: Promise<KeyringBinding> | undefined;

/**
 * Loads the native keyring binding once. From npm it is the @napi-rs/keyring package; a single executable
 * registers its own loader (the embedded .node, extracted once) through `setBindingLoader` before this runs.
 */
export function loadBinding(): Promise<KeyringBinding> {
  loaded ??= loader();
  return loaded;
}

let loader: () => Promise<KeyringBinding> = async () => loadFromNodeModules();

// @napi-rs/keyring's index.js, reached through import(), starts Node's ESM loader and then works out the
// platform package on every load: about 3 ms of a credential lookup that takes 30 (scripts/bench/helper.mjs).
// Where the package for this platform is certain, require it directly; anything else goes through index.js.
// The same table tells scripts/package.mjs which binding to embed in the single executable.
const PLATFORM_PACKAGES: Record<string, string> = platformPackages;

function loadFromNodeModules(): KeyringBinding {
  const require = process.getBuiltinModule("node:module").createRequire(__filename);
  const direct = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (direct && (process.platform !== "linux" || isGlibc())) {
    try {
      return require(direct) as KeyringBinding;
    } catch {
      // not installed (another libc, --omit=optional): index.js finds what there is, or says what is missing
    }
  }
  return require("@napi-rs/keyring") as KeyringBinding;
}

/** The musl test index.js itself starts with: glibc's ldd is a script that never says "musl". */
function isGlibc(): boolean {
  try {
    return !process.getBuiltinModule("node:fs").readFileSync("/usr/bin/ldd", "utf8").includes("musl");
  } catch {
    return false; // no ldd: leave the question to index.js
  }
}

/** Replaces how the binding is found (the single executable's embedded copy). */
export function setBindingLoader(load: () => Promise<KeyringBinding>): void {
  loader = load;
  loaded = undefined;
}
