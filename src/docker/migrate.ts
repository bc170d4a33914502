// Moving Docker's plain-text credentials out of config.json `auths` and into the helper's store, and wiring
// config.json to the helper (`"credsStore": "hubpat"`).
//
// What counts as a plain-text credential is what Docker itself would send (cli/config/configfile/file.go
// LoadFromReader, credentials/native_store.go): an `identitytoken` (stored as Username `<token>`, as Docker's
// native store does; Docker then ignores the entry's password, so we do too), else `auth` = base64("user:password"),
// else separate `username` + `password` fields (Docker reads those when `auth` is empty). Go matches JSON keys
// case-insensitively, so "Auth" is `auth` too.
//
// Nothing is lost: an entry leaves the file only once the store gives it back unchanged, and the file is then
// rewritten in one atomic step (config.ts). Entries left in place, with the reason: a registry `credHelpers`
// sends to another helper, an `auth` Docker could not decode either, and a registry for which the store already
// holds a different credential.
import { HubpatError } from "../errors.js";
import { controlCharacterIn } from "../helper/protocol.js";
import type { CredentialStore, StoredCredential } from "../store/store.js";

/** The name config.json uses for this helper (`docker-credential-` + it is the program Docker runs). */
export const HELPER_CONFIG_NAME = "hubpat";
/** The username Docker stores an identity token under. */
export const TOKEN_USERNAME = "<token>";

/** A credential found in `auths`. */
export interface PlainCredential {
  serverURL: string;
  username: string;
  secret: string;
}

/** A registry whose entry stays in config.json, and why. */
export interface KeptEntry {
  serverURL: string;
  reason: string;
}

/** What setup does (or, in a dry run, would do) to config.json and the store. */
export interface SetupPlan {
  /** The new config.json content. */
  doc: Record<string, unknown>;
  /** Credentials moved into the store (already there and equal counts as moved). */
  moved: PlainCredential[];
  kept: KeptEntry[];
  /** `credsStore` before, when it named another helper. */
  replacedCredsStore?: string;
  /** Registries `credHelpers` still sends to another helper (credHelpers wins over credsStore), with its name. */
  elsewhere: { serverURL: string; helper: string }[];
  /** Whether doc differs from the file's. */
  changed: boolean;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** The keys of `obj` that Go would decode into the field `name` (case-insensitive), in file order. */
const keysFor = (obj: Json, name: string) => Object.keys(obj).filter((k) => k.toLowerCase() === name.toLowerCase());
/** The value Go ends up with for a field: the last matching key wins. */
const field = (obj: Json, name: string): unknown => {
  const keys = keysFor(obj, name);
  return keys.length ? obj[keys[keys.length - 1]!] : undefined;
};
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** base64("user:password") as Docker's decodeAuth reads it (strict standard base64, a non-empty user); null if not. */
export function decodeAuth(auth: string): { username: string; password: string } | null {
  if (auth.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) return null;
  const text = Buffer.from(auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/^\0+|\0+$/g, "") };
}

/** The credential Docker would use for one `auths` entry; null when it holds none, "invalid" when Docker could not read it. */
export function credentialOf(serverURL: string, entry: Json): PlainCredential | null | "invalid" {
  const token = str(field(entry, "identitytoken"));
  if (token) return { serverURL, username: TOKEN_USERNAME, secret: token };
  const auth = str(field(entry, "auth"));
  if (auth) {
    const decoded = decodeAuth(auth);
    return decoded ? { serverURL, username: decoded.username, secret: decoded.password } : "invalid";
  }
  const username = str(field(entry, "username"));
  const password = str(field(entry, "password"));
  if (username && password) return { serverURL, username, secret: password };
  return null;
}

/** The entry with its secrets taken out; what remains (an email, other keys) stays, as Docker keeps `{}`. */
function stripSecrets(entry: Json): Json {
  const secret = new Set(["auth", "identitytoken", "password"]);
  return Object.fromEntries(Object.entries(entry).filter(([k]) => !secret.has(k.toLowerCase())));
}

/** `doc` with `credsStore` set to hubpat, in the place of any existing spelling of it, the others dropped. */
function withCredsStore(doc: Json): Json {
  const out: [string, unknown][] = [];
  let placed = false;
  for (const [k, v] of Object.entries(doc)) {
    if (k.toLowerCase() !== "credsstore") out.push([k, v]);
    else if (!placed) {
      out.push(["credsStore", HELPER_CONFIG_NAME]);
      placed = true;
    }
  }
  if (!placed) out.push(["credsStore", HELPER_CONFIG_NAME]);
  return Object.fromEntries(out);
}

const same = (a: StoredCredential, b: PlainCredential) => a.username === b.username && a.secret === b.secret;

/**
 * Works out setup's change to `doc` and, unless `dryRun`, copies each plain-text credential into `store` and
 * reads it back. Throws (and the caller writes nothing) when the store fails or gives back something else.
 */
export async function planSetup(doc: Json, store: CredentialStore, opts: { dryRun: boolean }): Promise<SetupPlan> {
  const moved: PlainCredential[] = [];
  const kept: KeptEntry[] = [];
  const credsStore = str(field(doc, "credsStore"));
  const helpers = field(doc, "credHelpers");
  const authsKeys = keysFor(doc, "auths");
  const auths = field(doc, "auths");
  const newAuths: Json = {};
  const movedURLs = new Set<string>();

  for (const [serverURL, entry] of Object.entries(isObject(auths) ? auths : {})) {
    if (!isObject(entry)) continue;
    const found = credentialOf(serverURL, entry);
    if (found === null) continue;
    // As the helper refuses it (src/helper/protocol.ts): a store would cut the key at a NUL and mix two registries.
    const char = found === "invalid" ? null : (controlCharacterIn(serverURL) ?? controlCharacterIn(found.username));
    if (char) {
      kept.push({ serverURL, reason: `its ${controlCharacterIn(serverURL) ? "server URL" : "username"} contains a control character (${char}), which the helper refuses` });
      continue;
    }
    if (found === "invalid") {
      kept.push({ serverURL, reason: "its auth field is not base64 of user:password, so Docker cannot use it either" });
      continue;
    }
    // credHelpers is a Go map, looked up by the exact key (configfile.go: CredentialHelpers[serverAddress]); only
    // struct field names like "credHelpers" itself match regardless of case.
    const routed = isObject(helpers) && Object.hasOwn(helpers, serverURL) ? str(helpers[serverURL]) : "";
    if (routed && routed !== HELPER_CONFIG_NAME) {
      kept.push({ serverURL, reason: `credHelpers sends it to docker-credential-${routed}` });
      continue;
    }
    const existing = await store.get(serverURL);
    if (existing && !same(existing, found)) {
      kept.push({ serverURL, reason: "hubpat already holds a different credential for it; remove one of the two by hand" });
      continue;
    }
    if (!existing && !opts.dryRun) {
      await store.set(serverURL, { username: found.username, secret: found.secret });
      const back = await store.get(serverURL);
      if (!back || !same(back, found)) throw new MigrationError(serverURL);
    }
    moved.push(found);
    movedURLs.add(serverURL);
  }

  for (const [serverURL, entry] of Object.entries(isObject(auths) ? auths : {})) {
    Object.defineProperty(newAuths, serverURL, { value: movedURLs.has(serverURL) && isObject(entry) ? stripSecrets(entry) : entry, enumerable: true, writable: true, configurable: true });
  }
  // Only the last spelling of "auths" counts for Docker; it is the one rewritten, the others are left alone.
  const authsKey = authsKeys.at(-1);
  const withAuths = authsKey === undefined ? doc : Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, k === authsKey ? newAuths : v]));
  const newDoc = withCredsStore(withAuths);
  const elsewhere = Object.entries(isObject(helpers) ? helpers : {})
    .filter(([, name]) => typeof name === "string" && name !== HELPER_CONFIG_NAME)
    .map(([serverURL, name]) => ({ serverURL, helper: name as string }));
  return {
    doc: newDoc,
    moved,
    kept,
    elsewhere,
    ...(credsStore && credsStore !== HELPER_CONFIG_NAME ? { replacedCredsStore: credsStore } : {}),
    changed: JSON.stringify(newDoc) !== JSON.stringify(doc),
  };
}

/** The store did not give back what was put in: nothing leaves config.json. */
export class MigrationError extends HubpatError {
  constructor(readonly serverURL: string) {
    super(`the keychain did not give back the credential for ${serverURL} as it was stored; config.json is unchanged`);
  }
}
