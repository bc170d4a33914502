// The Secret Service API (https://specifications.freedesktop.org/secret-service/) over our own D-Bus client, for
// the Linux keychain. It searches before anything else, as libsecret and Docker's Go helper do, and opens an
// encrypted session only when a secret has to cross the bus: a miss, an erase of a missing item and a list of
// items whose label names the username cost one connection and one search, no key exchange.
//
// The session is the one libsecret negotiates, never "plain": dh-ietf1024-sha256-aes128-cbc-pkcs7 (Diffie-Hellman
// over the RFC 2409 1024-bit group, generator 2; HKDF-SHA256 of the zero-padded shared secret, no salt, no info,
// to a 16-byte key; AES-128-CBC with PKCS#7 padding and a random IV per secret: libsecret's secret-session.c).
// The cryptography is Web Crypto's (globalThis.crypto), not node:crypto: under Bun, loading node:crypto costs about
// 4 ms of CPU per process, and Web Crypto's AES-CBC and HKDF are the same primitives in both runtimes.
import { DBusConnection, DBusError, sessionBusSockets, type Signal, type Variant } from "./dbus.js";

const BUS = "org.freedesktop.secrets";
const SERVICE_PATH = "/org/freedesktop/secrets";
const SERVICE = "org.freedesktop.Secret.Service";
const ITEM = "org.freedesktop.Secret.Item";
const COLLECTION = "org.freedesktop.Secret.Collection";
const PROMPT = "org.freedesktop.Secret.Prompt";
const PROPERTIES = "org.freedesktop.DBus.Properties";
const NO_PROMPT = "/";
const ALGORITHM = "dh-ietf1024-sha256-aes128-cbc-pkcs7";

// RFC 2409 section 6.2, the Second Oakley Group (1024-bit MODP), generator 2.
const MODP1024 = Buffer.from(
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
  "hex",
);

/** An unlock or other prompt was dismissed, or could not be shown (no prompter on the bus). */
export class PromptDismissedError extends Error {
  override readonly name = "PromptDismissedError";
}

/** The result of a search: the matching items, split by whether they are unlocked. */
export interface Found {
  unlocked: string[];
  locked: string[];
}

type AesKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

interface Session {
  path: string;
  /** The AES key, derived on first use: a read sends GetSecrets first and derives it while the service answers. */
  key(): Promise<AesKey>;
}

/** This end's half of the key exchange: the private exponent and 2^x mod p. */
interface KeyPair {
  x: bigint;
  mine: Buffer;
}

/** A secret as the Secret Service carries it: (session, parameters = IV, value = ciphertext, content type). */
type WireSecret = [string, Uint8Array, Uint8Array, string];

/**
 * One client per connection. Calls may overlap; the encrypted session is opened once, on the first secret, and
 * kept for the connection's life. Throws DBusError (the service's reply), BusUnreachableError,
 * ConnectionClosedError and PromptDismissedError as they come.
 */
export class SecretServiceClient {
  private session: Promise<Session> | undefined;
  private pair: KeyPair | undefined;

  constructor(private readonly bus: DBusConnection) {}

  /** Opens a connection to the session bus named in `env`. */
  static async connect(env: NodeJS.ProcessEnv): Promise<SecretServiceClient> {
    return new SecretServiceClient(await DBusConnection.open(sessionBusSockets(env)));
  }

  get isClosed(): boolean {
    return this.bus.isClosed;
  }

  /** When the service (or the bus) last sent anything, in performance.now() time. */
  get lastHeardAt(): number {
    return this.bus.lastHeardAt;
  }

  close(reason?: Error): void {
    this.bus.close(reason);
  }

  /** SearchItems: every item whose attributes include all of these, in any collection. */
  async search(attributes: Record<string, string>): Promise<Found> {
    const [unlocked, locked] = await this.service("SearchItems", "a{ss}", [Object.entries(attributes)]);
    return { unlocked: unlocked as string[], locked: locked as string[] };
  }

  /** Unlocks these objects, going through the service's prompt when it asks for one. */
  async unlock(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const [, prompt] = await this.service("Unlock", "ao", [paths]);
    await this.prompt(prompt as string);
  }

  /** An item's label and attributes, in one call. */
  async describeItem(item: string): Promise<{ label: string; attributes: Record<string, string> }> {
    const [all] = await this.bus.call(BUS, item, PROPERTIES, "GetAll", "s", [ITEM]);
    const props = new Map((all as [string, Variant][]).map(([k, v]) => [k, v.value]));
    return { label: (props.get("Label") as string | undefined) ?? "", attributes: Object.fromEntries((props.get("Attributes") as [string, string][] | undefined) ?? []) };
  }

  /**
   * Computes this end's half of the key exchange now, nothing sent: called while a search is in flight, so that
   * a get or store that finds what it needs a secret for sends OpenSession at once. About 0.5 ms of CPU; a miss
   * never opens the session.
   */
  prepareSession(): void {
    if (!this.session) this.pair ??= keyPair();
  }

  /** The secrets of these (unlocked) items, by path, decrypted. */
  async secrets(items: readonly string[]): Promise<Map<string, Buffer>> {
    const session = await this.openSession();
    const reply = this.service("GetSecrets", "aoo", [items, session.path]);
    const [[found], key] = await Promise.all([reply, session.key()]);
    return new Map(await Promise.all((found as [string, WireSecret][]).map(async ([path, secret]) => [path, await decrypt(key, secret)] as const)));
  }

  /** Replaces an (unlocked) item's secret. */
  async setSecret(item: string, secret: Buffer): Promise<void> {
    const session = await this.openSession();
    await this.bus.call(BUS, item, ITEM, "SetSecret", "(oayays)", [await encrypt(session, await session.key(), secret)]);
  }

  /** Changes an item's label. */
  async setLabel(item: string, label: string): Promise<void> {
    await this.bus.call(BUS, item, PROPERTIES, "Set", "ssv", [ITEM, "Label", { signature: "s", value: label }]);
  }

  /** Every collection the service has (gnome-keyring's in-memory "session" one included). */
  async collections(): Promise<string[]> {
    const [v] = await this.bus.call(BUS, SERVICE_PATH, PROPERTIES, "Get", "ss", [SERVICE, "Collections"]);
    return (v as Variant).value as string[];
  }

  /** A collection's label ("Login"). */
  async collectionLabel(collection: string): Promise<string> {
    const [v] = await this.bus.call(BUS, collection, PROPERTIES, "Get", "ss", [COLLECTION, "Label"]);
    return (v as Variant).value as string;
  }

  /** Creates a collection under this alias, through the service's prompt (a password for a new keyring). */
  async createCollection(label: string, alias: string): Promise<string> {
    const [collection, prompt] = await this.service("CreateCollection", "a{sv}s", [[[`${COLLECTION}.Label`, { signature: "s", value: label }]], alias]);
    if (collection !== NO_PROMPT) return collection as string;
    const result = await this.prompt(prompt as string);
    if (typeof result?.value !== "string" || result.value === NO_PROMPT) throw new PromptDismissedError("the service created no collection");
    return result.value;
  }

  /** Which program owns the Secret Service name: "GNOME Keyring", "KeePassXC", "KWallet", or its process name. */
  async provider(): Promise<string | undefined> {
    try {
      const [pid] = await this.bus.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", [BUS]);
      const comm = process.getBuiltinModule("node:fs").readFileSync(`/proc/${pid as number}/comm`, "utf8").trim();
      return PROVIDERS.find(([re]) => re.test(comm))?.[1] ?? comm;
    } catch {
      return undefined; // another user's process, or a bus that does not say
    }
  }

  /** Creates (or, with the same attributes, replaces) an item in `collection`; resolves its path. */
  async createItem(collection: string, label: string, attributes: Record<string, string>, secret: Buffer): Promise<string> {
    const session = await this.openSession();
    const properties: [string, Variant][] = [
      [`${ITEM}.Label`, { signature: "s", value: label }],
      [`${ITEM}.Attributes`, { signature: "a{ss}", value: Object.entries(attributes) }],
    ];
    const [item, prompt] = await this.bus.call(BUS, collection, COLLECTION, "CreateItem", "a{sv}(oayays)b", [properties, await encrypt(session, await session.key(), secret), true]);
    if (item !== NO_PROMPT) return item as string;
    const result = await this.prompt(prompt as string);
    return (result?.value as string | undefined) ?? NO_PROMPT;
  }

  /** Deletes an item. */
  async deleteItem(item: string): Promise<void> {
    const [prompt] = await this.bus.call(BUS, item, ITEM, "Delete", "", []);
    await this.prompt(prompt as string);
  }

  /** The collection an alias ("default") names, or null when it names none. */
  async readAlias(name: string): Promise<string | null> {
    const [path] = await this.service("ReadAlias", "s", [name]);
    return path === NO_PROMPT ? null : (path as string);
  }

  private service(member: string, signature: string, args: readonly unknown[]): Promise<unknown[]> {
    return this.bus.call(BUS, SERVICE_PATH, SERVICE, member, signature, args);
  }

  /**
   * Runs a prompt the service asked for and waits for its Completed signal; resolves the prompt's result.
   * A dismissed prompt (or one the service could not show: no prompter on a headless bus) rejects.
   */
  private async prompt(path: string): Promise<Variant | undefined> {
    if (path === NO_PROMPT) return undefined;
    const rule = `type='signal',interface='${PROMPT}',member='Completed',path='${path}'`;
    await this.bus.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s", [rule]);
    let stop = () => {};
    const completed = new Promise<Signal>((resolve) => {
      stop = this.bus.onSignal((s) => {
        if (s.path === path && s.interface === PROMPT && s.member === "Completed") resolve(s);
      });
    });
    try {
      // The window id is empty: a terminal program has no window to parent the prompt to.
      await Promise.race([this.bus.call(BUS, path, PROMPT, "Prompt", "s", [""]), completed]);
      const signal = await completed;
      if (signal.body[0] === true) throw new PromptDismissedError("the unlock prompt was dismissed");
      return signal.body[1] as Variant;
    } finally {
      stop();
    }
  }

  private openSession(): Promise<Session> {
    this.session ??= this.negotiate();
    return this.session;
  }

  private async negotiate(): Promise<Session> {
    const { x, mine } = this.pair ?? keyPair();
    this.pair = undefined;
    const [output, path] = await this.service("OpenSession", "sv", [ALGORITHM, { signature: "ay", value: mine }]);
    const theirs = (output as Variant).value;
    if ((output as Variant).signature !== "ay" || !(theirs instanceof Uint8Array)) throw new DBusError("org.freedesktop.DBus.Error.NotSupported", "the Secret Service answered OpenSession without a public key");
    const y = BigInt(`0x${Buffer.from(theirs).toString("hex") || "0"}`);
    if (y <= 1n || y >= P - 1n) throw new DBusError("org.freedesktop.DBus.Error.InvalidArgs", "the Secret Service answered OpenSession with an unusable public key");
    let key: Promise<AesKey> | undefined;
    return { path: path as string, key: () => (key ??= deriveKey(y, x)) };
  }
}

/**
 * A private exponent and its public value. The exponentiations are BigInt: node:crypto's createDiffieHellman(prime)
 * first tests the prime (tens of ms here, seconds on a busy machine, in Node and in Bun alike), and Bun has no
 * named "modp2" group. A 256-bit private exponent is far beyond the group's own strength (about 80 bits; RFC 3526
 * asks for twice that).
 */
function keyPair(): KeyPair {
  const x = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`) | (1n << 255n);
  return { x, mine: toBytes(powerOfTwo(x, P)) };
}

/** The session key: HKDF-SHA256 of the shared secret y^x mod p, padded to the prime's length as both ends do (libsecret's egg_dh_gen_secret). */
async function deriveKey(y: bigint, x: bigint): Promise<AesKey> {
  const ikm = await crypto.subtle.importKey("raw", toBytes(modPow(y, x, P)), "HKDF", false, ["deriveKey"]);
  const hkdf = { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) };
  return crypto.subtle.deriveKey(hkdf, ikm, { name: "AES-CBC", length: 128 }, false, ["encrypt", "decrypt"]);
}

const P = BigInt(`0x${MODP1024.toString("hex")}`);

/** base^exponent mod modulus, by square and multiply. */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** 2^exponent mod modulus, left to right: a multiplication by the generator 2 is a shift (a third less work). */
function powerOfTwo(exponent: bigint, modulus: bigint): bigint {
  const bits = exponent.toString(2);
  let result = 1n;
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % modulus;
    if (bits.charCodeAt(i) === 49 /* "1" */) {
      result <<= 1n;
      if (result >= modulus) result -= modulus;
    }
  }
  return result;
}

/** A number below the prime as big-endian bytes, zero-padded to the prime's length. */
function toBytes(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(MODP1024.length * 2, "0"), "hex");
}

const PROVIDERS: [RegExp, string][] = [
  [/^gnome-keyring/, "GNOME Keyring"],
  [/^keepassxc/i, "KeePassXC"],
  [/^(kwalletd|ksecretd)/, "KWallet"],
];

/** AES-128-CBC with PKCS#7 padding (Web Crypto's AES-CBC pads so) under a fresh random IV. */
async function encrypt(session: Session, key: AesKey, plain: Buffer): Promise<WireSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const value = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, plain));
  return [session.path, iv, value, "text/plain"];
}

/** The secret's plain bytes; a wrong key or bad padding rejects (Web Crypto's OperationError). */
async function decrypt(key: AesKey, [, iv, value]: WireSecret): Promise<Buffer> {
  return Buffer.from(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, value));
}
