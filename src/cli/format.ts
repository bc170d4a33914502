// `--format table|json|tsv|TEMPLATE`, as docker and gh take it. TEMPLATE is a small subset of Docker's Go
// templates (docker/cli cli/command/formatter), over the field names of the command's JSON output, matched
// without regard to case (`{{.ID}}` is `id`, `{{.LastUsedAt}}` is `lastUsedAt`):
//
//   {{.Field}}  {{.Field.Sub}}  {{json .}}  {{json .Field}}  {{join .Field ", "}}  {{upper .Field}}  {{lower .Field}}
//   `\t` and `\n` in the template are a tab and a newline; a leading `table ` prints aligned columns with headers.
//
// A field the command does not print is a usage error naming the ones it does, before any request is sent.
import { UsageError } from "../errors.js";

/** How a command prints its data: the default (a table on a terminal, TSV in a pipe) or what --format asked. */
export type OutputFormat = { kind: "table" } | { kind: "tsv" } | { kind: "json" } | { kind: "template"; template: Template };

/** A parsed template: literal text and actions, in order; `table` when it began with `table `. */
export interface Template {
  parts: Part[];
  table: boolean;
  source: string;
}

type Part = { text: string } | { func: Func; path: string[] | null; arg?: string };
type Func = "value" | "json" | "join" | "upper" | "lower";

const FUNCS = new Set<Func>(["json", "join", "upper", "lower"]);

/** The `--format` help text every command shares. */
export const FORMAT_HELP = "table, json, tsv, or a Go template over the JSON field names ('{{.ID}}\\t{{.Label}}')";

/**
 * Parses `--format`. `fields` are the top-level field names of the command's JSON output, for checking the
 * template's; `--json` is the same as `--format json`.
 */
export function parseFormat(text: string, fields: readonly string[]): OutputFormat {
  const t = text.trim();
  if (t === "table" || t === "json" || t === "tsv") return { kind: t };
  if (!t.includes("{{")) {
    throw new UsageError(`unknown --format "${text}": use table, json, tsv or a template such as '{{.ID}}\\t{{.Label}}'`);
  }
  return { kind: "template", template: parseTemplate(text, fields) };
}

const unescape = (s: string) => s.replace(/\\t/g, "\t").replace(/\\n/g, "\n");

/** Parses a template (see the file comment); unknown functions, fields or syntax are usage errors. */
export function parseTemplate(source: string, fields: readonly string[]): Template {
  let rest = source;
  const table = /^table(\s|$)/.test(rest);
  if (table) rest = rest.replace(/^table\s*/, "");
  const parts: Part[] = [];
  const known = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const re = /\{\{-?\s*(.*?)\s*-?\}\}/gs;
  let last = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index > last) parts.push({ text: unescape(rest.slice(last, m.index)) });
    last = m.index + m[0].length;
    parts.push(parseAction(m[1]!, known, source));
  }
  if (rest.slice(last).includes("{{")) throw new UsageError(`--format: "{{" without "}}" in ${JSON.stringify(source)}`);
  if (last < rest.length) parts.push({ text: unescape(rest.slice(last)) });
  return { parts, table, source };
}

function parseAction(action: string, known: Map<string, string>, source: string): Part {
  const words = action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const [head, ...args] = words;
  const func: Func = head !== undefined && FUNCS.has(head as Func) ? (head as Func) : "value";
  const pathWord = func === "value" ? head : args[0];
  const expected = func === "join" ? 2 : func === "value" ? 1 : 1;
  const given = func === "value" ? words.length : args.length;
  if (pathWord === undefined || !pathWord.startsWith(".") || given !== expected) {
    throw new UsageError(
      `--format: can't read {{${action}}} in ${JSON.stringify(source)}: use {{.Field}}, {{json .Field}}, {{join .Field ", "}}, {{upper .Field}} or {{lower .Field}}`,
    );
  }
  const path = pathWord === "." ? null : pathWord.slice(1).split(".");
  if (path) {
    const name = known.get(path[0]!.toLowerCase());
    if (!name) throw new UsageError(`--format: no field "${path[0]}": the fields are ${[...known.values()].join(", ")}`);
    path[0] = name;
  }
  const part: Part = { func, path };
  if (func === "join") {
    const sep = args[1]!;
    part.arg = sep.startsWith('"') ? (JSON.parse(sep) as string) : sep;
  }
  return part;
}

/** A value the way a template prints it: text as is, null as nothing, lists joined by ", ", objects as JSON. */
function show(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(show).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function lookup(value: unknown, path: string[] | null): unknown {
  if (path === null) return value;
  let v: unknown = value;
  for (const [i, step] of path.entries()) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    const rec = v as Record<string, unknown>;
    // Below the top level (checked when parsed) names are matched without case here.
    const key = i === 0 ? step : Object.keys(rec).find((k) => k.toLowerCase() === step.toLowerCase());
    if (key === undefined || !Object.hasOwn(rec, key)) {
      throw new UsageError(`--format: no field "${path.slice(0, i + 1).join(".")}": there are ${Object.keys(rec).join(", ")}`);
    }
    v = rec[key];
  }
  return v;
}

/** One value (a token, a status) through the template. */
export function renderTemplate(t: Template, value: unknown): string {
  return t.parts
    .map((p) => {
      if ("text" in p) return p.text;
      const v = lookup(value, p.path);
      switch (p.func) {
        case "json":
          return JSON.stringify(v ?? null);
        case "join":
          return Array.isArray(v) ? v.map(show).join(p.arg) : show(v);
        case "upper":
          return show(v).toUpperCase();
        case "lower":
          return show(v).toLowerCase();
        default:
          return show(v);
      }
    })
    .join("");
}

/** A `table` template's headers: each action's field name in capitals (LABEL, LASTUSEDAT), literal text kept. */
export function templateHeader(t: Template): string {
  return t.parts.map((p) => ("text" in p ? p.text : (p.path ?? ["."]).join(".").toUpperCase())).join("");
}

/** The fields of a token as --json prints it (tokenJson); a test keeps the two equal. */
export const TOKEN_FIELDS = [
  "id", "label", "scopes", "scope", "status", "isActive", "createdAt", "lastUsedAt", "expiresAt",
  "creatorIp", "creatorUserAgent", "clientId", "generatedBy", "usedByDocker",
] as const;
/** The fields of an organization access token as --json prints it (orgTokenJson). */
export const ORG_TOKEN_FIELDS = ["org", "id", "label", "description", "resources", "status", "isActive", "createdBy", "createdAt", "lastUsedAt", "expiresAt"] as const;
/** `create` adds the secret (never with --docker-login). */
export const CREATED_FIELDS = [...TOKEN_FIELDS, "secret"] as const;
/** `audit` adds what it found. */
export const AUDIT_FIELDS = [...TOKEN_FIELDS, "org", "description", "resources", "createdBy", "flags"] as const;
export const STATUS_FIELDS = ["hubUrl", "loggedIn", "username", "sessionKind", "sessionExpiresAt", "accounts", "store", "session", "secrets", "docker"] as const;
export const DOCTOR_FIELDS = ["ok", "checks"] as const;
export const ROTATE_FIELDS = ["new", "old", "storedForDocker"] as const;
