import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { labelFrom, parseExpiry, parseScope, runCreate, type CreateOptions } from "../../src/commands/create.js";
import type { Prompter } from "../../src/cli/prompter.js";
import { HubClient } from "../../src/hub/client.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, useEmulator } from "../fakes/hub.js";
import { countReads } from "../fakes/stores.js";

const ctx = useEmulator();
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const opts = (o: Partial<CreateOptions>): CreateOptions => ({ dockerLogin: false, json: false, ...o });
const loggedIn = (o: Parameters<typeof testDeps>[0] = {}) => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, ...o });

describe("create", () => {
  it("asks for what is missing on a terminal and prints the token once, alone on stdout", async () => {
    const t = loggedIn({
      tty: true,
      answers: [
        { input: "Token description:", answer: "ci-runner" },
        { select: "Access permissions:", answer: "repo:read" },
        { select: "Expiration date:", answer: "30d" },
      ],
    });
    await runCreate(opts({}), t.deps);
    expect(t.prompter.choices.get("Expiration date:")).toEqual(["30 days", "60 days", "90 days", "1 year", "None"]);
    const made = ctx.hub.tokenByLabel("ci-runner");
    expect(made.scopes).toEqual(["repo:read"]);
    expect(made.expires_at).toMatch(/^2026-12-23T12:00:00/);
    expect(t.stdout()).toMatch(/^dckr_pat_[A-Za-z0-9_-]+\n$/);
    expect(sha256(t.stdout().trim())).toBe(made.secret_sha256);
    expect(t.stderr()).toBe(
      `✓ Created ci-runner (${made.uuid.slice(0, 8)}): Read-only, expires 2026-12-23T12:00:00Z\n` +
        "  Copy it now: the Hub never shows it again. Use it as the password of: docker login --username mona\n",
    );
    expect(t.store.entries.size).toBe(0);
  });

  it("takes flags when piped and prints only the token on stdout", async () => {
    const t = loggedIn();
    await runCreate(opts({ label: "deploy", scope: "Read & Write", expires: "never" }), t.deps);
    const made = ctx.hub.tokenByLabel("deploy");
    expect(made.scopes).toEqual(["repo:write"]);
    expect(made.expires_at).toBeNull();
    expect(sha256(t.stdout().trim())).toBe(made.secret_sha256);
    expect(t.stderr()).toBe(`✓ Created deploy (${made.uuid.slice(0, 8)}): Read & Write, never expires\n`);
  });

  it("reads the session from the keychain once", async () => {
    const t = loggedIn();
    const reads = countReads(t.sessions, ctx.hub.url);
    await runCreate(opts({ label: "once", scope: "read", expires: "30d" }), t.deps);
    expect(ctx.hub.tokenByLabel("once").scopes).toEqual(["repo:read"]);
    expect(reads()).toBe(1);
  });

  it("names every missing flag when it cannot ask", async () => {
    const t = loggedIn();
    expect(await failure(runCreate(opts({ label: "x" }), t.deps))).toEqual({ line: "hub-tokens: no terminal to ask for the token's details: pass --scope, --expires", exitCode: 2 });
    expect(ctx.hub.tokensOf("mona")).toEqual([]);
  });

  it("stores the token for Docker with --docker-login and never prints it", async () => {
    const t = loggedIn();
    await runCreate(opts({ label: "laptop", scope: "admin", expires: "2027-01-31", dockerLogin: true }), t.deps);
    const made = ctx.hub.tokenByLabel("laptop");
    const stored = t.store.entries.get(DOCKER_HUB_KEY);
    expect(stored).toEqual({ username: "mona", secret: expect.stringMatching(/^dckr_pat_/), tokenId: made.uuid });
    expect(sha256(stored!.secret)).toBe(made.secret_sha256);
    expect(t.stdout()).toBe("");
    expect(t.stderr()).toBe(
      `✓ Created laptop (${made.uuid.slice(0, 8)}): Read, Write, Delete, expires 2027-01-31T00:00:00Z\n` +
        `  Stored for Docker (https://index.docker.io/v1/) as mona, secret …${stored!.secret.slice(-4)}\n` +
        '! Docker does not ask hubpat for credentials yet: set "credsStore": "hubpat" in /nonexistent/hubpat-test/config.json\n',
    );
    // Docker's registry login works with what was stored.
    expect(await new HubClient({ baseUrl: ctx.hub.url, tokenServiceUrl: ctx.hub.tokenServiceUrl }).verifyRegistryLogin("mona", stored!.secret)).toBe(true);
  });

  it("with --docker-login, checks the store takes a secret before asking or creating anything", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, storeProblem: { problem: "the password store /home/mona/.password-store is not initialised (it has no .gpg-id)", fix: "run: pass init YOUR-GPG-KEY-ID" } });
    const before = ctx.hub.tokensOf("mona").length;
    expect(await failure(runCreate(opts({ dockerLogin: true }), t.deps))).toEqual({ line: "hub-tokens: the keychain store can't keep a secret here, so nothing was asked for or changed: the password store /home/mona/.password-store is not initialised (it has no .gpg-id): run: pass init YOUR-GPG-KEY-ID (or see the stores that work here: hub-tokens setup)", exitCode: 1 });
    expect(t.prompter.asked).toEqual([]);
    expect(ctx.hub.tokensOf("mona")).toHaveLength(before);
  });

  it("prints JSON with the secret once", async () => {
    const t = loggedIn();
    await runCreate(opts({ label: "json", scope: "public_read", expires: "90d", json: true }), t.deps);
    const made = ctx.hub.tokenByLabel("json");
    const printed = JSON.parse(t.stdout()) as Record<string, unknown>;
    expect(printed).toEqual({
      id: made.uuid,
      label: "json",
      scopes: ["repo:public_read"],
      scope: "Public Repo Read-only",
      status: "active",
      isActive: true,
      createdAt: "2026-11-23T12:00:00Z",
      lastUsedAt: null,
      expiresAt: "2027-02-21T12:00:00Z",
      creatorIp: "127.0.0.1",
      creatorUserAgent: expect.stringContaining("hubpat"),
      clientId: "HUB",
      generatedBy: "manual",
      usedByDocker: false,
      secret: expect.stringMatching(/^dckr_pat_/),
    });
    expect(sha256(printed.secret as string)).toBe(made.secret_sha256);
  });

  it("with --docker-login --json, prints the token as Docker's without its secret, and reads the item only before (what it replaces), not back", async () => {
    const t = loggedIn();
    const reads = countReads(t.store, DOCKER_HUB_KEY);
    await runCreate(opts({ label: "both", scope: "read", expires: "never", dockerLogin: true, json: true }), t.deps);
    const made = ctx.hub.tokenByLabel("both");
    const printed = JSON.parse(t.stdout()) as Record<string, unknown>;
    expect(printed).toMatchObject({ id: made.uuid, label: "both", usedByDocker: true });
    expect(printed).not.toHaveProperty("secret");
    expect(t.store.entries.get(DOCKER_HUB_KEY)).toMatchObject({ username: "mona", tokenId: made.uuid });
    // Read once before creating (whose token Docker holds: another account's is asked about), never read back.
    expect(reads()).toBe(1);
  });

  it("takes the store's failure back: the token is deleted again", async () => {
    const t = loggedIn();
    t.store.set = () => Promise.reject(new Error("the keychain is locked"));
    const f = await failure(runCreate(opts({ label: "lost", scope: "read", expires: "30d", dockerLogin: true }), t.deps));
    expect(f.line).toMatch(/^hub-tokens: created lost \([0-9a-f]{8}\) but could not store it for Docker, so deleted it again$/);
    expect(f.exitCode).toBe(1);
    expect(ctx.hub.tokensOf("mona")).toEqual([]);
  });

  it("needs a login (exit 4)", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    expect(await failure(runCreate(opts({ label: "x", scope: "read", expires: "30d" }), t.deps))).toEqual({
      line: `hub-tokens: not logged in to ${ctx.hub.url} (run: hub-tokens login)`,
      exitCode: 4,
    });
  });

  it("says a wrong flag (exit 2) before it looks for a login, and asks nothing of a logged-out terminal", async () => {
    const loggedOut = testDeps({ hubUrl: ctx.hub.url });
    expect(await failure(runCreate(opts({ label: "x", scope: "everything", expires: "30d" }), loggedOut.deps))).toMatchObject({ exitCode: 2 });
    expect(await failure(runCreate(opts({ label: "x", scope: "read", expires: "someday" }), loggedOut.deps))).toMatchObject({ exitCode: 2 });
    // On a terminal, the missing details would be asked: not before the login is known to be there.
    const tty = testDeps({ hubUrl: ctx.hub.url, tty: true });
    expect(await failure(runCreate(opts({}), tty.deps))).toMatchObject({ exitCode: 4 });
    expect(tty.prompter.asked).toEqual([]);
  });

  it("exits 4 when the Hub has let the session expire", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) } });
    ctx.clock.now = new Date(NOW.getTime() + 120_000);
    const f = await failure(runCreate(opts({ label: "x", scope: "read", expires: "30d" }), t.deps));
    expect(f.exitCode).toBe(4);
    expect(f.line).toMatch(/\(run: hub-tokens login\)$/);
    expect(ctx.hub.tokensOf("mona")).toEqual([]);
  });

  it("stops with 130 when a prompt is cancelled, creating nothing", async () => {
    const t = loggedIn({ tty: true, answers: [{ input: "Token description:", answer: "cancel" }] });
    expect((await failure(runCreate(opts({}), t.deps))).exitCode).toBe(130);
    expect(ctx.hub.tokensOf("mona")).toEqual([]);
  });
});

describe("parseScope", () => {
  it.each([
    ["Read, Write, Delete", "repo:admin"],
    ["repo:admin", "repo:admin"],
    ["Read & Write", "repo:write"],
    ["write", "repo:write"],
    ["read-only", "repo:read"],
    ["Public Repo Read-only", "repo:public_read"],
    ["public_read", "repo:public_read"],
  ])("%s → %s", (text, scope) => expect(parseScope(text)).toBe(scope));

  it("lists the choices for an unknown scope", () => {
    expect(() => parseScope("delete")).toThrow(
      'unknown scope "delete": use one of "Read, Write, Delete" (repo:admin), "Read & Write" (repo:write), "Read-only" (repo:read), "Public Repo Read-only" (repo:public_read)',
    );
  });
});

describe("parseExpiry", () => {
  it.each([
    ["30d", "2026-12-23T12:00:00.000Z"],
    ["60d", "2027-01-22T12:00:00.000Z"],
    ["90d", "2027-02-21T12:00:00.000Z"],
    ["1y", "2027-11-23T12:00:00.000Z"],
    ["2027-01-31", "2027-01-31T00:00:00.000Z"],
  ])("%s → %s", (text, iso) => expect(parseExpiry(text, NOW)?.toISOString()).toBe(iso));
  it("never is undefined", () => expect(parseExpiry("never", NOW)).toBeUndefined());
  it("refuses a past date", () => expect(() => parseExpiry("2025-01-01", NOW)).toThrow("expiry 2025-01-01 is in the past"));
  it("refuses other words", () => expect(() => parseExpiry("2w", NOW)).toThrow('unknown expiry "2w": use 30d, 60d, 90d, 1y, never or a date such as 2027-01-31'));
});

describe("labelFrom", () => {
  /** A prompter that records the question and checks answers with the validator create gives it. */
  const asking = (answer: string) => {
    const seen: { question?: string; verdicts: (string | true)[] } = { verdicts: [] };
    const prompter = {
      input: async (question: string, o?: { validate?: (v: string) => string | true }) => {
        seen.question = question;
        for (const v of ["", "   ", "x".repeat(101), "ok", ` ${"x".repeat(100)} `]) seen.verdicts.push(o!.validate!(v));
        return answer;
      },
    } as unknown as Prompter;
    return { prompter, seen };
  };

  it("asks the question it is given, with the Hub's 1 to 100 characters as the prompt's check, and trims the answer", async () => {
    const { prompter, seen } = asking("  nightly build  ");
    expect(await labelFrom(undefined, prompter, "Token name:")).toBe("nightly build");
    expect(seen.question).toBe("Token name:");
    expect(seen.verdicts).toEqual(["1 to 100 characters", "1 to 100 characters", "1 to 100 characters", true, true]);
  });

  it("takes --label without asking, and refuses one the Hub would", async () => {
    const { prompter, seen } = asking("unused");
    expect(await labelFrom("ci", prompter, "Token description:")).toBe("ci");
    expect(seen.question).toBeUndefined();
    await expect(labelFrom("x".repeat(101), prompter, "Token description:")).rejects.toThrow("a token label has 1 to 100 characters");
  });
});

describe("create: what it replaces, said plainly", () => {
  const held = (t: ReturnType<typeof loggedIn>, id: string) => t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_oldoldoldoldoldwxyz", tokenId: id });
  const flags = { scope: "read", expires: "never", dockerLogin: true } as const;

  it("warns when another token has the label", async () => {
    const first = ctx.hub.addToken("mona", { label: "ci" }).token;
    const t = loggedIn();
    await runCreate(opts({ label: "ci", scope: "read", expires: "30d" }), t.deps);
    expect(t.stderr()).toMatch(new RegExp(`^! ci \\(${first.uuid.slice(0, 8)}\\) is labelled ci too: name each by id from now on\\n`));
  });

  it("--docker-login names the token Docker held and deactivates it once asked on a terminal", async () => {
    const old = ctx.hub.addToken("mona", { label: "laptop" }).token;
    const t = loggedIn({ tty: true, answers: [{ confirm: `Deactivate laptop (${old.uuid.slice(0, 8)}) once the new token is stored?`, answer: true }] });
    held(t, old.uuid);
    await runCreate(opts({ label: "laptop-2", ...flags }), t.deps);
    expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(false);
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.tokenId).toBe(ctx.hub.tokenByLabel("laptop-2").uuid);
    expect(t.stderr()).toContain(`Docker holds laptop (${old.uuid.slice(0, 8)}) now; the new token takes its place.\n`);
    expect(t.stderr()).toContain(`✓ Deactivated laptop (${old.uuid.slice(0, 8)}), which Docker used before\n`);
  });

  it("--docker-login --keep-old leaves it active and says how to deactivate it", async () => {
    const old = ctx.hub.addToken("mona", { label: "laptop" }).token;
    const t = loggedIn();
    held(t, old.uuid);
    await runCreate(opts({ label: "laptop-2", ...flags, keepOld: true }), t.deps);
    expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(true);
    expect(t.stderr()).toContain(`  laptop (${old.uuid.slice(0, 8)}) stays active, though Docker no longer uses it (hub-tokens deactivate ${old.uuid})\n`);
  });

  it("--docker-login off a terminal needs --replace or --keep-old, before creating anything", async () => {
    const old = ctx.hub.addToken("mona", { label: "laptop" }).token;
    const t = loggedIn();
    held(t, old.uuid);
    expect(await failure(runCreate(opts({ label: "laptop-2", ...flags }), t.deps))).toEqual({
      line: `hub-tokens: Docker holds laptop (${old.uuid.slice(0, 8)}), still active: pass --replace to deactivate it once the new token is stored, or --keep-old to leave it active`,
      exitCode: 2,
    });
    expect(ctx.hub.tokensOf("mona").map((x) => x.token_label)).toEqual(["laptop"]);
    const r = loggedIn();
    held(r, old.uuid);
    await runCreate(opts({ label: "laptop-2", ...flags, replace: true }), r.deps);
    expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(false);
  });

  it("--docker-login asks nothing when the token Docker held is already inactive or gone", async () => {
    const old = ctx.hub.addToken("mona", { label: "laptop", isActive: false }).token;
    const t = loggedIn();
    held(t, old.uuid);
    await runCreate(opts({ label: "laptop-2", ...flags }), t.deps);
    expect(t.store.entries.get(DOCKER_HUB_KEY)?.tokenId).toBe(ctx.hub.tokenByLabel("laptop-2").uuid);
  });
});
