// The OS keychain through @napi-rs/keyring: Secret Service on Linux (pinned, or the binding quietly falls
// back to the kernel keyring, which does not survive a reboot), Keychain on macOS, Credential Manager on Windows.
//
// Layout: one item per Docker server URL, service "docker-credential-hubpat", account = the server URL exactly
// as Docker sends it. Secret Service shows it as "keyring:<server URL>@docker-credential-hubpat", so a person
// browsing Seahorse sees which registry and which program. The item's secret is a small JSON document
// {"v":1,"username":…,"secret":…,"tokenId"?:…}: the Docker username has to live somewhere, and keeping it
// inside the secret keeps it out of the item's searchable, unencrypted attributes.
import { messageOf } from "../errors.js";
import { noteAbandonedCall } from "./abandoned.js";
import { KeychainError, type KeychainProblem } from "./errors.js";
import { loadBinding, type KeyringBinding } from "./binding.js";
import { BusUnreachableError, DBusError, sessionBusSockets } from "./dbus.js";
import { PromptDismissedError, SecretServiceClient } from "./secret-service.js";
import { HELPER_SERVICE, parseCredentialDoc, type CheckableStore, type StoredCredential, type StoreProblem } from "./store.js";

/** The keychain service name of the items the helper serves to Docker. */
export { HELPER_SERVICE };

const LINUX = { linux: { store: "secret-service" as const } };

export interface KeychainOptions {
  /** Keychain service name; the Hub session lives under its own so the helper's `list` never shows it. */
  service?: string;
  /** Milliseconds before a read (get, list) gives up; a hung keychain must not hang `docker pull`. */
  readTimeoutMs?: number;
  /** Milliseconds before a write gives up; longer, since an unlock prompt may be waiting for a person. */
  writeTimeoutMs?: number;
  /** Which code talks to the keychain; on Linux our Secret Service client, elsewhere the binding. */
  backend?: KeychainBackend;
  /** Where the session bus address comes from (DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR); process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Timeouts from HUBPAT_KEYCHAIN_TIMEOUT_MS when set, else 5 s for reads and 30 s for writes. */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Pick<KeychainOptions, "readTimeoutMs" | "writeTimeoutMs"> {
  const ms = Number(env.HUBPAT_KEYCHAIN_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? { readTimeoutMs: ms, writeTimeoutMs: ms } : {};
}

/**
 * On Linux our own Secret Service client, unless HUBPAT_KEYCHAIN_BACKEND=binding asks for the @napi-rs/keyring
 * binding that served before it (kept as a way back, and what the tests compare the client with); elsewhere the
 * binding.
 */
function backendFromEnv(env: NodeJS.ProcessEnv): KeychainBackend {
  return process.platform === "linux" && env.HUBPAT_KEYCHAIN_BACKEND !== "binding" ? "secret-service" : "binding";
}

export { hasAbandonedCalls } from "./abandoned.js";

/** Which code talks to the keychain: our own Secret Service client (Linux) or the @napi-rs/keyring binding. */
export type KeychainBackend = "secret-service" | "binding";

/** What the OS keychain is called where the binding serves it. */
const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = { darwin: "macOS Keychain", win32: "Windows Credential Manager" };

/** The service of the throwaway item check() writes (choice.ts's DOCTOR_SERVICE; not imported: hot path). */
const CHECK_SERVICE = "hubpat-doctor";

/** CredentialStore over the OS keychain. Every call has a timeout; every failure is a KeychainError. */
export class KeychainStore implements CheckableStore {
  readonly kind = "keychain" as const;
  /** Where new items go, once a check() has asked the Secret Service: collection and provider. */
  private where: string | undefined;
  private readonly service: string;
  private readonly readTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly backend: KeychainBackend;
  private readonly env: NodeJS.ProcessEnv;
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
    this.env = options.env ?? process.env;
    this.backend = options.backend ?? backendFromEnv(this.env);
  }

  /**
   * Where this store's secrets live: "Secret Service collection \"Login\" (GNOME Keyring), service …" once check()
   * has asked the service which collection and which program, else the kind of keychain.
   */
  describe(): string {
    const keychain = this.backend === "secret-service" ? (this.where ?? "Secret Service (GNOME Keyring, KWallet, KeePassXC)") : (KEYCHAIN_NAMES[process.platform] ?? "the OS keychain");
    return `${keychain}, service "${this.service}"`;
  }

  /**
   * Writes, reads back and erases a throwaway item under its own service; null when that worked, else the problem
   * and its fix as KeychainError words them (a locked keyring, no default collection, no Secret Service…).
   */
  async check(): Promise<StoreProblem | null> {
    const { roundTripCheck } = await import("./choice.js");
    const locate = async () => {
      try {
        this.where = await this.secretService(this.readTimeoutMs, (ss) => whereNewItemsGo(ss));
      } catch {
        // the round trip below meets the same failure and words it
      }
    };
    if (this.backend === "secret-service") await locate();
    const scratch = new KeychainStore({ service: CHECK_SERVICE, readTimeoutMs: this.readTimeoutMs, writeTimeoutMs: this.writeTimeoutMs, backend: this.backend, env: this.env });
    const problem = await roundTripCheck(scratch, this.describe(), (err) => (err instanceof KeychainError && err.fix !== undefined ? { problem: err.reason, fix: err.fix } : undefined));
    // A service that came up between the two calls (a keyring daemon replacing another) answered the round trip
    // but not the first question: ask again, so describe() names the collection the items went to.
    if (problem === null && this.backend === "secret-service" && this.where === undefined) await locate();
    return problem;
  }

  prepare(): void {
    if (this.backend === "secret-service") connection(this.env).catch(() => {});
  }

  async get(serverURL: string): Promise<StoredCredential | null> {
    if (this.backend === "secret-service") {
      const raw = await this.secretService(this.readTimeoutMs, (ss) => ssGet(ss, this.service, serverURL));
      return raw === null ? null : decode(serverURL, raw);
    }
    // Erased while we read it: the erase came first, so "not found" is the answer.
    const raw = await this.call(this.readTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.getPassword(signal)), () => null));
    return raw === null ? null : decode(serverURL, raw);
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    const doc = encodeDoc({ v: 1, username: credential.username, secret: credential.secret, ...(credential.tokenId ? { tokenId: credential.tokenId } : {}) });
    if (this.backend === "secret-service") return this.secretService(this.writeTimeoutMs, (ss) => ssSet(ss, this.service, serverURL, credential.username, doc));
    // Erased between the binding's search and its write: searching again finds nothing and creates the item.
    await this.call(this.writeTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.setPassword(doc, signal))));
  }

  async delete(serverURL: string): Promise<boolean> {
    if (this.backend === "secret-service") return this.secretService(this.writeTimeoutMs, (ss) => ssDelete(ss, this.service, serverURL));
    // Erased by someone else first: it was there, and now it is gone, which is what was asked.
    return this.call(this.writeTimeoutMs, (k, signal) => whileVanishing(signal, () => this.withEntry(k, serverURL, (e) => e.deleteCredential(signal)), () => true));
  }

  async list(): Promise<Record<string, string>> {
    if (this.backend === "secret-service") return this.secretService(this.readTimeoutMs, (ss) => ssList(ss, this.service));
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

  /**
   * Runs `op` on this process's one Secret Service connection with a deadline, which starts when the call's turn
   * comes (at most IN_FLIGHT calls wait on the service at once: the service answers one call at a time, so a
   * deadline counted from a long queue's start would fire on a service that works). The deadline is for silence:
   * while the service keeps answering (a list of thousands of items is thousands of replies), it moves on, and
   * it fires once `timeoutMs` pass with nothing from the bus. A call that misses its deadline closes the
   * connection, failing the calls in flight and those waiting their turn at once: a hung service costs one
   * timeout, not one per call. The next call connects afresh.
   */
  private async secretService<T>(timeoutMs: number, op: (ss: SecretServiceClient) => Promise<T>): Promise<T> {
    const lane = laneFor(this.env);
    await lane.turn();
    let timer: NodeJS.Timeout | undefined;
    let client: SecretServiceClient | undefined;
    const started = performance.now();
    const deadline = new Promise<never>((_, reject) => {
      const expire = () => {
        const silentFor = performance.now() - Math.max(started, client?.lastHeardAt ?? started);
        if (silentFor < timeoutMs) {
          timer = setTimeout(expire, timeoutMs - silentFor);
          return;
        }
        const err = new KeychainError("timeout", { detail: `no answer in ${timeoutMs} ms` });
        forget(this.env, client);
        client?.close(err);
        lane.failWaiting(err);
        reject(err);
      };
      timer = setTimeout(expire, timeoutMs);
    });
    try {
      const work = (async () => {
        client = await connection(this.env);
        return op(client);
      })();
      return await Promise.race([work, deadline]);
    } catch (err) {
      throw err instanceof KeychainError ? err : classify(err);
    } finally {
      clearTimeout(timer);
      lane.release();
    }
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
        if (!settled) noteAbandonedCall();
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

// ----- the Secret Service path -----
//
// The same items the binding reads and writes: attributes service and username (= the key), the JSON document
// as the secret. One difference: the label also names the Docker username, "keyring:<key>@<service> (<username>)"
// where the binding wrote "keyring:<key>@<service>", so that `list` reads usernames without opening an encrypted
// session. (An attribute would have done too, but CreateItem's "replace" matches on attributes: two processes
// creating the same key with different usernames then made two items; the label is written in the same call as
// the secret, by the same CreateItem, so they never disagree.) An item whose label is not of that form, such as
// one the binding wrote, is listed from its document.

/** The label of a hubpat item: the key and the service, as the binding wrote it, and the Docker username. */
const labelFor = (service: string, serverURL: string, username: string) => `keyring:${serverURL}@${service} (${username})`;

/** The Docker username a label of labelFor's form names, or undefined for any other label. */
function usernameInLabel(label: string, service: string, serverURL: string): string | undefined {
  const prefix = `keyring:${serverURL}@${service} (`;
  return label.startsWith(prefix) && label.endsWith(")") ? label.slice(prefix.length, -1) : undefined;
}

const connections = new Map<string, Promise<SecretServiceClient>>();

/** This process's one connection to the session bus named in `env`, opened on first use. */
async function connection(env: NodeJS.ProcessEnv): Promise<SecretServiceClient> {
  const key = sessionBusSockets(env).join("\n");
  let open = connections.get(key);
  if (!open) {
    open = SecretServiceClient.connect(env);
    connections.set(key, open);
    open.catch(() => connections.delete(key));
  }
  const client = await open;
  if (!client.isClosed) return client;
  if (connections.get(key) === open) connections.delete(key);
  return connection(env);
}

/** How many calls wait on the Secret Service at once, from one process. */
const IN_FLIGHT = 8;

/** The calls of one process on one bus: IN_FLIGHT at a time, the rest in order. */
class Lane {
  private running = 0;
  private readonly waiting: { go(): void; fail(err: Error): void }[] = [];

  turn(): Promise<void> {
    if (this.running < IN_FLIGHT) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((go, fail) => this.waiting.push({ go, fail }));
  }

  /** Hands the finished call's place to the next waiting one. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.running--;
  }

  failWaiting(err: Error): void {
    for (const w of this.waiting.splice(0)) w.fail(err);
  }
}

const lanes = new Map<string, Lane>();

function laneFor(env: NodeJS.ProcessEnv): Lane {
  const key = sessionBusSockets(env).join("\n");
  let lane = lanes.get(key);
  if (!lane) lanes.set(key, (lane = new Lane()));
  return lane;
}

/** Drops `client` from the cache, so the next call connects afresh. */
function forget(env: NodeJS.ProcessEnv, client: SecretServiceClient | undefined): void {
  const key = sessionBusSockets(env).join("\n");
  const open = connections.get(key);
  if (open && client) void open.then((c) => c === client && connections.get(key) === open && connections.delete(key));
  else if (open && !client) connections.delete(key);
}

/** The one item for this key, or null; more than one is an error, as the binding reports it. */
async function findOne(ss: SecretServiceClient, service: string, serverURL: string): Promise<{ path: string; locked: boolean } | null> {
  const found = await ss.search({ service, username: serverURL });
  const all = [...found.unlocked.map((path) => ({ path, locked: false })), ...found.locked.map((path) => ({ path, locked: true }))];
  if (all.length > 1) throw new KeychainError("failed", { detail: `Entry is matched by ${all.length} credentials: remove the extra items for ${serverURL} under ${service} in your keychain` });
  return all[0] ?? null;
}

async function ssGet(ss: SecretServiceClient, service: string, serverURL: string): Promise<string | null> {
  // Erased between the search and the read: the erase came first, so "not found" is the answer.
  return retryVanished(
    async () => {
      const searching = findOne(ss, service, serverURL);
      ss.prepareSession(); // while the search is on the bus
      const item = await searching;
      if (!item) return null;
      if (item.locked) await ss.unlock([item.path]);
      const secret = (await ss.secrets([item.path])).get(item.path);
      return secret === undefined ? null : secret.toString("utf8");
    },
    () => null,
  );
}

async function ssSet(ss: SecretServiceClient, service: string, serverURL: string, username: string, doc: string): Promise<void> {
  const secret = Buffer.from(doc, "utf8");
  const label = labelFor(service, serverURL, username);
  const attributes = { service, username: serverURL };
  // Erased between the search and the write: searching again finds nothing and creates the item.
  await retryVanished(async () => {
    const searching = findOne(ss, service, serverURL);
    ss.prepareSession(); // while the search is on the bus: a store sends a secret either way
    const item = await searching;
    if (item) {
      // An item that exists gets its new secret in place, as the binding did (KeePassXC asks a person before a
      // CreateItem replaces an item another process made), then its label, when the username changed.
      if (item.locked) await ss.unlock([item.path]);
      await ss.setSecret(item.path, secret);
      if ((await ss.describeItem(item.path)).label !== label) await ss.setLabel(item.path, label);
      return;
    }
    // A new item: label and secret in one CreateItem, whose "replace" leaves one item when creators race.
    const collection = await defaultCollection(ss);
    try {
      await ss.createItem(collection, label, attributes, secret);
    } catch (err) {
      // A locked collection: unlock it (the service prompts, where it can) and create again, as libsecret does.
      if (!(err instanceof DBusError && err.errorName === "org.freedesktop.Secret.Error.IsLocked")) throw err;
      await ss.unlock([collection]);
      await ss.createItem(collection, label, attributes, secret);
    }
  });
}

async function ssDelete(ss: SecretServiceClient, service: string, serverURL: string): Promise<boolean> {
  // Erased by someone else first: it was there, and now it is gone, which is what was asked.
  return retryVanished(
    async () => {
      const item = await findOne(ss, service, serverURL);
      if (!item) return false;
      if (item.locked) await ss.unlock([item.path]);
      await ss.deleteItem(item.path);
      return true;
    },
    () => true,
  );
}

async function ssList(ss: SecretServiceClient, service: string): Promise<Record<string, string>> {
  return retryVanished(async () => {
    const found = await ss.search({ service });
    const items = [...found.unlocked, ...found.locked];
    if (items.length === 0) return {};
    await ss.unlock(found.locked);
    const described = await Promise.all(
      items.map(async (path) => {
        const { label, attributes } = await ss.describeItem(path);
        const account = attributes.username;
        return { path, account, username: account === undefined ? undefined : usernameInLabel(label, service, account) };
      }),
    );
    const unnamed = described.filter((d) => d.account !== undefined && d.username === undefined).map((d) => d.path);
    const secrets = unnamed.length > 0 ? await ss.secrets(unnamed) : new Map<string, Buffer>();
    const out: Record<string, string> = {};
    for (const { path, account, username } of described) {
      if (account === undefined) continue;
      if (username !== undefined) {
        out[account] = username;
        continue;
      }
      // Not in hubpat's format (another program's item under our name): `get` explains it, list skips it.
      const secret = secrets.get(path);
      if (secret === undefined) continue;
      try {
        out[account] = decode(account, secret.toString("utf8")).username;
      } catch {
        continue;
      }
    }
    return out;
  });
}

/**
 * The collection new items go to: the one the "default" alias names, as libsecret's clients (secret-tool, Docker's
 * Go helper) use. Where no collection is the default, libsecret asks the service to create one (gnome-keyring then
 * prompts for a new keyring's password) and fails where no prompt can be shown, as on a headless machine. hubpat
 * does the same, but first takes the one collection there is when there is only one (a KeePassXC database exposing
 * one group, a keyring whose alias was removed), and then says what to run for this provider.
 */
async function defaultCollection(ss: SecretServiceClient): Promise<string> {
  const path = await ss.readAlias("default");
  if (path) return path;
  const persistent = (await ss.collections()).filter((c) => c !== SESSION_COLLECTION);
  if (persistent.length === 1) return persistent[0]!;
  const provider = await ss.provider();
  // KeePassXC would show a dialog for a new database, which nobody sees on a headless machine: not asked there.
  if (persistent.length === 0 && provider === "GNOME Keyring") {
    try {
      return await ss.createCollection("Default keyring", "default");
    } catch (err) {
      if (!(err instanceof PromptDismissedError || err instanceof DBusError)) throw err;
    }
  }
  if (persistent.length > 1) {
    throw new KeychainError("no-collection", { detail: `it has ${persistent.length} and none is the default`, fix: `make one the default: dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.SetAlias string:default objpath:${persistent[0]}` });
  }
  // The provider's own fix names it; the generic one is followed by which provider this is, when known.
  const fix = provider === undefined ? undefined : NO_COLLECTION_FIX[provider];
  throw new KeychainError("no-collection", fix ? { fix } : provider ? { detail: provider } : {});
}

/** 'Secret Service collection "Login" (GNOME Keyring)': the collection new items go to, and the provider. */
async function whereNewItemsGo(ss: SecretServiceClient): Promise<string> {
  const [collection, provider] = await Promise.all([defaultCollection(ss), ss.provider()]);
  const label = await ss.collectionLabel(collection).catch(() => collection);
  return `Secret Service collection "${label}"${provider ? ` (${provider})` : ""}`;
}

/** gnome-keyring's in-memory collection: gone when the daemon ends, never where hubpat keeps a credential. */
const SESSION_COLLECTION = "/org/freedesktop/secrets/collection/session";

/** What creates a default collection, by provider: each was run here on a headless machine. */
const NO_COLLECTION_FIX: Record<string, string> = {
  // Creates the login keyring with that password and makes it the default (test/store/providers.test.ts).
  "GNOME Keyring": `create the login keyring: read -rsp "New keyring password: " pw && printf %s "$pw" | gnome-keyring-daemon --replace --unlock --components=secrets; unset pw`,
  KeePassXC: "open a database in KeePassXC and expose a group of it: Database Settings, Secret Service Integration",
};

/** Runs `op` again (a new search) when the item it found vanished under it; `gone()` answers instead, if given. */
async function retryVanished<T>(op: () => Promise<T>, gone?: () => T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isVanished(err)) throw err;
      if (gone) return gone();
      if (attempt >= VANISHED_TRIES) throw err;
    }
  }
}

const VANISHED_NAMES = new Set(["org.freedesktop.Secret.Error.NoSuchObject", "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod"]);

function isVanished(err: unknown): boolean {
  return err instanceof DBusError && (VANISHED_NAMES.has(err.errorName) || VANISHED.test(err.message));
}

/**
 * The item's JSON document, with every brace inside its strings written as a JSON escape (\u007b, \u007d): KeePassXC
 * expands its placeholders ({TITLE}, {USERNAME}, {REF:…}) in the secrets it gives out, so a secret holding
 * "}{TITLE}" came back with the item's label in it. Every JSON reader, the binding's users included, reads the
 * same document; the only braces left are the object's own, and `{"v":1,…}` names no placeholder.
 */
function encodeDoc(doc: Record<string, unknown>): string {
  const json = JSON.stringify(doc);
  return `{${json.slice(1, -1).replace(/[{}]/g, (c) => (c === "{" ? "\\u007b" : "\\u007d"))}}`;
}

function decode(serverURL: string, raw: string): StoredCredential {
  const found = parseCredentialDoc(raw);
  if (found) return found;
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
  if (err instanceof BusUnreachableError) return new KeychainError("no-bus", { cause: err });
  if (err instanceof PromptDismissedError) return new KeychainError("locked", { cause: err });
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
