// Where `hub-tokens` writes, and how. Commands never touch process.stdout: they get an IOStreams, which decides
// once whether colour is on (STYLE rule 7) and how a list looks to its reader: an aligned table with relative
// times for a person at a terminal, tab-separated rows with ISO-8601 times for a pipe, JSON on request.
import { Chalk, type ChalkInstance } from "chalk";

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
}

/** A table column: its header and how a row shows in it, for a person (TTY) and for a pipe. */
export interface Column<T> {
  header: string;
  tty: (row: T) => string;
  plain: (row: T) => string;
}

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
const ANSI = /\u001b\[[0-9;]*m/g;

/** Characters a person sees: colour codes take no room in a column. */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, "")].length;
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
  private readonly canSpin: boolean;

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
  }

  /** Prompts need a person: stdin and stdout both terminals. */
  canPrompt(): boolean {
    return this.isStdinTTY && this.isStdoutTTY;
  }

  /** One line of data on stdout. */
  print(line: string): void {
    this.out.write(`${line}\n`);
  }

  /** A success or progress line on stderr; silenced by -q. */
  info(line: string): void {
    if (!this.isQuiet) this.err.write(`${line}\n`);
  }

  /** A warning on stderr; -q does not hide it. */
  warn(line: string): void {
    this.err.write(`${this.color.yellow("!")} ${line}\n`);
  }

  /** A debug line on stderr with --debug. Callers pass no secrets; `redact` strips any that slip in. */
  debug(line: string): void {
    if (this.isDebug) this.err.write(`${this.color.dim(`debug: ${redact(line)}`)}\n`);
  }

  /** A value as indented JSON on stdout. */
  json(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Rows as an aligned table with headers on a TTY, else as tab-separated rows with no header. */
  table<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
    if (!this.isStdoutTTY) {
      for (const row of rows) this.print(columns.map((c) => c.plain(row).replace(/[\t\n]/g, " ")).join("\t"));
      return;
    }
    const cells = [columns.map((c) => this.color.bold(c.header)), ...rows.map((row) => columns.map((c) => c.tty(row)))];
    const widths = columns.map((_, i) => Math.max(...cells.map((line) => visibleWidth(line[i]!))));
    for (const line of cells) {
      const padded = line.map((cell, i) => (i === line.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleWidth(cell))));
      this.print(padded.join("  ").trimEnd());
    }
  }

  /** Runs `work` with a spinner on stderr (TTY only) saying what we wait for. */
  async progress<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.canSpin) return work();
    const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let i = 0;
    const draw = () => this.err.write(`\r${this.color.cyan(frames[i++ % frames.length]!)} ${label}`);
    draw();
    const timer = setInterval(draw, 80);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      this.err.write("\r\u001b[K");
    }
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
