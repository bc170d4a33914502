// completions/ is the output of `hub-tokens completion <shell>`; this fails when a command or flag changed
// without regenerating them (npm run completions).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

/** A cache as `hub-tokens list` leaves it, in a directory of its own: HUBPAT_CACHE_DIR for the shells. */
function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-cache-"));
  mkdirSync(join(dir, "hubpat"));
  writeFileSync(join(dir, "hubpat", "tokens.tsv"), "0d8f2a1c-1111-4000-8000-000000000001\tci runner\n7b3e9f00-3333-4000-8000-000000000003\tlaptop\n");
  return dir;
}

describe("bash completion", () => {
  const complete = (line: string, env: Record<string, string> = {}): string[] => {
    const words = line.split(" ");
    const script = `${renderCompletion(program(), "bash")}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_hub_tokens; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync("bash", ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: tmpdir(), ...env } }).split("\n").filter(Boolean);
  };

  it("completes flag values: scopes, expiry presets, formats, findings", () => {
    expect(complete("hub-tokens create --scope ")).toEqual(["admin", "write", "read", "public_read"]);
    expect(complete("hub-tokens create --expires 9")).toEqual(["90d"]);
    expect(complete("hub-tokens list --format t")).toEqual(["table", "tsv"]);
    expect(complete("hub-tokens prune --select ex")).toEqual(["expiring", "expired"]);
  });

  it("completes token IDs and labels from the last list, a label with a space quoted", () => {
    const env = { HUBPAT_CACHE_DIR: cacheDir() };
    expect(complete("hub-tokens inspect ", env)).toEqual(["0d8f2a1c-1111-4000-8000-000000000001", "ci\\ runner", "7b3e9f00-3333-4000-8000-000000000003", "laptop"]);
    expect(complete("hub-tokens rm 7b", env)).toEqual(["7b3e9f00-3333-4000-8000-000000000003"]);
    expect(complete("hub-tokens deactivate l", env)).toEqual(["laptop"]);
    expect(complete("hub-tokens inspect ", { HUBPAT_CACHE_DIR: "/nonexistent" })).toEqual([]);
  });

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
      // A token argument: IDs described by their labels, from the cache of the last list.
      tmux("send-keys", "-t", "z", "C-u");
      tmux("send-keys", "-t", "z", "clear", "Enter");
      tmux("send-keys", "-t", "z", `export HUBPAT_CACHE_DIR=${cacheDir()}; clear`, "Enter");
      tmux("send-keys", "-t", "z", "hub-tokens inspect 7b", "Tab");
      await waitFor(/^% hub-tokens inspect 7b3e9f00-3333-4000-8000-000000000003$/m);
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
    expect(complete("hub-tokens completion ")).toEqual(["bash", "fish", "install", "zsh"]);
  });

  it.skipIf(!has("fish"))("fish completes flag values and token IDs and labels from the last list", () => {
    const complete = (line: string) =>
      execFileSync("fish", ["-c", `source completions/hub-tokens.fish; complete -C ${JSON.stringify(line)}`], { encoding: "utf8", env: { ...process.env, HUBPAT_CACHE_DIR: cacheDir() } })
        .split("\n")
        .filter(Boolean);
    expect(complete("hub-tokens create --expires ").map((l) => l.split("\t")[0])).toEqual(["1y", "30d", "60d", "90d", "never"]);
    expect(complete("hub-tokens inspect ")).toEqual([
      "0d8f2a1c-1111-4000-8000-000000000001\tci runner",
      "7b3e9f00-3333-4000-8000-000000000003\tlaptop",
      "ci runner\t0d8f2a1c-1111-4000-8000-000000000001",
      "laptop\t7b3e9f00-3333-4000-8000-000000000003",
    ]);
  });
});

describe("completion --install, then a real shell finds it", () => {
  const install = (shell: string, env: Record<string, string>) => {
    const out: string[] = [];
    const p = createProgram({ writeOut: (t) => void out.push(t), writeErr: (t) => void out.push(t), env, makeDeps: () => Promise.reject(new Error("unused")) });
    return p.parseAsync(["completion", "--install", shell], { from: "user" }).then(() => out.join(""));
  };

  it.skipIf(!has("fish"))("fish: into ~/.config/fish/completions, loaded by a new fish", async () => {
    const home = mkdtempSync(join(tmpdir(), "hubpat-home-"));
    expect(await install("fish", { HOME: home })).toBe(`✓ Installed fish completion in ${home}/.config/fish/completions/hub-tokens.fish: fish loads it in new shells\n`);
    // fish loads a command's completions once the command is on PATH.
    mkdirSync(join(home, "bin"));
    writeFileSync(join(home, "bin", "hub-tokens"), "#!/bin/sh\n", { mode: 0o755 });
    const r = execFileSync("fish", ["-c", 'complete -C "hub-tokens rena"'], { encoding: "utf8", env: { PATH: `${home}/bin:${process.env.PATH}`, HOME: home } });
    expect(r.split("\t")[0]).toBe("rename");
  });

  it("bash: into bash-completion's user directory, loaded on demand by bash-completion", async () => {
    const home = mkdtempSync(join(tmpdir(), "hubpat-home-"));
    expect(await install("bash", { HOME: home })).toContain(`✓ Installed bash completion in ${home}/.local/share/bash-completion/completions/hub-tokens`);
    const loader = "/usr/share/bash-completion/bash_completion";
    if (!existsSync(loader)) return; // bash-completion absent: the message says to source the file instead
    const r = spawnSync("bash", ["--norc", "-c", `source ${loader}; __load_completion hub-tokens || _completion_loader hub-tokens; complete -p hub-tokens`], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home } });
    expect(r.stdout).toBe("complete -F _hub_tokens hub-tokens\n");
  });

  it.skipIf(!has("zsh"))("zsh: into a site-functions directory, with the one line to add", async () => {
    const home = mkdtempSync(join(tmpdir(), "hubpat-home-"));
    const dir = `${home}/.local/share/zsh/site-functions`;
    expect(await install("zsh", { HOME: home })).toBe(`✓ Installed zsh completion in ${dir}/_hub-tokens: add this line to ~/.zshrc, before compinit: fpath=(${dir} $fpath)\n`);
    const r = spawnSync("zsh", ["-f", "-c", `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -d ${home}/zcd; print -r -- $_comps[hub-tokens]`], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home } });
    expect(r.stdout).toBe("_hub-tokens\n");
  });

  it("takes the shell from $SHELL, and says so when it can't", async () => {
    const home = mkdtempSync(join(tmpdir(), "hubpat-home-"));
    expect(await install("", { HOME: home, SHELL: "/usr/bin/fish" }).catch((e: Error) => e.message)).toMatch(/fish/);
  });
});
