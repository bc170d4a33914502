// The OS keychain through @napi-rs/keyring: Secret Service on Linux (pinned, or the binding quietly falls
// back to the kernel keyring, which does not survive a reboot), Keychain on macOS, Credential Manager on Windows.
//
// Layout: one item per Docker server URL, service "docker-credential-hubpat", account = the server URL exactly
// as Docker sends it. Secret Service shows it as "keyring:<server URL>@docker-credential-hubpat", so a person
// browsing Seahorse sees which registry and which program. The item's secret is a small JSON document
// {"v":1,"username":…,"secret":…,"tokenId"?:…}: the Docker username has to live somewhere, and keeping it
// inside the secret keeps it out of the item's searchable, unencrypted attributes.
import { messageOf } from "../errors.js";
import { KeychainError, type KeychainProblem } from "./errors.js";
import { loadBinding, type KeyringBinding } from "./binding.js";
import type { CredentialStore, StoredCredential } from "./store.js";

/** The keychain service name of the items the helper serves to Docker. */
export const HELPER_SERVICE = "docker-credential-hubpat";

const LINUX = { linux: { store: "secret-service" as const } };

export interface KeychainOptions {
  /** Keychain service name; the Hub session lives under its own so the helper's `list` never shows it. */
  service?: string;
  /** Milliseconds before a read (get, list) gives up; a hung keychain must not hang `docker pull`. */
  readTimeoutMs?: number;
  /** Milliseconds before a write gives up; longer, since an unlock prompt may be waiting for a person. */
  writeTimeoutMs?: number;
}

/** Timeouts from HUBPAT_KEYCHAIN_TIMEOUT_MS when set, else 5 s for reads and 30 s for writes. */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Pick<KeychainOptions, "readTimeoutMs" | "writeTimeoutMs"> {
  const ms = Number(env.HUBPAT_KEYCHAIN_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? { readTimeoutMs: ms, writeTimeoutMs: ms } : {};
}

let abandoned = 0;

/**
 * Whether a keychain call timed out and is still running in a native thread. Node can't exit while one is
 * (process.exit waits for the thread pool), so the helper then ends itself with SIGKILL after answering.
 */
export function hasAbandonedCalls(): boolean {
  return abandoned > 0;
}

/** CredentialStore over the OS keychain. Every call has a timeout; every failure is a KeychainError. */
export class KeychainStore implements CredentialStore {
  private readonly service: string;
  private readonly readTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  /**
   * One binding entry per key, reused: each entry opens its own D-Bus connection when built and keeps it until
   * it is garbage-collected, so an entry per call left hundreds of connections open in a process that makes
   * many calls, until the bus refused more and gnome-keyring-daemon dropped off the bus.
   */
  private readonly entries = new Map<string, InstanceType<KeyringBinding["AsyncEntry"]>>();

  constructor(options: KeychainOptions = {}) {
    this.service = options.service ?? HELPER_SERVICE;
    this.readTimeoutMs = options.readTimeoutMs ?? 5_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  }

  async get(serverURL: string): Promise<StoredCredential | null> {
    // Erased while we read it: the erase came first, so "not found" is the answer.
    const raw = await this.call(this.readTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.getPassword(signal)), () => null));
    return raw === null ? null : decode(serverURL, raw);
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    const doc = { v: 1, username: credential.username, secret: credential.secret, ...(credential.tokenId ? { tokenId: credential.tokenId } : {}) };
    // Erased between the binding's search and its write: searching again finds nothing and creates the item.
    await this.call(this.writeTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.setPassword(JSON.stringify(doc), signal))));
  }

  async delete(serverURL: string): Promise<boolean> {
    // Erased by someone else first: it was there, and now it is gone, which is what was asked.
    return this.call(this.writeTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.deleteCredential(signal)), () => true));
  }

  async list(): Promise<Record<string, string>> {
    const found = await this.call(this.readTimeoutMs, (k, signal) => whileVanishing(signal, () => k.findCredentialsAsync(this.service, null, signal)));
    const out: Record<string, string> = {};
    for (const { account, password } of found) {
      // An item some other program put under our service name is not a credential we serve: `get` explains
      // it on stderr, but it must not make `list` (and so `docker build`) fail for every registry.
      try {
        out[account] = decode(account, password).username;
      } catch {
        continue;
      }
    }
    return out;
  }

  /** Runs `op` on this key's entry; a failed call drops the entry, so the next one starts on a new connection. */
  private async withEntry<T>(k: KeyringBinding, serverURL: string, op: (entry: InstanceType<KeyringBinding["AsyncEntry"]>) => Promise<T>): Promise<T> {
    let entry = this.entries.get(serverURL);
    if (!entry) {
      entry = new k.AsyncEntry(this.service, serverURL, LINUX);
      this.entries.set(serverURL, entry);
    }
    try {
      return await op(entry);
    } catch (err) {
      this.entries.delete(serverURL);
      throw err;
    }
  }

  /** Runs one binding call with a deadline; the native call may ignore the abort, so the race decides. */
  private async call<T>(timeoutMs: number, op: (k: KeyringBinding, signal: AbortSignal) => Promise<T>): Promise<T> {
    let binding: KeyringBinding;
    try {
      binding = await loadBinding();
    } catch (err) {
      // Say why: from npm a missing platform package, in the single executable an unwritable or noexec cache.
      const why = messageOf(err).split("\n")[0]!.slice(0, 400);
      throw new KeychainError("unavailable", { cause: err, detail: `the keyring binding could not be loaded: ${why}` });
    }
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (!settled) abandoned++;
        abort.abort();
        reject(new KeychainError("timeout", { detail: `no answer in ${timeoutMs} ms` }));
      }, timeoutMs);
      timer.unref();
    });
    try {
      const work = op(binding, abort.signal).finally(() => {
        settled = true;
      });
      return await Promise.race([work, deadline]);
    } catch (err) {
      throw err instanceof KeychainError ? err : classify(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

// The Secret Service API finds an item (SearchItems) and then reads, changes or deletes it by its object path in
// further calls. Another process's erase in between removes that path, and the next call fails with one of
// these. It is not a keychain failure but a race with a concurrent `docker logout` or `erase`: seen with a few
// dozen helpers at once (test/helper/concurrency.test.ts). A lock file could only serialise hubpat's own
// processes, and every read would pay for it; this also covers other programs erasing the item.
const VANISHED = /Object does not exist at path|No such interface\W+org\.freedesktop\.Secret\.Item|No such secret item|UnknownObject/i;
const VANISHED_TRIES = 5;

/**
 * Runs `op`; when the item it found vanished under it, answers `gone()` if given, else runs it again (a new
 * search), at most VANISHED_TRIES times and never after the deadline has aborted the call.
 */
async function whileVanishing<T>(signal: AbortSignal, op: () => Promise<T>, gone?: () => T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!VANISHED.test(messageChain(err))) throw err;
      if (gone) return gone();
      if (attempt >= VANISHED_TRIES || signal.aborted) throw err;
    }
  }
}

function decode(serverURL: string, raw: string): StoredCredential {
  try {
    const doc = JSON.parse(raw) as { v?: unknown; username?: unknown; secret?: unknown; tokenId?: unknown };
    if (doc.v === 1 && typeof doc.username === "string" && typeof doc.secret === "string") {
      return { username: doc.username, secret: doc.secret, ...(typeof doc.tokenId === "string" ? { tokenId: doc.tokenId } : {}) };
    }
  } catch {
    // fall through: not ours
  }
  throw new KeychainError("failed", { detail: `the keychain item for ${serverURL} is not in hubpat's format: erase it with docker logout and log in again` });
}

const PATTERNS: [RegExp, KeychainProblem][] = [
  [/DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to socket|Connection refused|No such file or directory/i, "no-bus"],
  [/org\.freedesktop\.secrets|ServiceUnknown|NameHasNoOwner|was not provided by any/i, "no-service"],
  [/unlock prompt|IsLocked|is locked|locked object/i, "locked"],
  // The binding opens its D-Bus connection synchronously; a Secret Service that never answers makes that
  // connection give up after about 2 s with this D-Bus error, before our own timer can run.
  [/abort|Did not receive a reply|timed? ?out/i, "timeout"],
];

/** Turns the binding's error into a KeychainError naming the cause and the fix. Its text holds no secret. */
export function classify(err: unknown): KeychainError {
  const message = messageChain(err);
  const problem = PATTERNS.find(([re]) => re.test(message))?.[1] ?? "failed";
  const detail = problem === "failed" ? message.split("\n")[0]!.slice(0, 200) : problem === "timeout" ? "the D-Bus call got no reply" : undefined;
  return new KeychainError(problem, { cause: err, ...(detail ? { detail } : {}) });
}

function messageChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 5; e = e instanceof Error ? e.cause : undefined) {
    parts.push(messageOf(e));
  }
  return parts.join(": ");
}
