import { describe, expect, it } from "vitest";
import {
  parseResource, runOrgCreate, runOrgDelete, runOrgInspect, runOrgList, runOrgSetActive, type OrgDeleteOptions,
} from "../../src/commands/org-tokens.js";
import { runAudit, type AuditOptions } from "../../src/commands/audit.js";
import { runPrune, type PruneOptions } from "../../src/commands/prune.js";
import { hubTime } from "../../src/emulator/state.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const day = 86_400_000;
const ctx = useEmulator(() => ({ users: [MONA, { username: "bob", password: "pw" }], orgs: [{ name: "acme", owners: ["mona"], members: ["bob"] }] }));
const pull = [{ type: "TYPE_REPO" as const, path: "acme/app", scopes: ["repo-pull"] }];
function seed(label: string, o: { isActive?: boolean; expiresAt?: Date } = {}) {
  const t = ctx.hub.state.addOrgToken("acme", "mona", { label, description: "", resources: pull, expiresAt: o.expiresAt ?? null, createdAt: new Date(NOW.getTime() - 10 * day), secret: `dckr_oat_${label}` });
  if (o.isActive === false) t.is_active = false;
  return t;
}
const as = (user: string, o: Parameters<typeof testDeps>[0] = {}) => testDeps({ hubUrl: ctx.hub.url, session: { username: user, token: ctx.hub.sessionFor(user) }, ...o });
const labels = () => ctx.hub.orgTokensOf("acme").map((t) => t.label);
const del = (o: Partial<OrgDeleteOptions>): OrgDeleteOptions => ({ org: "acme", tokens: [], inactive: false, expired: false, yes: false, dryRun: false, json: false, ...o });

describe("--org", () => {
  it("lists the organization's tokens, tab-separated when piped", async () => {
    const ci = seed("ci");
    const old = seed("old", { isActive: false });
    const t = as("mona");
    await runOrgList({ org: "acme", active: false, inactive: false, json: false }, t.deps);
    expect(t.stdout()).toBe(
      `${old.id}\told\trepo:acme/app:repo-pull\tinactive\tmona\t\t\n` +
        `${ci.id}\tci\trepo:acme/app:repo-pull\tactive\tmona\t\t\n`,
    );
  });

  it("tells a member who is not an owner that only owners manage them", async () => {
    const t = as("bob");
    expect(await failure(runOrgList({ org: "acme", active: false, inactive: false, json: false }, t.deps))).toEqual({
      line: "hub-tokens: you can't manage the access tokens of organization acme: only its owners can, logged in with a password",
      exitCode: 1,
    });
  });

  it("creates a token with resources and prints its secret once on stdout", async () => {
    const t = as("mona");
    await runOrgCreate({ org: "acme", label: "deploy", description: "CD pipeline", resources: ["repo:acme/app:repo-pull,repo-push", "org:acme:team-read"], expires: "90d", json: false }, t.deps);
    const [made] = ctx.hub.orgTokensOf("acme");
    expect(made).toMatchObject({
      label: "deploy",
      description: "CD pipeline",
      created_by: "mona",
      expires_at: "2027-02-21T12:00:00.000000Z",
      resources: [{ type: "TYPE_REPO", path: "acme/app", scopes: ["repo-pull", "repo-push"] }, { type: "TYPE_ORG", path: "acme", scopes: ["team-read"] }],
    });
    const secret = t.stdout().trim();
    expect(ctx.hub.state.oatBySecret("acme", secret)?.id).toBe(made!.id);
    expect(t.stderr()).toBe(`✓ Created deploy (${made!.id.slice(0, 8)}) in acme: repo:acme/app (repo-pull, repo-push), org:acme (team-read), expires 2027-02-21T12:00:00Z\n`);
  });

  it("asks on a terminal for the name and the expiry, offering the expiries in the Hub's words as create does", async () => {
    const t = as("mona", { tty: true, answers: [{ input: "Token name:", answer: "deploy" }, { select: "Expiration date:", answer: "60d" }] });
    await runOrgCreate({ org: "acme", resources: ["repo:acme/app:repo-pull"], json: false }, t.deps);
    expect(t.prompter.choices.get("Expiration date:")).toEqual(["30 days", "60 days", "90 days", "1 year", "None"]);
    expect(ctx.hub.orgTokensOf("acme")).toMatchObject([{ label: "deploy", expires_at: "2027-01-22T12:00:00.000000Z", resources: pull }]);
  });

  it("create --org asks nothing of a logged-out terminal, and says a wrong --expires first (exit 2)", async () => {
    const tty = testDeps({ hubUrl: ctx.hub.url, tty: true });
    expect(await failure(runOrgCreate({ org: "acme", resources: ["repo:acme/app:repo-pull"], json: false }, tty.deps))).toMatchObject({ exitCode: 4 });
    expect(tty.prompter.asked).toEqual([]);
    expect(await failure(runOrgCreate({ org: "acme", label: "x", resources: ["repo:acme/app:repo-pull"], expires: "someday", json: false }, tty.deps))).toMatchObject({ exitCode: 2 });
  });

  it("needs a resource, and resources it can read", async () => {
    const t = as("mona");
    expect(await failure(runOrgCreate({ org: "acme", label: "x", resources: [], expires: "never", json: false }, t.deps))).toEqual({
      line: "hub-tokens: an organization access token needs at least one --resource, such as repo:acme/app:repo-pull",
      exitCode: 2,
    });
    expect(() => parseResource("acme/app")).toThrow('can\'t read the resource "acme/app": write repo:NAMESPACE/REPO:SCOPES or org:NAME:SCOPES, such as repo:acme/app:repo-pull,repo-push');
    expect(parseResource("repo:*/*/public:repo-pull")).toEqual({ type: "TYPE_REPO", path: "*/*/public", scopes: ["repo-pull"] });
    expect(labels()).toEqual([]);
  });

  it("inspects a token by label as JSON", async () => {
    const ci = seed("ci", { expiresAt: new Date(NOW.getTime() + 5 * day) });
    const t = as("mona");
    await runOrgInspect({ org: "acme", tokens: ["ci"], json: true }, t.deps);
    expect(JSON.parse(t.stdout())).toEqual([
      {
        org: "acme", id: ci.id, label: "ci", description: null, resources: pull, status: "active", isActive: true, createdBy: "mona",
        createdAt: "2026-11-13T12:00:00Z", lastUsedAt: null, expiresAt: "2026-11-28T12:00:00Z",
      },
    ]);
  });

  it("deactivates and activates by label or id prefix", async () => {
    const ci = seed("ci");
    const t = as("mona");
    await runOrgSetActive({ org: "acme", tokens: ["ci"], json: false }, t.deps, false);
    expect(ctx.hub.state.orgTokens.get(ci.id)?.is_active).toBe(false);
    await runOrgSetActive({ org: "acme", tokens: [ci.id.slice(0, 8)], json: false }, t.deps, true);
    expect(ctx.hub.state.orgTokens.get(ci.id)?.is_active).toBe(true);
    expect(t.stderr()).toBe(`✓ Deactivated ci (${ci.id.slice(0, 8)}) in acme\n✓ Activated ci (${ci.id.slice(0, 8)}) in acme\n`);
  });

  it("deletes as delete does: --yes when piped, asks on a terminal, --dry-run", async () => {
    seed("ci");
    const old = seed("old", { isActive: false });
    const gone = seed("gone", { expiresAt: new Date(NOW.getTime() + day) });
    ctx.hub.state.orgTokens.get(gone.id)!.expires_at = "2026-11-20T12:00:00.000000Z";
    expect(await failure(runOrgDelete(del({ tokens: ["ci"] }), as("mona").deps))).toEqual({ line: "hub-tokens: no terminal to confirm the deletion: pass --yes (or --dry-run to see what would go)", exitCode: 2 });

    const dry = as("mona");
    await runOrgDelete(del({ expired: true, dryRun: true }), dry.deps);
    expect(dry.stderr()).toBe(`Would delete 1 token of acme:\n  gone (${gone.id.slice(0, 8)}), repo:acme/app (repo-pull), expired\n`);
    expect(labels()).toEqual(["gone", "old", "ci"]);

    const tty = as("mona", { tty: true, answers: [{ confirm: "Delete 2 tokens? This cannot be undone.", answer: true }] });
    await runOrgDelete(del({ inactive: true, expired: true }), tty.deps);
    expect(labels()).toEqual(["ci"]);
    expect(tty.stderr()).toContain(`✓ Deleted old (${old.id.slice(0, 8)}) from acme\n`);
  });

  it("exits 4, as delete does, when the session expires between listing and deleting, naming the reason once", async () => {
    const ci = seed("ci");
    const old = seed("old");
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) } });
    const real = await t.deps.hub();
    t.deps.hub = async () =>
      Object.assign(Object.create(real) as typeof real, {
        listOrgTokens: async (org: string) => {
          const list = await real.listOrgTokens(org);
          ctx.clock.now = new Date(NOW.getTime() + 61_000); // the Hub's clock passes the session's expiry
          return list;
        },
      });
    expect(await failure(runOrgDelete(del({ tokens: ["ci", "old"], yes: true }), t.deps))).toEqual({
      line: `hub-tokens: deleted 0 of 2 tokens; not ci (${ci.id.slice(0, 8)}), old (${old.id.slice(0, 8)}): Docker Hub refused the session: it expired or was revoked (run: hub-tokens login)`,
      exitCode: 4,
    });
    expect(labels()).toEqual(["old", "ci"]);
  });
});

describe("audit and prune --org", () => {
  const ago = (days: number) => new Date(NOW.getTime() - days * day);
  /** The organization's tokens, one per finding, and one with nothing to say. */
  function seedAll() {
    const used = (label: string, daysAgo: number, o: Parameters<typeof seed>[1] = {}) => {
      const t = seed(label, o);
      t.last_used_at = hubTime(ago(daysAgo));
      return t;
    };
    return {
      fine: used("fine", 1),
      stale: used("stale", 120),
      soon: used("soon", 1, { expiresAt: ago(-5) }),
      gone: used("gone", 3, { expiresAt: ago(2) }),
      off: used("off", 1, { isActive: false }),
      unused: seed("unused"),
    };
  }
  const auditOpts = (o: Partial<AuditOptions> = {}): AuditOptions => ({ org: "acme", unusedDays: 90, expiringDays: 14, json: false, ...o });
  const pruneOpts = (o: Partial<PruneOptions> = {}): PruneOptions => ({ org: "acme", unusedDays: 90, expiringDays: 14, select: ["unused", "expired", "inactive"], yes: false, dryRun: false, json: false, ...o });

  it("audit flags the organization's tokens as it does personal ones, tab-separated when piped", async () => {
    const s = seedAll();
    const t = as("mona");
    await runAudit(auditOpts(), t.deps);
    expect(t.stdout()).toBe(
      `${s.unused.id}\tunused\trepo:acme/app:repo-pull\tactive\t\tnever-used\n` +
        `${s.off.id}\toff\trepo:acme/app:repo-pull\tinactive\t2026-11-22T12:00:00Z\tinactive\n` +
        `${s.gone.id}\tgone\trepo:acme/app:repo-pull\texpired\t2026-11-20T12:00:00Z\texpired\n` +
        `${s.soon.id}\tsoon\trepo:acme/app:repo-pull\tactive\t2026-11-22T12:00:00Z\texpiring\n` +
        `${s.stale.id}\tstale\trepo:acme/app:repo-pull\tactive\t2026-07-26T12:00:00Z\tunused\n`,
    );
    expect(t.stderr()).toBe("");
  });

  it("audit words it for a person, with the resources and the organization", async () => {
    seedAll();
    const t = as("mona", { tty: true });
    await runAudit(auditOpts(), t.deps);
    const rows = t.stdout().split("\n");
    expect(rows[0]).toMatch(/^ID +LABEL +RESOURCES +STATUS +LAST USED +FINDINGS$/);
    expect(rows.find((r) => r.includes("stale"))).toMatch(/ repo:acme\/app \(repo-pull\) +active +4 months ago +last used 4 months ago$/);
    expect(rows.at(-2)).toBe("5 of 6 tokens of acme flagged (unused: 90 days, expiring: within 14 days)");
  });

  it("audit --json prints what list --org --json does, with the findings", async () => {
    const s = seedAll();
    const t = as("mona");
    await runAudit(auditOpts({ json: true }), t.deps);
    const found = JSON.parse(t.stdout()) as { org: string; id: string; label: string; resources: unknown[]; flags: string[] }[];
    expect(found.map((f) => [f.label, f.flags])).toEqual([["unused", ["never-used"]], ["off", ["inactive"]], ["gone", ["expired"]], ["soon", ["expiring"]], ["stale", ["unused"]]]);
    expect(found[0]).toMatchObject({ org: "acme", id: s.unused.id, resources: pull });
  });

  it("prune deletes the organization's selection, with delete's confirmation and wording", async () => {
    const s = seedAll();
    const t = as("mona");
    await runPrune(pruneOpts({ yes: true }), t.deps);
    expect(labels().sort()).toEqual(["fine", "soon", "unused"]);
    expect(t.stderr()).toBe(
      `✓ Deleted off (${s.off.id.slice(0, 8)}) from acme\n✓ Deleted gone (${s.gone.id.slice(0, 8)}) from acme\n✓ Deleted stale (${s.stale.id.slice(0, 8)}) from acme\n` +
        "Left alone: 2 tokens audit flags for findings not in --select (unused,expired,inactive): 1 never-used (may be new), 1 expiring (still works); add a finding to --select to delete those too\n",
    );
  });

  it("prune --dry-run shows the organization's selection and deletes nothing", async () => {
    const s = seedAll();
    const t = as("mona");
    await runPrune(pruneOpts({ select: ["never-used"], dryRun: true }), t.deps);
    expect(t.stderr()).toBe(
      `Would delete 1 token of acme:\n  unused (${s.unused.id.slice(0, 8)}), repo:acme/app (repo-pull), active\n` +
        "Left alone: 4 tokens audit flags for findings not in --select (never-used): 1 unused (not selected), 1 expiring (still works), 1 expired (not selected), 1 inactive (not selected); add a finding to --select to delete those too\n",
    );
    expect(labels()).toHaveLength(6);
  });

  it("says a member can't audit the organization's tokens, exit 1", async () => {
    seedAll();
    const r = await failure(runAudit(auditOpts(), as("bob").deps));
    expect(r.exitCode).toBe(1);
    expect(r.line).toMatch(/^hub-tokens: .*acme/);
  });
});

