import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTokenCache } from "../../src/cli/completion.js";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { parseFormat, TOKEN_FIELDS } from "../../src/cli/format.js";
import { visibleWidth } from "../../src/cli/io.js";
import { runList, type ListOptions } from "../../src/commands/list.js";
import { HubClient } from "../../src/hub/client.js";
import { MemoryStore } from "../../src/store/memory.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const day = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const ctx = useEmulator(() => ({
  users: [
    {
      ...MONA,
      tokens: [
        { label: "old", scopes: ["repo:write"], isActive: false, createdAt: ago(400 * day) },
        { label: "gone", scopes: ["repo:read"], createdAt: ago(100 * day), expiresAt: ago(day) },
        { label: "laptop", scopes: ["repo:admin"], createdAt: ago(40 * day) },
        { label: "ci", scopes: ["repo:read"], createdAt: ago(3 * day), lastUsedAt: ago(2 * 3_600_000), expiresAt: new Date(NOW.getTime() + 27 * day) },
      ],
    },
  ],
}));
const opts = (o: Partial<ListOptions> = {}): ListOptions => ({ active: false, inactive: false, json: false, ...o });
const id = (label: string) => ctx.hub.tokenByLabel(label).uuid;

/** Docker holds `laptop`, as `create --docker-login` leaves it. */
function dockerStore(): MemoryStore {
  const store = new MemoryStore();
  store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_secretsecretabcd", tokenId: id("laptop") });
  return store;
}
const loggedIn = (o: Parameters<typeof testDeps>[0] = {}) => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, store: dockerStore(), ...o });

describe("list", () => {
  it("remembers the token count, so the next list asks for every page at once instead of page 1 first", async () => {
    for (let i = 0; i < 296; i++) ctx.hub.addToken("mona", { label: `bulk${i}` });
    ctx.hub.faults.latencyMs = 30; // long enough that requests sent together are in flight together
    const t = loggedIn();
    await runList(opts({ json: true }), t.deps);
    expect(t.config.lastTokenCount(ctx.hub.url)).toBe(300);
    // Count unknown: page 1 alone, then pages 2 and 3 together.
    expect(ctx.hub.stats.maxConcurrent).toBe(2);
    ctx.hub.stats.maxConcurrent = 0;
    const again = loggedIn();
    again.config.setLastTokenCount(ctx.hub.url, 300);
    await runList(opts({ json: true }), again.deps);
    expect(ctx.hub.stats.maxConcurrent).toBe(3);
    expect((JSON.parse(again.stdout()) as unknown[]).length).toBe(300);
  });

  it("prints an aligned table with relative times, Docker's token marked, and the Hub's counts on a terminal", async () => {
    const t = loggedIn({ tty: true });
    await runList(opts(), t.deps);
    const s = (label: string) => id(label).slice(0, 8);
    expect(t.stdout()).toBe(
      [
        "ID        LABEL            SCOPE                STATUS    CREATED       LAST USED    EXPIRES",
        `${s("ci")}  ci               Read-only            active    3 days ago    2 hours ago  in 27 days`,
        `${s("laptop")}  laptop [docker]  Read, Write, Delete  active    1 month ago   never        never`,
        `${s("gone")}  gone             Read-only            expired   3 months ago  never        1 day ago`,
        `${s("old")}  old              Read & Write         inactive  1 year ago    never        never`,
        "",
        "4 tokens; 3 active, 1 inactive",
        "",
      ].join("\n"),
    );
    expect(t.stderr()).toBe("");
  });

  it("prints tab-separated rows with ISO-8601 times when piped", async () => {
    const t = loggedIn();
    await runList(opts(), t.deps);
    expect(t.stdout()).toBe(
      [
        `${id("ci")}\tci\trepo:read\tactive\t2026-11-20T12:00:00Z\t2026-11-23T10:00:00Z\t2026-12-20T12:00:00Z\t`,
        `${id("laptop")}\tlaptop\trepo:admin\tactive\t2026-10-14T12:00:00Z\t\t\tdocker`,
        `${id("gone")}\tgone\trepo:read\texpired\t2026-08-15T12:00:00Z\t\t2026-11-22T12:00:00Z\t`,
        `${id("old")}\told\trepo:write\tinactive\t2025-10-19T12:00:00Z\t\t\t`,
        "",
      ].join("\n"),
    );
  });

  it("prints only the full IDs with -q, on a terminal as in a pipe", async () => {
    for (const tty of [true, false]) {
      const t = loggedIn({ tty });
      await runList(opts({ quiet: true, inactive: true }), t.deps);
      expect(t.stdout()).toBe(`${id("old")}\n`);
      expect(t.stderr()).toBe("");
    }
  });

  it("renders --format TEMPLATE per token, and --format tsv on a terminal, --format table in a pipe", async () => {
    const template = loggedIn({ tty: true, format: parseFormat("{{.ID}}\\t{{.Label}}\\t{{.UsedByDocker}}", TOKEN_FIELDS) });
    await runList(opts({ json: true, active: true }), template.deps);
    expect(template.stdout()).toBe(`${id("ci")}\tci\tfalse\n${id("laptop")}\tlaptop\ttrue\n`);
    const tsv = loggedIn({ tty: true, format: { kind: "tsv" } });
    await runList(opts({ active: true }), tsv.deps);
    expect(tsv.stdout().split("\n")[0]).toBe(`${id("ci")}\tci\trepo:read\tactive\t2026-11-20T12:00:00Z\t2026-11-23T10:00:00Z\t2026-12-20T12:00:00Z\t`);
    const table = loggedIn({ format: { kind: "table" } });
    await runList(opts({ active: true }), table.deps);
    expect(table.stdout().split("\n")[0]).toBe("ID        LABEL            SCOPE                STATUS  CREATED      LAST USED    EXPIRES");
    const docker = loggedIn({ format: parseFormat("table {{.Label}}\\t{{.Status}}", TOKEN_FIELDS) });
    await runList(opts({ json: true }), docker.deps);
    expect(docker.stdout()).toBe("LABEL   STATUS\nci      active\nlaptop  active\ngone    expired\nold     inactive\n");
  });

  it("counts what it shows in the footer when filtered", async () => {
    const t = loggedIn({ tty: true });
    await runList(opts({ inactive: true }), t.deps);
    expect(t.stdout().split("\n").slice(-2)[0]).toBe("1 of 4 tokens (inactive); 3 active, 1 inactive");
  });

  it("fits a 60-column terminal: labels cut with …, then columns dropped, never a wrapped row", async () => {
    ctx.hub.addToken("mona", { label: "release-pipeline-for-the-backend-services 🐳 本番" });
    const t = loggedIn({ tty: true, width: 60 });
    await runList(opts(), t.deps);
    const lines = t.stdout().split("\n");
    expect(lines[0]).toBe("ID        LABEL            STATUS    LAST USED    EXPIRES");
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(60);
    expect(lines.find((l) => l.includes("release"))).toMatch(/release-pipeli… +active/);
    expect(lines.find((l) => l.includes("laptop"))).toMatch(/laptop \[docker\] +active/);
    expect(lines.slice(-3)).toEqual(["5 tokens; 4 active, 1 inactive", "Hidden to fit: SCOPE, CREATED (--format tsv has all)", ""]);
  });

  it("leaves every token's id and label for shell completion, in a 0600 file, whatever it prints", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "hubpat-cache-")), "hubpat", "tokens.tsv");
    const t = loggedIn();
    await runList(opts({ quiet: true, active: true }), { ...t.deps, tokenCache: (tokens) => writeTokenCache(path, tokens) });
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean).sort()).toEqual(["ci", "gone", "laptop", "old"].map((l) => `${id(l)}\t${l}`).sort());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  it("prints JSON with --json", async () => {
    const t = loggedIn();
    await runList(opts({ json: true, inactive: true }), t.deps);
    expect(JSON.parse(t.stdout())).toEqual([
      expect.objectContaining({ id: id("old"), label: "old", scopes: ["repo:write"], scope: "Read & Write", status: "inactive", isActive: false, lastUsedAt: null, usedByDocker: false }),
    ]);
    const all = loggedIn();
    await runList(opts({ json: true }), all.deps);
    expect(JSON.parse(all.stdout())).toContainEqual(expect.objectContaining({ id: id("gone"), label: "gone", status: "expired", isActive: true, expiresAt: "2026-11-22T12:00:00Z", usedByDocker: false }));
  });

  it("filters with --active", async () => {
    const t = loggedIn();
    await runList(opts({ active: true }), t.deps);
    expect(t.stdout().split("\n").filter(Boolean).map((l) => l.split("\t")[1])).toEqual(["ci", "laptop"]);
  });

  it("says so when nothing matches", async () => {
    await ctx.hub.close();
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: "x" }, connect: async () => ({ listTokens: async () => ({ tokens: [], total: 0, activeCount: 0 }) }) as unknown as HubClient });
    await runList(opts({ inactive: true }), t.deps);
    expect(t.stdout()).toBe("");
    expect(t.stderr()).toBe("No inactive tokens\n");
  });

  it("lists every page", async () => {
    for (let i = 0; i < 230; i++) ctx.hub.addToken("mona", { label: `bulk-${i}` });
    const t = loggedIn();
    await runList(opts(), t.deps);
    expect(t.stdout().split("\n").filter(Boolean)).toHaveLength(234);
  });

  it("waits out a rate limit and still lists", async () => {
    ctx.hub.faults.rateLimitBurst = 1;
    // The client reads the Hub's reset time against the same fake clock the emulator answers by.
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
    await runList(opts({ json: true }), t.deps);
    expect((JSON.parse(t.stdout()) as unknown[]).length).toBe(4);
    expect(ctx.hub.stats.rateLimited).toBe(1);
  });

  it("gives up on a rate limit it would wait too long for, saying when to retry", async () => {
    ctx.hub.faults.rateLimitBurst = 5;
    const session = ctx.hub.sessionFor("mona");
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: session }, connect: async (s) => new HubClient({ baseUrl: ctx.hub.url, session: s!, maxRateLimitWaitMs: 0 }) });
    const f = await failure(runList(opts(), t.deps));
    expect(f.line).toMatch(/^hub-tokens: Docker Hub's rate limit was reached: try again after \d\d:\d\d:\d\d UTC$/);
    expect(f.exitCode).toBe(1);
  });

  it("needs a login (exit 4)", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    expect(await failure(runList(opts(), t.deps))).toEqual({ line: `hub-tokens: not logged in to ${ctx.hub.url} (run: hub-tokens login)`, exitCode: 4 });
  });

  it("exits 4 when the stored session has expired", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) }, now: new Date(NOW.getTime() + 3_600_000) });
    expect(await failure(runList(opts(), t.deps))).toEqual({
      line: `hub-tokens: your session for ${ctx.hub.url} (mona) expired at 2026-11-23T12:01:00.000Z (run: hub-tokens login)`,
      exitCode: 4,
    });
  });

  it("refuses a session obtained with a PAT, naming the fix", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { kind: "pat" }) } });
    const f = await failure(runList(opts(), t.deps));
    expect(f).toEqual({ line: "hub-tokens: personal access tokens can't manage tokens: log in with your password, or sign in with hub-tokens login --web (run: hub-tokens login)", exitCode: 4 });
  });
});
