// config.json as Docker reads it: Go's encoding/json decoding into cli/config/configfile.ConfigFile, not
// JSON.parse. The differences that matter (encoding/json's Unmarshal docs; decode.go object()):
// - a key matches a struct field by its tag exactly or else case-insensitively ("Auths" is `auths`), and every
//   occurrence is decoded in file order, so a repeated `auths` object is merged into the same map and a later
//   field value overwrites an earlier one;
// - a map element is decoded afresh for each key (a repeated registry key: the last one wins);
// - null sets a map to nil (dropping what earlier occurrences put in it) and leaves a string as it was.
// JSON.parse keeps only the last of exact repeats and none of that. So config.json is parsed here into a tree that
// keeps every pair, its raw text (numbers beyond 2^53 and escapes stay as written), and is rendered back verbatim
// except for the fields setup changes. Only node: built-ins (none, in fact).

/** A JSON value with every object pair kept, in file order. */
export type JsonTree =
  | { kind: "object"; pairs: JsonPair[] }
  | { kind: "array"; items: JsonTree[] }
  | { kind: "scalar"; raw: string; value: string | number | boolean | null; /** Offset in the parsed text. */ at?: number };

/** An object's key and value; parsed pairs also know where the key's raw text starts, and that text. */
export type JsonPair = [key: string, value: JsonTree, keyAt?: number, keyRaw?: string];

/** Parses text that JSON.parse has already accepted (so no error handling beyond that) into a JsonTree. */
export function parseJsonTree(text: string): JsonTree {
  let at = 0;
  const ws = () => {
    while (at < text.length && " \t\r\n".includes(text[at]!)) at++;
  };
  const value = (): JsonTree => {
    ws();
    const c = text[at];
    if (c === "{") {
      at++;
      const pairs: JsonPair[] = [];
      ws();
      if (text[at] === "}") {
        at++;
        return { kind: "object", pairs };
      }
      for (;;) {
        const key = value();
        ws();
        at++; // ':'
        pairs.push(key.kind === "scalar" ? [String(key.value), value(), key.at, key.raw] : ["", value()]);
        ws();
        if (text[at++] === "}") return { kind: "object", pairs };
      }
    }
    if (c === "[") {
      at++;
      const items: JsonTree[] = [];
      ws();
      if (text[at] === "]") {
        at++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[at++] === "]") return { kind: "array", items };
      }
    }
    const start = at;
    if (c === '"') {
      for (at++; text[at] !== '"'; at++) if (text[at] === "\\") at++;
      at++;
    } else {
      while (at < text.length && !",]} \t\r\n".includes(text[at]!)) at++;
    }
    const raw = text.slice(start, at);
    return { kind: "scalar", raw, value: JSON.parse(raw) as string | number | boolean | null, at: start };
  };
  return value();
}

/** A plain JSON value (what JSON.parse gives, or what setup builds) as a tree. */
export function treeOf(value: unknown): JsonTree {
  if (Array.isArray(value)) return { kind: "array", items: value.map(treeOf) };
  if (typeof value === "object" && value !== null) return { kind: "object", pairs: Object.entries(value).map(([k, v]) => [k, treeOf(v)]) };
  return { kind: "scalar", raw: JSON.stringify(value), value: value as string | number | boolean | null };
}

/** Renders a tree as JSON.stringify(value, null, indent) would lay it out, each scalar as it was written. */
export function renderJsonTree(tree: JsonTree, indent: string, level = 0): string {
  const inner = indent ? `\n${indent.repeat(level + 1)}` : "";
  const close = indent ? `\n${indent.repeat(level)}` : "";
  const colon = indent ? ": " : ":";
  if (tree.kind === "scalar") return tree.raw;
  if (tree.kind === "array") {
    if (tree.items.length === 0) return "[]";
    return `[${tree.items.map((v) => inner + renderJsonTree(v, indent, level + 1)).join(",")}${close}]`;
  }
  if (tree.pairs.length === 0) return "{}";
  return `{${tree.pairs.map(([k, v]) => `${inner}${JSON.stringify(k)}${colon}${renderJsonTree(v, indent, level + 1)}`).join(",")}${close}}`;
}

/**
 * Go's case folding of a field name, as encoding/json compares keys with struct tags: ASCII case, plus the two
 * non-ASCII letters that fold to ASCII ones (U+212A KELVIN SIGN → k, U+017F LONG S → s).
 */
export function goFold(key: string): string {
  return key.toLowerCase().replace(/\u212a/g, "k").replace(/\u017f/g, "s");
}

/** Whether Go would decode `key` into the struct field tagged `tag`. */
export const matchesField = (key: string, tag: string) => goFold(key) === goFold(tag);

/** types.AuthConfig's fields (cli/config/types/authconfig.go), all strings. */
const AUTH_FIELDS = ["username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"];

/** What Docker cannot decode either: the field and why, in words. */
export class GoDecodeError extends Error {}

/** The JSON type of `t`, with its article: "a string", "an object", "null". */
function typeName(t: JsonTree): string {
  const name = t.kind === "scalar" ? (t.value === null ? "null" : typeof t.value) : t.kind;
  return name === "null" ? name : `${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`;
}

/**
 * One `auths` element decoded as Go decodes types.AuthConfig: each known field by its tag, any case, the last
 * non-null occurrence winning; unknown keys (which Go ignores) kept, the last of each. Canonical field names.
 */
function decodeAuthEntry(host: string, tree: JsonTree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (tree.kind === "scalar" && tree.value === null) return out;
  if (tree.kind !== "object") throw new GoDecodeError(`the auths entry for ${JSON.stringify(host)} is ${typeName(tree)}, not an object`);
  for (const [key, value] of tree.pairs) {
    const field = AUTH_FIELDS.find((f) => matchesField(key, f));
    if (!field) {
      Object.defineProperty(out, key, { value: plainOf(value), enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (value.kind === "scalar" && value.value === null) continue;
    if (value.kind !== "scalar" || typeof value.value !== "string") throw new GoDecodeError(`"${key}" of the auths entry for ${JSON.stringify(host)} is ${typeName(value)}, not a string`);
    out[field] = value.value;
  }
  return out;
}

/** The tree as JSON.parse would give it (the last of exact repeats winning), for values hubpat passes through. */
function plainOf(tree: JsonTree): unknown {
  if (tree.kind === "scalar") return tree.value;
  if (tree.kind === "array") return tree.items.map(plainOf);
  const out: Record<string, unknown> = {};
  for (const [k, v] of tree.pairs) Object.defineProperty(out, k, { value: plainOf(v), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The three fields setup reads and writes, as Docker ends up with them; undefined: absent (or a nil map). */
export interface DockerView {
  auths?: Record<string, Record<string, unknown>>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Decodes one map-valued field's occurrences in order: merged, null resetting it, each element by `element`. */
function decodeMap<T>(name: string, occurrences: JsonTree[], element: (key: string, t: JsonTree) => T): Record<string, T> | undefined {
  let map: Record<string, T> | undefined;
  for (const occurrence of occurrences) {
    if (occurrence.kind === "scalar" && occurrence.value === null) {
      map = undefined;
      continue;
    }
    if (occurrence.kind !== "object") throw new GoDecodeError(`"${name}" is ${typeName(occurrence)}, not an object`);
    map ??= {};
    for (const [key, value] of occurrence.pairs) Object.defineProperty(map, key, { value: element(key, value), enumerable: true, writable: true, configurable: true });
  }
  return map;
}

/** auths, credHelpers and credsStore of a config.json tree (an object), as Docker's decoder leaves them. */
export function dockerView(top: JsonTree & { kind: "object" }): DockerView {
  const occurrences = (tag: string) => top.pairs.filter(([k]) => matchesField(k, tag)).map(([, v]) => v);
  const auths = decodeMap("auths", occurrences("auths"), decodeAuthEntry);
  const credHelpers = decodeMap("credHelpers", occurrences("credHelpers"), (host, t) => {
    if (t.kind === "scalar" && t.value === null) return "";
    if (t.kind !== "scalar" || typeof t.value !== "string") throw new GoDecodeError(`credHelpers for ${JSON.stringify(host)} is ${typeName(t)}, not a string`);
    return t.value;
  });
  let credsStore: string | undefined;
  for (const t of occurrences("credsStore")) {
    if (t.kind === "scalar" && t.value === null) continue;
    if (t.kind !== "scalar" || typeof t.value !== "string") throw new GoDecodeError(`"credsStore" is ${typeName(t)}, not a string`);
    credsStore = t.value;
  }
  return { ...(auths ? { auths } : {}), ...(credHelpers ? { credHelpers } : {}), ...(credsStore !== undefined ? { credsStore } : {}) };
}

/**
 * The tree with each of `fields` (canonical tag → new value, undefined to drop it) put where its first spelling
 * was, every other spelling of it dropped, and appended at the end when it was not there; the rest verbatim.
 */
export function withFields(top: JsonTree & { kind: "object" }, fields: Record<string, unknown>): JsonTree & { kind: "object" } {
  const placed = new Set<string>();
  const pairs: JsonPair[] = [];
  for (const [key, value] of top.pairs) {
    const tag = Object.keys(fields).find((f) => matchesField(key, f));
    if (tag === undefined) pairs.push([key, value]);
    else if (!placed.has(tag)) {
      placed.add(tag);
      if (fields[tag] !== undefined) pairs.push([tag, treeOf(fields[tag])]);
    }
  }
  for (const [tag, value] of Object.entries(fields)) if (!placed.has(tag) && value !== undefined) pairs.push([tag, treeOf(value)]);
  return { kind: "object", pairs };
}
