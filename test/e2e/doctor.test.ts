// `hub-tokens doctor` as built, in the keychain states users hit: a private Secret Service unlocked, locked with
// the unlock refused, absent from the bus, and no bus at all. The binding reads the bus from the process
// environment, so each case is a real process.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringMode } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HELPER_BIN, ROOT, runHelperProcess, type ProcessResult } from "../fakes/helper-process.js";
import { MONA } from "../fakes/hub.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe.skipIf(!haveSecretService())("hub-tokens doctor, the built binary", () => {
  let hub: Emulator;
  let base: NodeJS.ProcessEnv;

  beforeAll(async () => {
    hub = await startEmulator({ users: [MONA] });
    // Docker finds the helper on PATH: a wrapper running the built one on this Node.
    const bin = mkdtempSync(join(tmpdir(), "hubpat-doctor-bin-"));
    writeFileSync(join(bin, "docker-credential-hubpat"), `#!/bin/sh\nexec '${process.execPath}' '${HELPER_BIN}' "$@"\n`);
    chmodSync(join(bin, "docker-credential-hubpat"), 0o755);
    const docker = mkdtempSync(join(tmpdir(), "hubpat-doctor-docker-"));
    writeFileSync(join(docker, "config.json"), JSON.stringify({ auths: {}, credsStore: "hubpat" }));
    base = { PATH: `${bin}:/usr/bin:/bin`, HUBPAT_HUB_URL: hub.url, DOCKER_CONFIG: docker, HUBPAT_KEYCHAIN_TIMEOUT_MS: "5000" };
  });
  afterAll(async () => {
    await hub?.close();
    expect(hub.unhandled).toEqual([]);
  });

  /** Runs hub-tokens in a fresh private keyring session (or none), with its own config dir. */
  async function inSession<T>(mode: KeyringMode | "no-bus", work: (run: (args: string[], input?: string) => Promise<ProcessResult>, env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
    const session = mode === "no-bus" ? undefined : await startKeyringSession(mode);
    const env: NodeJS.ProcessEnv = { ...(session?.env ?? process.env), ...base, HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-doctor-conf-")) };
    if (!session) delete env.DBUS_SESSION_BUS_ADDRESS;
    try {
      return await work((args, input = "") => runHelperProcess(args, input, env, [process.execPath, HUB_TOKENS]), env);
    } finally {
      await session?.close();
    }
  }
  const lines = (r: ProcessResult) => r.stdout.split("\n").filter(Boolean);

  it("unlocked, logged in, Docker's token stored: every check passes, exit 0", async () => {
    await inSession("unlocked", async (run, env) => {
      expect((await run(["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n`)).exitCode).toBe(0);
      expect((await run(["create", "--label", "laptop", "--scope", "repo:write", "--expires", "never", "--docker-login"])).exitCode).toBe(0);
      const r = await run(["doctor"]);
      expect(r.stderr).toBe("✓ Nothing blocking found\n");
      expect(r.exitCode).toBe(0);
      expect(lines(r).map((l) => l.split(":")[0])).toEqual([
        "✓ Helper", "✓ Docker config", "✓ Store", "✓ Session bus", "✓ Secret Service", "✓ Keychain round trip", "✓ Hub session", "✓ Hub reachable", "✓ Docker Hub credential", "✓ Expiring tokens",
      ]);
      expect(r.stdout).toContain("✓ Secret Service: answers and is unlocked\n");
      expect(r.stdout).toMatch(/✓ Docker Hub credential: laptop \([0-9a-f]{8}\) …\S{4} for mona, accepted by the registry's token service\n/);
      // The round trip left nothing behind, and Docker's item is untouched.
      const listed = await runHelperProcess(["list"], "", env);
      expect(JSON.parse(listed.stdout)).toEqual({ "https://index.docker.io/v1/": "mona" });
      expect(hub.tokenByLabel("laptop").is_active).toBe(true);
    });
  });

  it("locked with the unlock refused: the Secret Service line says so and names the fix", async () => {
    await inSession("locked", async (run) => {
      const r = await run(["doctor", "--json"]);
      expect(r.exitCode).toBe(1);
      const report = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; status: string; detail: string; fix: string | null }[] };
      expect(report.ok).toBe(false);
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId.sessionBus?.status).toBe("ok");
      expect(byId.secretService).toEqual({
        id: "secretService", name: "Secret Service", status: "fail", detail: "the keychain is locked and the unlock was refused",
        fix: "unlock your login keyring (for example in Seahorse) and try again",
      });
      expect(byId.keychainRoundTrip).toMatchObject({ status: "skip", detail: "needs a working Secret Service" });
      expect(r.stderr).toMatch(/^hub-tokens: \d checks failed: Secret Service, /);
    });
  });

  it("no Secret Service on the bus", async () => {
    await inSession("no-service", async (run) => {
      const r = await run(["doctor"]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(
        "✗ Secret Service: no Secret Service on the session bus (fix: install and start gnome-keyring (or KeePassXC with Secret Service enabled))\n" +
          "- Keychain round trip: needs a working Secret Service\n" +
          "- Hub session: needs a working keychain\n" +
          `✓ Hub reachable: ${hub.url} answered\n` +
          "- Docker Hub credential: needs a working keychain\n",
      );
      expect(r.stderr).toBe("hub-tokens: 1 check failed: Secret Service\n");
      expect(r.stdout).toMatch(/^✓ Session bus: unix:path=/m);
    });
  });

  it("no session bus at all", async () => {
    await inSession("no-bus", async (run) => {
      const r = await run(["doctor"]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(
        "✗ Session bus: DBUS_SESSION_BUS_ADDRESS is not set (fix: run inside a desktop session or start one with dbus-run-session)\n" +
          "- Secret Service: needs the session bus\n" +
          "- Keychain round trip: needs the session bus\n",
      );
      expect(lines(r)[0]).toMatch(/^✓ Helper: .*docker-credential-hubpat \(hubpat \d+\.\d+\.\d+\)$/);
    });
  });
});
