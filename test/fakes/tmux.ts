// A real terminal for end-to-end tests: one tmux server of the test's own (its own socket), one window running
// bash with no rc files, driven by keystrokes and read back from the screen.
import { execFileSync, spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Whether tmux is installed here. */
export const haveTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;

export interface Terminal {
  /** What the window shows now (with `joinWrapped`, wrapped lines as one). */
  screen(): string;
  /** tmux send-keys: key names ("Enter", "C-c", "Up"), or text after "-l". */
  keys(...keys: string[]): void;
  /** Polls the screen until `pattern` shows and resolves that screen; fails with the screen if it never does. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resizes the window. */
  resize(columns: number, rows: number): void;
  /** Ends the tmux server and everything in it. */
  close(): void;
}

export interface TerminalOptions {
  columns?: number;
  rows?: number;
  /** capture-pane -J: a line the terminal wrapped reads as one (for long URLs and codes). */
  joinWrapped?: boolean;
  /** How long waitFor polls, in ms. */
  waitMs?: number;
}

/**
 * Starts a terminal `columns` × `rows` wide running bash in `env`, with this Node first on PATH, a `$ ` prompt and
 * TERM=xterm-256color; `name` keeps its socket apart from other tests'.
 */
export function startTerminal(name: string, env: NodeJS.ProcessEnv, { columns = 160, rows = 40, joinWrapped = false, waitMs = 10_000 }: TerminalOptions = {}): Terminal {
  const socket = `hubpat-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const shellEnv = { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? process.env.PATH ?? ""}`, PS1: "$ ", TERM: "xterm-256color" };
  execFileSync("tmux", ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", String(columns), "-y", String(rows), "bash --norc --noprofile"], { env: shellEnv });
  const screen = () => tmux("capture-pane", "-p", ...(joinWrapped ? ["-J"] : []), "-t", "t");
  return {
    screen,
    keys: (...keys) => void tmux("send-keys", "-t", "t", ...keys),
    async waitFor(pattern) {
      for (let waited = 0; waited < waitMs; waited += 50) {
        const s = screen();
        if (pattern.test(s)) return s;
        await sleep(50);
      }
      throw new Error(`never showed ${String(pattern)}; the screen:\n${screen()}`);
    },
    resize: (c, r) => void tmux("resize-window", "-t", "t", "-x", String(c), "-y", String(r)),
    close: () => void spawnSync("tmux", ["-L", socket, "kill-server"]),
  };
}
