// Plain-file storage for machines with no keychain at all (a server, a container), used only when the person
// asked for it, as gh's `auth login --insecure-storage`: `hub-tokens --insecure-storage` (remembered as
// "insecureStorage": true in hubpat's settings) or HUBPAT_INSECURE_STORAGE=1. Never a silent fallback: a
// keychain that fails is reported as such, and every use of this file says so on stderr.
//
// Layout: one JSON document, `credentials.json` next to the settings in hubpat's config directory:
// {"v":1,"services":{"docker-credential-hubpat":{"<server URL>":{"username":…,"secret":…,"tokenId"?:…}},
// "hubpat-session":{…}}}. The file is 0600 and its directory 0700; a file others can read is refused, not used.
// Writes go to a temporary file that is renamed over the old one, so a reader never sees half a file, and take a
// lock file first (holding the writer's pid, so a lock whose holder was killed is broken at once), so concurrent
// helpers (Docker runs several at once) lose no one's change. Under the lock, temp files that killed writers left
// (plain-text copies) are removed. A symlinked credentials.json stays a link: writes replace the file it points to.
// Only node: built-ins here: the helper loads this on every credential lookup.
import { chmodSync, closeSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, writeFileAtomicSync } from "./atomic.js";
import { KeychainError } from "./errors.js";
import { configDir, insecureStorageFromEnv, SETTINGS_FILE } from "./paths.js";
import type { CredentialStore, StoredCredential } from "./store.js";

export { configDir, CREDENTIALS_FILE, credentialsPath, insecureStorageFromEnv, insecureStorageWarning, SETTINGS_FILE } from "./paths.js";

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

interface Document {
  v: 1;
  services: Record<string, Record<string, StoredCredential>>;
}

/**
 * Milliseconds a writer waits for a lock whose holder is alive before giving up (a holder keeps it for one read and
 * one write, milliseconds). A lock whose holder is gone is broken at once, by the holder's liveness, not its age;
 * only a lock that names no holder (hubpat before this version wrote empty ones) is judged by age.
 */
const LOCK_WAIT_MS = 10_000;
const ANONYMOUS_STALE_MS = 5_000;

/** The temp files writeFileAtomicSync makes beside `base` (`<base>.<pid>.<random>.tmp`). */
const tempPattern = (base: string) => new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.\\d+\\.[0-9a-z]+\\.tmp$`);

/**
 * CredentialStore in a 0600 JSON file; one instance per keychain service name, sharing the file. A symlinked
 * credentials.json is kept as a link: reads and writes go to the file it points to (a dotfiles checkout, say), so
 * what is erased is erased there, not left behind in the target while a new regular file replaces the link.
 */
export class FileStore implements CredentialStore {
  constructor(
    readonly path: string,
    private readonly service: string,
    private readonly lockWaitMs = LOCK_WAIT_MS,
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
      this.removeLeftovers();
      const doc = this.read();
      if (change(doc)) this.write(doc);
    } finally {
      unlock();
    }
  }

  /** Writes the whole document to a new 0600 file and renames it over the old one (over a link's target). */
  private write(doc: Document): void {
    const target = this.target();
    try {
      writeFileAtomicSync(target, `${JSON.stringify(doc, null, 2)}\n`, { fsync: true });
    } catch (err) {
      throw problem(`can't write ${target} (${(err as NodeJS.ErrnoException).code ?? "error"})`, err);
    }
  }

  /** The file writes replace: the path itself, or where it links to (also when that file does not exist yet). */
  private target(): string {
    let link: string;
    try {
      if (!lstatSync(this.path).isSymbolicLink()) return this.path;
      link = readlinkSync(this.path);
    } catch {
      return this.path;
    }
    try {
      return realpathSync(this.path);
    } catch {
      return resolve(dirname(this.path), link); // a dangling link: the file it names is created
    }
  }

  /**
   * Removes temp files a killed or interrupted writer left (full plain-text copies of the file). Called under the
   * lock: every writer holds it while its temp file exists, so any temp file seen then is a leftover.
   */
  private removeLeftovers(): void {
    for (const file of new Set([this.path, this.target()])) {
      let names: string[];
      try {
        names = readdirSync(dirname(file));
      } catch {
        continue;
      }
      const pattern = tempPattern(basename(file));
      for (const name of names.filter((n) => pattern.test(n))) {
        try {
          unlinkSync(join(dirname(file), name));
        } catch {
          // gone already
        }
      }
    }
  }

  /**
   * Takes `<file>.lock` (O_EXCL) with this process's pid in it; waits while a live process holds it; breaks at once
   * one whose holder is gone (killed mid-write), and one naming no holder once it is old.
   */
  private async lock(): Promise<() => void> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      try {
        const fd = openSync(lockPath, "wx", 0o600);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
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
      const holder = this.lockHolder(lockPath);
      if (holder === "gone") this.breakLock(lockPath);
      else if (Date.now() > deadline) {
        throw problem(`${lockPath} stayed locked for ${this.lockWaitMs / 1000} s${typeof holder === "number" ? ` by process ${holder}, which is still running` : ""}: if no hubpat is running, delete it`);
      }
      await sleep(2 + Math.floor(Math.random() * 8));
    }
  }

  /** Who holds the lock: a live pid, "gone" (dead, or an old anonymous lock), or "unknown" (just being written). */
  private lockHolder(lockPath: string): number | "gone" | "unknown" {
    let text: string;
    let age: number;
    try {
      text = readFileSync(lockPath, "utf8");
      age = Date.now() - statSync(lockPath).mtimeMs;
    } catch {
      return "unknown"; // released meanwhile: try again
    }
    const pid = /^(\d+)\n?$/.exec(text)?.[1];
    if (pid === undefined) return age > ANONYMOUS_STALE_MS ? "gone" : "unknown";
    return isAlive(Number(pid)) ? Number(pid) : "gone";
  }

  /**
   * Removes a lock whose holder is gone. Moved aside first and checked there, so that a lock another waiter took
   * meanwhile (after breaking the same stale one) is put back, not deleted.
   */
  private breakLock(lockPath: string): void {
    const aside = `${lockPath}.${process.pid}.stale`;
    try {
      renameSync(lockPath, aside);
    } catch {
      return; // someone else broke or released it
    }
    if (this.lockHolder(aside) === "gone") {
      unlinkSync(aside);
      return;
    }
    try {
      linkSync(aside, lockPath);
    } catch {
      // a new lock is already there: that one stands
    }
    unlinkSync(aside);
  }
}

function problem(detail: string, cause?: unknown): KeychainError {
  return new KeychainError("file", { detail, ...(cause === undefined ? {} : { cause }) });
}
