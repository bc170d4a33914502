// `hub-tokens setup` on a machine whose keychain can't be used (no session bus), as built processes: it names the
// stores that work here with the command for each and changes nothing; `setup --store KIND` records the choice,
// which the helper then follows.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";
import { haveKeyctl, testKeyring, type TestKeyring } from "../fakes/kernel-keyring.js";
import { havePass, passWorld, type PassWorld } from "../fakes/pass-store.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const canRun = havePass() && haveKeyctl();

describe.skipIf(!canRun)("hub-tokens setup with no keychain", () => {
  let dir: string;
  let pass: PassWorld;
  let ring: TestKeyring;
  let env: NodeJS.ProcessEnv;
  let conf: string;
  let dockerConfig: string;
  const run = (args: string[], input = "", extra: NodeJS.ProcessEnv = {}) => runHelperProcess(args, input, { ...env, ...extra }, [process.execPath, HUB_TOKENS]);
  const helper = (args: string[], input = "") => runHelperProcess(args, input, env, [process.execPath, HELPER_BIN]);

  beforeAll(() => {
    pass = passWorld();
    ring = testKeyring();
    dir = mkdtempSync(join(tmpdir(), "hubpat-setup-stores-"));
    conf = join(dir, "conf");
    dockerConfig = join(dir, "docker");
    mkdirSync(dockerConfig);
    // Docker's helper, hubpat, on PATH as setup wants it (the bin script runs on the pinned Node).
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "docker-credential-hubpat"), `#!/bin/sh\nexec '${process.execPath}' '${HELPER_BIN}' "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { "ghcr.io": { auth: Buffer.from("octo:ghp_plaintext").toString("base64") } } }));
    env = {
      ...pass.env,
      ...ring.env,
      PATH: `${bin}:${process.env.PATH}`,
      HUBPAT_CONFIG_DIR: conf,
      DOCKER_CONFIG: dockerConfig,
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/hubpat-no-bus",
      HUBPAT_KEYCHAIN_TIMEOUT_MS: "2000",
    };
  });
  afterAll(() => {
    pass?.close();
    ring?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the stores that work here, each with its command, and changes nothing", async () => {
    const before = readFileSync(join(dockerConfig, "config.json"), "utf8");
    const r = await run(["setup"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "! the keychain store can't keep a secret here: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead)",
        "  Stores that work here (the command records the choice):",
        `    hub-tokens setup --store pass     the password store ${pass.storeDir}, docker-credential-helpers/<base64url of the server URL>/<username>.gpg`,
        `    hub-tokens setup --store kernel   the kernel keyring ${ring.id} (memory only, gone at reboot), keys "hubpat:docker-credential-hubpat:<server URL>"`,
        `    hub-tokens setup --store file     ${join(conf, "credentials.json")}, unencrypted (insecure storage), section "docker-credential-hubpat": anyone who can read your files can read the secrets`,
        "hub-tokens: the keychain store can't keep a secret here, so setup changed nothing: run inside a desktop session or start one with dbus-run-session",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dockerConfig, "config.json"), "utf8")).toBe(before);
    expect(existsSync(join(conf, "credentials.json"))).toBe(false);
    expect(existsSync(join(conf, "config.json")) ? JSON.parse(readFileSync(join(conf, "config.json"), "utf8")).store : undefined).toBeUndefined();
  });

  it("login checks the store before it asks for anything", async () => {
    const r = await run(["login", "-u", "mona", "--password-stdin"], "never-read\n", { HUBPAT_HUB_URL: "http://127.0.0.1:9" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      "hub-tokens: the keychain store can't keep a secret here, so nothing was asked for or changed: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead): run inside a desktop session or start one with dbus-run-session (or see the stores that work here: hub-tokens setup)\n",
    );
  });

  it("doctor checks the pass store's own needs, one line with the fix", async () => {
    const empty = join(dir, "no-store");
    const r = await run(["doctor"], "", { HUBPAT_STORE: "pass", PASSWORD_STORE_DIR: empty, HUBPAT_HUB_URL: "http://127.0.0.1:9" });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`✓ Store: pass store: Docker's credentials in the password store ${empty}, docker-credential-helpers/<base64url of the server URL>/<username>.gpg; the Hub session in the password store ${empty}, hubpat/hubpat-session/<base64url of the server URL>/<username>.gpg (chosen with HUBPAT_STORE)\n`);
    expect(r.stdout).toContain(`✗ pass store: the password store ${empty} is not initialised (it has no .gpg-id) (fix: run: pass init YOUR-GPG-KEY-ID (gpg --list-secret-keys --keyid-format long shows yours; gpg --quick-gen-key makes one))\n`);
    expect(r.stdout).not.toContain("Secret Service");
  });

  it("setup --store kernel records the choice, moves the plain-text credential there, and the helper serves it", async () => {
    const r = await run(["setup", "--store", "kernel"]);
    expect(r.stderr.split("\n")[0]).toBe(`✓ hubpat keeps secrets in the kernel store from now on: the kernel keyring ${ring.id} (memory only, gone at reboot), keys "hubpat:docker-credential-hubpat:<server URL>"`);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(conf, "config.json"), "utf8"))).toMatchObject({ store: "kernel" });
    expect(ring.descriptions()).toEqual(["hubpat:docker-credential-hubpat:ghcr.io"]);
    expect(await helper(["get"], "ghcr.io")).toMatchObject({ exitCode: 0, stdout: '{"ServerURL":"ghcr.io","Username":"octo","Secret":"ghp_plaintext"}\n' });
    const status = await run(["status"], "", { HUBPAT_HUB_URL: "http://127.0.0.1:9" });
    expect(status.stdout).toContain(`Secrets:   kernel store: Docker's credentials in the kernel keyring ${ring.id} (memory only, gone at reboot), keys "hubpat:docker-credential-hubpat:<server URL>"; the Hub session in the kernel keyring ${ring.id} (memory only, gone at reboot), keys "hubpat:hubpat-session:<server URL>"\n`);
  });
});
