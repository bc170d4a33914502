// A unified diff of two small texts (config.json before and after setup), with the secrets in them masked.

/** Values of these keys (any case) are secrets in config.json: never printed. */
const SECRET_VALUE = /("(?:auth|identitytoken|password|registrytoken)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** The text with every secret value of config.json replaced by "…". */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_VALUE, '$1"…"');
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
