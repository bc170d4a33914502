// completions/ is the output of `hub-tokens completion <shell>`; this fails when a command or flag changed
// without regenerating them (npm run completions).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { COMPLETION_FILES, renderCompletion } from "../../src/cli/completion.js";
import { createProgram, SHELLS } from "../../src/cli/program.js";

const program = () =>
  createProgram({ writeOut: () => {}, writeErr: () => {}, env: {}, makeDeps: () => Promise.reject(new Error("unused")) });

describe("completions/", () => {
  it.each(SHELLS)("%s is current (else run: npm run completions)", (shell) => {
    const committed = readFileSync(new URL(`../../completions/${COMPLETION_FILES[shell]}`, import.meta.url), "utf8");
    expect(committed).toBe(renderCompletion(program(), shell));
  });
});

describe("bash completion", () => {
  const complete = (line: string): string[] => {
    const words = line.split(" ");
    const script = `${renderCompletion(program(), "bash")}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_hub_tokens; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync("bash", ["-c", script], { encoding: "utf8" }).split("\n").filter(Boolean);
  };

  it("completes commands and aliases", () => expect(complete("hub-tokens re")).toEqual(["rename", "revoke"]));
  it("completes a command's flags after a global flag with a value", () => expect(complete("hub-tokens --hub-url http://127.0.0.1:1 rm --d")).toEqual(["--dry-run", "--debug"]));
  it("completes the shells of completion", () => expect(complete("hub-tokens completion f")).toEqual(["fish"]));
  it("offers nothing for a flag's value", () => expect(complete("hub-tokens create --label ")).toEqual([]));
});

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

describe("zsh and fish completion", () => {
  it.skipIf(!has("zsh"))("zsh parses the script", () => {
    expect(spawnSync("zsh", ["-n", "completions/_hub-tokens"], { encoding: "utf8" }).stderr).toBe("");
  });

  it.skipIf(!has("zsh") || !has("tmux"))("zsh completes a command and its flags at a real prompt", async () => {
    const socket = `hubpat-zsh-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
    const home = mkdtempSync(join(tmpdir(), "hubpat-zsh-"));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100; i++) {
        const screen = tmux("capture-pane", "-p", "-t", "z");
        if (pattern.test(screen)) return screen;
        await sleep(50);
      }
      throw new Error(`never showed ${String(pattern)}:\n${tmux("capture-pane", "-p", "-t", "z")}`);
    };
    try {
      tmux("-f", "/dev/null", "new-session", "-d", "-s", "z", "-x", "120", "-y", "20", `env -i HOME=${home} TERM=xterm PATH=/usr/bin:/bin zsh -f`);
      await waitFor(/^\S*[#%$]$/m); // zsh's first prompt: keys typed earlier would be echoed twice
      // The marker appears only once the line has run: its command line shows $((1+1)), not 2.
      tmux("send-keys", "-t", "z", `autoload -U compinit; compinit -u -d ${home}/zcd; source completions/_hub-tokens; PS1='%% '; clear; echo READY-$((1+1))`, "Enter");
      await waitFor(/^READY-2$/m);
      tmux("send-keys", "-t", "z", "hub-tokens rena", "Tab");
      await waitFor(/^% hub-tokens rename$/m); // capture-pane drops trailing spaces
      tmux("send-keys", "-t", "z", "-l", "--", "--"); // the first ends tmux's options
      tmux("send-keys", "-t", "z", "Tab");
      const screen = await waitFor(/--json/);
      expect(screen).toMatch(/--json +-- print JSON/);
    } finally {
      spawnSync("tmux", ["-L", socket, "kill-server"]);
    }
  });

  it.skipIf(!has("fish"))("fish completes commands, aliases, flags and shells", () => {
    const complete = (line: string) =>
      execFileSync("fish", ["-c", `source completions/hub-tokens.fish; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0]);
    expect(complete("hub-tokens re")).toEqual(["rename", "revoke"]);
    expect(complete("hub-tokens rm --d")).toEqual(["--debug", "--dry-run"]);
    expect(complete("hub-tokens completion ")).toEqual(["bash", "fish", "zsh"]);
  });
});
