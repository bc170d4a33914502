// Which store hubpat keeps secrets in, and opening it. One small, explicit choice, made the same way by both
// faces (the helper on every credential lookup, hub-tokens for every command), as git-credential-manager picks
// its credential store from one variable or one setting:
//   HUBPAT_STORE, else HUBPAT_INSECURE_STORAGE=1 (the older variable: file), else the "store" setting, else the
//   legacy "insecureStorage": true setting (file), else the OS keychain.
// Each kind is its own module, imported only when that kind is opened, so the helper's hot path loads the store
// it uses and nothing else. Only node: built-ins here, and node:fs only where a store is checked or the settings
// are read under Node (chooseStoreQuickly reads them with Bun.file under Bun: see src/bun.ts).
import { join } from "node:path";
import { bun } from "../bun.js";
import { ExitCode } from "../errors.js";
import { KeychainError, StoreUnusableError } from "./errors.js";
import { configDir, credentialsPath, insecureStorageFromEnv, SETTINGS_FILE } from "./paths.js";
import { STORE_KINDS, type CheckableStore, type CredentialStore, type StoreKind, type StoredCredential, type StoreProblem } from "./store.js";

/** The service of doctor's and the stores' throwaway round-trip items: neither Docker's nor the session's. */
export const DOCTOR_SERVICE = "hubpat-doctor";

/** Where a choice came from, for status and doctor ("pass, chosen with HUBPAT_STORE"). */
export type ChoiceSource = "HUBPAT_STORE" | "HUBPAT_INSECURE_STORAGE" | "settings" | "default";

/** The store in use and why. */
export interface StoreChoice {
  kind: StoreKind;
  source: ChoiceSource;
}

/** A store choice that names no store hubpat has: exit 2, like a bad flag. */
export class StoreChoiceError extends StoreUnusableError {
  override readonly exitCode: number = ExitCode.usage;
}

/** Whether `text` names a store kind. */
export function isStoreKind(text: string): text is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(text);
}

/** "keychain, pass, kernel or file". */
export const KIND_LIST = `${STORE_KINDS.slice(0, -1).join(", ")} or ${STORE_KINDS.at(-1)}`;

/**
 * The store this environment uses. One small file read (hubpat's settings): this runs on the helper's hot path.
 * A HUBPAT_STORE or "store" setting naming no store is a StoreChoiceError, never a quiet fall back.
 */
export function chooseStore(env: NodeJS.ProcessEnv): StoreChoice {
  const early = decideWithoutSettings(env);
  if (early) return early;
  const path = settingsPath(env);
  let text: string | undefined;
  try {
    text = process.getBuiltinModule("node:fs").readFileSync(path, "utf8");
  } catch {
    // no settings (or unreadable ones): the default, as before any choice
  }
  return decideFromSettings(env, path, text);
}

/**
 * chooseStore for the helper's hot path: the same choice, with the settings read by Bun.file under Bun (node:fs
 * is not loaded for it there); under Node, chooseStore itself.
 */
export async function chooseStoreQuickly(env: NodeJS.ProcessEnv): Promise<StoreChoice> {
  if (!bun) return chooseStore(env);
  const early = decideWithoutSettings(env);
  if (early) return early;
  const path = settingsPath(env);
  return decideFromSettings(env, path, await bun.file(path).text().catch(() => undefined));
}

const settingsPath = (env: NodeJS.ProcessEnv) => join(configDir(env), SETTINGS_FILE);

/** The choice the environment makes by itself, before any settings are read; undefined when it makes none. */
function decideWithoutSettings(env: NodeJS.ProcessEnv): StoreChoice | undefined {
  const fromEnv = env.HUBPAT_STORE?.trim();
  if (fromEnv) {
    if (!isStoreKind(fromEnv)) throw new StoreChoiceError(`HUBPAT_STORE is "${fromEnv.slice(0, 40)}", which is no store`, `set it to ${KIND_LIST}, or unset it`);
    return { kind: fromEnv, source: "HUBPAT_STORE" };
  }
  if (insecureStorageFromEnv(env) === true) return { kind: "file", source: "HUBPAT_INSECURE_STORAGE" };
  return undefined;
}

/** The choice once the environment made none: the settings' text at `path` (undefined: none), else the default. */
function decideFromSettings(env: NodeJS.ProcessEnv, path: string, text: string | undefined): StoreChoice {
  let settings: { store?: unknown; insecureStorage?: unknown } = {};
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) settings = parsed;
  } catch {
    // unreadable settings: the default, as before any choice
  }
  if (typeof settings.store === "string") {
    if (!isStoreKind(settings.store)) throw new StoreChoiceError(`the "store" setting in ${path} is "${settings.store.slice(0, 40)}", which is no store`, `run: hub-tokens setup --store KIND (${KIND_LIST})`);
    return { kind: settings.store, source: "settings" };
  }
  // HUBPAT_INSECURE_STORAGE=0 overrides the remembered flag, as it always did.
  if (settings.insecureStorage === true && insecureStorageFromEnv(env) !== false) return { kind: "file", source: "settings" };
  return { kind: "keychain", source: "default" };
}

/** What the keychain is called where @napi-rs/keyring finds it. */
const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: "Secret Service (GNOME Keyring, KWallet, KeePassXC)",
  darwin: "macOS Keychain",
  win32: "Windows Credential Manager",
};

/** The one-line fix for a store that can't be used, besides repairing it: another store that works. */
export const OTHER_STORES_FIX = "hub-tokens setup --store KIND lists the stores that work here";

/**
 * Opens the `kind` store for `service`, importing only that kind's module. Nothing is read or written yet:
 * the first get/set/check does that (and reports what is missing).
 */
export async function openStore(kind: StoreKind, service: string, env: NodeJS.ProcessEnv): Promise<CheckableStore> {
  switch (kind) {
    case "keychain": {
      const { KeychainStore, timeoutsFromEnv } = await import("./keychain.js");
      const make = (s: string) => new KeychainStore({ service: s, ...timeoutsFromEnv(env) });
      const store: CredentialStore = make(service);
      // Until KeychainStore is a CheckableStore itself (#12 item 1), the generic round trip speaks for it.
      if (isCheckable(store)) return store;
      return checkable(store, "keychain", () => `${KEYCHAIN_NAMES[process.platform] ?? "the OS keychain"}, service "${service}"`, () => make(DOCTOR_SERVICE));
    }
    case "file": {
      const { FileStore } = await import("./file.js");
      const path = credentialsPath(env);
      const store = checkable(new FileStore(path, service), "file", () => `${path}, unencrypted (insecure storage), section "${service}"`, () => new FileStore(path, DOCTOR_SERVICE));
      // A check where there was no file yet must not leave one behind (setup lists the file as a store that works).
      const check = store.check;
      store.check = async () => {
        const fs = process.getBuiltinModule("node:fs");
        const existed = fs.existsSync(path);
        const found = await check();
        if (!existed) fs.rmSync(path, { force: true });
        return found;
      };
      return store;
    }
    case "pass": {
      const { PassStore } = await import("./pass.js");
      return new PassStore({ service, env });
    }
    case "kernel": {
      const { KernelStore } = await import("./kernel.js");
      return new KernelStore({ service, env });
    }
  }
}

function isCheckable(store: CredentialStore): store is CheckableStore {
  return typeof (store as Partial<CheckableStore>).check === "function" && typeof (store as Partial<CheckableStore>).describe === "function";
}

/** `store` with a kind, a description and the generic round-trip check on `scratch()`, a sibling under DOCTOR_SERVICE. */
export function checkable(store: CredentialStore, kind: StoreKind, describe: () => string, scratch: () => CredentialStore): CheckableStore & { check: CheckableStore["check"] } {
  return {
    kind,
    describe,
    check: () => roundTripCheck(scratch(), describe()),
    get: (url) => store.get(url),
    set: (url, credential) => store.set(url, credential),
    delete: (url) => store.delete(url),
    list: () => store.list(),
  };
}

/**
 * The generic check every store's check() can use: writes a throwaway item to `scratch` (a store of the same kind
 * under DOCTOR_SERVICE), reads it back, erases it, and makes sure it is gone. Null when all of that worked; else
 * what went wrong and the fix (from a StoreUnusableError or KeychainError the store threw, or `explain`).
 */
export async function roundTripCheck(scratch: CredentialStore, where: string, explain: (err: unknown) => StoreProblem | undefined = () => undefined): Promise<StoreProblem | null> {
  const random = globalThis.crypto.randomUUID();
  const key = `https://hubpat-doctor.invalid/${random.slice(0, 12)}`;
  const probe: StoredCredential = { username: "hubpat-doctor", secret: `probe-${random}` };
  let back: StoredCredential | null;
  let gone: StoredCredential | null;
  try {
    await scratch.set(key, probe);
    try {
      back = await scratch.get(key);
    } finally {
      await scratch.delete(key);
    }
    gone = await scratch.get(key);
  } catch (err) {
    return explain(err) ?? problemOf(err);
  }
  if (back?.secret !== probe.secret || back.username !== probe.username) {
    return { problem: `${where} gave back something other than what was stored`, fix: OTHER_STORES_FIX };
  }
  if (gone !== null) return { problem: `${where} still held the test item after erasing it`, fix: OTHER_STORES_FIX };
  return null;
}

/** A store's error as problem and fix. */
export function problemOf(err: unknown): StoreProblem {
  if (err instanceof StoreUnusableError) return { problem: err.problem, fix: err.fix };
  if (err instanceof KeychainError) {
    // KeychainError's text is "what is wrong: the fix (detail)"; a colon inside the detail's parentheses is not the split.
    const split = splitOutsideParens(err.message);
    if (split) return split;
    return { problem: err.message, fix: OTHER_STORES_FIX };
  }
  return { problem: err instanceof Error ? err.message : String(err), fix: OTHER_STORES_FIX };
}

function splitOutsideParens(text: string): StoreProblem | undefined {
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (ch === ":" && text[i + 1] === " " && depth === 0) return { problem: text.slice(0, i), fix: text.slice(i + 2) };
  }
  return undefined;
}

/**
 * Throws a StoreUnusableError naming the fix unless the store takes a secret: every command that will store one
 * asks this before asking for a password or a 2FA code, or creating a token, so no login or token is lost.
 */
export async function requireWorkingStore(store: { kind: StoreKind; check: () => Promise<StoreProblem | null> }): Promise<void> {
  const found = await store.check();
  if (!found) return;
  // `hub-tokens setup` lists the stores that do work here when the chosen one doesn't.
  const fix = found.fix.includes("hub-tokens setup") ? found.fix : `${found.fix} (or see the stores that work here: hub-tokens setup)`;
  throw new StoreUnusableError(`the ${store.kind} store can't keep a secret here, so nothing was asked for or changed: ${found.problem}`, fix);
}
