import type { CredentialStore, StoredCredential } from "./store.js";

/** A CredentialStore in a Map: for tests, and to model the keychain in property tests. */
export class MemoryStore implements CredentialStore {
  readonly entries = new Map<string, StoredCredential>();

  async get(serverURL: string): Promise<StoredCredential | null> {
    const found = this.entries.get(serverURL);
    return found ? { ...found } : null;
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    this.entries.set(serverURL, { ...credential });
  }

  async delete(serverURL: string): Promise<boolean> {
    return this.entries.delete(serverURL);
  }

  async list(): Promise<Record<string, string>> {
    return Object.fromEntries([...this.entries].map(([url, c]) => [url, c.username]));
  }
}
