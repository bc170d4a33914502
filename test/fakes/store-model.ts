// The model the property tests run the helper's four actions against (test/helper/keychain-model.test.ts on the
// Secret Service, stores-model.test.ts on pass, the kernel keyring and the file): a Map from key to credential.

export interface Credential {
  username: string;
  secret: string;
}

/** What the stores should hold: key → credential. */
export type Model = Map<string, Credential>;

/** What the commands need from the system under test: the helper's four actions. */
export interface Real {
  store(key: string, c: Credential): Promise<void>;
  get(key: string): Promise<Credential | null>;
  erase(key: string): Promise<void>;
  list(): Promise<Record<string, string>>;
}

/** A list answer with its keys in one order, to compare with the model's. */
export const sortKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The list answer the model expects: key → username, sorted as sortKeys sorts. */
export const listOf = (m: Model) => sortKeys(Object.fromEntries([...m].map(([k, c]) => [k, c.username])));
