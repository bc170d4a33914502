import { MemoryStore } from "../../src/store/memory.js";
import type { CredentialStore } from "../../src/store/store.js";

/** A MemoryStore whose one method rejects with `err`, as a keychain that can't be reached does. */
export function failingStore(method: keyof CredentialStore, err: Error): MemoryStore {
  const store = new MemoryStore();
  Object.assign(store, { [method]: () => Promise.reject(err) });
  return store;
}
