import { describe, expect, it } from "vitest";
import { IOStreams, isColorEnabled, redact, relativeTime, truncateWidth, visibleWidth, type Column } from "../../src/cli/io.js";
import { sink } from "../fakes/deps.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function io(o: { tty: boolean; env?: Record<string, string>; noColor?: boolean }) {
  const out = sink();
  const streams = new IOStreams({ in: process.stdin, out: out.stream, err: out.stream, isStdinTTY: o.tty, isStdoutTTY: o.tty, isStderrTTY: o.tty, env: o.env ?? {}, noColor: o.noColor ?? false, spinner: false });
  return { streams, out: out.text };
}

describe("colour", () => {
  it.each<[string, { tty: boolean; env?: Record<string, string>; noColor?: boolean }, boolean]>([
    ["on for a terminal", { tty: true }, true],
    ["off for a pipe", { tty: false }, false],
    ["off with NO_COLOR", { tty: true, env: { NO_COLOR: "1" } }, false],
    ["on with an empty NO_COLOR", { tty: true, env: { NO_COLOR: "" } }, true],
    ["off with TERM=dumb", { tty: true, env: { TERM: "dumb" } }, false],
    ["off with --no-color", { tty: true, noColor: true }, false],
    ["off with --no-color even with FORCE_COLOR", { tty: true, noColor: true, env: { FORCE_COLOR: "1" } }, false],
    ["on for a pipe with FORCE_COLOR", { tty: false, env: { FORCE_COLOR: "1" } }, true],
    ["FORCE_COLOR over NO_COLOR", { tty: true, env: { FORCE_COLOR: "1", NO_COLOR: "1" } }, true],
    ["off with FORCE_COLOR=0", { tty: true, env: { FORCE_COLOR: "0" } }, false],
  ])("%s", (_name, o, expected) => {
    expect(isColorEnabled({ env: o.env ?? {}, isStdoutTTY: o.tty, noColor: o.noColor ?? false })).toBe(expected);
    expect(io(o).streams.color.green("x")).toBe(expected ? "\u001b[32mx\u001b[39m" : "x");
  });
});

describe("table", () => {
  const columns: Column<{ a: string; b: string }>[] = [
    { header: "NAME", tty: (r) => r.a, plain: (r) => r.a },
    { header: "WHEN", tty: (r) => r.b, plain: (r) => `iso:${r.b}` },
  ];
  const rows = [
    { a: "ci", b: "3 days ago" },
    { a: "laptop-long", b: "never" },
  ];

  it("aligns columns under headers on a terminal", () => {
    const { streams, out } = io({ tty: true, noColor: true });
    streams.table(rows, columns);
    expect(out()).toBe("NAME         WHEN\nci           3 days ago\nlaptop-long  never\n");
  });

  it("pads by visible width when cells are coloured", () => {
    const { streams, out } = io({ tty: true });
    streams.table([{ a: streams.color.green("ci"), b: "x" }, { a: "abcd", b: "y" }], columns);
    expect(out().replace(ANSI, "")).toBe("NAME  WHEN\nci    x\nabcd  y\n");
  });

  it("writes tab-separated rows with no header to a pipe", () => {
    const { streams, out } = io({ tty: false });
    streams.table(rows, columns);
    expect(out()).toBe("ci\tiso:3 days ago\nlaptop-long\tiso:never\n");
  });
});

describe("JSON as TSV (--format tsv where a command has no table)", () => {
  it("prints a list as one line per item and one value as field<TAB>value lines", () => {
    const out = sink();
    const streams = new IOStreams({ in: process.stdin, out: out.stream, err: out.stream, isStdinTTY: false, isStdoutTTY: false, isStderrTTY: false, env: {}, format: { kind: "tsv" } });
    streams.json([{ id: "a", label: "ci\trunner", lastUsedAt: null }, { id: "b", label: "x", lastUsedAt: "2026-11-23T12:00:00Z" }]);
    streams.json({ hubUrl: "https://hub.docker.com", loggedIn: true, docker: { usesHubpat: false } });
    expect(out.text()).toBe('a\tci runner\t\nb\tx\t2026-11-23T12:00:00Z\nhubUrl\thttps://hub.docker.com\nloggedIn\ttrue\ndocker\t{"usesHubpat":false}\n');
  });
});

describe("progress bars", () => {
  const at = (tty: boolean, quiet = false) => {
    const err = sink();
    const streams = new IOStreams({ in: process.stdin, out: sink().stream, err: err.stream, isStdinTTY: tty, isStdoutTTY: tty, isStderrTTY: tty, env: {}, noColor: true, quiet });
    return { streams, err: err.text };
  };

  it("counts bulk work on a terminal, on one line it clears at the end", () => {
    const { streams, err } = at(true);
    const bar = streams.bar("Deleting 4 tokens", 4);
    bar.update(1);
    bar.update(4);
    bar.end();
    expect(err()).toBe(
      "\rDeleting 4 tokens ░░░░░░░░░░░░░░░░░░░░ 0/4\u001b[K\rDeleting 4 tokens █████░░░░░░░░░░░░░░░ 1/4\u001b[K\rDeleting 4 tokens ████████████████████ 4/4\u001b[K\r\u001b[K",
    );
  });

  it("prints nothing at all into a pipe or with --quiet", () => {
    for (const { streams, err } of [at(false), at(true, true)]) {
      const bar = streams.bar("Deleting 4 tokens", 4);
      bar.update(2);
      bar.end();
      expect(err()).toBe("");
    }
  });
});

describe("colour codes and newlines", () => {
  it("leaves no colour code after a newline, where a coloured text ended with one", () => {
    const { streams, out } = io({ tty: true });
    streams.info(streams.color.red("failed\n"));
    streams.print(`${streams.color.dim("two\nlines")}`);
    expect(out()).toBe("\u001b[31mfailed\u001b[39m\n\n\u001b[2mtwo\u001b[22m\n\u001b[2mlines\u001b[22m\n");
  });
});

describe("relativeTime", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  it.each([
    ["2026-11-23T11:59:30Z", "just now"],
    ["2026-11-23T11:58:00Z", "2 minutes ago"],
    ["2026-11-23T11:00:00Z", "1 hour ago"],
    ["2026-11-20T12:00:00Z", "3 days ago"],
    ["2026-12-23T12:00:00Z", "in 1 month"],
    ["2026-12-22T12:00:00Z", "in 29 days"],
    ["2027-11-23T12:00:00Z", "in 1 year"],
  ])("%s is %s", (when, text) => expect(relativeTime(new Date(when), now)).toBe(text));
});

describe("redact", () => {
  it("hides PATs, JWTs and credentials in debug text", () => {
    const line = 'POST /v2/users/login {"username":"mona","password":"hunter2"} Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln token dckr_pat_abcDEF123_-x';
    expect(redact(line)).toBe('POST /v2/users/login {"username":"mona","password":"***"} Authorization: Bearer *** token dckr_pat_***');
  });
});

describe("tables that fit the terminal", () => {
  const long = "a-very-long-label-for-the-release-pipeline-of-the-backend";
  type Row = { id: string; label: string; scope: string; created: string; used: string };
  const cols: Column<Row>[] = [
    { header: "ID", tty: (r) => r.id, plain: (r) => r.id },
    { header: "LABEL", tty: (r) => r.label, plain: (r) => r.label, truncate: true },
    { header: "SCOPE", tty: (r) => r.scope, plain: (r) => r.scope, drop: 1 },
    { header: "CREATED", tty: (r) => r.created, plain: (r) => r.created, drop: 3 },
    { header: "LAST USED", tty: (r) => r.used, plain: (r) => r.used, drop: 2 },
  ];
  const rows: Row[] = [
    { id: "0d8f2a1c", label: long, scope: "Read, Write, Delete", created: "3 days ago", used: "never" },
    { id: "73f00a11", label: "日本語のラベル🐳", scope: "Read-only", created: "1 year ago", used: "2 hours ago" },
  ];
  const at = (width: number) => {
    const out = sink();
    const streams = new IOStreams({ in: process.stdin, out: out.stream, err: out.stream, isStdinTTY: true, isStdoutTTY: true, isStderrTTY: true, env: {}, noColor: true, spinner: false, width });
    const { dropped } = streams.table(rows, cols);
    return { lines: out.text().split("\n").slice(0, -1), dropped };
  };

  it.each([60, 80, 200])("no line is wider than %i columns, and columns line up by display width", (width) => {
    const { lines } = at(width);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(width);
    // Every row's second column starts where LABEL does, wide characters and emoji counted as two.
    const labelAt = lines[0]!.indexOf("LABEL");
    for (const line of lines.slice(1)) expect(visibleWidth(line.slice(0, labelAt))).toBe(labelAt);
    const starts = (line: string, cell: string) => visibleWidth(line.slice(0, line.indexOf(cell)));
    const last = lines[0]!.trimEnd().split(/\s{2,}/).at(-1)!;
    expect(starts(lines[2]!, lines[2]!.trimEnd().split(/\s{2,}/).at(-1)!)).toBe(starts(lines[0]!, last));
  });

  it("shows everything when there is room", () => {
    const { lines, dropped } = at(200);
    expect(lines[1]).toContain(long);
    expect(dropped).toEqual([]);
  });

  it("cuts the label with … first", () => {
    const { lines, dropped } = at(100);
    expect(dropped).toEqual([]);
    expect(lines[1]).toMatch(/^0d8f2a1c {2}a-very-long-label[\w-]*… {2}Read, Write, Delete/);
  });

  it("then drops the least useful columns", () => {
    expect(at(80).dropped).toEqual([]);
    expect(at(60).dropped).toEqual(["CREATED"]);
    expect(at(45).dropped).toEqual(["CREATED", "LAST USED"]);
    expect(at(45).lines[0]).toBe("ID        LABEL           SCOPE");
    expect(at(45).lines[1]).toBe("0d8f2a1c  a-very-long-l…  Read, Write, Delete");
  });

  it("cuts a wide character whole, never half of it", () => {
    expect(truncateWidth("日本語のラベル", 6)).toBe("日本…");
    expect(visibleWidth(truncateWidth("🐳🐳🐳🐳", 6))).toBeLessThanOrEqual(6);
    expect(truncateWidth("\u001b[1mbold label\u001b[22m", 6)).toBe("\u001b[1mbold …\u001b[0m");
  });
});
