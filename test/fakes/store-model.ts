// The model the property tests run the helper's four actions against (test/helper/keychain-model.test.ts on the
// Secret Service, stores-model.test.ts on pass, the kernel keyring and the file): a Map from key to credential,
// the two ways they reach a store (in process, and through the built helper as Docker runs it), and one run.
import fc from "fast-check";
import { expect } from "vitest";
import { goJSON, NOT_FOUND } from "../../src/helper/protocol.js";
import type { CredentialStore } from "../../src/store/store.js";

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

/** The four actions on a store in this process; a get answers the credential without its token id. */
export function storeReal(store: CredentialStore): Real {
  return {
    store: (key, c) => store.set(key, c),
    get: async (key) => {
      const found = await store.get(key);
      return found && { username: found.username, secret: found.secret };
    },
    erase: async (key) => void (await store.delete(key)),
    list: () => store.list(),
  };
}

/** The four actions through the helper's protocol, `run(action, stdin)` being one helper process. */
export function helperReal(run: (action: string, input: string) => Promise<{ exitCode: number | null; stdout: string }>): Real {
  return {
    store: async (key, c) => {
      expect(await run("store", `${goJSON({ ServerURL: key, Username: c.username, Secret: c.secret })}\n`)).toMatchObject({ exitCode: 0, stdout: "" });
    },
    get: async (key) => {
      const r = await run("get", key);
      if (r.exitCode === 1) {
        expect(r.stdout).toBe(`${NOT_FOUND}\n`);
        return null;
      }
      expect(r.exitCode).toBe(0);
      const answer = JSON.parse(r.stdout) as { ServerURL: string; Username: string; Secret: string };
      expect(answer.ServerURL).toBe(key);
      return { username: answer.Username, secret: answer.Secret };
    },
    erase: async (key) => {
      expect(await run("erase", key)).toMatchObject({ exitCode: 0, stdout: "" });
    },
    list: async () => {
      const r = await run("list", "unused");
      expect(r.exitCode).toBe(0);
      return JSON.parse(r.stdout) as Record<string, string>;
    },
  };
}

/**
 * One sequence: empties the store through `cleaner`, runs `cmds` on the model and on `real`, and checks they end
 * alike, the list and every credential. Resolves the model, for checks of the store's own.
 */
export async function runModel(cleaner: CredentialStore, real: Real, cmds: Iterable<fc.AsyncCommand<Model, Real>>): Promise<Model> {
  for (const key of Object.keys(await cleaner.list())) await cleaner.delete(key);
  const model: Model = new Map();
  await fc.asyncModelRun(() => ({ model, real }), cmds);
  expect(sortKeys(await real.list())).toEqual(listOf(model));
  for (const [key, c] of model) expect(await real.get(key)).toEqual(c);
  return model;
}
