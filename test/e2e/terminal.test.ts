// hub-tokens in a real terminal (tmux): the prompts a person sees, answered with keystrokes. Proves the
// password is masked, the 2FA code is asked for, and create's choices work with the arrow keys and Enter.
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { ROOT } from "../fakes/helper-process.js";
import { MONA, TOTP_SECRET } from "../fakes/hub.js";
import { haveTmux, startTerminal, type Terminal } from "../fakes/tmux.js";
import { visibleWidth } from "../../src/cli/io.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe.skipIf(!haveTmux || !haveSecretService())("hub-tokens at a terminal", () => {
  let keyring: KeyringSession;
  let hub: Emulator;

  let terminal: Terminal;
  const screen = () => terminal.screen();
  const keys = (...k: string[]) => terminal.keys(...k);
  const waitFor = (pattern: RegExp) => terminal.waitFor(pattern);

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    hub = await startEmulator({ users: [{ ...MONA, totpSecret: TOTP_SECRET }] });
    terminal = startTerminal("test", { ...keyring.env, HUBPAT_HUB_URL: hub.url }, { columns: 160, rows: 40 });
  });
  afterAll(async () => {
    terminal?.close();
    await hub?.close();
    await keyring?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("logs in through the password and 2FA prompts, masking both, with a spinner while the Hub answers", async () => {
    hub.faults.latencyMs = 1_500; // long enough to see the spinner between the prompts
    keys(`node ${HUB_TOKENS} login -u mona`, "Enter");
    await waitFor(/Password:/);
    keys("-l", MONA.password);
    keys("Enter");
    await waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Logging in to Docker Hub/);
    await waitFor(/Two-factor authentication code:/);
    const code = hub.currentCode("mona");
    keys("-l", `${code.slice(0, 3)} ${code.slice(3)}`); // as an authenticator app shows it
    keys("Enter");
    const s = await waitFor(/✓ Logged in to .* as mona/);
    hub.faults.latencyMs = 0;
    expect(s).not.toContain(MONA.password);
    expect(s).not.toContain(code.slice(3));
    expect(s).toMatch(/Password: \*+/);
    expect(s).toMatch(/Two-factor authentication code: \*{7}/);
    expect(s).not.toMatch(/Logging in to Docker Hub/); // the spinner's line is cleared once done
  });

  it("creates a token through the prompts and shows it once", async () => {
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} create`, "Enter");
    await waitFor(/Token description:/);
    keys("-l", "from-tmux");
    keys("Enter");
    await waitFor(/Access permissions:/);
    keys("Up"); // from the default (Read-only) up to Read & Write
    keys("Enter");
    await waitFor(/Expiration date:/);
    keys("Enter"); // the default, 30 days
    const s = await waitFor(/Copy it now/);
    const made = hub.tokenByLabel("from-tmux");
    expect(made.scopes).toEqual(["repo:write"]);
    expect(s).toMatch(/^dckr_pat_[A-Za-z0-9_-]+$/m);
    expect(s).toContain(`✓ Created from-tmux (${made.uuid.slice(0, 8)}): Read & Write, expires `);
    expect(s).toContain("Use it as the password of: docker login --username mona");
  });

  it.each([60, 80, 200])("fits list to a %i-column terminal: no wrapped row, labels cut with … first", async (width) => {
    const label = "release-pipeline-for-the-backend-services-of-the-shop 🐳 本番環境";
    const { token } = hub.addToken("mona", { label });
    try {
      terminal.resize(width, 40);
      // Markers of this run only, so nothing left on the screen by an earlier one is read.
      // The terminal's own width, once the resize has reached it (under load it may lag): what list will read.
      keys(`clear; echo "ready-$(tput cols)"`, "Enter");
      for (let i = 0; i < 20 && !new RegExp(`^ready-${width}$`, "m").test(screen()); i++) {
        await sleep(200);
        if (/^ready-\d+$/m.test(screen())) keys(`clear; echo "ready-$(tput cols)"`, "Enter");
      }
      await waitFor(new RegExp(`^ready-${width}$`, "m"));
      keys(`node ${HUB_TOKENS} list; echo "end-${width}=$?"`, "Enter");
      const s = await waitFor(new RegExp(`^end-${width}=\\d+`, "m"));
      const all = s.split("\n");
      // From the table's header to the end line (the command line before it may wrap: it is the shell's).
      // (The end line is found by its exit code: the typed command may wrap so that a line starts "end-60=$?".)
      const lines = all.slice(all.findIndex((l) => l.startsWith("ID ")), all.findIndex((l) => new RegExp(`^end-${width}=\\d+$`).test(l))).filter((l) => l.trim() !== "");
      expect(lines.length, s).toBeGreaterThan(0);
      expect(s).toMatch(new RegExp(`^end-${width}=0$`, "m"));
      const header = lines[0]!;
      const rows = lines.filter((l) => /^[0-9a-f]{8} {2}/.test(l));
      expect(rows).toHaveLength(hub.tokensOf("mona").length);
      // A wrapped row would leave a line that is neither a row, the header nor the footer.
      for (const l of lines) expect(l).toMatch(/^(ID |[0-9a-f]{8} {2}|\d+ tokens?;|Hidden to fit:)/);
      for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(width);
      const wide = rows.find((l) => l.includes("release"))!;
      if (width === 200) expect(wide).toContain("🐳 本番環境");
      else expect(wide).toMatch(/ release-[\w-]*… /);
      // STATUS starts in the same screen column on every row, wide characters and emoji counted as two.
      const col = visibleWidth(header.slice(0, header.indexOf("STATUS")));
      for (const r of rows) expect(visibleWidth(r.slice(0, r.search(/active|inactive|expired/)))).toBe(col);
    } finally {
      terminal.resize(160, 40);
      hub.state.tokens.delete(token.uuid);
    }
  });

  it("prints rows with no spinner, colour or footer into a pipe, and IDs only with -q", async () => {
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} list | cat -A | head -3; node ${HUB_TOKENS} list -q | wc -l; echo "exit=$?"`, "Enter");
    const s = await waitFor(/^exit=\d+/m);
    expect(s).not.toMatch(/\^\[\[/); // no escape sequence reached the pipe
    expect(s).toMatch(/^[0-9a-f-]{36}\^Ifrom-tmux\^I.*\$$/m);
    expect(s).toMatch(new RegExp(`^\\s*${hub.tokensOf("mona").length}$`, "m"));
  });

  it("shows a progress bar with counts while deleting several tokens, and nothing of it in a pipe", async () => {
    const ids = Array.from({ length: 6 }, (_, i) => hub.addToken("mona", { label: `bulk-${i}` }).token.uuid);
    hub.faults.latencyMs = 400; // each DELETE takes a while, so the bar is seen mid-way
    try {
      keys(`clear; echo ready-bar`, "Enter");
      await waitFor(/^ready-bar$/m);
      keys(`node ${HUB_TOKENS} delete --yes ${ids.slice(0, 3).join(" ")}; echo "end-bar=$?"`, "Enter");
      const mid = await waitFor(/Deleting 3 tokens [█░]+ [0-3]\/3/);
      expect(mid).toMatch(/Deleting 3 tokens [█░]{20} [0-3]\/3/);
      const s = await waitFor(/^end-bar=\d+/m);
      expect(s).toMatch(/^end-bar=0$/m);
      expect(s).not.toMatch(/Deleting 3 tokens [█░]/); // cleared once done
      // Carriage returns and escapes made visible as @ and #.
      keys(`clear; node ${HUB_TOKENS} delete --yes ${ids.slice(3).join(" ")} 2>&1 | tr '\\r\\033' '@#'; echo "end-pipe=$?"`, "Enter");
      const piped = await waitFor(/^end-pipe=\d+/m);
      const out = piped.slice(piped.indexOf("✓"), piped.search(/^end-pipe=\d/m));
      expect(out).not.toMatch(/[@#█░]/); // no carriage return, escape or bar reached the pipe
      expect(out).toMatch(/^✓ Deleted bulk-3 \([0-9a-f]{8}\)$/m);
    } finally {
      hub.faults.latencyMs = 0;
    }
  });

  it("stops with 130 on Ctrl-C at a prompt, creating nothing", async () => {
    keys("clear", "Enter");
    keys(`node ${HUB_TOKENS} create; echo "exit=$?"`, "Enter");
    await waitFor(/Token description:/);
    keys("-l", "never-made");
    keys("C-c");
    const s = await waitFor(/exit=\d+/);
    expect(s).toMatch(/exit=130/);
    expect(s).toContain("hub-tokens: cancelled");
    expect(hub.tokensOf("mona").map((t) => t.token_label)).toEqual(["from-tmux"]);
  });
});
