import { MemoryStore } from "../../src/store/memory.js";
import type { CredentialStore } from "../../src/store/store.js";

/** A MemoryStore whose one method rejects with `err`, as a keychain that can't be reached does. */
export function failingStore(method: keyof CredentialStore, err: Error): MemoryStore {
  const store = new MemoryStore();
  Object.assign(store, { [method]: () => Promise.reject(err) });
  return store;
}

/** Counts, from now on, the store's reads of one key: how often a command asked the keychain for that item. */
export function countReads(store: CredentialStore, key: string): () => number {
  const get = store.get.bind(store);
  let reads = 0;
  store.get = (url) => {
    if (url === key) reads++;
    return get(url);
  };
  return () => reads;
}
