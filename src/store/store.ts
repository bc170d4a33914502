/** What the keychain keeps for one registry: Docker's username (or `<token>`) and secret, plus hubpat's notes. */
export interface StoredCredential {
  username: string;
  secret: string;
  /** The Docker Hub token's uuid, when hubpat created or stored this PAT (lets `hub-tokens list` mark it). */
  tokenId?: string;
}

/**
 * Where credentials live, keyed by Docker's server URL as an exact string (Docker does all normalisation).
 * Implementations: the OS keychain (keychain.ts) and a map (memory.ts) for tests.
 */
export interface CredentialStore {
  /** The credential for this exact key, or null when there is none. */
  get(serverURL: string): Promise<StoredCredential | null>;
  /** Adds or replaces the credential for this key. */
  set(serverURL: string, credential: StoredCredential): Promise<void>;
  /** Removes the credential; removing a missing one is not an error. Resolves whether one was there. */
  delete(serverURL: string): Promise<boolean>;
  /** Every stored key with its username. */
  list(): Promise<Record<string, string>>;
  /**
   * Starts what the first call will wait for (the keychain's bus connection), so it overlaps other work such as
   * reading the helper's stdin. Optional; failures are left for that call to meet and report.
   */
  prepare?(): void;
}

// ---------------------------------------------------------------------------------------------------------------
// The store layer's shape, agreed before issues #12 (stores), #14 (speed) and #15 (accounts) split the work:
//
// - One CredentialStore per (store kind, service). Services: "docker-credential-hubpat" (what Docker gets),
//   "hubpat-session" (Hub sessions, one item per account: #15 decides the key), "hubpat-doctor" (throwaway).
// - The kind is chosen once, lazily, from HUBPAT_STORE, else hubpat's settings ("store"), else the legacy
//   "insecureStorage": true (= "file"), else "keychain" (src/store/choice.ts). The helper, setup, status and doctor
//   all go through the same choice and the same check().
// - Each kind is its own module (src/store/keychain.ts, pass.ts, kernel.ts, file.ts), loaded with await import()
//   so the helper's hot path loads only built-ins and the store in use.
// ---------------------------------------------------------------------------------------------------------------

/** The stores a person can choose (`hub-tokens setup --store KIND`, HUBPAT_STORE). */
/** The service Docker's credentials are kept under, in every store. */
export const HELPER_SERVICE = "docker-credential-hubpat";

export const STORE_KINDS = ["keychain", "pass", "kernel", "file"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** What keeps a store from taking a secret here, and the one command (or step) that fixes it. */
export interface StoreProblem {
  /** One lowercase sentence: "pass is not initialised (no ~/.password-store/.gpg-id)". */
  problem: string;
  /** The exact fix: "run: pass init YOUR-GPG-KEY-ID". */
  fix: string;
}

/** A CredentialStore that can say, before anyone is asked for a password, whether it will take a secret. */
export interface CheckableStore extends CredentialStore {
  /** Which kind of store this is. */
  readonly kind: StoreKind;
  /** Where its secrets live, in words, for status and doctor ("Secret Service collection \"login\" (GNOME Keyring)"). */
  describe(): string;
  /** Writes, reads back and erases a throwaway item; null when that worked, else what is missing and the fix. */
  check(): Promise<StoreProblem | null>;
}

/**
 * The credential in hubpat's item document {"v":1,"username","secret","tokenId"?} (the keychain's and the kernel
 * keyring's layout), or null when `raw` is not such a document; each store names its own fix for that.
 */
export function parseCredentialDoc(raw: string): StoredCredential | null {
  try {
    const doc = JSON.parse(raw) as { v?: unknown; username?: unknown; secret?: unknown; tokenId?: unknown };
    if (doc.v === 1 && typeof doc.username === "string" && typeof doc.secret === "string") {
      return { username: doc.username, secret: doc.secret, ...(typeof doc.tokenId === "string" ? { tokenId: doc.tokenId } : {}) };
    }
  } catch {
    // not JSON: not ours
  }
  return null;
}
