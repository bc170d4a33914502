// `npm run demo` is the README's first command: it must finish every step it shows.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { haveSecretService } from "../../scripts/keyring-session.mjs";
import { ROOT } from "../fakes/helper-process.js";

describe.skipIf(!haveSecretService())("npm run demo", () => {
  it("runs every step and exits 0", () => {
    // No DBUS_SESSION_BUS_ADDRESS: the demo must start its own private keychain and never touch the caller's.
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: "", NO_COLOR: "1" };
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "demo.mjs")], { env, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Secrets go to a private Secret Service");
    expect(r.stdout).toMatch(/^\$ hub-tokens create --label workstation --scope 'Read & Write' --expires 90d --docker-login$/m);
    expect(r.stdout).not.toMatch(/dckr_pat_[A-Za-z0-9_-]{12,}/); // every secret shown is masked
    expect(r.stdout).toMatch(/✓ All \d+ steps did what they showed\.\n$/);
    expect(r.status).toBe(0);
  });
});
