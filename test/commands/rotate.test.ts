import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { rotatedLabel, runRotate, type RotateOptions } from "../../src/commands/rotate.js";
import type { Hub } from "../../src/hub/types.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { StoredCredential } from "../../src/store/store.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";
import { countReads } from "../fakes/stores.js";

const day = 86_400_000;
const ctx = useEmulator(() => ({
  users: [
    {
      ...MONA,
      tokens: [
        { label: "laptop", scopes: ["repo:write"], createdAt: new Date(NOW.getTime() - 80 * day), expiresAt: new Date(NOW.getTime() + 10 * day) },
        { label: "ci", scopes: ["repo:read"] },
      ],
    },
  ],
}));
const opts = (o: Partial<RotateOptions> = {}): RotateOptions => ({ delete: false, json: false, ...o });
const TODAY = "2026-11-23";
/** The label rotating the seeded laptop token gives: the date and the old token's short id. */
const NEW_LABEL = () => `laptop (rotated ${TODAY}, from ${ctx.hub.tokenByLabel("laptop").uuid.slice(0, 8)})`;

class FailingStore extends MemoryStore {
  failSets = 0;
  override async set(url: string, c: StoredCredential): Promise<void> {
    if (this.failSets > 0) {
      this.failSets--;
      throw new Error("the keychain is locked");
    }
    return super.set(url, c);
  }
}

/** Logged in as mona, Docker holding the seeded "laptop" token. */
function setup(o: Parameters<typeof testDeps>[0] = {}) {
  const store = o.store ?? new MemoryStore();
  const laptop = ctx.hub.tokenByLabel("laptop");
  store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: ctx.hub.seededSecret("mona", "laptop"), tokenId: laptop.uuid });
  const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, ...o, store });
  return { t, laptop, oldSecret: ctx.hub.seededSecret("mona", "laptop"), short: laptop.uuid.slice(0, 8) };
}

/** Wraps the Hub client so a test can break one step (a fault knob on the emulator, or a refusal). */
async function breakStep(t: ReturnType<typeof testDeps>, change: (real: Hub) => Partial<Hub>): Promise<void> {
  const real = await t.deps.hub();
  t.deps.hub = async () => Object.assign(Object.create(real) as Hub, change(real));
}

const state = () => ctx.hub.tokensOf("mona").map((x) => [x.token_label, x.is_active, x.scopes.join(","), x.expires_at]);

describe("rotate", () => {
  it("replaces Docker's token: same scope and lifetime, verified, stored, old one deactivated", async () => {
    const { t, short } = setup();
    await runRotate(opts(), t.deps);
    const fresh = ctx.hub.tokenByLabel(NEW_LABEL());
    expect(state()).toEqual([
      [NEW_LABEL(), true, "repo:write", "2027-02-21T12:00:00.000000Z"], // 90 days, as the old one had
      ["ci", true, "repo:read", null],
      ["laptop", false, "repo:write", "2026-12-03T12:00:00.000000Z"],
    ]);
    const stored = t.store.entries.get(DOCKER_HUB_KEY)!;
    expect(stored).toMatchObject({ username: "mona", tokenId: fresh.uuid });
    expect(ctx.hub.state.patBySecret("mona", stored.secret)?.uuid).toBe(fresh.uuid);
    expect(t.stdout()).toBe("");
    expect(t.stderr()).toBe(
      `✓ Created ${NEW_LABEL()} (${fresh.uuid.slice(0, 8)}): Read & Write, expires 2027-02-21T12:00:00Z\n` +
        "✓ The registry's token service accepts it\n" +
        `✓ Stored for Docker (https://index.docker.io/v1/) as mona, secret …${stored.secret.slice(-4)}\n` +
        `✓ Deactivated laptop (${short})\n`,
    );
  });

  it("checks the store takes Docker's new token before creating one, and names the fix when it doesn't", async () => {
    const { t } = setup({ storeProblem: { problem: "the password store /home/mona/.password-store is not initialised (it has no .gpg-id)", fix: "run: pass init YOUR-GPG-KEY-ID" } });
    const before = state();
    expect(await failure(runRotate(opts(), t.deps))).toEqual({ line: "hub-tokens: the keychain store can't keep a secret here, so nothing was asked for or changed: the password store /home/mona/.password-store is not initialised (it has no .gpg-id): run: pass init YOUR-GPG-KEY-ID (or see the stores that work here: hub-tokens setup)", exitCode: 1 });
    expect(state()).toEqual(before);
  });

  it("reads the session from the keychain once", async () => {
    const { t } = setup();
    const reads = countReads(t.sessions, ctx.hub.url);
    await runRotate(opts(), t.deps);
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.tokenId).toBe(ctx.hub.tokenByLabel(NEW_LABEL()).uuid);
    expect(reads()).toBe(1);
  });

  it("deletes the old token with --delete, and prints JSON without Docker's secret", async () => {
    const { t } = setup();
    const label = NEW_LABEL();
    await runRotate(opts({ delete: true, json: true }), t.deps);
    expect(state().map((x) => x[0])).toEqual([label, "ci"]);
    const out = JSON.parse(t.stdout()) as { new: { label: string; usedByDocker: boolean; secret?: string }; old: { label: string; deleted: boolean }; storedForDocker: boolean };
    expect(out).toMatchObject({ new: { label, usedByDocker: true }, old: { label: "laptop", deleted: true }, storedForDocker: true });
    expect(out.new.secret).toBeUndefined();
  });

  it("rotates a named token Docker doesn't hold: prints the new secret once, leaves Docker's item alone", async () => {
    const { t, oldSecret } = setup();
    await runRotate(opts({ token: "ci" }), t.deps);
    const fresh = ctx.hub.tokenByLabel(`ci (rotated ${TODAY}, from ${ctx.hub.tokenByLabel("ci").uuid.slice(0, 8)})`);
    expect(ctx.hub.state.patBySecret("mona", t.stdout().trim())?.uuid).toBe(fresh.uuid);
    expect(fresh.expires_at).toBeNull();
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.secret).toBe(oldSecret);
    expect(ctx.hub.tokenByLabel("ci").is_active).toBe(false);
  });

  it("gives the new token another lifetime with --expires", async () => {
    const { t } = setup();
    await runRotate(opts({ expires: "never" }), t.deps);
    expect(ctx.hub.tokenByLabel(NEW_LABEL()).expires_at).toBeNull();
    expect(await failure(runRotate(opts({ token: "ci", expires: "2020-01-01" }), t.deps))).toEqual({ line: "hub-tokens: expiry 2020-01-01 is in the past", exitCode: 2 });
  });

  it("needs a TOKEN when the helper holds none hubpat made", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
    expect(await failure(runRotate(opts(), t.deps))).toEqual({ line: "hub-tokens: the helper holds no token hubpat created for Docker Hub: name the token to rotate", exitCode: 2 });
    expect(ctx.hub.tokensOf("mona")).toHaveLength(2);
  });

  it("refuses to rotate Docker's token for another account", async () => {
    const { t } = setup();
    t.store.entries.set(DOCKER_HUB_KEY, { ...t.store.entries.get(DOCKER_HUB_KEY)!, username: "octocat" });
    expect(await failure(runRotate(opts(), t.deps))).toEqual({ line: "hub-tokens: Docker's token belongs to octocat, and this command runs as mona: run it as octocat (hub-tokens --account octocat rotate, after logging in as octocat), or name a token of yours", exitCode: 2 });
    expect(ctx.hub.tokensOf("mona")).toHaveLength(2);
  });

  describe("a failure at each step leaves the old token working", () => {
    it("1. the Hub fails the create: nothing changed", async () => {
      const { t, short, oldSecret } = setup();
      await breakStep(t, (real) => ({ createToken: (r) => ((ctx.hub.faults.serverErrors = 1), real.createToken(r)) }));
      expect(await failure(runRotate(opts(), t.deps))).toEqual({
        line: `hub-tokens: could not create the new token (Docker Hub is unavailable (HTTP 503): try again later); laptop (${short}) is unchanged, and Docker still uses it`,
        exitCode: 1,
      });
      expect(state().map((x) => x.slice(0, 2))).toEqual([["ci", true], ["laptop", true]]);
      expect(t.store.entries.get(DOCKER_HUB_KEY)?.secret).toBe(oldSecret);
    });

    it("2. the registry refuses the new token: it is deleted again", async () => {
      const { t, short, oldSecret } = setup();
      let newId = "";
      // Someone deactivates the new token on the Hub page between its creation and the check.
      await breakStep(t, (real) => ({
        verifyRegistryLogin: (u, s) => {
          const fresh = ctx.hub.state.patBySecret("mona", s)!;
          newId = fresh.uuid;
          fresh.is_active = false;
          return real.verifyRegistryLogin(u, s);
        },
      }));
      expect(await failure(runRotate(opts(), t.deps))).toEqual({
        line: `hub-tokens: the registry's token service refused it, so ${NEW_LABEL()} (${newId.slice(0, 8)}) was deleted again; laptop (${short}) is unchanged, and Docker still uses it`,
        exitCode: 1,
      });
      expect(state().map((x) => x.slice(0, 2))).toEqual([["ci", true], ["laptop", true]]);
      expect(t.store.entries.get(DOCKER_HUB_KEY)?.secret).toBe(oldSecret);
    });

    it("2. the registry refuses, and the clean-up fails too: says which token is left over", async () => {
      const { t } = setup();
      await breakStep(t, (real) => ({
        verifyRegistryLogin: async () => false,
        deleteToken: (id) => ((ctx.hub.faults.serverErrors = 10), real.deleteToken(id)),
      }));
      const fresh = () => ctx.hub.tokenByLabel(NEW_LABEL());
      const { line } = await failure(runRotate(opts(), t.deps));
      expect(line).toBe(
        `hub-tokens: the registry's token service refused it, so ${NEW_LABEL()} (${fresh().uuid.slice(0, 8)}) is left over and deleting it failed too (Docker Hub is unavailable (HTTP 503): try again later): delete it with hub-tokens delete ${fresh().uuid}; laptop (${ctx.hub.tokenByLabel("laptop").uuid.slice(0, 8)}) is unchanged, and Docker still uses it`,
      );
      expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(true);
    });

    it("3. the keychain refuses the new token: it is deleted again and Docker keeps the old one", async () => {
      const store = new FailingStore();
      const { t, short, oldSecret } = setup({ store });
      store.failSets = 1;
      const { line, exitCode } = await failure(runRotate(opts(), t.deps));
      expect(exitCode).toBe(1);
      expect(line).toMatch(new RegExp(`^hub-tokens: could not store the new token for Docker \\(the keychain is locked\\), so laptop \\(rotated ${TODAY}, from ${short}\\) \\([0-9a-f]{8}\\) was deleted again; laptop \\(${short}\\) is unchanged, and Docker still uses it$`));
      expect(state().map((x) => x.slice(0, 2))).toEqual([["ci", true], ["laptop", true]]);
      expect(store.entries.get(DOCKER_HUB_KEY)?.secret).toBe(oldSecret);
    });

    it("4. the Hub fails the deactivation: the new token is in place, the old one still works", async () => {
      const { t, short } = setup();
      await breakStep(t, (real) => ({ updateToken: (id, c) => ((ctx.hub.faults.serverErrors = 10), real.updateToken(id, c)) }));
      const fresh = () => ctx.hub.tokenByLabel(NEW_LABEL());
      const { line, exitCode } = await failure(runRotate(opts(), t.deps));
      expect({ line, exitCode }).toEqual({
        line: `hub-tokens: ${NEW_LABEL()} (${fresh().uuid.slice(0, 8)}) is stored for Docker and works, but could not deactivate laptop (${short}) (Docker Hub is unavailable (HTTP 503): try again later): it still works (run: hub-tokens deactivate ${ctx.hub.tokenByLabel("laptop").uuid})`,
        exitCode: 1,
      });
      expect(state().map((x) => x.slice(0, 2))).toEqual([[NEW_LABEL(), true], ["ci", true], ["laptop", true]]);
      expect(t.store.entries.get(DOCKER_HUB_KEY)?.tokenId).toBe(fresh().uuid);
    });

    it("4. the Hub fails the deletion with --delete", async () => {
      const { t } = setup();
      await breakStep(t, (real) => ({ deleteToken: (id) => ((ctx.hub.faults.serverErrors = 10), real.deleteToken(id)) }));
      const { line } = await failure(runRotate(opts({ delete: true }), t.deps));
      expect(line).toContain(", but could not delete laptop (");
      expect(line).toContain(`(run: hub-tokens delete ${ctx.hub.tokenByLabel("laptop").uuid})`);
      expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(true);
    });
  });
});

describe("rotate after a rotation that did not finish", () => {
  it("gives each rotated token its own label: rotating twice never repeats one", async () => {
    const { t } = setup();
    await runRotate(opts(), t.deps);
    t.deps.clock = () => NOW; // the same day again
    await runRotate(opts(), t.deps);
    const labels = ctx.hub.tokensOf("mona").map((x) => x.token_label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.filter((l) => l.includes("(rotated"))).toHaveLength(2);
  });

  it("finds and deletes a token whose create answer was lost, and names it", async () => {
    const { t, short, oldSecret } = setup();
    const label = NEW_LABEL();
    await breakStep(t, (real) => ({ createToken: (r) => ((ctx.hub.faults.loseAnswers = 1), real.createToken(r)) }));
    const { line } = await failure(runRotate(opts(), t.deps));
    expect(line).toMatch(new RegExp(`^hub-tokens: could not create the new token \\(.*\\); the Hub had made it anyway \\(${label.replace(/[()]/g, "\\$&")} \\([0-9a-f]{8}\\)\\), and it was deleted again; laptop \\(${short}\\) is unchanged, and Docker still uses it$`));
    expect(state().map((x) => x.slice(0, 2))).toEqual([["ci", true], ["laptop", true]]);
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.secret).toBe(oldSecret);
  });

  it("deletes what a rotation killed before it stored for Docker created, then rotates", async () => {
    const { t, short } = setup();
    const laptop = ctx.hub.tokenByLabel("laptop");
    // What the killed rotate left: a new token with the rotation mark of laptop, never stored for Docker.
    ctx.hub.addToken("mona", { label: `laptop (rotated 2026-11-20, from ${short})`, scopes: ["repo:write"] });
    await runRotate(opts(), t.deps);
    expect(t.stderr()).toContain(`✓ Deleted laptop (rotated 2026-11-20, from ${short}) (`);
    expect(state().map((x) => x.slice(0, 2))).toEqual([[NEW_LABEL(), true], ["ci", true], ["laptop", false]]);
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.tokenId).not.toBe(laptop.uuid);
  });

  it("retires the old token a rotation killed after storing for Docker left working", async () => {
    const { t, short } = setup();
    // The killed rotate stored its new token for Docker, but never deactivated laptop.
    const { token: interrupted, secret } = ctx.hub.addToken("mona", { label: `laptop (rotated 2026-11-20, from ${short})`, scopes: ["repo:write"] });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret, tokenId: interrupted.uuid });
    await runRotate(opts(), t.deps);
    expect(t.stderr()).toContain(`✓ Deactivated laptop (${short}), which the interrupted rotation to laptop (rotated 2026-11-20, from ${short}) (${interrupted.uuid.slice(0, 8)}) left working`);
    const active = ctx.hub.tokensOf("mona").filter((x) => x.is_active).map((x) => x.token_label);
    expect(active).toEqual([`laptop (rotated ${TODAY}, from ${interrupted.uuid.slice(0, 8)})`, "ci"]);
  });
});

describe("rotatedLabel", () => {
  it.each([
    ["laptop", "laptop (rotated 2026-11-23, from 0d8f2a1c)"],
    ["laptop (rotated 2026-01-02)", "laptop (rotated 2026-11-23, from 0d8f2a1c)"],
    ["laptop (rotated 2026-01-02, from 99aa88bb)", "laptop (rotated 2026-11-23, from 0d8f2a1c)"],
    ["x".repeat(100), `${"x".repeat(64)} (rotated 2026-11-23, from 0d8f2a1c)`],
  ])("%s → %s", (label, expected) => {
    const old = { label, id: "0d8f2a1c-0000-4000-8000-000000000000" };
    expect(rotatedLabel(old, NOW)).toBe(expected);
    expect(rotatedLabel(old, NOW).length).toBeLessThanOrEqual(100);
  });
});
