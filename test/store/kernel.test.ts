// The kernel keyring store on the real kernel (a keyring of the test's own inside @u), and where keyctl is refused.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelStore } from "../../src/store/kernel.js";
import { HELPER_BIN, runHelperProcess } from "../fakes/helper-process.js";
import { haveKeyctl, testKeyring, type TestKeyring } from "../fakes/kernel-keyring.js";

const canRun = haveKeyctl();
if (!canRun && process.env.CI) throw new Error("CI must install keyutils (see scripts/setup-machine.sh) and allow keyctl");
const HUB = "https://index.docker.io/v1/";

describe.skipIf(!canRun)("the kernel keyring store", () => {
  let ring: TestKeyring;
  beforeAll(() => {
    ring = testKeyring();
  });
  afterAll(() => ring?.close());
  const store = (service = "docker-credential-hubpat") => new KernelStore({ service, env: { ...process.env, ...ring.env } });

  it("keeps one key per server URL, described by service and URL, and gives back exactly what it was given", async () => {
    await store().set(HUB, { username: "mona", secret: "dckr_pat_abc", tokenId: "id-1" });
    await store().set(HUB, { username: "mona", secret: "dckr_pat_new ✓ \n\"quoted\"" });
    await store("hubpat-session").set("https://hub.docker.com", { username: "mona", secret: "jwt" });
    expect(ring.descriptions()).toEqual([`hubpat:docker-credential-hubpat:${HUB}`, "hubpat:hubpat-session:https://hub.docker.com"]);
    expect(await store().get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_new ✓ \n\"quoted\"" });
    expect(await store().list()).toEqual({ [HUB]: "mona" });
    expect(await store("hubpat-session").list()).toEqual({ "https://hub.docker.com": "mona" });
    expect(await store().delete(HUB)).toBe(true);
    expect(await store().delete(HUB)).toBe(false);
    expect(await store().get(HUB)).toBeNull();
    await store("hubpat-session").delete("https://hub.docker.com");
    expect(ring.descriptions()).toEqual([]);
  });

  it("passes its check, leaving nothing behind", async () => {
    expect(await store().check()).toBeNull();
    expect(ring.descriptions()).toEqual([]);
    expect(store().describe()).toBe(`the kernel keyring ${ring.id} (memory only, gone at reboot), keys "hubpat:docker-credential-hubpat:<server URL>"`);
  });

  it("refuses a secret longer than a key holds, storing nothing", async () => {
    await expect(store().set("r.test", { username: "u", secret: "x".repeat(40_000) })).rejects.toThrow("the kernel keyring can't keep a secret this long (40000 bytes; a key holds at most 32767)");
    expect(ring.descriptions()).toEqual([]);
  });

  it("serves Docker through the built helper", async () => {
    const env = { ...process.env, ...ring.env, HUBPAT_STORE: "kernel", HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-kernel-")) };
    expect(await runHelperProcess(["store"], JSON.stringify({ ServerURL: "r.test", Username: "u", Secret: "s" }), env)).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
    expect(await runHelperProcess(["get"], "r.test", env)).toMatchObject({ exitCode: 0, stdout: '{"ServerURL":"r.test","Username":"u","Secret":"s"}\n' });
    expect(await runHelperProcess(["erase"], "r.test", env)).toMatchObject({ exitCode: 0 });
    expect(ring.descriptions()).toEqual([]);
  });
});

describe("the kernel keyring store where keyctl is refused", () => {
  // Docker's default seccomp profile makes keyctl(2) and add_key(2) fail with EPERM; keyctl then prints this.
  const bin = mkdtempSync(join(tmpdir(), "hubpat-seccomp-"));
  writeFileSync(join(bin, "keyctl"), '#!/bin/sh\necho "keyctl_$1: Operation not permitted" >&2\nexit 1\n');
  chmodSync(join(bin, "keyctl"), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin` };

  it("says so in one line, with the fix", async () => {
    expect(await new KernelStore({ service: "docker-credential-hubpat", env }).check()).toEqual({
      problem: "the kernel refuses keyctl here (Operation not permitted): a container's seccomp profile blocks it",
      fix: "run the container with a seccomp profile that allows keyctl, add_key and request_key (Docker's default blocks them), or choose another store: hub-tokens setup --store file",
    });
  });

  it("answers Docker not-found and says why on stderr", async () => {
    const r = await runHelperProcess(["get"], HUB, { ...env, HUBPAT_STORE: "kernel", HUBPAT_CONFIG_DIR: bin }, [process.execPath, HELPER_BIN]);
    expect(r).toMatchObject({ exitCode: 1, stdout: "credentials not found in native keychain\n" });
    expect(r.stderr).toBe(`docker-credential-hubpat: answering "not found" for ${HUB}: the kernel refuses keyctl here (Operation not permitted): a container's seccomp profile blocks it: run the container with a seccomp profile that allows keyctl, add_key and request_key (Docker's default blocks them), or choose another store: hub-tokens setup --store file\n`);
  });

  it("says keyctl is missing, naming the package", async () => {
    expect(await new KernelStore({ service: "docker-credential-hubpat", env: { PATH: "/nonexistent" } }).check()).toEqual({
      problem: "keyctl is not installed (not found on PATH)",
      fix: "install keyutils (Debian and Ubuntu: sudo apt install keyutils), or choose another store: hub-tokens setup --store KIND",
    });
  });
});
