// The built `hub-tokens` (bin/hub-tokens.cjs) as a person or a script runs it: a real process against the
// emulator, secrets in a private Secret Service, checked by stdout, stderr and exit code.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HELPER_BIN, runHelperProcess, type ProcessResult } from "../fakes/helper-process.js";
import { MONA, TOTP_SECRET } from "../fakes/hub.js";
import { tokensCommands } from "../fakes/binaries.js";

describe.skipIf(!haveSecretService()).each(tokensCommands())("hub-tokens, the built binary: $name", (cli) => {
  let keyring: KeyringSession;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;
  let configDir: string;

  const run = (args: string[], input = "", extra: NodeJS.ProcessEnv = {}): Promise<ProcessResult> => runHelperProcess(args, input, { ...env, ...extra }, cli.command);

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    hub = await startEmulator({ users: [{ ...MONA, totpSecret: TOTP_SECRET }] });
    configDir = mkdtempSync(join(tmpdir(), "hubpat-e2e-conf-"));
    env = { ...keyring.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: configDir };
  });
  afterAll(async () => {
    await hub?.close();
    await keyring?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("logs in with the password and the 2FA code on stdin", async () => {
    const r = await run(["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n${hub.currentCode("mona")}\n`);
    expect(r).toEqual({ stdout: "", stderr: `✓ Logged in to ${hub.url} as mona\n`, exitCode: 0, signal: null });
    // conf holds the username, never a secret.
    const conf = readdirSync(configDir).map((f) => readFileSync(join(configDir, f), "utf8")).join("\n");
    expect(conf).toContain('"mona"');
    expect(conf).not.toContain(MONA.password);
    expect(conf).not.toMatch(/eyJ/);
  });

  it("prints a new token alone on stdout when piped", async () => {
    const r = await run(["create", "--label", "ci", "--scope", "Read-only", "--expires", "30d"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^dckr_pat_[A-Za-z0-9_-]+\n$/);
    expect(r.stderr).toMatch(/^✓ Created ci \([0-9a-f]{8}\): Read-only, expires \S+\n$/);
  });

  it("stores a token for Docker that the helper then serves", async () => {
    const r = await run(["create", "--label", "laptop", "--scope", "repo:write", "--expires", "never", "--docker-login"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("");
    const got = await runHelperProcess(["get"], "https://index.docker.io/v1/", env, [process.execPath, HELPER_BIN]);
    expect(got.exitCode).toBe(0);
    const served = JSON.parse(got.stdout) as { Username: string; Secret: string };
    expect(served.Username).toBe("mona");
    expect(r.stderr).toContain(`secret …${served.Secret.slice(-4)}\n`);
  });

  it("lists tab-separated when piped, marking Docker's token", async () => {
    const r = await run(["list"]);
    expect(r.exitCode).toBe(0);
    const rows = r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t"));
    expect(rows.map((row) => [row[1], row[2], row[3], row[7]])).toEqual([
      ["laptop", "repo:write", "active", "docker"],
      ["ci", "repo:read", "active", ""],
    ]);
    expect(r.stderr).toBe("");
  });

  it("redacts --debug output", async () => {
    const r = await run(["--debug", "list", "--json"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^debug: /m);
    expect(r.stderr).not.toMatch(/eyJ|dckr_pat_[A-Za-z0-9]/);
  });

  it("needs --yes to delete when piped (exit 2, usage hint)", async () => {
    const r = await run(["delete", "ci"]);
    expect(r).toMatchObject({ exitCode: 2, stdout: "", stderr: "hub-tokens: no terminal to confirm the deletion: pass --yes (or --dry-run to see what would go) (see: hub-tokens delete --help)\n" });
  });

  it("exits 4 against a Hub it is not logged in to", async () => {
    const r = await run(["list"], "", { HUBPAT_HUB_URL: "http://127.0.0.1:9" });
    expect(r).toMatchObject({ exitCode: 4, stdout: "", stderr: "hub-tokens: not logged in to http://127.0.0.1:9 (run: hub-tokens login)\n" });
  });

  it("exits 2 on an unknown command and 0 on --help", async () => {
    expect(await run(["lsit"])).toMatchObject({ exitCode: 2, stdout: "", stderr: "error: unknown command 'lsit'\n(Did you mean list?)\n(add --help for usage)\n" });
    const help = await run(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hub-tokens \[options\] \[command\]\n/);
  });

  it("exits 130 on Ctrl-C while waiting on the Hub", async () => {
    hub.faults.latencyMs = 10_000;
    try {
      const child = spawn(cli.command[0]!, [...cli.command.slice(1), "--debug", "list"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      await new Promise<void>((resolve) =>
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
          if (stderr.includes("debug: hub ")) resolve();
        }),
      );
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(130);
    } finally {
      hub.faults.latencyMs = 0;
    }
  });

  it("tells who is logged in and where secrets are kept", async () => {
    const r = await run(["status"], "", { DOCKER_CONFIG: configDir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Hub:       ${hub.url}\nAccount:   mona \\(password \\+ 2FA\\), session valid until \\S+ \\(in 7 days\\), checked with Docker Hub\n`));
    expect(r.stdout).toContain('Secrets:   keychain store: Docker\'s credentials in Secret Service (GNOME Keyring, KWallet, KeePassXC), service "docker-credential-hubpat"; the Hub session in Secret Service (GNOME Keyring, KWallet, KeePassXC), service "hubpat-session"\n');
    expect(r.stdout).toContain(`Docker:    does not use hubpat: set "credsStore": "hubpat" in ${join(configDir, "config.json")}\n`);
    expect(r.stdout).toMatch(/Docker Hub credential: token [0-9a-f]{8} …\S{4} for mona\n$/);
  });

  it("deletes in bulk and logs out", async () => {
    expect((await run(["deactivate", "ci"])).exitCode).toBe(0);
    const del = await run(["rm", "--inactive", "--yes"]);
    expect(del.exitCode).toBe(0);
    expect(del.stderr).toMatch(/^✓ Deleted ci \([0-9a-f]{8}\)\n$/);
    expect(hub.tokensOf("mona").map((t) => t.token_label)).toEqual(["laptop"]);
    expect(await run(["logout"])).toMatchObject({ exitCode: 0, stderr: `✓ Logged out of ${hub.url} (mona)\n` });
    expect((await run(["list"])).exitCode).toBe(4);
  });
});
