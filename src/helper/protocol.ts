// The Docker credential-helper protocol as a pure function: text in, text and an exit code out.
// Byte-compatible with docker/docker-credential-helpers (credentials/credentials.go), which every official
// helper is built on; see src/helper/credential-helper-protocol.md for the sources of each rule.
import { messageOf } from "../errors.js";
import { isStoreError } from "../store/errors.js";
import type { CredentialStore } from "../store/store.js";
import { VERSION } from "../version.js";

/** Docker recognises a miss only by this exact stdout text and a non-zero exit (client/client.go). */
export const NOT_FOUND = "credentials not found in native keychain";
/** Docker maps these two back to typed errors (client/client.go), so they must match exactly. */
export const NO_SERVER_URL = "no credentials server URL";
export const NO_USERNAME = "no credentials username";

export const HELPER_NAME = "docker-credential-hubpat";
export const USAGE = `Usage: ${HELPER_NAME} <store|get|erase|list|version>`;
/** Docker never sends more than a few KiB; the Go helpers cap a line at 64 KiB (bufio.Scanner). */
export const MAX_INPUT_BYTES = 64 * 1024;

/** What the process prints and how it exits. stdout is the protocol answer; stderr is for the person. */
export interface HelperResult {
  stdout: string;
  stderr: string;
  exitCode: 0 | 1;
}

const ok = (stdout: string): HelperResult => ({ stdout, stderr: "", exitCode: 0 });
const fail = (message: string, stderr = ""): HelperResult => ({ stdout: `${message}\n`, stderr, exitCode: 1 });

/** Runs one helper invocation. `args` is argv after the program name; `input` is all of stdin. */
export async function handle(args: readonly string[], input: string, store: () => Promise<CredentialStore>): Promise<HelperResult> {
  if (args.length !== 1) return fail(USAGE);
  const action = args[0] as string;
  switch (action) {
    case "version":
    case "--version":
    case "-v":
      return ok(`${HELPER_NAME} (hubpat) v${VERSION}\n`);
    case "--help":
    case "-h":
      return ok(`${USAGE}\n`);
    case "get":
    case "store":
    case "erase":
    case "list":
      break;
    default:
      // argv can hold any text, newlines included; Docker reads the answer as one line.
      return fail(oneLine(`${HELPER_NAME}: unknown action: ${action}`));
  }
  if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
    return fail(`${action}: input is larger than ${MAX_INPUT_BYTES / 1024} KiB: Docker sends a server URL or one JSON object`);
  }
  try {
    switch (action) {
      case "get": {
        const url = serverURL(input);
        let found;
        try {
          found = await (await store()).get(url);
        } catch (err) {
          // A store that can't answer must not stop an anonymous pull: Docker treats only the exact
          // not-found answer as "no credentials"; any other error aborts `docker run` of a missing image.
          if (isStoreError(err)) return fail(NOT_FOUND, `${HELPER_NAME}: answering "not found" for ${url}: ${err.message}\n`);
          throw err;
        }
        if (!found) return fail(NOT_FOUND);
        return ok(`${goJSON({ ServerURL: url, Username: found.username, Secret: found.secret })}\n`);
      }
      case "store": {
        const c = parseStoreInput(input);
        await (await store()).set(c.ServerURL, { username: c.Username, secret: c.Secret });
        return ok("");
      }
      case "erase": {
        const url = serverURL(input);
        try {
          await (await store()).delete(url);
        } catch (err) {
          // `docker logout HOST` drops every erase error and never warns (cli/command/registry/logout.go counts
          // failures in a map keyed by a list that holds HOST twice), so say it on stderr too, which the user sees.
          if (isStoreError(err)) return fail(err.message, `${HELPER_NAME}: could not erase ${url}: ${err.message}\n`);
          throw err;
        }
        return ok("");
      }
      default: {
        let all;
        try {
          all = await (await store()).list();
        } catch (err) {
          // A legacy `docker build` ignores a list error and sends no credentials: tell the user why.
          if (isStoreError(err)) return fail(err.message, `${HELPER_NAME}: could not list credentials: ${err.message}\n`);
          throw err;
        }
        const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
        return ok(`${goJSON(sorted)}\n`);
      }
    }
  } catch (err) {
    // A store that fails without a message must still give Docker a reason to quote, not an empty line.
    return fail(oneLine(messageOf(err)) || `${action}: the credential store failed without saying why`);
  }
}

/** get and erase: the whole input, trimmed, is the key (Go helpers join lines and TrimSpace). */
function serverURL(input: string): string {
  const url = input.replace(/\r?\n/g, "").trim();
  if (url === "") throw new Error(NO_SERVER_URL);
  refuseControlCharacters("server URL", url);
  return url;
}

/** C0, DEL and C1 control characters. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The first control character (C0, DEL or C1) in `text`, as U+XXXX; null when there is none. Docker never sends
 * one in a server URL or username, and stores disagree on them: the Secret Service and the kernel keyring cut a
 * C string at NUL, so "victim.example.com\0.attacker" would be stored as, and answer for, "victim.example.com".
 */
export function controlCharacterIn(text: string): string | null {
  const m = CONTROL.exec(text);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` : null;
}

/** `text` with each control character written as \\uXXXX, so a terminal shows it instead of obeying it. */
export function printable(text: string): string {
  return text.replace(new RegExp(CONTROL.source, "g"), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The one line a server URL or username with a control character gets, in every action and every store. */
export function controlCharacterMessage(what: string, char: string): string {
  return `the ${what} contains a control character (${char}), which Docker never sends: refused`;
}

function refuseControlCharacters(what: string, text: string): void {
  const char = controlCharacterIn(text);
  if (char) throw new Error(controlCharacterMessage(what, char));
}

interface StoreInput {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** store: one JSON object; Go's decoder matches field names case-insensitively, and Secret may be empty. */
function parseStoreInput(input: string): StoreInput {
  // The Go helpers concatenate lines with the newlines dropped before decoding.
  const text = input.replace(/\r?\n/g, "").trim();
  if (text === "") throw new Error(`store: no input: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`store: input is not JSON: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`store: input is not a JSON object: expected {"ServerURL":…,"Username":…,"Secret":…} on stdin`);
  }
  const out: StoreInput = { ServerURL: "", Username: "", Secret: "" };
  for (const [key, field] of Object.entries(value)) {
    const name = (["ServerURL", "Username", "Secret"] as const).find((n) => n.toLowerCase() === key.toLowerCase());
    if (!name || field === null) continue;
    if (typeof field !== "string") throw new Error(`store: ${name} must be a JSON string`);
    out[name] = field;
  }
  if (out.ServerURL.trim() === "") throw new Error(NO_SERVER_URL);
  if (out.Username === "") throw new Error(NO_USERNAME);
  refuseControlCharacters("server URL", out.ServerURL);
  refuseControlCharacters("username", out.Username);
  return out;
}

/** JSON as Go's json.Encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]\s*/g, " ").trim();
}
