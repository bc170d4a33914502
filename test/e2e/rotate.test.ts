// `hub-tokens rotate` as built, on a real Secret Service: after it, the helper serves Docker the new token, the
// Hub has the old one deactivated, and the registry's token service takes the new secret and refuses the old.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HubClient } from "../../src/hub/client.js";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";
import { MONA } from "../fakes/hub.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe.skipIf(!haveSecretService())("hub-tokens rotate, the built binary", () => {
  let keyring: KeyringSession;
  let hub: Emulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    keyring = await startKeyringSession("unlocked");
    hub = await startEmulator({ users: [MONA] });
    env = { ...keyring.env, HUBPAT_HUB_URL: hub.url, HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-rotate-conf-")) };
  });
  afterAll(async () => {
    await hub?.close();
    await keyring?.close();
    expect(hub.unhandled).toEqual([]);
  });

  const run = (args: string[], input = "") => runHelperProcess(args, input, env, [process.execPath, HUB_TOKENS]);
  const served = async () => JSON.parse((await runHelperProcess(["get"], "https://index.docker.io/v1/", env, [process.execPath, HELPER_BIN])).stdout) as { Username: string; Secret: string };

  it("hands Docker the new token and retires the old one", async () => {
    expect((await run(["login", "-u", "mona", "--password-stdin"], `${MONA.password}\n`)).exitCode).toBe(0);
    expect((await run(["create", "--label", "laptop", "--scope", "repo:write", "--expires", "30d", "--docker-login"])).exitCode).toBe(0);
    const before = await served();

    const r = await run(["rotate"]);
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(0);
    const after = await served();
    expect(after.Username).toBe("mona");
    expect(after.Secret).not.toBe(before.Secret);
    expect(r.stderr).toContain(`secret …${after.Secret.slice(-4)}\n`);
    expect(r.stderr).not.toContain(after.Secret);

    const fresh = hub.state.patBySecret("mona", after.Secret)!;
    expect(fresh.token_label).toMatch(/^laptop \(rotated \d{4}-\d{2}-\d{2}, from [0-9a-f]{8}\)$/);
    expect(fresh.scopes).toEqual(["repo:write"]);
    expect(hub.state.patBySecret("mona", before.Secret)?.is_active).toBe(false);
    const registry = new HubClient({ baseUrl: hub.url });
    expect(await registry.verifyRegistryLogin("mona", after.Secret)).toBe(true);
    expect(await registry.verifyRegistryLogin("mona", before.Secret)).toBe(false);
  });
});
