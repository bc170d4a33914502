// The pass store on real pass and gpg (a throwaway GNUPGHOME and key), side by side with Docker's own Go helper
// (/usr/bin/docker-credential-pass): each reads what the other wrote, and hubpat's extras never confuse it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassStore, decodeServerURL, encodeServerURL } from "../../src/store/pass.js";
import { runProcess } from "../fakes/helper-process.js";
import { havePass, passWorld, type PassWorld } from "../fakes/pass-store.js";

const GO_PASS = "/usr/bin/docker-credential-pass";
const canRun = havePass() && existsSync(GO_PASS);
if (!canRun && process.env.CI) throw new Error("CI must install pass, gnupg and golang-docker-credential-helpers (see scripts/setup-machine.sh)");

const HUB = "https://index.docker.io/v1/";

describe("base64url names, as Go's base64.URLEncoding writes them", () => {
  it.each([
    [HUB, "aHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEv"],
    ["127.0.0.1:5000", "MTI3LjAuMC4xOjUwMDA="],
    ["r.test", "ci50ZXN0"],
    ["a?b>", "YT9iPg=="],
    ["régistry.例え", "csOpZ2lzdHJ5LuS-i-OBiA=="],
  ])("%s is %s", (url, name) => {
    expect(encodeServerURL(url)).toBe(name);
    expect(decodeServerURL(name)).toBe(url);
  });

  it.each(["not base64!", "aHR0cA", "aHR0cA=", "YT9iPg"])("%s is no server URL", (name) => {
    expect(decodeServerURL(name)).toBeUndefined();
  });
});

describe.skipIf(!canRun)("the pass store, on real pass and gpg", () => {
  let world: PassWorld;
  beforeAll(() => {
    world = passWorld();
  });
  afterAll(() => world?.close());

  const store = (service = "docker-credential-hubpat") => new PassStore({ service, env: world.env });
  const goPass = (action: string, input: string) => runProcess([GO_PASS], [action], input, world.env);
  const files = (...parts: string[]) => {
    try {
      return readdirSync(join(world.storeDir, ...parts)).sort();
    } catch {
      return [];
    }
  };
  const passShow = (name: string) => execFileSync("pass", ["show", name], { env: world.env }).toString();

  it("lays an entry out as docker-credential-pass does: the secret alone, under base64url(server)/username", async () => {
    await store().set("127.0.0.1:5000", { username: "alice", secret: "pässwörd ✓" });
    expect(files("docker-credential-helpers")).toEqual(["MTI3LjAuMC4xOjUwMDA="]);
    expect(files("docker-credential-helpers", "MTI3LjAuMC4xOjUwMDA=")).toEqual(["alice.gpg"]);
    expect(passShow("docker-credential-helpers/MTI3LjAuMC4xOjUwMDA=/alice")).toBe("pässwörd ✓");
    await store().delete("127.0.0.1:5000");
    expect(files("docker-credential-helpers")).toEqual([]);
  });

  it("Docker's Go helper reads what hubpat stored, a token id beside it included, and lists only Docker's entries", async () => {
    await store().set(HUB, { username: "mona", secret: "dckr_pat_abc", tokenId: "0d8f2a1c-0000-4000-8000-000000000001" });
    await store("hubpat-session").set("https://hub.docker.com", { username: "mona", secret: "jwt.jwt.jwt" });
    expect(await goPass("get", HUB)).toMatchObject({ exitCode: 0, stdout: `{"ServerURL":"${HUB}","Username":"mona","Secret":"dckr_pat_abc"}\n` });
    expect(JSON.parse((await goPass("list", "")).stdout)).toEqual({ [HUB]: "mona" });
    // hubpat reads its own note back; the session is not in Docker's folder.
    expect(await store().get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_abc", tokenId: "0d8f2a1c-0000-4000-8000-000000000001" });
    expect(files("hubpat")).toEqual(["hubpat-session", "token-ids"]);
    await store().delete(HUB);
    await store("hubpat-session").delete("https://hub.docker.com");
    expect(files("hubpat", "token-ids")).toEqual([]);
  });

  it("reads, lists and erases what Docker's Go helper stored", async () => {
    const input = JSON.stringify({ ServerURL: "ghcr.io", Username: "octo", Secret: "ghp_secret\nwith a line" });
    expect(await goPass("store", input)).toMatchObject({ exitCode: 0 });
    expect(await store().get("ghcr.io")).toEqual({ username: "octo", secret: "ghp_secret\nwith a line" });
    expect(await store().list()).toEqual({ "ghcr.io": "octo" });
    expect(await store().delete("ghcr.io")).toBe(true);
    expect(files("docker-credential-helpers")).toEqual([]);
    // Debian's docker-credential-pass answers a missing entry with an empty credential, which Docker takes as none.
    expect(JSON.parse((await goPass("get", "ghcr.io")).stdout)).toMatchObject({ Username: "", Secret: "" });
    expect(await store().delete("ghcr.io")).toBe(false);
  });

  it("forgets the token id when another helper replaces the secret", async () => {
    await store().set(HUB, { username: "mona", secret: "dckr_pat_old", tokenId: "id-old" });
    expect(await goPass("store", JSON.stringify({ ServerURL: HUB, Username: "mona", Secret: "dckr_pat_other" }))).toMatchObject({ exitCode: 0 });
    expect(await store().get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_other" });
    await store().delete(HUB);
  });

  it("keeps one username per server, so Docker's helper serves the one stored last", async () => {
    await store().set("r.test", { username: "zed", secret: "one" });
    await store().set("r.test", { username: "amy", secret: "two" });
    expect(files("docker-credential-helpers", encodeServerURL("r.test"))).toEqual(["amy.gpg"]);
    expect(JSON.parse((await goPass("get", "r.test")).stdout)).toMatchObject({ Username: "amy", Secret: "two" });
    await store().delete("r.test");
  });

  it("refuses a username the layout can't hold, storing nothing", async () => {
    await expect(store().set("r.test", { username: "a/b", secret: "s" })).rejects.toThrow(`the pass store can't keep the username "a/b": docker-credential-pass's layout makes it a file name`);
    expect(files("docker-credential-helpers")).toEqual([]);
  });

  it("passes its check and leaves no trace of it", async () => {
    expect(await store().check()).toBeNull();
    expect(files("hubpat")).toEqual([]);
    expect(store().describe()).toBe(`the password store ${world.storeDir}, docker-credential-helpers/<base64url of the server URL>/<username>.gpg`);
  });
});

describe.skipIf(!canRun)("the pass store where it can't work", () => {
  const worlds: PassWorld[] = [];
  afterAll(() => worlds.forEach((w) => w.close()));
  const fresh = (o: Parameters<typeof passWorld>[0] = {}) => {
    const w = passWorld(o);
    worlds.push(w);
    return w;
  };

  it("says a store that was never initialised needs pass init, before pass makes any folder", async () => {
    const w = fresh({ init: false });
    const store = new PassStore({ service: "docker-credential-hubpat", env: w.env });
    expect(await store.check()).toEqual({
      problem: `the password store ${w.storeDir} is not initialised (it has no .gpg-id)`,
      fix: "run: pass init YOUR-GPG-KEY-ID (gpg --list-secret-keys --keyid-format long shows yours; gpg --quick-gen-key makes one)",
    });
    expect(existsSync(w.storeDir)).toBe(false);
  });

  it("says, in one line and at once, that a key needing its passphrase can't be unlocked off a terminal", async () => {
    const w = fresh({ passphrase: "correct horse" });
    const store = new PassStore({ service: "docker-credential-hubpat", env: w.env });
    const problem = await store.check();
    expect(problem).toEqual({
      problem: "gpg needs the key's passphrase and has no terminal or display to ask on",
      fix: "unlock the key once where gpg can ask (in a terminal: pass show any entry; gpg-agent then remembers it), or export GPG_TTY=$(tty) in your shell profile",
    });
    // The check erased what it wrote (encrypting needs no passphrase).
    expect(existsSync(join(w.storeDir, "hubpat"))).toBe(false);
  });

  it("says the secret key is missing when the store is encrypted for someone else's key", async () => {
    const owner = fresh();
    const stranger = fresh();
    await new PassStore({ service: "docker-credential-hubpat", env: owner.env }).set("r.test", { username: "u", secret: "s" });
    const store = new PassStore({ service: "docker-credential-hubpat", env: { ...owner.env, GNUPGHOME: stranger.env.GNUPGHOME } });
    await expect(store.get("r.test")).rejects.toThrow(/^the password store is encrypted for a gpg key whose secret part is not in this keyring: import that key/);
  });

  it("says pass is not installed, with the package to install", async () => {
    const w = fresh();
    const store = new PassStore({ service: "docker-credential-hubpat", env: { ...w.env, PATH: "/nonexistent" } });
    expect(await store.check()).toEqual({ problem: "pass is not installed (not found on PATH)", fix: "install pass and gnupg (Debian and Ubuntu: sudo apt install pass), or choose another store: hub-tokens setup --store KIND" });
  });

  it("ends a gpg that never answers at the deadline, with one line", async () => {
    const w = fresh();
    const store = new PassStore({ service: "docker-credential-hubpat", env: w.env });
    await store.set("r.test", { username: "u", secret: "s" });
    // A gpg that hangs, first on PATH.
    const bin = join(w.dir, "bin");
    spawnSync("mkdir", [bin]);
    spawnSync("sh", ["-c", `printf '#!/bin/sh\\nexec sleep 30\\n' > ${bin}/gpg && chmod +x ${bin}/gpg`]);
    const hung = new PassStore({ service: "docker-credential-hubpat", env: { ...w.env, PATH: `${bin}:${w.env.PATH}`, HUBPAT_KEYCHAIN_TIMEOUT_MS: "300" } });
    await expect(hung.get("r.test")).rejects.toThrow("gpg did not answer in 0 s (waiting for a passphrase?): unlock the key once");
  });
});
