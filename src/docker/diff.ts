// A unified diff of two small texts (config.json before and after setup), with the secrets in them masked.
import { goFold, parseJsonTree, type JsonTree } from "./go-json.js";

/** A key whose value (and everything under it) can be a secret, by its name in Go's folding ("Auth", "\u0061uth"). */
const isSecretKey = (key: string) => goFold(key) !== "auths" && /auth|token|secret|passw|cookie|credential/.test(goFold(key));
/** A URL with userinfo ("http://user:password@proxy:3128"): the userinfo is masked, the rest shown. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^@/?#\s]*@/i;

/**
 * The text with every value of config.json that can carry a secret replaced by "…", in place (the layout stays, so
 * the diff still lines up): values of auth/password/token-like keys at any depth and in any spelling, every HttpHeaders
 * value (Authorization, X-Api-Key, Cookie…), and the userinfo of any URL (proxies, keys of auths). Text that is not
 * JSON is masked by key names only.
 */
export function maskSecrets(text: string): string {
  let tree: JsonTree;
  try {
    JSON.parse(text);
    tree = parseJsonTree(text);
  } catch {
    return text.replace(/("(?:[^"\\]|\\.)*(?:auth|token|secret|passw|cookie)(?:[^"\\]|\\.)*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"…"');
  }
  const edits: { at: number; length: number; text: string }[] = [];
  const maskString = (at: number | undefined, raw: string, value: string, whole: boolean) => {
    if (at === undefined) return;
    if (whole) edits.push({ at, length: raw.length, text: '"…"' });
    else if (USERINFO.test(value)) edits.push({ at, length: raw.length, text: JSON.stringify(value.replace(USERINFO, "$1…@")) });
  };
  const walk = (node: JsonTree, secret: boolean, depth: number) => {
    if (node.kind === "scalar") {
      if (typeof node.value === "string") maskString(node.at, node.raw, node.value, secret);
      else if (secret && node.value !== null && node.at !== undefined) edits.push({ at: node.at, length: node.raw.length, text: '"…"' });
      return;
    }
    if (node.kind === "array") return node.items.forEach((item) => walk(item, secret, depth + 1));
    for (const [key, value, keyAt, keyRaw] of node.pairs) {
      maskString(keyAt, keyRaw ?? JSON.stringify(key), key, false);
      walk(value, secret || isSecretKey(key) || (depth === 0 && goFold(key) === "httpheaders"), depth + 1);
    }
  };
  walk(tree, false, 0);
  let out = text;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.at + e.length);
  return out;
}

type Op = { kind: " " | "-" | "+"; line: string; a: number; b: number };

/** Line operations turning a into b: an LCS table, which is fine for a config file's few hundred lines. */
function operations(a: string[], b: string[]): Op[] {
  const n = a.length, m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: " ", line: a[i++]!, a: i, b: ++j });
    // Removals before additions, as diff -u prints them.
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: "-", line: a[i++]!, a: i, b: j });
    else ops.push({ kind: "+", line: b[j++]!, a: i, b: j });
  }
  return ops;
}

const lines = (text: string) => (text === "" ? [] : text.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n"));

/** `diff -u` style: ---/+++ headers, then hunks with `context` lines around each change. Empty when equal. */
export function unifiedDiff(before: string, after: string, names: { before: string; after: string }, context = 3): string[] {
  const ops = operations(lines(before), lines(after));
  const changed = ops.map((o, k) => (o.kind !== " " ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  const out = [`--- ${names.before}`, `+++ ${names.after}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let end = changed[k]! + context;
    while (k + 1 < changed.length && changed[k + 1]! - context <= end + 1) end = changed[++k]! + context;
    k++;
    const hunk = ops.slice(start, Math.min(ops.length, end + 1));
    const aStart = hunk.find((o) => o.kind !== "+")?.a ?? hunk[0]!.a;
    const bStart = hunk.find((o) => o.kind !== "-")?.b ?? hunk[0]!.b;
    const aLen = hunk.filter((o) => o.kind !== "+").length;
    const bLen = hunk.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return out;
}
