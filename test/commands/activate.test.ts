import { describe, expect, it } from "vitest";
import { runActivate } from "../../src/commands/activate.js";
import { runDeactivate } from "../../src/commands/deactivate.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [{ ...MONA, tokens: [{ label: "ci" }, { label: "laptop" }, { label: "off", isActive: false }] }] }));
const loggedIn = () => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
const short = (label: string) => ctx.hub.tokenByLabel(label).uuid.slice(0, 8);

describe("deactivate and activate", () => {
  it("deactivates several tokens, one line each", async () => {
    const t = loggedIn();
    await runDeactivate({ tokens: ["ci", "laptop"], json: false }, t.deps);
    expect(ctx.hub.tokenByLabel("ci").is_active).toBe(false);
    expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(false);
    expect(t.stderr()).toBe(`✓ Deactivated ci (${short("ci")})\n✓ Deactivated laptop (${short("laptop")})\n`);
  });

  it("activates a token, printing JSON on request", async () => {
    const t = loggedIn();
    await runActivate({ tokens: ["off"], json: true }, t.deps);
    expect(ctx.hub.tokenByLabel("off").is_active).toBe(true);
    expect(JSON.parse(t.stdout())).toEqual([expect.objectContaining({ label: "off", isActive: true, status: "active" })]);
  });

  it("changes nothing when one name is unknown", async () => {
    expect(await failure(runDeactivate({ tokens: ["ci", "nope"], json: false }, loggedIn().deps))).toEqual({ line: 'hub-tokens: no token has the id or label "nope" (see: hub-tokens list)', exitCode: 1 });
    expect(ctx.hub.tokenByLabel("ci").is_active).toBe(true);
  });

  it("is quiet with -q", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, quiet: true });
    await runDeactivate({ tokens: ["ci"], json: false }, t.deps);
    expect(t.stderr()).toBe("");
  });

  it("exits 4 when the Hub rejects the session mid-way", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) } });
    ctx.clock.now = new Date(NOW.getTime() + 61_000);
    expect((await failure(runActivate({ tokens: ["off"], json: false }, t.deps))).exitCode).toBe(4);
  });
});

describe("activate and deactivate: no-ops said plainly", () => {
  it("changes nothing and sends no request for a token already as asked, exit 0", async () => {
    const t = loggedIn();
    const off = ctx.hub.tokenByLabel("off").uuid;
    ctx.hub.exchanges.length = 0;
    await runDeactivate({ tokens: ["off"], json: false }, t.deps);
    await runActivate({ tokens: ["ci"], json: false }, t.deps);
    expect(t.stderr()).toBe(`off (${off.slice(0, 8)}) is already inactive\nci (${ctx.hub.tokenByLabel("ci").uuid.slice(0, 8)}) is already active\n`);
    expect(ctx.hub.exchanges.map((e) => e.method)).toEqual(["GET", "GET"]);
  });

  it("changes only those not yet as asked", async () => {
    const t = loggedIn();
    await runDeactivate({ tokens: ["ci", "off"], json: true }, t.deps);
    expect(ctx.hub.tokenByLabel("ci").is_active).toBe(false);
    expect(t.stderr()).toMatch(/^off \([0-9a-f]{8}\) is already inactive\n✓ Deactivated ci \([0-9a-f]{8}\)\n$/);
    expect((JSON.parse(t.stdout()) as { label: string; isActive: boolean }[]).map((x) => [x.label, x.isActive])).toEqual([["ci", false], ["off", false]]);
  });
});
