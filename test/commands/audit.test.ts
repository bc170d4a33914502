import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { runAudit, type AuditOptions } from "../../src/commands/audit.js";
import { parseFlags, runPrune, type PruneOptions } from "../../src/commands/prune.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const day = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * day);
const ctx = useEmulator(() => ({
  users: [
    {
      ...MONA,
      tokens: [
        { label: "good", lastUsedAt: ago(1) },
        { label: "off", isActive: false, lastUsedAt: ago(1) },
        { label: "gone", createdAt: ago(40), lastUsedAt: ago(3), expiresAt: ago(2) },
        { label: "soon", lastUsedAt: ago(1), expiresAt: ago(-5) },
        { label: "admin", scopes: ["repo:admin"], lastUsedAt: ago(1) },
        { label: "stale", scopes: ["repo:write"], createdAt: ago(200), lastUsedAt: ago(120) },
        { label: "fresh", createdAt: ago(1) },
      ],
    },
  ],
}));
const auditOpts = (o: Partial<AuditOptions> = {}): AuditOptions => ({ unusedDays: 90, expiringDays: 14, json: false, ...o });
const pruneOpts = (o: Partial<PruneOptions> = {}): PruneOptions => ({ unusedDays: 90, expiringDays: 14, select: ["unused", "expired", "inactive"], yes: false, dryRun: false, json: false, ...o });
const loggedIn = (o: Parameters<typeof testDeps>[0] = {}) => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, ...o });
const id = (label: string) => ctx.hub.tokenByLabel(label).uuid;
const labels = () => ctx.hub.tokensOf("mona").map((t) => t.token_label);

describe("audit", () => {
  it("flags each kind of finding, tab-separated when piped", async () => {
    const t = loggedIn();
    await runAudit(auditOpts(), t.deps);
    expect(t.stdout()).toBe(
      `${id("fresh")}\tfresh\trepo:read\tactive\t\tnever-used\n` +
        `${id("stale")}\tstale\trepo:write\tactive\t2026-07-26T12:00:00Z\tunused\n` +
        `${id("admin")}\tadmin\trepo:admin\tactive\t2026-11-22T12:00:00Z\tbroad-scope\n` +
        `${id("soon")}\tsoon\trepo:read\tactive\t2026-11-22T12:00:00Z\texpiring\n` +
        `${id("gone")}\tgone\trepo:read\texpired\t2026-11-20T12:00:00Z\texpired\n` +
        `${id("off")}\toff\trepo:read\tinactive\t2026-11-22T12:00:00Z\tinactive\n`,
    );
    expect(t.stderr()).toBe("");
  });

  it("moves with --unused-days and --expiring-days", async () => {
    const t = loggedIn();
    await runAudit(auditOpts({ unusedDays: 200, expiringDays: 3, json: true }), t.deps);
    const found = (JSON.parse(t.stdout()) as { label: string; flags: string[] }[]).map((f) => [f.label, f.flags]);
    expect(found).toEqual([["fresh", ["never-used"]], ["admin", ["broad-scope"]], ["gone", ["expired"]], ["off", ["inactive"]]]);
  });

  it("words findings for a person on a terminal", async () => {
    const t = loggedIn({ tty: true });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_x", tokenId: id("soon") });
    await runAudit(auditOpts(), t.deps);
    const rows = t.stdout().split("\n");
    expect(rows[0]).toMatch(/^ID +LABEL +SCOPE +STATUS +LAST USED +FINDINGS$/);
    expect(rows.find((r) => r.includes("stale"))).toMatch(/ Read & Write +active +4 months ago +last used 4 months ago$/);
    expect(rows.find((r) => r.includes("soon"))).toMatch(/soon \[docker\] .* expires in 5 days$/);
    expect(rows.find((r) => r.includes("gone"))).toMatch(/ expired 2 days ago$/);
    expect(rows.find((r) => r.includes("fresh"))).toMatch(/ never +never used$/);
    expect(t.stdout()).toContain("\n6 of 7 tokens flagged (unused: 90 days, expiring: within 14 days)\n");
  });

  it("exits 3 with --exit-code when anything is flagged, after printing the findings; 0 when nothing is", async () => {
    const t = loggedIn({ tty: true });
    expect(await failure(runAudit(auditOpts({ exitCode: true }), t.deps))).toEqual({ line: "hub-tokens: 6 of 7 tokens flagged (audit --exit-code)", exitCode: 3 });
    expect(t.stdout()).toContain("6 of 7 tokens flagged");
    const j = loggedIn();
    expect((await failure(runAudit(auditOpts({ exitCode: true, json: true }), j.deps))).exitCode).toBe(3);
    expect(JSON.parse(j.stdout())).toHaveLength(6);
    for (const l of ["off", "gone", "soon", "admin", "stale", "fresh"]) ctx.hub.state.tokens.delete(id(l));
    await runAudit(auditOpts({ exitCode: true }), loggedIn().deps);
  });

  it("says so when nothing is flagged", async () => {
    const t = loggedIn();
    for (const l of ["off", "gone", "soon", "admin", "stale", "fresh"]) ctx.hub.state.tokens.delete(id(l));
    await runAudit(auditOpts(), t.deps);
    expect(t.stdout()).toBe("");
    expect(t.stderr()).toBe("No findings among 1 token\n");
  });
});

describe("prune", () => {
  it("deletes the unused, expired and inactive after asking on a terminal", async () => {
    const t = loggedIn({ tty: true, answers: [{ confirm: "Delete 3 tokens? This cannot be undone.", answer: true }] });
    const [stale, gone, off] = ["stale", "gone", "off"].map((l) => id(l).slice(0, 8));
    await runPrune(pruneOpts(), t.deps);
    expect(labels()).toEqual(["fresh", "admin", "soon", "good"]);
    expect(t.stderr()).toBe(
      "About to delete 3 tokens:\n" +
        `  stale (${stale}), Read & Write, active\n` +
        `  gone (${gone}), Read-only, expired\n` +
        `  off (${off}), Read-only, inactive\n` +
        `✓ Deleted stale (${stale})\n` +
        `✓ Deleted gone (${gone})\n` +
        `✓ Deleted off (${off})\n` +
        "Left alone: 3 tokens audit flags for findings not in --select (unused,expired,inactive): 1 never-used (may be new), 1 expiring (still works), 1 broad-scope (may be in use); add a finding to --select to delete those too\n",
    );
  });

  it("says what audit flags that it leaves, and why, when it deletes nothing", async () => {
    for (const l of ["off", "gone", "stale"]) ctx.hub.state.tokens.delete(id(l));
    for (let i = 0; i < 5; i++) ctx.hub.addToken("mona", { label: `new-${i}`, createdAt: ago(2) });
    const t = loggedIn();
    await runPrune(pruneOpts({ dryRun: true }), t.deps);
    expect(t.stderr()).toBe(
      "No tokens to delete\n" +
        "Left alone: 8 tokens audit flags for findings not in --select (unused,expired,inactive): 6 never-used (may be new), 1 expiring (still works), 1 broad-scope (may be in use); add a finding to --select to delete those too\n",
    );
  });

  it("needs --yes when it cannot ask, before any request", async () => {
    const t = loggedIn();
    expect(await failure(runPrune(pruneOpts(), t.deps))).toEqual({ line: "hub-tokens: no terminal to confirm the deletion: pass --yes (or --dry-run to see what would go)", exitCode: 2 });
    expect(labels()).toHaveLength(7);
    expect(ctx.hub.exchanges).toEqual([]);
  });

  it("shows the selection with --dry-run, chosen by --select", async () => {
    const t = loggedIn();
    await runPrune(pruneOpts({ select: ["never-used", "broad-scope"], dryRun: true }), t.deps);
    expect(t.stderr()).toBe(
      `Would delete 2 tokens:\n  fresh (${id("fresh").slice(0, 8)}), Read-only, active\n  admin (${id("admin").slice(0, 8)}), Read, Write, Delete, active\n` +
        "Left alone: 4 tokens audit flags for findings not in --select (never-used,broad-scope): 1 unused (not selected), 1 expiring (still works), 1 expired (not selected), 1 inactive (not selected); add a finding to --select to delete those too\n",
    );
    expect(labels()).toHaveLength(7);
  });

  it("keeps the token Docker holds, whatever its findings", async () => {
    const t = loggedIn();
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_x", tokenId: id("stale") });
    await runPrune(pruneOpts({ yes: true, json: true }), t.deps);
    expect(labels()).toEqual(["fresh", "stale", "admin", "soon", "good"]);
    expect((JSON.parse(t.stdout()) as { label: string }[]).map((x) => x.label)).toEqual(["gone", "off"]);
    expect(t.stderr()).toMatch(/^! Keeping stale \([0-9a-f]{8}\) \(unused\): Docker on this machine uses it; replace it with hub-tokens rotate\n/);
  });

  it("parses --select", () => {
    expect(parseFlags("unused, expired,unused")).toEqual(["unused", "expired"]);
    expect(() => parseFlags("old")).toThrow('unknown finding "old": use never-used, unused, expiring, expired, inactive, broad-scope');
  });
});
