import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/server.js";
import { DEMO_TOTP_SECRET } from "../../src/emulator/totp.js";
import { AuthError, CancelError, ExitCode, HubpatError, UsageError } from "../../src/errors.js";
import { HubClient, type HubClientOptions } from "../../src/hub/client.js";
import {
  HubApiError, HubUnavailableError, LoginError, NotFoundError, PAT_SESSION_MESSAGE, RateLimitError, UnexpectedResponseError,
} from "../../src/hub/errors.js";
import { VERSION } from "../../src/version.js";
import { openApiProblems } from "./openapi.js";

// The client against the emulator: what callers get back, what ends up in the emulator's state, and that every
// request and answer on the wire matches openapi.yaml. Each test's emulator must have seen no unknown request.
const emulators: Emulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) {
    await e.close();
    expect(e.unhandled).toEqual([]);
    expect(await openApiProblems(e.exchanges)).toEqual([]);
  }
});

const MONA = { username: "mona", password: "correct horse battery staple" };
async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ users: [{ ...MONA, tokens: [{ label: "ci" }] }], ...options });
  emulators.push(e);
  return e;
}

function client(e: Emulator, opts: HubClientOptions & { as?: string } = {}): HubClient {
  const { as, ...rest } = opts;
  return new HubClient({
    baseUrl: e.url,
    tokenServiceUrl: e.tokenServiceUrl,
    backoffMs: 5,
    ...(as ? { session: e.sessionFor(as) } : {}),
    warn: () => {},
    ...rest,
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error("expected a rejection, got a result");
}

describe("login", () => {
  it("signs in with a password and returns the session with the JWT's expiry, no second factor asked", async () => {
    const e = await start({ sessionTtlSeconds: 3600 });
    const hub = client(e);
    let asked = 0;
    const session = await hub.login(MONA.username, MONA.password, async () => `${++asked}`);
    expect(asked).toBe(0);
    expect(session.username).toBe("mona");
    expect(e.state.sessions.get(session.token)?.username).toBe("mona");
    expect(session.expiresAt?.getTime()).toBe(e.state.sessions.get(session.token)?.expires_at_ms);
    expect(hub.session).toBe(session.token);
    expect((await hub.listTokens()).tokens.map((t) => t.label)).toEqual(["ci"]);
  });

  it("asks for the 2FA code through the callback and completes the login with it", async () => {
    const e = await start({ users: [{ username: "ada", password: "pw", totpSecret: DEMO_TOTP_SECRET }] });
    const prompts: string[] = [];
    const session = await client(e).login("ada", "pw", async () => {
      prompts.push("code");
      return ` ${e.currentCode("ada")}\n`;
    });
    expect(prompts).toEqual(["code"]);
    expect(e.state.sessions.get(session.token)).toMatchObject({ username: "ada", kind: "password" });
  });

  it("refuses a wrong 2FA code with a LoginError (exit 4) that names the code, not its value", async () => {
    const e = await start({ users: [{ username: "ada", password: "pw", totpSecret: DEMO_TOTP_SECRET }] });
    const wrong = String((Number(e.currentCode("ada")) + 500_000) % 1_000_000).padStart(6, "0");
    const err = await failure(client(e).login("ada", "pw", async () => wrong));
    expect(err).toBeInstanceOf(LoginError);
    expect(err.message).toBe("Docker Hub did not accept the 2FA code: enter the current code from your authenticator app");
    expect((err as LoginError).exitCode).toBe(ExitCode.auth);
  });

  it("refuses a wrong password without asking for a code and without echoing it", async () => {
    const e = await start({ users: [{ username: "ada", password: "pw", totpSecret: DEMO_TOTP_SECRET }] });
    let asked = false;
    const err = await failure(client(e).login("ada", "hunter2", async () => ((asked = true), "000000")));
    expect(asked).toBe(false);
    expect(err).toBeInstanceOf(LoginError);
    expect(err.message).toBe("Docker Hub did not accept the password for ada: check the username and password and try again");
  });
});

describe("sessions", () => {
  it("says not logged in (exit 4) when there is no session, without calling the Hub", async () => {
    const e = await start();
    const err = await failure(client(e).listTokens());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe("not logged in to Docker Hub");
    expect(e.exchanges).toEqual([]);
  });

  it("turns a rejected (expired) session into an AuthError with the login hint", async () => {
    const e = await start();
    const err = await failure(client(e, { session: e.sessionFor("mona", { ttlSeconds: -10 }) }).listTokens());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe("Docker Hub refused the session: it expired or was revoked");
    expect((err as AuthError).hint).toBe("run: hub-tokens login");
  });

  it("explains that a PAT can't manage tokens when the session came from a PAT login", async () => {
    const e = await start();
    const hub = client(e);
    await hub.login("mona", e.seededSecret("mona", "ci"), async () => "000000");
    const err = await failure(hub.createToken({ label: "x", scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe(PAT_SESSION_MESSAGE);
    expect(e.tokensOf("mona").map((t) => t.token_label)).toEqual(["ci"]);
  });
});

describe("personal access tokens", () => {
  it("lists every field of every token, with the Hub's counts", async () => {
    const lastUsed = new Date("2026-01-02T03:04:05.678Z");
    const expires = new Date("2030-01-01T00:00:00.000Z");
    const e = await start({
      users: [{ ...MONA, tokens: [{ label: "old", scopes: ["repo:admin"], lastUsedAt: lastUsed, isActive: false }, { label: "new", scopes: ["repo:public_read"], expiresAt: expires }] }],
    });
    const list = await client(e, { as: "mona" }).listTokens();
    const old = e.tokenByLabel("old");
    expect(list.total).toBe(2);
    expect(list.activeCount).toBe(1);
    expect(list.tokens.map((t) => t.label)).toEqual(["new", "old"]);
    expect(list.tokens[1]).toEqual({
      id: old.uuid,
      label: "old",
      scopes: ["repo:admin"],
      isActive: false,
      createdAt: new Date(old.created_at),
      lastUsedAt: lastUsed,
      creatorIp: "127.0.0.1",
      creatorUserAgent: "hubpat-emulator seed",
      clientId: "HUB",
      generatedBy: "manual",
    });
    expect(list.tokens[0]?.expiresAt).toEqual(expires);
    expect(list.tokens[0]?.lastUsedAt).toBeUndefined();
  });

  it("lists thousands of tokens over every page, each once, fetching pages side by side", async () => {
    const e = await start({ faults: { latencyMs: 2 } });
    for (let i = 0; i < 2499; i++) e.addToken("mona", { label: `t${i}`, isActive: i % 3 !== 0 });
    const list = await client(e, { as: "mona" }).listTokens();
    expect(list.total).toBe(2500);
    expect(list.tokens).toHaveLength(2500);
    expect(new Set(list.tokens.map((t) => t.id)).size).toBe(2500);
    expect(list.tokens.map((t) => t.id)).toEqual(e.tokensOf("mona").map((t) => t.uuid));
    expect(list.activeCount).toBe(e.tokensOf("mona").filter((t) => t.is_active).length);
    const pages = e.exchanges.filter((x) => x.path === "/v2/access-tokens");
    expect(pages.map((x) => x.query.page).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(pages.every((x) => x.query.page_size === "100")).toBe(true);
    expect(e.stats.maxConcurrent).toBeGreaterThan(1);
  });

  it.each([
    { expected: 1000, actual: 1000 },
    { expected: 1000, actual: 150 },
    { expected: 300, actual: 1000 },
  ])("lists all $actual tokens when told to expect $expected", async ({ expected, actual }) => {
    const e = await start();
    for (let i = 1; i < actual; i++) e.addToken("mona", { label: `t${i}` });
    const list = await client(e, { as: "mona" }).listTokens({ expectedCount: expected });
    expect(list.tokens.map((t) => t.id)).toEqual(e.tokensOf("mona").map((t) => t.uuid));
    expect(list.total).toBe(actual);
    const asked = e.exchanges.filter((x) => x.path === "/v2/access-tokens").map((x) => Number(x.query.page));
    expect(asked.sort((a, b) => a - b)).toEqual(Array.from({ length: Math.max(expected, actual) / 100 + (Math.max(expected, actual) % 100 ? 1 : 0) }, (_, i) => i + 1));
  });

  it("sends every page at once when the expected count is right", async () => {
    // Long enough that all ten requests are in flight together on a loaded machine (or under libfaketime).
    const e = await start({ faults: { latencyMs: 300 } });
    for (let i = 1; i < 1000; i++) e.addToken("mona", { label: `t${i}` });
    await client(e, { as: "mona" }).listTokens({ expectedCount: 1000 });
    expect(e.stats.maxConcurrent).toBe(10);
  });

  it("follows the page size the Hub used when it caps the one asked for", async () => {
    const e = await start({ maxPageSize: 25 });
    for (let i = 0; i < 249; i++) e.addToken("mona", { label: `t${i}` });
    const list = await client(e, { as: "mona", pageSize: 100 }).listTokens();
    expect(list.tokens.map((t) => t.id)).toEqual(e.tokensOf("mona").map((t) => t.uuid));
    expect(e.exchanges.map((x) => Number(x.query.page)).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it("creates a token with its label, scope and expiry, and shows its secret once", async () => {
    const e = await start();
    const expiresAt = new Date(Date.now() + 30 * 86400_000);
    const hub = client(e, { as: "mona" });
    const created = await hub.createToken({ label: "laptop", scopes: ["repo:write"], expiresAt });
    expect(created.secret).toMatch(/^dckr_pat_[A-Za-z0-9_-]{27}$/);
    const stored = e.tokenByLabel("laptop");
    expect(stored).toMatchObject({ uuid: created.id, scopes: ["repo:write"], is_active: true, creator_ua: `hubpat/${VERSION}` });
    expect(new Date(stored.expires_at!).getTime()).toBe(expiresAt.getTime());
    expect(created.expiresAt).toEqual(expiresAt);
    const again = await hub.getToken(created.id);
    expect(again).toEqual({ ...created, secret: undefined, lastUsedAt: undefined } as unknown);
    expect("secret" in again).toBe(false);
  });

  it("renames, deactivates and reactivates a token", async () => {
    const e = await start();
    const hub = client(e, { as: "mona" });
    const id = e.tokenByLabel("ci").uuid;
    expect(await hub.updateToken(id, { label: "ci-runner" })).toMatchObject({ id, label: "ci-runner", isActive: true });
    expect(await hub.updateToken(id, { isActive: false })).toMatchObject({ label: "ci-runner", isActive: false });
    expect(e.tokenByLabel("ci-runner").is_active).toBe(false);
    await hub.updateToken(id, { isActive: true });
    expect(e.tokenByLabel("ci-runner").is_active).toBe(true);
  });

  it("deletes a token, and says which one when it doesn't exist", async () => {
    const e = await start();
    const hub = client(e, { as: "mona" });
    const id = e.tokenByLabel("ci").uuid;
    await hub.deleteToken(id);
    expect(e.tokensOf("mona")).toEqual([]);
    const err = await failure(hub.deleteToken(id));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(`Docker Hub has no token ${id}`);
    expect(await failure(hub.getToken("nope"))).toBeInstanceOf(NotFoundError);
  });

  it("passes the Hub's validation message on in a HubApiError", async () => {
    const e = await start();
    const err = await failure(client(e, { as: "mona" }).createToken({ label: "x", scopes: ["repo:read"], expiresAt: new Date(Date.now() - 60_000) }));
    expect(err).toBeInstanceOf(HubApiError);
    expect(err.message).toBe("Docker Hub refused the request: expires_at: Expiration date must be in the future.");
    expect((err as HubApiError).status).toBe(400);
  });

  it.each([{ label: "", length: 0 }, { label: "x".repeat(101), length: 101 }])("refuses a $length-character label before asking the Hub", async ({ label, length }) => {
    const e = await start();
    const hub = client(e, { as: "mona" });
    const err = await failure(hub.createToken({ label, scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`a token label must be 1 to 100 characters, and this one has ${length}: choose a shorter one`);
    expect(await failure(hub.updateToken(e.tokenByLabel("ci").uuid, { label }))).toBeInstanceOf(UsageError);
    expect(e.exchanges).toEqual([]);
  });
});

describe("registry login check", () => {
  it("accepts an active PAT and rejects inactive, expired, deleted and wrong ones", async () => {
    const e = await start({
      users: [{ ...MONA, tokens: [{ label: "ok" }, { label: "off", isActive: false }, { label: "soon", expiresAt: new Date(Date.now() + 50) }, { label: "gone" }] }],
    });
    const hub = client(e, { as: "mona" });
    await hub.deleteToken(e.tokenByLabel("gone").uuid);
    await new Promise((r) => setTimeout(r, 60));
    expect(await hub.verifyRegistryLogin("mona", e.seededSecret("mona", "ok"))).toBe(true);
    expect(e.tokenByLabel("ok").last_used).not.toBeNull();
    for (const label of ["off", "soon", "gone"]) expect(await hub.verifyRegistryLogin("mona", e.seededSecret("mona", label))).toBe(false);
    expect(await hub.verifyRegistryLogin("someone", e.seededSecret("mona", "ok"))).toBe(false);
    const asked = e.exchanges.filter((x) => x.server === "registry");
    expect(asked.every((x) => x.query.service === "registry.docker.io" && x.query.account !== undefined)).toBe(true);
  });
});

describe("organization access tokens", () => {
  const resources = [{ type: "TYPE_REPO" as const, path: "acme/app", scopes: ["repo-pull"] }];

  it("creates, lists, reads, updates and deletes an organization's tokens", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const hub = client(e, { as: "mona" });
    const created = await hub.createOrgToken("acme", { label: "deploy", description: "CD", resources });
    expect(created.secret).toMatch(/^dckr_oat_/);
    expect(created).toMatchObject({ label: "deploy", description: "CD", createdBy: "mona", isActive: true, resources });
    expect((await hub.listOrgTokens("acme")).map((t) => t.id)).toEqual([created.id]);
    expect(await hub.getOrgToken("acme", created.id)).toMatchObject({ label: "deploy", resources });
    expect(await hub.updateOrgToken("acme", created.id, { isActive: false, label: "deploy-old" })).toMatchObject({ isActive: false, label: "deploy-old" });
    expect(await hub.verifyRegistryLogin("acme", created.secret)).toBe(false);
    await hub.deleteOrgToken("acme", created.id);
    expect(e.orgTokensOf("acme")).toEqual([]);
  });

  it("lists all pages of an organization's tokens", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const hub = client(e, { as: "mona", pageSize: 10 });
    for (let i = 0; i < 23; i++) await hub.createOrgToken("acme", { label: `t${i}`, resources });
    expect(await hub.listOrgTokens("acme")).toHaveLength(23);
  });

  it("lists what is left when tokens are deleted after the first page (the last page is gone by then)", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const hub = client(e, { as: "mona", pageSize: 10 });
    for (let i = 0; i < 25; i++) await hub.createOrgToken("acme", { label: `t${i}`, resources });
    e.faults.latencyMs = 300; // the later pages wait this long before the emulator reads its state
    const watch = setInterval(() => {
      if (e.exchanges.some((x) => x.query.page === "1" && x.path.endsWith("/access-tokens"))) {
        clearInterval(watch);
        for (const t of e.orgTokensOf("acme").slice(0, 10)) e.state.orgTokens.delete(t.id);
      }
    }, 1);
    const listed = await hub.listOrgTokens("acme").finally(() => clearInterval(watch));
    // Page 3 is past the end now (404 "Invalid page."): what remains is listed, each token once.
    expect(e.exchanges.some((x) => x.query.page === "3" && x.status === 404)).toBe(true);
    expect(new Set(listed.map((t) => t.id)).size).toBe(listed.length);
    expect(listed.length).toBeGreaterThanOrEqual(15);
  });

  it("deletes many of an organization's tokens in one bulk call, reporting each failure", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const hub = client(e, { as: "mona" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await hub.createOrgToken("acme", { label: `t${i}`, resources })).id);
    const result = await hub.deleteOrgTokens("acme", [...ids, "missing"], { concurrency: 3 });
    expect(result.deleted.sort()).toEqual([...ids].sort());
    expect(result.failed.map((f) => [f.id, f.error.constructor.name])).toEqual([["missing", "NotFoundError"]]);
    expect(e.orgTokensOf("acme")).toEqual([]);
  });

  it("tells a member who isn't an owner that only owners can, and an unknown organization apart", async () => {
    const e = await start({ users: [MONA, { username: "bob", password: "pw" }], orgs: [{ name: "acme", owners: ["mona"], members: ["bob"] }] });
    const err = await failure(client(e, { as: "bob" }).listOrgTokens("acme"));
    expect(err).toBeInstanceOf(HubApiError);
    expect(err.message).toBe("you can't manage the access tokens of organization acme: only its owners can, logged in with a password");
    expect(await failure(client(e, { as: "bob" }).listOrgTokens("nowhere"))).toBeInstanceOf(NotFoundError);
  });
});

describe("rate limits", () => {
  it("waits out a 429 until X-Retry-After and then succeeds, also for a create", async () => {
    const e = await start({ faults: { rateLimitBurst: 1 } });
    const created = await client(e, { as: "mona" }).createToken({ label: "after-wait", scopes: ["repo:read"] });
    expect(e.tokenByLabel("after-wait").uuid).toBe(created.id);
    expect(e.exchanges.map((x) => x.status)).toEqual([429, 201]);
  });

  it("says on the warn channel when the wait is long", async () => {
    const e = await start({ faults: { rateLimitBurst: 1 } });
    const warned: string[] = [];
    await client(e, { as: "mona", announceWaitMs: 0, warn: (l) => warned.push(l) }).listTokens();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^Docker Hub's rate limit was reached: waiting \d+ s before trying again$/);
  });

  it("gives up with a RateLimitError saying when to retry once the Hub's wait would exceed the bound", async () => {
    const e = await start({ rateLimit: { limit: 1, windowSeconds: 3600 } });
    await client(e, { as: "mona" }).listTokens();
    const err = await failure(client(e, { as: "mona", maxRateLimitWaitMs: 1000 }).listTokens());
    expect(err).toBeInstanceOf(RateLimitError);
    const retryAt = (err as RateLimitError).retryAt!;
    expect(retryAt.getTime() % 3_600_000).toBe(0);
    expect(err.message).toBe(`Docker Hub's rate limit was reached: try again after ${retryAt.toISOString().slice(11, 19)} UTC`);
    expect(e.exchanges.map((x) => x.status)).toEqual([200, 429]);
  });

  it("doesn't send what the Hub's headers say would be refused: RateLimitError without a request", async () => {
    const e = await start({ rateLimit: { limit: 1, windowSeconds: 3600 } });
    const hub = client(e, { as: "mona", maxRateLimitWaitMs: 1000 });
    await hub.listTokens();
    const err = await failure(hub.listTokens());
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAt!.getTime() % 3_600_000).toBe(0);
    expect(e.exchanges.map((x) => x.status)).toEqual([200]);
  });

  it("deletes many tokens within the rate limit: none refused, none over the limit in any window", async () => {
    const e = await start({ rateLimit: { limit: 15, windowSeconds: 1 } });
    const ids = Array.from({ length: 40 }, (_, i) => e.addToken("mona", { label: `bulk${i}` }).token.uuid);
    const progress: number[] = [];
    const result = await client(e, { as: "mona" }).deleteTokens(ids, { concurrency: 6, onProgress: (done) => progress.push(done) });
    expect(result.failed).toEqual([]);
    expect(result.deleted.sort()).toEqual([...ids].sort());
    expect(e.tokensOf("mona").map((t) => t.token_label)).toEqual(["ci"]);
    expect(e.stats.rateLimited).toBe(0);
    expect(e.stats.maxInWindow).toBeLessThanOrEqual(15);
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("doesn't overrun a limit smaller than its concurrency, even before the first answer", async () => {
    const e = await start({ rateLimit: { limit: 3, windowSeconds: 1 } });
    const ids = Array.from({ length: 7 }, (_, i) => e.addToken("mona", { label: `bulk${i}` }).token.uuid);
    const result = await client(e, { as: "mona" }).deleteTokens(ids, { concurrency: 8 });
    expect(result.deleted).toHaveLength(7);
    expect(e.stats.rateLimited).toBe(0);
    expect(e.stats.maxInWindow).toBeLessThanOrEqual(3);
  });

  it("reports per-token failures of a bulk delete without stopping", async () => {
    const e = await start();
    const hub = client(e, { as: "mona" });
    const result = await hub.deleteTokens([e.tokenByLabel("ci").uuid, "missing"]);
    expect(result.deleted).toEqual([e.exchanges[0]!.path.split("/").pop()]);
    expect(result.failed.map((f) => [f.id, f.error.constructor.name])).toEqual([["missing", "NotFoundError"]]);
  });

  it("stops sending a bulk delete once the session is refused, failing the rest with that error", async () => {
    let now = new Date();
    const e = await start({ now: () => now });
    const ids = Array.from({ length: 5 }, (_, i) => e.addToken("mona", { label: `bulk${i}` }).token.uuid);
    const hub = client(e, { session: e.sessionFor("mona", { ttlSeconds: 60 }) });
    now = new Date(now.getTime() + 61_000);
    const result = await hub.deleteTokens(ids, { concurrency: 1 });
    expect(result.deleted).toEqual([]);
    expect(result.failed.map((f) => [f.id, f.error.constructor.name])).toEqual(ids.map((id) => [id, "AuthError"]));
    expect(e.exchanges.filter((x) => x.method === "DELETE")).toHaveLength(1);
    expect(e.tokensOf("mona")).toHaveLength(6);
  });
});

describe("failures and retries", () => {
  it("retries a read after 5xx answers and succeeds", async () => {
    const e = await start({ faults: { serverErrors: 2 } });
    expect((await client(e, { as: "mona" }).listTokens()).total).toBe(1);
    expect(e.exchanges.map((x) => x.status)).toEqual([503, 503, 200]);
  });

  it("lists every token of ten pages while a third of all answers are 503", async () => {
    const e = await start({ faults: { serverErrorRate: 0.3 } });
    for (let i = 0; i < 999; i++) e.addToken("mona", { label: `t${i}` });
    // 13 tries per page: a page failing them all is a 1-in-6-million event.
    const list = await client(e, { as: "mona", retries: 12, backoffMs: 1 }).listTokens();
    expect(list.tokens.map((t) => t.id)).toEqual(e.tokensOf("mona").map((t) => t.uuid));
  });

  it("never repeats a create after a 5xx: one attempt, HubUnavailableError", async () => {
    const e = await start({ faults: { serverErrors: 1 } });
    const err = await failure(client(e, { as: "mona" }).createToken({ label: "once", scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toBe("Docker Hub is unavailable (HTTP 503): try again later");
    expect(e.exchanges.filter((x) => x.method === "POST")).toHaveLength(1);
  });

  it("gives up on a read after the retries with HubUnavailableError", async () => {
    const e = await start({ faults: { serverErrors: 10 } });
    const err = await failure(client(e, { as: "mona", retries: 2 }).getToken("x"));
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(e.exchanges).toHaveLength(3);
  });

  it("retries a read after a dropped connection, but not a create", async () => {
    const e = await start({ faults: { dropConnections: 1 } });
    const hub = client(e, { as: "mona" });
    expect((await hub.listTokens()).total).toBe(1);
    e.faults.dropConnections = 1;
    const err = await failure(hub.createToken({ label: "dropped", scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toBe("the connection to Docker Hub broke after POST /v2/access-tokens was sent (UND_ERR_SOCKET): the change may have been made, so check before trying again");
    expect(e.exchanges.filter((x) => x.method === "POST")).toHaveLength(1);
  });

  it("treats a delete whose answer was lost, retried and then not found, as done", async () => {
    const e = await start({ faults: { loseAnswers: 1 } });
    await client(e, { as: "mona" }).deleteToken(e.tokenByLabel("ci").uuid);
    expect(e.tokensOf("mona")).toEqual([]);
    expect(e.exchanges.map((x) => [x.method, x.status, x.fault])).toEqual([["DELETE", 204, "lost"], ["DELETE", 404, undefined]]);
  });

  it("doesn't repeat a create whose answer was lost, and says the token may exist", async () => {
    const e = await start({ faults: { loseAnswers: 1 } });
    const err = await failure(client(e, { as: "mona" }).createToken({ label: "maybe", scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toContain("the change may have been made, so check before trying again");
    expect(e.tokensOf("mona").map((t) => t.token_label)).toEqual(["maybe", "ci"]);
  });

  it("retries a read whose body was cut off; a create with a cut body says to check before retrying", async () => {
    const e = await start({ faults: { malformedBodies: 1 } });
    const hub = client(e, { as: "mona" });
    expect((await hub.listTokens()).total).toBe(1);
    e.faults.malformedBodies = 1;
    const err = await failure(hub.createToken({ label: "cut", scopes: ["repo:read"] }));
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err.message).toBe("Docker Hub's answer to POST /v2/access-tokens was not readable JSON: the change may have been made, so check before trying again");
  });

  it("times out a slow answer, retries, then reports the Hub unavailable", async () => {
    // undici checks its timeouts about once a second, so the emulator is made much slower than that.
    const e = await start({ faults: { latencyMs: 2_500 } });
    const err = await failure(client(e, { as: "mona", responseTimeoutMs: 100, retries: 1 }).listTokens());
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toBe("Docker Hub did not answer GET /v2/access-tokens within 100 ms (2 tries): try again later");
  });

  it("says a login that got no answer changed nothing, so it can be tried again", async () => {
    const e = await start({ faults: { latencyMs: 2_500 } });
    const err = await failure(client(e, { responseTimeoutMs: 100 }).login("mona", "pw", async () => "000000"));
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toBe("Docker Hub did not answer the login within 100 ms: a login changes nothing, so try again");
  });

  it("reports an unreachable Hub after retrying the connection", async () => {
    const e = await start();
    const url = e.url;
    await e.close();
    const err = await failure(new HubClient({ baseUrl: url, backoffMs: 1, session: "x" }).listTokens());
    expect(err).toBeInstanceOf(HubUnavailableError);
    expect(err.message).toMatch(/\(ECONNREFUSED\): check your network and try again$/);
  });

  it("aborts cleanly with CancelError when the signal fires (Ctrl-C)", async () => {
    const e = await start({ faults: { latencyMs: 5_000 } });
    const ctl = new AbortController();
    const pending = client(e, { as: "mona", signal: ctl.signal }).listTokens();
    setTimeout(() => ctl.abort(), 20);
    const err = await failure(pending);
    expect(err).toBeInstanceOf(CancelError);
    expect((err as CancelError).exitCode).toBe(ExitCode.cancelled);
    e.faults.latencyMs = 0;
  });

  it("answers a Hub shape it doesn't understand with UnexpectedResponseError, not a crash", async () => {
    const e = await start();
    e.tokenByLabel("ci").is_active = "yes" as unknown as boolean;
    const err = await failure(client(e, { as: "mona" }).listTokens());
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err.message).toBe("Docker Hub sent an unexpected access token: is_active is not true or false");
    e.exchanges.length = 0; // the emulator was made to break the contract on purpose
  });
});

describe("transport rules", () => {
  it.each(["http://hub.example.com", "ftp://127.0.0.1", "not a url"])("refuses %s as a Hub URL", (url) => {
    expect(() => new HubClient({ baseUrl: url })).toThrow(UsageError);
  });

  it.each(["https://hub.docker.com", "http://127.0.0.1:7474", "http://localhost:1", "http://[::1]:8080"])("accepts %s", (url) => {
    expect(() => new HubClient({ baseUrl: url })).not.toThrow();
  });

  it("asks a loopback Hub's own /token when no token service is given (the emulator serves it there)", async () => {
    const e = await start();
    const hub = new HubClient({ baseUrl: e.url });
    expect(await hub.verifyRegistryLogin("mona", e.seededSecret("mona", "ci"))).toBe(true);
    expect(await hub.verifyRegistryLogin("mona", "dckr_pat_wrong")).toBe(false);
    expect(e.exchanges.map((x) => [x.server, x.path, x.status])).toEqual([["registry", "/token", 200], ["registry", "/token", 401]]);
  });

  it("names hubpat and its version in User-Agent on every request", async () => {
    const e = await start();
    const hub = client(e);
    await hub.login(MONA.username, MONA.password, async () => "000000");
    await hub.listTokens();
    await hub.verifyRegistryLogin("mona", e.seededSecret("mona", "ci"));
    expect(e.exchanges.map((x) => x.headers["user-agent"])).toEqual([`hubpat/${VERSION}`, `hubpat/${VERSION}`, `hubpat/${VERSION}`]);
  });

  it("writes debug lines for each request and answer with no secret in them", async () => {
    const e = await start({ users: [{ username: "ada", password: "pw-secret-1", totpSecret: DEMO_TOTP_SECRET, tokens: [{ label: "ci" }] }] });
    const lines: string[] = [];
    const hub = client(e, { debug: (l) => lines.push(l) });
    const code = e.currentCode("ada");
    const session = await hub.login("ada", "pw-secret-1", async () => code);
    const created = await hub.createToken({ label: "dbg", scopes: ["repo:read"] });
    await hub.verifyRegistryLogin("ada", created.secret);
    const all = lines.join("\n");
    expect(lines.some((l) => l.startsWith("→ POST ") && l.endsWith("/v2/users/login"))).toBe(true);
    expect(lines.some((l) => /^← 201 POST \S+\/v2\/access-tokens in \d+ ms \(rate limit \d+\/1000 left\)$/.test(l))).toBe(true);
    for (const secret of ["pw-secret-1", code, session.token, created.secret, "ada:"]) expect(all).not.toContain(secret);
  });

  it("keeps secrets out of every error message", async () => {
    const e = await start();
    const errors = [
      await failure(client(e).login("mona", "wrong-secret-pw", async () => "123456")),
      await failure(client(e, { session: "jwt-secret-value" }).listTokens()),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(HubpatError);
      expect(err.message).not.toMatch(/wrong-secret-pw|jwt-secret-value|123456/);
    }
  });
});
