// `npm run demo` is the README's first command: it must finish every step it shows.
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
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

describe("npm run demo on a machine with no keychain", () => {
  it("chooses a store that works here, says which, and runs every step", () => {
    // A PATH with none of dbus-daemon, gnome-keyring-daemon or dbus-send: only what the demo and hubpat need.
    const bin = mkdtempSync(join(tmpdir(), "hubpat-demo-bin-"));
    for (const tool of ["sh", "keyctl", "script", "env", "cat"]) {
      const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const env = { HOME: process.env.HOME, PATH: bin, DBUS_SESSION_BUS_ADDRESS: "", NO_COLOR: "1" };
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "demo.mjs")], { env, encoding: "utf8", timeout: 60_000 });
    expect(r.stdout).toMatch(/^Secrets go to the kernel keyring \(a keyring of the demo's own, memory only\): no keychain is reachable here/m);
    expect(r.stdout).toContain("$ export HUBPAT_STORE=kernel   # or once: hub-tokens setup --store kernel\n");
    expect(r.stdout).not.toMatch(/dckr_pat_[A-Za-z0-9_-]{12,}/);
    expect(r.stdout).toMatch(/✓ All \d+ steps did what they showed\.\n$/);
    expect(r.status).toBe(0);
  });
});
