// `hub-tokens login --web` as a person meets it: in a real terminal (tmux), where Enter opens the browser and
// Ctrl-C stops cleanly, and off a terminal, where it prints, polls and never waits for a key. The browser is a
// script on $BROWSER that writes down the URL it was asked to open.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { ROOT } from "../fakes/helper-process.js";
import { MONA } from "../fakes/hub.js";
import { haveTmux, startTerminal, type Terminal } from "../fakes/tmux.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe.skipIf(!haveTmux || !haveSecretService())("login --web at a terminal and off one", () => {
  let keyring: KeyringSession;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;
  let opened: string;

  let terminal: Terminal;
  const screen = () => terminal.screen();
  const keys = (...k: string[]) => terminal.keys(...k);
  /** The match once `pattern` shows on the screen. */
  const waitFor = async (pattern: RegExp) => pattern.exec(await terminal.waitFor(pattern))!;

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    hub = await startEmulator({ users: [MONA], oauth: { interval: 0.2 } });
    const dir = mkdtempSync(join(tmpdir(), "hubpat-web-"));
    opened = join(dir, "opened.txt");
    const browser = join(dir, "browser");
    writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`);
    chmodSync(browser, 0o755);
    env = { ...keyring.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: join(dir, "conf"), BROWSER: browser };
    terminal = startTerminal("web", env, { columns: 200, rows: 40, joinWrapped: true, waitMs: 15_000 });
  });
  afterAll(async () => {
    terminal?.close();
    await hub?.close();
    await keyring?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("stops cleanly on Ctrl-C while it waits: exit 130, the prompt back, nothing stored", async () => {
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} login --web; echo "exit=$?"`, "Enter");
    await waitFor(/Waiting for you to confirm in the browser/);
    keys("C-c");
    await waitFor(/exit=130/);
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} status --offline; echo "exit=$?"`, "Enter");
    await waitFor(/exit=4/);
    expect(screen()).toContain("Account:   not logged in");
    expect(existsSync(opened)).toBe(false);
  });

  it("opens the browser on Enter, and signs in once the person confirms the code", async () => {
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} login --web`, "Enter");
    const code = (await waitFor(/one-time device confirmation code is: ([A-Z]{4}-[A-Z]{4})/))[1]!;
    await waitFor(/Press Enter to open it in your browser/);
    expect(existsSync(opened)).toBe(false); // nothing opens on its own
    keys("Enter");
    for (let i = 0; i < 100 && !existsSync(opened); i++) await sleep(50);
    expect(readFileSync(opened, "utf8")).toBe(`${hub.authUrl}/activate?user_code=${code}\n`);
    // The person confirms on the page the browser opened.
    const page = await fetch(`${hub.url}/activate`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ user_code: code, username: "mona", password: MONA.password, action: "approve" }).toString() });
    expect(await page.text()).toContain("Signed in as mona");
    await waitFor(/✓ Logged in to \S+ as mona \(web sign-in\)/);
  });

  it("off a terminal prints the code and URL, polls, and never waits for a key or opens a browser", async () => {
    const before = existsSync(opened) ? readFileSync(opened, "utf8") : "";
    const child = spawn(process.execPath, [HUB_TOKENS, "login", "--web"], { env: { ...env, HUBPAT_ACCOUNT: undefined }, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (let i = 0; i < 200 && !/code is: [A-Z]{4}-[A-Z]{4}/.test(stderr); i++) await sleep(50);
    const code = /code is: ([A-Z]{4}-[A-Z]{4})/.exec(stderr)![1]!;
    expect(hub.approveDevice(code, "mona")).toBe(true); // stdin stays open: it must not be waiting on it
    expect(await exited).toBe(0);
    expect(stderr).toContain("Open it on any device with a browser");
    expect(stderr).not.toContain("Press Enter");
    expect(stderr).toContain("✓ Logged in to");
    expect(existsSync(opened) ? readFileSync(opened, "utf8") : "").toBe(before);
    child.stdin.end();
  });
});
