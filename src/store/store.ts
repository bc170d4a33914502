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
}
