import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { runDelete, type DeleteOptions } from "../../src/commands/delete.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const day = 86_400_000;
const ctx = useEmulator(() => ({
  users: [
    {
      ...MONA,
      tokens: [
        { label: "old", scopes: ["repo:write"], isActive: false },
        { label: "gone", scopes: ["repo:read"], expiresAt: new Date(NOW.getTime() - day) },
        { label: "laptop", scopes: ["repo:admin"] },
        { label: "ci", scopes: ["repo:read"] },
        { label: "ci", scopes: ["repo:read"] },
      ],
    },
  ],
}));
const opts = (o: Partial<DeleteOptions>): DeleteOptions => ({ tokens: [], inactive: false, expired: false, yes: false, dryRun: false, json: false, ...o });
const labels = () => ctx.hub.tokensOf("mona").map((t) => t.token_label);
const short = (label: string) => ctx.hub.tokenByLabel(label).uuid.slice(0, 8);
const loggedIn = (o: Parameters<typeof testDeps>[0] = {}) => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, ...o });

describe("delete", () => {
  it("shows what will go and asks on a terminal", async () => {
    const t = loggedIn({ tty: true, answers: [{ confirm: "Delete 2 tokens? This cannot be undone.", answer: true }] });
    const [laptop, old] = [short("laptop"), short("old")];
    await runDelete(opts({ tokens: ["laptop"], inactive: true }), t.deps);
    expect(labels()).toEqual(["ci", "ci", "gone"]);
    expect(t.stderr()).toBe(
      "About to delete 2 tokens:\n" +
        `  laptop (${laptop}), Read, Write, Delete, active\n` +
        `  old (${old}), Read & Write, inactive\n` +
        `✓ Deleted laptop (${laptop})\n` +
        `✓ Deleted old (${old})\n`,
    );
  });

  it("deletes nothing when the answer is no (exit 130)", async () => {
    const t = loggedIn({ tty: true, answers: [{ confirm: "Delete 1 token? This cannot be undone.", answer: false }] });
    expect(await failure(runDelete(opts({ tokens: ["laptop"] }), t.deps))).toEqual({ line: "hub-tokens: nothing deleted", exitCode: 130 });
    expect(labels()).toHaveLength(5);
  });

  it("needs --yes when it cannot ask", async () => {
    const t = loggedIn();
    expect(await failure(runDelete(opts({ tokens: ["laptop"] }), t.deps))).toEqual({
      line: "hub-tokens: no terminal to confirm the deletion: pass --yes (or --dry-run to see what would go)",
      exitCode: 2,
    });
    expect(labels()).toHaveLength(5);
  });

  it("deletes the inactive and expired sets with --yes, without asking", async () => {
    const t = loggedIn({ tty: true });
    await runDelete(opts({ inactive: true, expired: true, yes: true }), t.deps);
    expect(labels()).toEqual(["ci", "ci", "laptop"]);
    expect(t.prompter.asked).toEqual([]);
  });

  it("shows what would go with --dry-run and deletes nothing", async () => {
    const t = loggedIn();
    await runDelete(opts({ expired: true, dryRun: true }), t.deps);
    expect(t.stderr()).toBe(`Would delete 1 token:\n  gone (${short("gone")}), Read-only, expired\n`);
    expect(labels()).toHaveLength(5);
  });

  it("prints what it deleted as JSON", async () => {
    const t = loggedIn();
    await runDelete(opts({ tokens: ["old"], yes: true, json: true }), t.deps);
    expect((JSON.parse(t.stdout()) as { label: string }[]).map((x) => x.label)).toEqual(["old"]);
  });

  it("refuses an ambiguous TOKEN and deletes nothing", async () => {
    const t = loggedIn();
    const [a, b] = ctx.hub.tokensOf("mona").filter((x) => x.token_label === "ci");
    expect(await failure(runDelete(opts({ tokens: ["laptop", "ci"], yes: true }), t.deps))).toEqual({
      line: `hub-tokens: "ci" matches 2 tokens: ci (${a!.uuid.slice(0, 8)}), ci (${b!.uuid.slice(0, 8)}) (name one by its id)`,
      exitCode: 1,
    });
    expect(labels()).toHaveLength(5);
  });

  it("warns when Docker on this machine holds a deleted token", async () => {
    const t = loggedIn();
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_zzzz1234", tokenId: ctx.hub.tokenByLabel("laptop").uuid });
    const laptop = short("laptop");
    await runDelete(opts({ tokens: ["laptop"], yes: true }), t.deps);
    expect(t.stderr()).toBe(
      `✓ Deleted laptop (${laptop})\n` +
        "! Docker on this machine still holds the deleted token: run docker logout, or hub-tokens create --docker-login\n",
    );
  });

  it("deletes what it can and names what it could not", async () => {
    const t = loggedIn();
    const real = await t.deps.connect(ctx.hub.sessionFor("mona"));
    const laptopId = ctx.hub.tokenByLabel("laptop").uuid;
    const [laptop, old] = [short("laptop"), short("old")];
    t.deps.hub = async () => Object.assign(Object.create(real) as typeof real, { deleteToken: (id: string) => (id === laptopId ? Promise.reject(new Error("connection reset")) : real.deleteToken(id)) });
    expect(await failure(runDelete(opts({ tokens: ["laptop", "old"], yes: true }), t.deps))).toEqual({ line: `hub-tokens: deleted 1 of 2 tokens; not laptop (${laptop}): connection reset`, exitCode: 1 });
    expect(t.stderr()).toBe(`✓ Deleted old (${old})\n`);
    expect(labels()).toEqual(["ci", "ci", "laptop", "gone"]);
  });

  it("exits 4 when the session expires between listing and deleting, deleting nothing", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) } });
    const real = await t.deps.hub();
    t.deps.hub = async () =>
      Object.assign(Object.create(real) as typeof real, {
        listTokens: async () => {
          const list = await real.listTokens();
          ctx.clock.now = new Date(NOW.getTime() + 61_000); // the Hub's clock passes the session's expiry
          return list;
        },
      });
    const [laptop, old] = [short("laptop"), short("old")];
    expect(await failure(runDelete(opts({ tokens: ["laptop", "old"], yes: true }), t.deps))).toEqual({
      line: `hub-tokens: deleted 0 of 2 tokens; not laptop (${laptop}), old (${old}): Docker Hub refused the session: it expired or was revoked (run: hub-tokens login)`,
      exitCode: 4,
    });
    expect(labels()).toHaveLength(5);
  });

  it("needs something to delete", async () => {
    const t = loggedIn();
    expect(await failure(runDelete(opts({ yes: true }), t.deps))).toEqual({ line: "hub-tokens: name the tokens to delete, or pass --inactive or --expired", exitCode: 2 });
  });

  it("needs a login (exit 4)", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    expect((await failure(runDelete(opts({ tokens: ["ci"], yes: true }), t.deps))).exitCode).toBe(4);
  });
});
