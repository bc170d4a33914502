// Which plain-text credentials leave config.json for the store, in which shape, and which stay and why.
import { describe, expect, it } from "vitest";
import { credentialOf, decodeAuth, MigrationError, planSetup } from "../../src/docker/migrate.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { StoredCredential } from "../../src/store/store.js";

const HUB = "https://index.docker.io/v1/";
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("decodeAuth", () => {
  it("reads base64 user:password as Docker does: first colon, NULs trimmed from the password", () => {
    expect(decodeAuth(b64("mona:pa:ss"))).toEqual({ username: "mona", password: "pa:ss" });
    expect(decodeAuth(b64("mona:pw\0\0"))).toEqual({ username: "mona", password: "pw" });
    expect(decodeAuth(b64("mona:"))).toEqual({ username: "mona", password: "" });
    expect(decodeAuth(b64("ünï:çødé"))).toEqual({ username: "ünï", password: "çødé" });
  });

  it.each([["no colon", b64("mona")], ["an empty user", b64(":pw")], ["not base64", "mona:pw"], ["unpadded", b64("mona:pw").replace(/=+$/, "")]])("rejects %s", (_n, auth) => {
    expect(decodeAuth(auth)).toBeNull();
  });
});

describe("credentialOf", () => {
  it("prefers an identity token, stored as Docker does under <token>", () => {
    expect(credentialOf("r.test", { auth: b64("u:p"), identitytoken: "idt" })).toEqual({ serverURL: "r.test", username: "<token>", secret: "idt" });
  });
  it("matches keys case-insensitively, as Go's decoder does", () => {
    expect(credentialOf("r.test", { Auth: b64("u:p") })).toEqual({ serverURL: "r.test", username: "u", secret: "p" });
    expect(credentialOf("r.test", { IdentityToken: "idt" })).toMatchObject({ username: "<token>" });
  });
  it("reads username + password fields when there is no auth (Docker keeps those)", () => {
    expect(credentialOf("r.test", { username: "u", password: "p" })).toEqual({ serverURL: "r.test", username: "u", secret: "p" });
  });
  it("finds nothing in an entry without a secret", () => {
    expect(credentialOf("r.test", {})).toBeNull();
    expect(credentialOf("r.test", { email: "m@example.com", auth: "" })).toBeNull();
  });
});

describe("planSetup", () => {
  const config = () => ({
    auths: {
      [HUB]: { auth: b64("mona:dckr_pat_hub") },
      "ghcr.io": { auth: b64("octo:ghp_x"), email: "o@example.com" },
      "registry.example:5000": { identitytoken: "eyJ.idtoken" },
      "already.stored": {},
    },
    psFormat: "table {{.ID}}",
    proxies: { default: { httpProxy: "http://proxy:3128" } },
  });

  it("moves every plain-text credential into the store and keeps every other key", async () => {
    const store = new MemoryStore();
    const plan = await planSetup(config(), store, { dryRun: false });
    expect(Object.fromEntries(store.entries)).toEqual({
      [HUB]: { username: "mona", secret: "dckr_pat_hub" },
      "ghcr.io": { username: "octo", secret: "ghp_x" },
      "registry.example:5000": { username: "<token>", secret: "eyJ.idtoken" },
    });
    expect(plan.doc).toEqual({
      auths: { [HUB]: {}, "ghcr.io": { email: "o@example.com" }, "registry.example:5000": {}, "already.stored": {} },
      psFormat: "table {{.ID}}",
      proxies: { default: { httpProxy: "http://proxy:3128" } },
      credsStore: "hubpat",
    });
    expect(plan.moved.map((c) => c.serverURL)).toEqual([HUB, "ghcr.io", "registry.example:5000"]);
    expect(plan).toMatchObject({ kept: [], changed: true });
  });

  it("in a dry run writes nothing to the store but plans the same file", async () => {
    const store = new MemoryStore();
    const plan = await planSetup(config(), store, { dryRun: true });
    expect(store.entries.size).toBe(0);
    expect(plan.doc).toEqual((await planSetup(config(), new MemoryStore(), { dryRun: false })).doc);
  });

  it("replaces credsStore in place, whatever its spelling, and says which helper it replaced", async () => {
    const plan = await planSetup({ credsstore: "desktop", auths: {}, CredsStore: "pass" }, new MemoryStore(), { dryRun: false });
    expect(Object.keys(plan.doc)).toEqual(["credsStore", "auths"]);
    expect(plan.doc.credsStore).toBe("hubpat");
    expect(plan.replacedCredsStore).toBe("pass"); // Go keeps the last spelling
  });

  it("changes nothing when config.json already uses hubpat and holds no secret", async () => {
    const plan = await planSetup({ auths: { [HUB]: {} }, credsStore: "hubpat" }, new MemoryStore(), { dryRun: false });
    expect(plan.changed).toBe(false);
  });

  it("leaves what it cannot or must not move, saying why", async () => {
    const store = new MemoryStore();
    await store.set("ghcr.io", { username: "octo", secret: "a-newer-token" });
    await store.set(HUB, { username: "mona", secret: "dckr_pat_hub" });
    const doc = {
      auths: {
        [HUB]: { auth: b64("mona:dckr_pat_hub") },
        "ghcr.io": { auth: b64("octo:ghp_x") },
        "broken.test": { auth: "%%%" },
        "1234.dkr.ecr.test": { auth: b64("AWS:ecr") },
      },
      credHelpers: { "1234.dkr.ecr.test": "ecr-login" },
    };
    const plan = await planSetup(doc, store, { dryRun: false });
    expect(plan.kept).toEqual([
      { serverURL: "ghcr.io", reason: "hubpat already holds a different credential for it; remove one of the two by hand" },
      { serverURL: "broken.test", reason: "its auth field is not base64 of user:password, so Docker cannot use it either" },
      { serverURL: "1234.dkr.ecr.test", reason: "credHelpers sends it to docker-credential-ecr-login" },
    ]);
    expect(plan.doc.auths).toEqual({ [HUB]: {}, "ghcr.io": doc.auths["ghcr.io"], "broken.test": { auth: "%%%" }, "1234.dkr.ecr.test": doc.auths["1234.dkr.ecr.test"] });
    expect(await store.get("ghcr.io")).toEqual({ username: "octo", secret: "a-newer-token" });
    expect(plan.moved.map((c) => c.serverURL)).toEqual([HUB]); // already there and equal
    expect(plan.elsewhere).toEqual([{ serverURL: "1234.dkr.ecr.test", helper: "ecr-login" }]);
  });

  it("leaves a registry whose server URL or username holds a control character, as the helper refuses those", async () => {
    const store = new MemoryStore();
    const doc = { auths: { "victim.test\u0000.attacker": { auth: b64("mallory:m") }, "ok.test": { username: "a\u001bb", password: "p" }, "fine.test": { auth: b64("bob:b") } } };
    const plan = await planSetup(doc, store, { dryRun: false });
    expect(plan.kept).toEqual([
      { serverURL: "victim.test\u0000.attacker", reason: "its server URL contains a control character (U+0000), which the helper refuses" },
      { serverURL: "ok.test", reason: "its username contains a control character (U+001B), which the helper refuses" },
    ]);
    expect([...store.entries.keys()]).toEqual(["fine.test"]);
    expect(plan.doc.auths).toEqual({ ...doc.auths, "fine.test": {} });
  });

  it("matches credHelpers keys exactly, as Docker's map lookup does", async () => {
    const store = new MemoryStore();
    const doc = { auths: { "ghcr.io": { auth: b64("octo:ghp_x") } }, credHelpers: { "GHCR.IO": "decoy" } };
    const plan = await planSetup(doc, store, { dryRun: false });
    expect(plan.kept).toEqual([]);
    expect(plan.moved.map((c) => c.serverURL)).toEqual(["ghcr.io"]);
    expect(await store.get("ghcr.io")).toEqual({ username: "octo", secret: "ghp_x" });
  });

  it("keeps a registry named __proto__ as a registry", async () => {
    const doc = JSON.parse(`{"auths": {"__proto__": {"auth": "${b64("u:p")}"}}}`) as Record<string, unknown>;
    const store = new MemoryStore();
    const plan = await planSetup(doc, store, { dryRun: false });
    expect(Object.keys(plan.doc.auths as object)).toEqual(["__proto__"]);
    expect(await store.get("__proto__")).toEqual({ username: "u", secret: "p" });
  });

  it("throws, so nothing is written, when the store gives back something else", async () => {
    class Lossy extends MemoryStore {
      override async get(url: string): Promise<StoredCredential | null> {
        const c = await super.get(url);
        return c && { ...c, secret: c.secret.slice(0, 4) };
      }
    }
    await expect(planSetup(config(), new Lossy(), { dryRun: false })).rejects.toThrow(MigrationError);
  });
});
