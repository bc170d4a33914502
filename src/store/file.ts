// Plain-file storage for machines with no keychain at all (a server, a container), used only when the person
// asked for it, as gh's `auth login --insecure-storage`: `hub-tokens --insecure-storage` (remembered as
// "insecureStorage": true in hubpat's settings) or HUBPAT_INSECURE_STORAGE=1. Never a silent fallback: a
// keychain that fails is reported as such, and every use of this file says so on stderr.
//
// Layout: one JSON document, `credentials.json` next to the settings in hubpat's config directory:
// {"v":1,"services":{"docker-credential-hubpat":{"<server URL>":{"username":…,"secret":…,"tokenId"?:…}},
// "hubpat-session":{…}}}. The file is 0600 and its directory 0700; a file others can read is refused, not used.
// Writes go to a temporary file that is renamed over the old one, so a reader never sees half a file, and take a
// lock file first, so concurrent helpers (Docker runs several at once) lose no one's change.
// Only node: built-ins here: the helper loads this on every credential lookup.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { writeFileAtomicSync } from "./atomic.js";
import { KeychainError } from "./errors.js";
import type { CredentialStore, StoredCredential } from "./store.js";

/** The file, in hubpat's config directory, that insecure storage keeps secrets in. */
export const CREDENTIALS_FILE = "credentials.json";
/** hubpat's settings (written by src/cli/config.ts; read here too). */
export const SETTINGS_FILE = "config.json";

/**
 * hubpat's config directory: HUBPAT_CONFIG_DIR, else the platform's place for a program named "hubpat"
 * (as conf, which earlier hubpat used, put it: $XDG_CONFIG_HOME/hubpat, ~/Library/Preferences/hubpat, %APPDATA%\hubpat\Config).
 */
export function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.HUBPAT_CONFIG_DIR) return env.HUBPAT_CONFIG_DIR;
  if (platform === "darwin") return join(home, "Library", "Preferences", "hubpat");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "hubpat", "Config");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "hubpat");
}

/** Where insecure storage keeps secrets for this environment. */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), CREDENTIALS_FILE);
}

/** HUBPAT_INSECURE_STORAGE as a choice: true for 1/true/yes, false for 0/false/no, undefined when unset. */
export function insecureStorageFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const v = env.HUBPAT_INSECURE_STORAGE?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  return undefined;
}

/**
 * Whether the person chose insecure storage: HUBPAT_INSECURE_STORAGE when set, else the "insecureStorage"
 * setting. One small file read: this runs on the helper's hot path.
 */
export function insecureStorageChosen(env: NodeJS.ProcessEnv): boolean {
  const fromEnv = insecureStorageFromEnv(env);
  if (fromEnv !== undefined) return fromEnv;
  try {
    const settings: unknown = JSON.parse(readFileSync(join(configDir(env), SETTINGS_FILE), "utf8"));
    return typeof settings === "object" && settings !== null && (settings as { insecureStorage?: unknown }).insecureStorage === true;
  } catch {
    return false; // no settings (or unreadable ones): the keychain, as by default
  }
}

/** The warning both faces print on stderr each time they use the file. */
export function insecureStorageWarning(path: string): string {
  return `secrets are kept unencrypted in ${path}, not in the OS keychain (insecure storage is on)`;
}

interface Document {
  v: 1;
  services: Record<string, Record<string, StoredCredential>>;
}

/**
 * Milliseconds a writer waits for the lock before giving up, and after which a lock is taken as abandoned (a
 * holder keeps it for one read and one write, milliseconds). Stale comes first, so a lock left by a killed
 * helper costs the next writer a few seconds, not a failure.
 */
const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 5_000;

/** CredentialStore in a 0600 JSON file; one instance per keychain service name, sharing the file. */
export class FileStore implements CredentialStore {
  constructor(
    readonly path: string,
    private readonly service: string,
  ) {}

  async get(serverURL: string): Promise<StoredCredential | null> {
    const items = this.read().services[this.service];
    // Own keys only: a registry may be called "__proto__" or "constructor" as far as Docker cares.
    const found = items && Object.hasOwn(items, serverURL) ? items[serverURL] : undefined;
    return found ? { ...found } : null;
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    const entry: StoredCredential = { username: credential.username, secret: credential.secret, ...(credential.tokenId ? { tokenId: credential.tokenId } : {}) };
    await this.update((doc) => {
      // defineProperty, not `=`: assigning "__proto__" would change the object's prototype instead.
      Object.defineProperty((doc.services[this.service] ??= {}), serverURL, { value: entry, enumerable: true, writable: true, configurable: true });
      return true;
    });
  }

  async delete(serverURL: string): Promise<boolean> {
    let was = false;
    await this.update((doc) => {
      const items = doc.services[this.service];
      if (!items || !Object.hasOwn(items, serverURL)) return false;
      delete items[serverURL];
      was = true;
      return true;
    });
    return was;
  }

  async list(): Promise<Record<string, string>> {
    const items = this.read().services[this.service] ?? {};
    return Object.fromEntries(Object.entries(items).map(([url, c]) => [url, c.username]));
  }

  /** The document; an empty one when the file does not exist. Refuses a file others may read. */
  private read(): Document {
    let text: string;
    try {
      const st = statSync(this.path);
      if ((st.mode & 0o077) !== 0 && process.platform !== "win32") {
        throw problem(`${this.path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${this.path}`);
      }
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if (err instanceof KeychainError) throw err;
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { v: 1, services: {} };
      throw problem(`can't read ${this.path} (${(err as NodeJS.ErrnoException).code ?? "error"})`, err);
    }
    try {
      const doc = JSON.parse(text) as Partial<Document>;
      if (doc.v === 1 && typeof doc.services === "object" && doc.services !== null) return { v: 1, services: doc.services };
    } catch {
      // fall through: never quote the text, it holds secrets
    }
    throw problem(`${this.path} is not in hubpat's format: move it away and log in again`);
  }

  /** Read, change and write back under the lock; `change` answers whether anything changed. */
  private async update(change: (doc: Document) => boolean): Promise<void> {
    const dir = dirname(this.path);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // hubpat's own directory: whatever made it looser (an old umask), secrets go only in a private one.
      if (process.platform !== "win32" && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    } catch (err) {
      throw problem(`can't make the directory ${dir} (${(err as NodeJS.ErrnoException).code ?? "error"})`, err);
    }
    const unlock = await this.lock();
    try {
      const doc = this.read();
      if (change(doc)) this.write(doc);
    } finally {
      unlock();
    }
  }

  /** Writes the whole document to a new 0600 file and renames it over the old one. */
  private write(doc: Document): void {
    try {
      writeFileAtomicSync(this.path, `${JSON.stringify(doc, null, 2)}\n`, { fsync: true });
    } catch (err) {
      throw problem(`can't write ${this.path} (${(err as NodeJS.ErrnoException).code ?? "error"})`, err);
    }
  }

  /** Takes `<file>.lock` (O_EXCL); waits while another process holds it; breaks one left by a crash. */
  private async lock(): Promise<() => void> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(lockPath, "wx", 0o600));
        return () => {
          try {
            unlinkSync(lockPath);
          } catch {
            // broken as stale by another process: nothing to release
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw problem(`can't lock ${this.path} (${(err as NodeJS.ErrnoException).code ?? "error"})`, err);
      }
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) unlinkSync(lockPath);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw problem(`${lockPath} stayed locked for ${LOCK_WAIT_MS / 1000} s: if no hubpat is running, delete it`);
      await sleep(2 + Math.floor(Math.random() * 8));
    }
  }
}

function problem(detail: string, cause?: unknown): KeychainError {
  return new KeychainError("file", { detail, ...(cause === undefined ? {} : { cause }) });
}
