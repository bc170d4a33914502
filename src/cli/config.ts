// Non-secret settings in a small JSON file: the last username per Hub (the login prompt's default), the last token
// count per Hub (so the next list fetches every page at once) and the store choice. Secrets never come
// here: the session lives in the keychain (src/cli/deps.ts), the PATs in the helper's keychain items.
//
// The file is the one conf wrote before (config.json in the same directory, tab-indented JSON), so settings carry
// over. conf itself is gone: with its ajv, semver and dot-prop it took about 21 ms of every hub-tokens command
// (--cpu-prof of `hub-tokens list`, 130 ms in all) to read and write four keys.
import { chmodSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { errno, HubpatError } from "../errors.js";
import { writeFileAtomicSync } from "../store/atomic.js";
import { SETTINGS_FILE } from "../store/file.js";
import { STORE_KINDS, type StoreKind } from "../store/store.js";

/** hubpat's settings. */
export interface Config {
  /** The username last logged in to `hubUrl`, or undefined. */
  lastUsername(hubUrl: string): string | undefined;
  setLastUsername(hubUrl: string, username: string): void;
  /** How many tokens `hubUrl`'s account had at the last list: lets the next list fetch every page at once. */
  lastTokenCount(hubUrl: string): number | undefined;
  setLastTokenCount(hubUrl: string, count: number): void;
  /** `--insecure-storage` remembered: true or false when chosen, undefined when never chosen. */
  insecureStorage(): boolean | undefined;
  setInsecureStorage(on: boolean): void;
  /** The store chosen with `hub-tokens setup --store` (src/store/choice.ts reads the same key), or undefined. */
  store(): StoreKind | undefined;
  /** Records the store; "insecureStorage" follows, so an older helper on PATH still finds the file when it is chosen. */
  setStore(kind: StoreKind): void;
  /** The accounts signed in to `hubUrl` (names only: sessions live in the store) and the default one. */
  accounts(hubUrl: string): HubAccounts;
  setAccounts(hubUrl: string, accounts: HubAccounts): void;
  /** Where the settings file is, for `status`. */
  readonly path: string;
}

/** Settings "accounts"."<Hub URL>": which accounts have a session, and which one commands use by default. */
export interface HubAccounts {
  default?: string;
  names: string[];
}

/** A settings value read back as HubAccounts, whatever a person left there. */
function hubAccounts(v: unknown): HubAccounts {
  const o = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  const names = Array.isArray(o.names) ? o.names.filter((n): n is string => typeof n === "string") : [];
  return { ...(typeof o.default === "string" ? { default: o.default } : {}), names };
}

interface Settings {
  usernames?: Record<string, string>;
  tokenCounts?: Record<string, number>;
  /** Read by the helper too (src/store/choice.ts). */
  insecureStorage?: boolean;
  /** The store kind; read by the helper too (src/store/choice.ts). */
  store?: string;
  /** Per Hub URL: `{ "default": "mona", "names": ["bot", "mona"] }`. */
  accounts?: Record<string, HubAccounts>;
  /** Keys a later hubpat may add are kept as they are. */
  [other: string]: unknown;
}

/**
 * The settings in `dir` (src/store/file.ts `configDir`: HUBPAT_CONFIG_DIR or the platform's config directory), so
 * the helper finds the same file. The directory is 0700 and the file 0600: who logs in where is nobody else's
 * business, and the insecure-storage file lives beside it. Each change re-reads the file and replaces it whole
 * (temp file and rename), so two hub-tokens at once never leave half a file.
 */
export async function openConfig(dir: string): Promise<Config> {
  const path = join(dir, SETTINGS_FILE);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== "win32" && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    // A file an older hubpat (conf) or a person left readable is made private now.
    if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch {
    // No file yet, or a read-only home: commands that only read still work; a write says what failed.
  }
  const read = (): Settings => readSettings(path);
  /** Reads the file, applies `change`, and writes the result unless `change` said nothing changed (false). */
  const update = (change: (s: Settings) => boolean | void) => {
    const settings = read();
    if (change(settings) === false) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomicSync(path, `${JSON.stringify(settings, undefined, "\t")}\n`);
    } catch (err) {
      throw new HubpatError(`could not save hubpat's settings in ${path} (${errno(err) ?? String(err)}): make the directory writable, or set HUBPAT_CONFIG_DIR`, { cause: err });
    }
  };
  return {
    path,
    lastUsername: (hubUrl) => read().usernames?.[hubUrl],
    setLastUsername: (hubUrl, username) => update((s) => void (s.usernames = { ...s.usernames, [hubUrl]: username })),
    lastTokenCount: (hubUrl) => read().tokenCounts?.[hubUrl],
    // Written only when it changed: a list must not rewrite the settings file every time.
    setLastTokenCount: (hubUrl, count) =>
      update((s) => {
        if (s.tokenCounts?.[hubUrl] === count) return false;
        s.tokenCounts = { ...s.tokenCounts, [hubUrl]: count };
      }),
    insecureStorage: () => read().insecureStorage,
    setInsecureStorage: (on) => update((s) => void (s.insecureStorage = on)),
    store: () => {
      const kind = read().store;
      return (STORE_KINDS as readonly unknown[]).includes(kind) ? (kind as StoreKind) : undefined;
    },
    setStore: (kind) =>
      update((s) => {
        s.store = kind;
        s.insecureStorage = kind === "file";
      }),
    accounts: (hubUrl) => hubAccounts(read().accounts?.[hubUrl]),
    setAccounts: (hubUrl, accounts) =>
      update((s) => {
        if (JSON.stringify(hubAccounts(s.accounts?.[hubUrl])) === JSON.stringify(accounts)) return false;
        s.accounts = { ...s.accounts, [hubUrl]: accounts };
      }),
  };
}

/** The settings file's contents; none when there is no file; a clear error when it isn't a JSON object. */
function readSettings(path: string): Settings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    // No file, or no directory for it yet: nothing set so far.
    const code = errno(err);
    if (code === "ENOENT" || code === "ENOTDIR") return {};
    throw new HubpatError(`could not read hubpat's settings in ${path} (${code ?? String(err)})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // not JSON: said below, with what is not a JSON object
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HubpatError(`hubpat's settings file ${path} is not a JSON object: fix it, or delete it (it holds no secrets: only the last usernames, token counts and the storage choice)`);
  }
  return parsed as Settings;
}

/** A Config in memory, for tests. */
export function memoryConfig(): Config {
  const usernames = new Map<string, string>();
  const counts = new Map<string, number>();
  let insecure: boolean | undefined;
  let store: StoreKind | undefined;
  const accounts = new Map<string, HubAccounts>();
  return {
    path: "(memory)",
    lastUsername: (hubUrl) => usernames.get(hubUrl),
    setLastUsername: (hubUrl, username) => void usernames.set(hubUrl, username),
    lastTokenCount: (hubUrl) => counts.get(hubUrl),
    setLastTokenCount: (hubUrl, count) => void counts.set(hubUrl, count),
    insecureStorage: () => insecure,
    setInsecureStorage: (on) => void (insecure = on),
    store: () => store,
    setStore: (kind) => {
      store = kind;
      insecure = kind === "file";
    },
    accounts: (hubUrl) => accounts.get(hubUrl) ?? { names: [] },
    setAccounts: (hubUrl, a) => void accounts.set(hubUrl, a),
  };
}
