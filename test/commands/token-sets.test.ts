// One definition of each token set, shared by list, delete, audit and prune: a token deactivated and then past its
// expiry date is in both the inactive and the expired set, whichever command asks.
import { describe, expect, it } from "vitest";
import { helpPages } from "../../src/cli/entry.js";
import { runAudit } from "../../src/commands/audit.js";
import { runDelete } from "../../src/commands/delete.js";
import { runList } from "../../src/commands/list.js";
import { runPrune } from "../../src/commands/prune.js";
import { inTokenSet } from "../../src/commands/token-sets.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { MONA, useEmulator } from "../fakes/hub.js";

const day = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const ctx = useEmulator(() => ({
  users: [
    {
      ...MONA,
      tokens: [
        { label: "working", scopes: ["repo:read"], createdAt: ago(day), lastUsedAt: ago(day) },
        { label: "deactivated", scopes: ["repo:read"], isActive: false, createdAt: ago(day), lastUsedAt: ago(day) },
        { label: "lapsed", scopes: ["repo:read"], createdAt: ago(9 * day), lastUsedAt: ago(day), expiresAt: ago(day) },
        { label: "deactivated-and-lapsed", scopes: ["repo:read"], isActive: false, createdAt: ago(9 * day), lastUsedAt: ago(day), expiresAt: ago(day) },
      ],
    },
  ],
}));
const loggedIn = () => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
const labelsOf = (json: string) => (JSON.parse(json) as { label?: string; token?: { label: string } }[]).map((t) => t.label ?? t.token!.label).sort();

describe("the token sets", () => {
  it("are defined once: active, inactive (is_active false) and expired (past expiry) overlap where the Hub's fields do", () => {
    const t = (isActive: boolean, expired: boolean) => ({ isActive, ...(expired ? { expiresAt: ago(1) } : {}) });
    const sets = (tok: ReturnType<typeof t>) => (["active", "inactive", "expired"] as const).filter((s) => inTokenSet(s, tok, NOW));
    expect([sets(t(true, false)), sets(t(false, false)), sets(t(true, true)), sets(t(false, true))]).toEqual([["active"], ["inactive"], ["expired"], ["inactive", "expired"]]);
  });

  it("list --inactive and delete --inactive choose the same tokens, the deactivated and lapsed one included", async () => {
    const listed = loggedIn();
    await runList({ active: false, inactive: true, json: true }, listed.deps);
    const deleted = loggedIn();
    await runDelete({ tokens: [], inactive: true, expired: false, yes: true, dryRun: true, json: true }, deleted.deps);
    expect(labelsOf(listed.stdout())).toEqual(["deactivated", "deactivated-and-lapsed"]);
    expect(labelsOf(deleted.stdout())).toEqual(["deactivated", "deactivated-and-lapsed"]);
  });

  it("delete --expired, audit and prune --select use the same sets", async () => {
    const deleted = loggedIn();
    await runDelete({ tokens: [], inactive: false, expired: true, yes: true, dryRun: true, json: true }, deleted.deps);
    expect(labelsOf(deleted.stdout())).toEqual(["deactivated-and-lapsed", "lapsed"]);

    const audited = loggedIn();
    await runAudit({ unusedDays: 90, expiringDays: 14, json: true }, audited.deps);
    const flags = Object.fromEntries((JSON.parse(audited.stdout()) as { label?: string; token?: { label: string }; flags: string[] }[]).map((f) => [f.label ?? f.token!.label, f.flags.filter((x) => x === "inactive" || x === "expired")]));
    expect(flags).toEqual({ deactivated: ["inactive"], lapsed: ["expired"], "deactivated-and-lapsed": ["expired", "inactive"] });

    for (const [select, want] of [["inactive", ["deactivated", "deactivated-and-lapsed"]], ["expired", ["deactivated-and-lapsed", "lapsed"]]] as const) {
      const pruned = loggedIn();
      await runPrune({ unusedDays: 90, expiringDays: 14, select: [select], yes: true, dryRun: true, json: true }, pruned.deps);
      expect(labelsOf(pruned.stdout())).toEqual(want);
    }
  });

  it("are said in words in the help of list, delete, audit and prune", async () => {
    const pages = await helpPages();
    for (const command of ["list", "delete", "audit", "prune"]) {
      expect(pages[command]).toContain("inactive: deactivated (is_active false), expired or not");
      expect(pages[command]).toContain("expired: past its expiry date, deactivated or not");
      expect(pages[command]).toContain("active: not deactivated and not past its expiry date");
    }
  });
});
