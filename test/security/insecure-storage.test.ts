// `hub-tokens --insecure-storage` on a machine with no keychain at all (no D-Bus), as built processes: the
// choice is the person's, said on stderr every time, remembered so Docker's helper serves what hub-tokens stored,
// and undone with --no-insecure-storage. Without the choice, a missing keychain is an error that names it.
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";
import { MONA } from "../fakes/hub.js";
import { expectNoSecretLeak } from "../fakes/secrets.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const mode = (p: string) => statSync(p).mode & 0o777;

describe("hub-tokens with --insecure-storage, on a machine without a keychain", () => {
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;
  let conf: string;
  let file: string;
  let warning: string;
  const run = (args: string[], input = "") => runHelperProcess(args, input, env, [process.execPath, HUB_TOKENS]);
  const helper = (args: string[], input = "") => runHelperProcess(args, input, env, [process.execPath, HELPER_BIN]);

  beforeAll(async () => {
    hub = await startEmulator({ users: [MONA] });
    conf = join(mkdtempSync(join(tmpdir(), "hubpat-insecure-")), "conf");
    file = join(conf, "credentials.json");
    warning = `! secrets are kept unencrypted in ${file}, not in the OS keychain (insecure storage is on)\n`;
    env = { PATH: process.env.PATH, HOME: conf, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: conf, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus", HUBPAT_KEYCHAIN_TIMEOUT_MS: "2000" };
  });
  afterAll(async () => {
    await hub?.close();
    expect(hub.unhandled).toEqual([]);
  });

  it("is never chosen on its own: without it, login fails naming the keychain and the opt-in, and writes no file", async () => {
    const r = await run(["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n`);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      "hub-tokens: the keychain store can't keep a secret here, so nothing was asked for or changed: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead): run inside a desktop session or start one with dbus-run-session (or see the stores that work here: hub-tokens setup)\n",
    );
    expect(existsSync(file)).toBe(false);
  });

  it("logs in with the flag, says so and warns, and keeps the session in a 0600 file in a 0700 directory", async () => {
    const r = await run(["--insecure-storage", "login", "-u", "mona", "--password-stdin"], `${MONA.password}\n`);
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    expect(r.stderr).toBe(
      `From now on hubpat (hub-tokens and docker-credential-hubpat) keeps secrets in ${file}; undo with: hub-tokens --no-insecure-storage status\n${warning}✓ Logged in to ${hub.url} as mona\n`,
    );
    expect([mode(conf), mode(file), mode(join(conf, "config.json"))]).toEqual([0o700, 0o600, 0o600]);
    expect(JSON.parse(readFileSync(join(conf, "config.json"), "utf8"))).toMatchObject({ insecureStorage: true });
    expectNoSecretLeak([MONA.password], { stderr: r.stderr, dirs: [conf] });
  });

  it("remembers the choice: create --docker-login stores where the helper, with no variable set, then reads", async () => {
    const created = await run(["create", "--label", "server", "--scope", "Read-only", "--expires", "30d", "--docker-login"]);
    expect(created.exitCode).toBe(0);
    expect(created.stderr.startsWith(warning)).toBe(true);
    const got = await helper(["get"], "https://index.docker.io/v1/");
    expect(got.exitCode).toBe(0);
    expect(got.stderr).toBe(`docker-credential-hubpat: warning: ${warning.slice(2)}`);
    const served = JSON.parse(got.stdout) as { Username: string; Secret: string };
    expect(served.Username).toBe("mona");
    expect(hub.state.patBySecret("mona", served.Secret)?.token_label).toBe("server");
  });

  it("says where secrets are in status, warning there too", async () => {
    const r = await run(["status"]);
    expect(r.stderr).toBe(warning);
    expect(r.stdout).toContain(`Secrets:   file store: Docker's credentials in ${file}, unencrypted (insecure storage), section "docker-credential-hubpat"; the Hub session in ${file}, unencrypted (insecure storage), section "hubpat-session"\n`);
  });

  it("goes back to the keychain with --no-insecure-storage, for the helper too, leaving the file to the person", async () => {
    const r = await run(["--no-insecure-storage", "status"]);
    expect(r.stderr).toMatch(new RegExp(`^From now on hubpat keeps secrets in the OS keychain; ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} keeps what it held until you delete it\nhub-tokens: no D-Bus session bus `));
    expect(r.exitCode).toBe(1);
    const got = await helper(["get"], "https://index.docker.io/v1/");
    expect(got.stdout).toBe("credentials not found in native keychain\n");
    expect(got.stderr).not.toContain("insecure storage is on");
    expect(existsSync(file)).toBe(true);
  });

  it("follows HUBPAT_INSECURE_STORAGE=1 without remembering it", async () => {
    const r = await runHelperProcess(["status"], "", { ...env, HUBPAT_INSECURE_STORAGE: "1" }, [process.execPath, HUB_TOKENS]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(warning);
    expect(JSON.parse(readFileSync(join(conf, "config.json"), "utf8"))).toMatchObject({ insecureStorage: false });
  });
});
