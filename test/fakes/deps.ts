// Deps for command tests: IO on buffers with TTY switches (colour off unless asked), a fixed clock, a scripted
// prompter that fails on any question it was not told to expect, memory stores, and a real HubClient pointed at
// the emulator.
import { Readable, Writable } from "node:stream";
import { memoryConfig, type Config } from "../../src/cli/config.js";
import type { Deps } from "../../src/cli/deps.js";
import type { OutputFormat } from "../../src/cli/format.js";
import { IOStreams } from "../../src/cli/io.js";
import type { Choice, Prompter } from "../../src/cli/prompter.js";
import { loggedInHub } from "../../src/cli/session.js";
import { CancelError } from "../../src/errors.js";
import type { Hub } from "../../src/hub/types.js";
import { roundTripCheck } from "../../src/store/choice.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { StoreProblem } from "../../src/store/store.js";
import type { CredentialStore } from "../../src/store/store.js";
import type { Browser } from "../../src/cli/browser.js";
import { dockerSessionIn } from "../../src/docker/web-session.js";

/** The instant every test runs at unless it says otherwise. */
export const NOW = new Date("2026-11-23T12:00:00Z");

/** One expected question and its answer; `cancel` answers as Ctrl-C does. */
export type Answer =
  | { input: string | RegExp; answer: string | "cancel" }
  | { password: string | RegExp; answer: string | "cancel" }
  | { confirm: string | RegExp; answer: boolean | "cancel" }
  | { select: string | RegExp; answer: string | "cancel" };

/** A Prompter that plays a script: an unexpected, out-of-order or unanswered question fails the test. */
export class ScriptedPrompter implements Prompter {
  /** Every question asked, in order, as "kind: message". */
  readonly asked: string[] = [];
  /** The choices each select offered, by its message, as a person reads them. */
  readonly choices = new Map<string, string[]>();
  constructor(private readonly script: Answer[]) {}

  private next(kind: "input" | "password" | "confirm" | "select", message: string): unknown {
    this.asked.push(`${kind}: ${message}`);
    const step = this.script.shift();
    if (!step) throw new Error(`unexpected ${kind} prompt "${message}": the test scripted no more questions`);
    const expected = (step as Record<string, unknown>)[kind] as string | RegExp | undefined;
    if (expected === undefined) throw new Error(`expected a ${Object.keys(step)[0]} prompt, got ${kind} "${message}"`);
    if (typeof expected === "string" ? expected !== message : !expected.test(message)) throw new Error(`expected prompt "${String(expected)}", got "${message}"`);
    if (step.answer === "cancel") throw new CancelError("cancelled");
    return step.answer;
  }

  async input(message: string, o?: { validate?: (v: string) => string | true }): Promise<string> {
    const answer = this.next("input", message) as string;
    const ok = o?.validate?.(answer) ?? true;
    if (ok !== true) throw new Error(`scripted answer "${answer}" to "${message}" fails validation: ${ok}`);
    return answer;
  }
  async password(message: string, o?: { validate?: (v: string) => string | true }): Promise<string> {
    const answer = this.next("password", message) as string;
    const ok = o?.validate?.(answer) ?? true;
    if (ok !== true) throw new Error(`scripted answer to "${message}" fails validation: ${ok}`);
    return answer;
  }
  async confirm(message: string): Promise<boolean> {
    return this.next("confirm", message) as boolean;
  }
  async select<T extends string>(message: string, choices: readonly Choice<T>[]): Promise<T> {
    this.choices.set(message, choices.map((c) => c.name));
    const answer = this.next("select", message) as T;
    if (!choices.some((c) => c.value === answer)) throw new Error(`scripted answer "${answer}" is not a choice of "${message}"`);
    return answer;
  }

  /** Questions scripted but never asked. */
  get unanswered(): Answer[] {
    return this.script;
  }
}

export interface TestDepsOptions {
  hubUrl?: string;
  /** A session JWT (from emulator.sessionFor) stored as logged in. */
  session?: { username: string; token: string };
  /** Shorthand: stdin, stdout and stderr all terminals. */
  tty?: boolean;
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  stdin?: string;
  now?: Date;
  answers?: Answer[];
  store?: MemoryStore;
  env?: Record<string, string | undefined>;
  quiet?: boolean;
  debug?: boolean;
  dockerConfigPath?: string;
  /** `--format`, as program.ts parses it. */
  format?: OutputFormat;
  /** The terminal's width (stdout a TTY). */
  width?: number;
  /** Builds the Hub client (default: the real HubClient on hubUrl). */
  connect?: (session?: string) => Promise<Hub>;
  /** What the store's check finds wrong (default: nothing, a round trip on a memory store passes). */
  storeProblem?: StoreProblem;
  /** --account. */
  account?: string;
  /** The OAuth tenant (default: hubUrl, where the emulator answers its routes too). */
  authUrl?: string;
  /** What opens the sign-in page (default: no browser here). */
  browser?: Browser | null;
  /** Where Docker keeps its web session (default: `store`, as with credsStore hubpat). */
  dockerStore?: CredentialStore;
}

export interface TestDeps {
  deps: Deps;
  stdout: () => string;
  stderr: () => string;
  prompter: ScriptedPrompter;
  store: MemoryStore;
  sessions: MemoryStore;
  config: Config;
}

/** A stream that keeps what is written, synchronously, so a test reads it the moment a command returns. */
export function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** Deps on buffers and memory stores; talks to the emulator at `hubUrl`. */
export function testDeps(o: TestDepsOptions = {}): TestDeps {
  const out = sink();
  const err = sink();
  const io = new IOStreams({
    in: Readable.from(o.stdin === undefined ? [] : [o.stdin]),
    out: out.stream,
    err: err.stream,
    isStdinTTY: o.stdinTTY ?? o.tty ?? false,
    isStdoutTTY: o.stdoutTTY ?? o.tty ?? false,
    isStderrTTY: o.stderrTTY ?? o.tty ?? false,
    env: o.env ?? {},
    noColor: o.env === undefined,
    quiet: o.quiet ?? false,
    debug: o.debug ?? false,
    spinner: false,
    ...(o.format ? { format: o.format } : {}),
    ...(o.width ? { width: o.width } : {}),
  });
  const hubUrl = o.hubUrl ?? "http://127.0.0.1:9";
  const store = o.store ?? new MemoryStore();
  const sessions = new MemoryStore();
  if (o.session) sessions.entries.set(hubUrl, { username: o.session.username, secret: o.session.token });
  const prompter = new ScriptedPrompter([...(o.answers ?? [])]);
  const config = memoryConfig();
  const now = o.now ?? NOW;
  const deps: Deps = {
    io,
    clock: () => now,
    hubUrl,
    store,
    sessions,
    storeDescription: "memory (test)",
    storeKind: "keychain",
    checkStore: async () => o.storeProblem ?? (await roundTripCheck(new MemoryStore(), "memory (test)")),
    connect:
      o.connect ??
      (async (session) => {
        const { HubClient } = await import("../../src/hub/client.js");
        return new HubClient({ baseUrl: hubUrl, ...(session ? { session } : {}), backoffMs: 1, warn: (line) => io.warn(line), now: () => deps.clock().getTime() });
      }),
    hub: (session) => loggedInHub(deps, session),
    ...(o.account !== undefined ? { account: o.account } : {}),
    oauth: async () => {
      const { OAuthClient } = await import("../../src/hub/oauth.js");
      return new OAuthClient({ authUrl: o.authUrl ?? hubUrl, now: () => deps.clock().getTime() });
    },
    browser: async () => o.browser ?? null,
    dockerSession: async () => dockerSessionIn(o.dockerStore ?? store, "hubpat's store"),
    prompter,
    config,
    dockerConfigPath: o.dockerConfigPath ?? "/nonexistent/hubpat-test/config.json",
  };
  return { deps, stdout: out.text, stderr: err.text, prompter, store, sessions, config };
}
