// Where `hub-tokens` writes, and how. Commands never touch process.stdout: they get an IOStreams, which decides
// once whether colour is on (STYLE rule 7) and how a list looks to its reader: an aligned table with relative
// times for a person at a terminal, tab-separated rows with ISO-8601 times for a pipe, JSON on request.
import { Chalk, type ChalkInstance } from "chalk";
import stringWidth from "string-width";
import { renderTemplate, templateHeader, type OutputFormat } from "./format.js";

/** The streams and terminal facts a command needs; tests build one on buffers (test/fakes/deps.ts). */
export interface IOStreamsOptions {
  in: NodeJS.ReadableStream;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  isStdinTTY: boolean;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  env: Record<string, string | undefined>;
  /** `--no-color` given. */
  noColor?: boolean;
  /** `-q`: no success or progress lines on stderr (warnings and errors still show). */
  quiet?: boolean;
  /** `--debug`: redacted debug lines on stderr. */
  debug?: boolean;
  /** Whether a spinner may animate on stderr (off in tests, whose output must be exact). */
  spinner?: boolean;
  /** The command's `--format`; absent: a table on a terminal, TSV in a pipe. */
  format?: OutputFormat;
  /** The terminal's width in columns (stdout's), for tables that fit; absent: no limit. */
  width?: number;
}

/** A table column: its header and how a row shows in it, for a person (TTY) and for a pipe. */
export interface Column<T> {
  header: string;
  tty: (row: T) => string;
  plain: (row: T) => string;
  /** Cut with … when the table is too wide for the terminal (labels), before any column is dropped. */
  truncate?: boolean;
  /** Shown after the cell on a terminal and never cut (" [docker]" after a label). */
  suffix?: (row: T) => string;
  /** Dropped when the table is still too wide: the highest first. Columns without it are always shown. */
  drop?: number;
  /** Only in TSV (a pipe): the person sees the same fact elsewhere ([docker] after the label). */
  plainOnly?: boolean;
}

/** Columns a truncated cell keeps at least, before columns are dropped instead. */
const MIN_TRUNCATED = 12;
/** Between two columns. */
const GAP = 2;

/** Colour on only for a terminal, unless NO_COLOR, TERM=dumb or --no-color says no; FORCE_COLOR overrides. */
export function isColorEnabled(o: Pick<IOStreamsOptions, "env" | "isStdoutTTY" | "noColor">): boolean {
  if (o.noColor) return false;
  const force = o.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (o.env.NO_COLOR !== undefined && o.env.NO_COLOR !== "") return false;
  if (o.env.TERM === "dumb") return false;
  return o.isStdoutTTY;
}

// eslint-disable-next-line no-control-regex
const ANSI_SPLIT = /(\u001b\[[0-9;]*m)/;

/** Terminal columns a string takes: colour codes none, wide (CJK) characters and emoji two. */
export function visibleWidth(s: string): number {
  return stringWidth(s);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `s` cut to at most `width` columns, ending in … when cut; colour codes are kept (and reset after the cut),
 * and a wide character never straddles the edge.
 */
export function truncateWidth(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  if (width <= 0) return "";
  let out = "";
  let used = 0;
  let coloured = false;
  for (const piece of s.split(ANSI_SPLIT)) {
    if (piece.startsWith("\u001b[")) {
      out += piece;
      coloured = true;
      continue;
    }
    for (const { segment } of graphemes.segment(piece)) {
      const w = stringWidth(segment);
      if (used + w > width - 1) return `${out}…${coloured ? "\u001b[0m" : ""}`;
      out += segment;
      used += w;
    }
  }
  return out;
}

/**
 * A line with no colour codes left after a newline: chalk closes and reopens a colour around each "\n", so a
 * coloured text ending in one leaves an empty open/close pair on the next line (the terminal's next prompt).
 */
// eslint-disable-next-line no-control-regex
const tidy = (text: string) => text.replace(/(\u001b\[[0-9;]*m)(\u001b\[[0-9;]*m)/g, (pair, open: string, close: string) => (isEmptyPair(open, close) ? "" : pair));
const CLOSES: Record<string, string> = { "1": "22", "2": "22", "3": "23", "4": "24", "7": "27", "9": "29", "30": "39", "31": "39", "32": "39", "33": "39", "34": "39", "35": "39", "36": "39", "37": "39", "90": "39" };
function isEmptyPair(open: string, close: string): boolean {
  const o = /\[(\d+)m$/.exec(open)?.[1];
  const c = /\[(\d+)m$/.exec(close)?.[1];
  return o !== undefined && c !== undefined && (CLOSES[o] === c || c === "0");
}

/** Control characters (a label with a newline or an escape) shown as spaces, so a row stays one line. */
// eslint-disable-next-line no-control-regex
const oneLine = (s: string) => s.replace(/(?!\u001b\[[0-9;]*m)[\u0000-\u001f\u007f]/g, " ");

/**
 * The widths each shown column gets so the table fits `limit` columns: truncatable columns cut first (to
 * MIN_TRUNCATED), then columns dropped by their `drop` rank, then the truncatable ones cut further. Returns the
 * shown columns' indexes and widths.
 */
export function fitColumns(natural: readonly number[], headers: readonly number[], o: readonly { truncate?: boolean; drop?: number }[], limit: number): { shown: number[]; widths: number[] } {
  const total = (idx: number[], w: number[]) => idx.reduce((sum, i) => sum + w[i]!, 0) + GAP * Math.max(0, idx.length - 1);
  let shown = natural.map((_, i) => i);
  const dropOrder = shown.filter((i) => o[i]!.drop !== undefined).sort((a, b) => o[b]!.drop! - o[a]!.drop!);
  const shrink = (idx: number[], floor: (i: number) => number): number[] => {
    const w = [...natural];
    let over = total(idx, w) - limit;
    for (const i of idx.filter((j) => o[j]!.truncate)) {
      if (over <= 0) break;
      const cut = Math.min(over, Math.max(0, w[i]! - floor(i)));
      w[i] = w[i]! - cut;
      over -= cut;
    }
    return w;
  };
  for (;;) {
    const w = shrink(shown, (i) => Math.max(headers[i]!, Math.min(natural[i]!, MIN_TRUNCATED)));
    if (total(shown, w) <= limit || dropOrder.length === 0) {
      if (total(shown, w) <= limit) return { shown, widths: w };
      break;
    }
    const gone = dropOrder.shift()!;
    shown = shown.filter((i) => i !== gone);
  }
  return { shown, widths: shrink(shown, (i) => headers[i]!) };
}

/** Output for one run of `hub-tokens`. */
export class IOStreams {
  readonly in: NodeJS.ReadableStream;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly isStdinTTY: boolean;
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  readonly colorEnabled: boolean;
  readonly color: ChalkInstance;
  readonly isQuiet: boolean;
  readonly isDebug: boolean;
  /** What `--format` asked for, if anything. */
  readonly format: OutputFormat | undefined;
  /** The terminal's width, when stdout is one and it is known. */
  readonly width: number | undefined;
  private readonly canSpin: boolean;
  /** Whether a write to stdout has failed, and when the last one is done (see delivered()). */
  private outFailed = false;
  private lastOut: Promise<void> = Promise.resolve();

  constructor(o: IOStreamsOptions) {
    this.in = o.in;
    this.out = o.out;
    this.err = o.err;
    this.isStdinTTY = o.isStdinTTY;
    this.isStdoutTTY = o.isStdoutTTY;
    this.isStderrTTY = o.isStderrTTY;
    this.colorEnabled = isColorEnabled(o);
    this.color = new Chalk({ level: this.colorEnabled ? 1 : 0 });
    this.isQuiet = o.quiet === true;
    this.isDebug = o.debug === true;
    this.canSpin = o.spinner !== false && o.isStderrTTY && !this.isQuiet;
    this.format = o.format;
    this.width = o.isStdoutTTY && o.width !== undefined && o.width > 0 ? o.width : undefined;
  }

  /** Prompts need a person: stdin and stdout both terminals. */
  canPrompt(): boolean {
    return this.isStdinTTY && this.isStdoutTTY;
  }

  /** One line of data on stdout. */
  print(line: string): void {
    this.writeOut(`${tidy(line)}\n`);
  }

  private writeOut(text: string): void {
    this.lastOut = new Promise((resolve) => {
      try {
        this.out.write(text, (err?: Error | null) => {
          if (err) this.outFailed = true;
          resolve();
        });
      } catch {
        this.outFailed = true;
        resolve();
      }
    });
  }

  /**
   * Whether everything printed on stdout so far reached it: false once a write failed (a reader that went away:
   * EPIPE). For output that exists nowhere else, such as a new token's secret.
   */
  async delivered(): Promise<boolean> {
    // Each write's own callback: Bun reports a closed pipe to the write that met it, not to a later empty one.
    await this.lastOut;
    return !this.outFailed;
  }

  /** A success or progress line on stderr; silenced by -q. */
  info(line: string): void {
    if (this.isQuiet) return;
    this.clearLine();
    this.err.write(`${tidy(line)}\n`);
  }

  /** A warning on stderr; -q does not hide it. */
  warn(line: string): void {
    this.clearLine();
    this.err.write(`${this.color.yellow("!")} ${tidy(line)}\n`);
  }

  /** A debug line on stderr with --debug. Callers pass no secrets; `redact` strips any that slip in. */
  debug(line: string): void {
    if (this.isDebug) this.err.write(`${this.color.dim(`debug: ${redact(line)}`)}\n`);
  }

  /**
   * A value as indented JSON on stdout (`--json`, `--format json`); with a `--format` template, each element of
   * an array (or the one value) through the template, one a line, or as a table for `table {{…}}`.
   */
  json(value: unknown): void {
    const f = this.format;
    if (f?.kind === "tsv") {
      // A list: one line per item, its fields' values in order. One value (status, doctor): `field<TAB>value` lines.
      const cell = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v)).replace(/[\t\n\r]/g, " ");
      if (Array.isArray(value)) for (const v of value) this.print(typeof v === "object" && v !== null ? Object.values(v).map(cell).join("\t") : cell(v));
      else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) this.print(`${k}\t${cell(v)}`);
      else this.print(cell(value));
      return;
    }
    if (f?.kind !== "template") {
      this.writeOut(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const values = Array.isArray(value) ? value : [value];
    const lines = values.map((v) => renderTemplate(f.template, v));
    if (!f.template.table) {
      for (const line of lines) this.print(line);
      return;
    }
    // `table {{.ID}}\t{{.Label}}`: the tabs become aligned columns under the fields' names, as docker's do.
    const grid = [templateHeader(f.template), ...lines].map((l) => l.split("\t"));
    const count = Math.max(...grid.map((r) => r.length));
    const widths = Array.from({ length: count }, (_, i) => Math.max(...grid.map((r) => visibleWidth(r[i] ?? ""))));
    for (const row of grid) this.print(row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleWidth(cell)))).join("  ").trimEnd());
  }

  /** Whether rows go out as TSV: in a pipe, unless `--format table`; on a terminal with `--format tsv`. */
  get isTsv(): boolean {
    return this.format?.kind === "tsv" || (!this.isStdoutTTY && this.format?.kind !== "table");
  }

  /**
   * Rows as an aligned table with headers on a TTY (or with `--format table`), else as tab-separated rows with
   * no header. On a terminal the table fits its width: truncatable cells are cut with …, then the columns with
   * the highest `drop` go; a row never wraps. Returns the headers of the columns left out.
   */
  table<T>(rows: readonly T[], columns: readonly Column<T>[]): { dropped: string[] } {
    if (this.isTsv) {
      for (const row of rows) this.print(columns.map((c) => c.plain(row).replace(/[\t\n\r]/g, " ")).join("\t"));
      return { dropped: [] };
    }
    const cols = columns.filter((c) => !c.plainOnly);
    const cells = rows.map((row) => cols.map((c) => oneLine(c.tty(row))));
    const suffixes = rows.map((row) => cols.map((c) => c.suffix?.(row) ?? ""));
    const headers = cols.map((c) => visibleWidth(c.header));
    const natural = cols.map((_, i) => Math.max(headers[i]!, ...cells.map((line, r) => visibleWidth(line[i]!) + visibleWidth(suffixes[r]![i]!))));
    const { shown, widths } = this.width === undefined ? { shown: cols.map((_, i) => i), widths: natural } : fitColumns(natural, headers, cols, this.width);
    const lines = [cols.map((c) => this.color.bold(c.header)), ...cells];
    for (const [r, line] of lines.entries()) {
      const text = shown
        .map((i, k) => {
          const suffix = r === 0 ? "" : suffixes[r - 1]![i]!;
          const cell = truncateWidth(line[i]!, Math.max(1, widths[i]! - visibleWidth(suffix))) + suffix;
          return k === shown.length - 1 ? cell : cell + " ".repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
        })
        .join(" ".repeat(GAP))
        .trimEnd();
      // Never wrapped: whatever still does not fit (a terminal narrower than the ID column) is cut.
      this.print(this.width === undefined ? text : truncateWidth(text, this.width));
    }
    return { dropped: cols.filter((_, i) => !shown.includes(i)).map((c) => c.header) };
  }

  /** The spinner's label while one runs, and when it started (for the seconds shown after a while). */
  private spinning: { label: string; since: number; frame: number } | undefined;
  private spinTimer: ReturnType<typeof setInterval> | undefined;

  private drawSpinner(): void {
    const s = this.spinning;
    if (!s) return;
    const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    const secs = Math.floor((Date.now() - s.since) / 1000);
    // After a few seconds the wait is counted, so a Hub that never answers is not 30 s of the same frame.
    const line = `${this.color.cyan(frames[s.frame++ % frames.length]!)} ${s.label}${secs >= 3 ? ` (${secs} s)` : ""}`;
    this.err.write(`\r${truncateWidth(line, Math.max(10, (this.stderrWidth ?? 80) - 1))}\u001b[K`);
  }

  /** stderr's width, for a spinner or bar line that must not wrap. */
  private get stderrWidth(): number | undefined {
    const cols = (this.err as { columns?: number }).columns;
    return typeof cols === "number" && cols > 0 ? cols : this.width;
  }

  /** Clears the spinner's line before other text goes to stderr; the next frame draws it again. */
  private clearLine(): void {
    if (this.spinning || this.barShown) this.err.write("\r\u001b[K");
  }

  /** Runs `work` with a spinner on stderr (TTY only) saying what we wait for; nested, the inner label shows. */
  async progress<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.canSpin) return work();
    const outer = this.spinning;
    this.spinning = { label, since: Date.now(), frame: 0 };
    this.drawSpinner();
    this.spinTimer ??= setInterval(() => this.drawSpinner(), 80);
    try {
      return await work();
    } finally {
      this.spinning = outer;
      if (!outer) {
        clearInterval(this.spinTimer);
        this.spinTimer = undefined;
        this.err.write("\r\u001b[K");
      }
    }
  }

  /** Runs `work` (a question) with any spinner stopped and its line cleared; the spinner goes on afterwards. */
  async withoutProgress<T>(work: () => Promise<T>): Promise<T> {
    const was = this.spinning;
    if (!was) return work();
    clearInterval(this.spinTimer);
    this.spinTimer = undefined;
    this.spinning = undefined;
    this.err.write("\r\u001b[K");
    try {
      return await work();
    } finally {
      this.spinning = { ...was, since: Date.now() };
      this.drawSpinner();
      this.spinTimer = setInterval(() => this.drawSpinner(), 80);
    }
  }

  private barShown = false;

  /**
   * A progress bar on stderr for bulk work (`Deleting 40 tokens [████░░░░] 12/40`): on a terminal only, and not
   * with --quiet; in a pipe nothing at all. `update` redraws it, `end` clears it.
   */
  bar(label: string, total: number): { update: (done: number) => void; end: () => void } {
    if (!this.canSpin || total < 2) return { update: () => {}, end: () => {} };
    // A spinner running meanwhile (list's, while page 1 came) gives way to the bar, and comes back after it.
    const spinner = this.spinning;
    if (spinner) {
      clearInterval(this.spinTimer);
      this.spinTimer = undefined;
      this.spinning = undefined;
    }
    const draw = (done: number) => {
      const width = 20;
      const filled = Math.round((done / total) * width);
      const line = `${label} ${this.color.cyan("█".repeat(filled))}${this.color.dim("░".repeat(width - filled))} ${done}/${total}`;
      this.barShown = true;
      this.err.write(`\r${truncateWidth(line, Math.max(10, (this.stderrWidth ?? 80) - 1))}\u001b[K`);
    };
    draw(0);
    return {
      update: draw,
      end: () => {
        this.barShown = false;
        this.err.write("\r\u001b[K");
        if (spinner && !this.spinning) {
          this.spinning = spinner;
          this.spinTimer = setInterval(() => this.drawSpinner(), 80);
        }
      },
    };
  }
}

/** Replaces anything shaped like a secret: PATs, OATs, JWTs, bearer and basic credentials. */
export function redact(text: string): string {
  return text
    .replace(/dckr_(pat|oat)_[A-Za-z0-9_-]+/g, "dckr_$1_***")
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "<jwt>")
    .replace(/(Bearer|Basic)\s+\S+/gi, "$1 ***")
    .replace(/("?(password|secret|token|code|login_2fa_token)"?\s*[:=]\s*)"[^"]*"/gi, '$1"***"');
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 days ago", "in 30 days", "just now": how far `when` is from `now`, for a person. */
export function relativeTime(when: Date, now: Date): string {
  const diff = when.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 60_000) return "just now";
  const [unit, ms] = UNITS.find(([, size]) => abs >= size)!;
  const n = Math.round(abs / ms);
  const label = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return diff < 0 ? `${label} ago` : `in ${label}`;
}

/** ISO-8601 in UTC without milliseconds, for pipes and JSON readers alike. */
export function isoTime(when: Date): string {
  return when.toISOString().replace(/\.\d{3}Z$/, "Z");
}
