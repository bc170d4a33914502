// A reader that stops early (`| head`, `| grep -q`) is not an error: the built programs, on real pipes whose
// reading end is closed before they write, stop quietly with the exit code they would have had, as git and gh
// do. No stack trace, no "not an error hubpat expected". Each command is run once with both pipes open to learn
// its own exit code, then with stdout closed (stderr must stay empty), then with stderr closed too.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { helperCommands, tokensCommands } from "../fakes/binaries.js";
import { machineClock, runProcess } from "../fakes/helper-process.js";
import { MONA, TOTP_SECRET } from "../fakes/hub.js";

interface Ended {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs `command` with the reading end of stdout, stderr or both closed before it can write a byte. */
function runClosed(command: readonly string[], args: readonly string[], closed: "stdout" | "both", env: NodeJS.ProcessEnv, input = ""): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...machineClock(), ...env }, stdio: ["pipe", "pipe", "pipe"] });
    const stdout = ""; // its reading end is closed
    let stderr = "";
    child.stdout.destroy();
    if (closed === "both") child.stderr.destroy();
    else child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolve({ stdout, stderr, exitCode, signal }));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

const CASES: { name: string; args: string[] }[] = [
  { name: "list", args: ["list"] },
  { name: "list --json", args: ["list", "--json"] },
  { name: "status", args: ["status"] },
  { name: "status --json", args: ["status", "--json"] },
  { name: "inspect", args: ["inspect", "t1"] },
  { name: "inspect --json", args: ["inspect", "t1", "--json"] },
  { name: "audit", args: ["audit"] },
  { name: "audit --json", args: ["audit", "--json"] },
  { name: "completion bash", args: ["completion", "bash"] },
  { name: "completion zsh", args: ["completion", "zsh"] },
  { name: "completion fish", args: ["completion", "fish"] },
  { name: "--help", args: ["--help"] },
  { name: "list --help", args: ["list", "--help"] },
  { name: "--debug list (debug lines on stderr)", args: ["--debug", "list"] },
];

describe.skipIf(!haveSecretService()).each(tokensCommands())("hub-tokens on a closed pipe: $name", (cli) => {
  let keyring: KeyringSession;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    // Enough tokens that a list is more than a pipe holds (64 KiB), as `| head -1` meets it.
    hub = await startEmulator({ users: [{ ...MONA, totpSecret: TOTP_SECRET, tokens: Array.from({ length: 600 }, (_, i) => ({ label: `t${i}`, scopes: ["repo:read"] })) }], orgs: [{ name: "acme", owners: ["mona"] }] });
    env = { ...keyring.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-pipe-conf-")) };
    const login = await runProcess(cli.command, ["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n${hub.currentCode("mona")}\n`, env);
    expect(login.exitCode, login.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await keyring?.close();
  });

  it.each(CASES)("$name: stops quietly with its own exit code", async ({ args }) => {
    const open = await runProcess(cli.command, args, "", env);
    expect(open.signal).toBeNull();
    expect(open.stdout).not.toBe("");
    const closed = await runClosed(cli.command, args, "stdout", env);
    expect(closed).toEqual({ stdout: "", stderr: args[0] === "--debug" ? expect.stringMatching(/^(debug: .*\n)+$/) : open.stderr, exitCode: open.exitCode, signal: null });
    expect(await runClosed(cli.command, args, "both", env)).toEqual({ stdout: "", stderr: "", exitCode: open.exitCode, signal: null });
  });

  it.each([[[] as string[]], [["--json"]]])("create %j: a secret that never reached stdout is deleted again, and it says so", async (extra) => {
    const label = `lost-${extra.length}-${cli.name.replace(/\W/g, "")}`;
    const args = ["create", "--label", label, "--scope", "repo:read", "--expires", "never", ...extra];
    const closed = await runClosed(cli.command, args, "stdout", env);
    expect(closed.exitCode).toBe(1);
    expect(closed.signal).toBeNull();
    expect(closed.stderr).toMatch(new RegExp(`created .*${label}.* but its secret never reached stdout \\(the reader had closed it\\), so deleted it again`));
    expect(closed.stderr).toContain("run create again with its output going somewhere open");
    expect(hub.tokensOf("mona").filter((t) => t.token_label === label)).toEqual([]);
    // With stdout open the same command keeps its token and prints it.
    const open = await runProcess(cli.command, args, "", env);
    expect(open.exitCode).toBe(0);
    expect(open.stdout).toMatch(/dckr_pat_/);
    const kept = hub.tokensOf("mona").filter((t) => t.token_label === label);
    expect(kept).toHaveLength(1);
    // The list cases here expect the seeded tokens only.
    expect((await runProcess(cli.command, ["delete", kept[0]!.uuid, "--yes"], "", env)).exitCode).toBe(0);
  });

  it("org create: a secret that never reached stdout is deleted again", async () => {
    const label = `lost-oat-${cli.name.replace(/\W/g, "")}`;
    const closed = await runClosed(cli.command, ["create", "--org", "acme", "--label", label, "--resource", "repo:acme/app:repo-pull", "--expires", "never"], "stdout", env);
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toMatch(/in acme but its secret never reached stdout \(the reader had closed it\), so deleted it again/);
    expect(hub.orgTokensOf("acme").filter((t) => t.label === label)).toEqual([]);
  });

  it.each([[[] as string[]], [["--json"]]])("rotate %j: a new secret that never reached stdout is taken back, and the old token keeps working", async (extra) => {
    const label = `rotating-${extra.length}-${cli.name.replace(/\W/g, "")}`;
    const made = await runProcess(cli.command, ["create", "--label", label, "--scope", "repo:read", "--expires", "never", "--json"], "", env);
    expect(made.exitCode, made.stderr).toBe(0);
    const oldId = (JSON.parse(made.stdout) as { id: string }).id;
    const closed = await runClosed(cli.command, ["rotate", oldId, ...extra], "stdout", env);
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toMatch(/'s secret never reached stdout \(the reader had closed it\), so .* was deleted again/);
    // Only the old token is left, active: the rotation is as if it never ran.
    const left = hub.tokensOf("mona").filter((t) => t.token_label.startsWith(label));
    expect(left.map((t) => [t.uuid, t.is_active])).toEqual([[oldId, true]]);
    expect((await runProcess(cli.command, ["delete", oldId, "--yes"], "", env)).exitCode).toBe(0);
  });

  it("exits 0 in a shell pipeline into head -1 (bash -o pipefail)", async () => {
    const r = await runProcess(["bash", "-o", "pipefail", "-c", '"$@" list | head -1', "bash", ...cli.command], [], "", env);
    expect(r).toEqual({ stdout: expect.stringMatching(/^[0-9a-f-]{36}\tt\d+\t[^\n]*\n$/), stderr: "", exitCode: 0, signal: null });
  });
});

describe.each(helperCommands())("docker-credential-hubpat on a closed pipe: $name", (helper) => {
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "hubpat-pipe-home-")), ...extra });
  const command = () => {
    // Docker runs it by this name; the single executable picks its face from it.
    const dir = mkdtempSync(join(tmpdir(), "hubpat-pipe-bin-"));
    spawnSync("ln", ["-s", helper.target, join(dir, "docker-credential-hubpat")]);
    return [join(dir, "docker-credential-hubpat")];
  };

  it("version and list stop quietly when stdout is closed", async () => {
    const conf = mkdtempSync(join(tmpdir(), "hubpat-pipe-conf-"));
    const e = env({ HUBPAT_INSECURE_STORAGE: "1", HUBPAT_CONFIG_DIR: conf });
    for (const action of ["version", "list"]) {
      const open = await runProcess(command(), [action], "", e);
      expect(open.exitCode).toBe(0);
      const closed = await runClosed(command(), [action], "stdout", e);
      expect(closed).toEqual({ stdout: "", stderr: open.stderr, exitCode: 0, signal: null });
    }
  });

  it("a warning on a closed stderr does not stop the answer or change the exit code", async () => {
    const conf = mkdtempSync(join(tmpdir(), "hubpat-pipe-conf-"));
    const e = env({ HUBPAT_INSECURE_STORAGE: "1", HUBPAT_CONFIG_DIR: conf });
    const stored = await runClosed(command(), ["store"], "both", e, JSON.stringify({ ServerURL: "r.example", Username: "mona", Secret: "s3cret" }));
    expect(stored).toEqual({ stdout: "", stderr: "", exitCode: 0, signal: null });
    const got = await runProcess(command(), ["get"], "r.example", e);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: "r.example", Username: "mona", Secret: "s3cret" });
  });
});
