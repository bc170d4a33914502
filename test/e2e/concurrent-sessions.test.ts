// Several `hub-tokens` processes writing the Hub session at once (two terminals logging in, a script in a loop):
// the settings file must stay valid JSON and the keychain must keep one session item, which still works.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { runHelperProcess } from "../fakes/helper-process.js";
import { keyringItems } from "../helper/processes.js";
import { tokensCommands } from "../fakes/binaries.js";

const USERS = [
  { username: "octo", password: "octo-password-1" },
  { username: "hubot", password: "hubot-password-2" },
];

describe.skipIf(!haveSecretService())("concurrent hub-tokens sessions", () => {
  let keyring: KeyringSession;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;
  let configDir: string;
  const cli = tokensCommands()[0]!;
  const run = (args: string[], input = "") => runHelperProcess(args, input, env, cli.command);

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    hub = await startEmulator({ users: USERS.map((u) => ({ ...u, tokens: [{ label: `${u.username}-ci` }] })), rateLimit: { limit: 1000, windowSeconds: 60 } });
    configDir = mkdtempSync(join(tmpdir(), "hubpat-concurrent-conf-"));
    env = { ...keyring.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: configDir };
  });
  afterAll(async () => {
    await hub?.close();
    await keyring?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("12 logins at once, two accounts: one session item per account, valid settings, and the session works", async () => {
    const logins = await Promise.all(
      Array.from({ length: 12 }, (_, i) => USERS[i % 2]!).map((u) => run(["login", "-u", u.username, "--password-stdin"], `${u.password}\n`)),
    );
    expect(logins.map((r) => [r.exitCode, r.stdout])).toEqual(logins.map(() => [0, ""]));
    for (const r of logins) expect(r.stderr).toMatch(/^✓ Logged in to \S+ as (octo|hubot)\n( {2}\S+ is now the default account; back to the other: hub-tokens switch \S+\n)?$/);

    // One store item per account for this Hub, each holding that account's session whole.
    const sessions = keyringItems(keyring.env, "hubpat-session");
    expect(sessions.map((s) => s.account).sort()).toEqual(USERS.map((u) => `${hub.url}#${u.username}`).sort());
    for (const s of sessions) expect(s.account).toBe(`${hub.url}#${(JSON.parse(s.secret) as { username: string }).username}`);
    const settingsNow = JSON.parse(readFileSync(join(configDir, "config.json"), "utf8")) as { accounts: Record<string, { default: string }> };
    const stored = { username: settingsNow.accounts[hub.url]!.default };
    expect(USERS.map((u) => u.username)).toContain(stored.username);

    // The settings file is whole JSON, remembers a username for this Hub, and holds no secret.
    const settings = readFileSync(join(configDir, "config.json"), "utf8");
    const parsed = JSON.parse(settings) as { usernames: Record<string, string> };
    expect(USERS.map((u) => u.username)).toContain(parsed.usernames[hub.url]);
    for (const u of USERS) expect(settings).not.toContain(u.password);

    // And the session that won is usable: the list is that account's.
    const list = await run(["list"]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[1])).toEqual([`${stored.username}-ci`]);
  });
});
