import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/server.js";
import { DEMO_TOTP_SECRET, totp } from "../../src/emulator/totp.js";
import { openApiProblems } from "../hub/openapi.js";

// The emulator's own contract, spoken to in raw HTTP: what the client tests rely on, pinned to CONTRACT.md.
let hub: Emulator | undefined;
const started: Emulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ users: [{ username: "mona", password: "pw", tokens: [{ label: "ci" }] }], ...options });
  started.push(e);
  return (hub = e);
}
afterEach(async () => {
  for (const e of started.splice(0)) {
    await e.close();
    expect(e.unhandled).toEqual([]);
    // These tests send bad requests on purpose; the emulator's answers must still match openapi.yaml.
    expect(await openApiProblems(e.exchanges, { requests: false })).toEqual([]);
  }
});

async function call(method: string, path: string, opts: { jwt?: string; body?: unknown; base?: string; basic?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.jwt) headers.authorization = `Bearer ${opts.jwt}`;
  if (opts.basic) headers.authorization = `Basic ${Buffer.from(opts.basic).toString("base64")}`;
  const res = await fetch(`${opts.base ?? hub!.url}${path}`, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe("login", () => {
  it("returns a JWT whose exp is the session's expiry", async () => {
    await start({ sessionTtlSeconds: 3600 });
    const before = Date.now();
    const r = await call("POST", "/v2/users/login", { body: { username: "mona", password: "pw" } });
    expect(r.status).toBe(200);
    const exp = (JSON.parse(Buffer.from(String(r.body!.token).split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
    expect(exp * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
    expect(exp * 1000).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it("answers a wrong password with the Hub's 401 and no 2FA token", async () => {
    await start();
    expect(await call("POST", "/v2/users/login", { body: { username: "mona", password: "nope" } })).toMatchObject({ status: 401, body: { detail: "Incorrect authentication credentials" } });
  });

  it("asks a 2FA account for a code, then accepts the current TOTP code once", async () => {
    const e = await start({ users: [{ username: "ada", password: "pw", totpSecret: DEMO_TOTP_SECRET }] });
    const first = await call("POST", "/v2/users/login", { body: { username: "ada", password: "pw" } });
    expect(first.status).toBe(401);
    const login_2fa_token = first.body!.login_2fa_token;
    expect(typeof login_2fa_token).toBe("string");
    const wrong = String((Number(e.currentCode("ada")) + 1) % 1_000_000).padStart(6, "0");
    expect((await call("POST", "/v2/users/2fa-login", { body: { login_2fa_token, code: wrong } })).status).toBe(401);
    expect(e.currentCode("ada")).toBe(totp(DEMO_TOTP_SECRET, Date.now()));
    const ok = await call("POST", "/v2/users/2fa-login", { body: { login_2fa_token, code: e.currentCode("ada") } });
    expect(ok.status).toBe(200);
    expect((await call("GET", "/v2/access-tokens", { jwt: String(ok.body!.token) })).status).toBe(200);
    expect((await call("POST", "/v2/users/2fa-login", { body: { login_2fa_token, code: e.currentCode("ada") } })).status).toBe(401);
  });

  it("takes a PAT as password, but that session may not manage tokens (403)", async () => {
    const e = await start();
    const r = await call("POST", "/v2/users/login", { body: { username: "mona", password: e.seededSecret("mona", "ci") } });
    expect(r.status).toBe(200);
    expect(await call("GET", "/v2/access-tokens", { jwt: String(r.body!.token) })).toMatchObject({ status: 403, body: { detail: expect.any(String) } });
  });
});

describe("short-lived access tokens (/v2/auth/token)", () => {
  it("gives a password bearer that manages tokens, and a PAT bearer that may not", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const byPassword = await call("POST", "/v2/auth/token", { body: { identifier: "mona", secret: "pw" } });
    expect(byPassword.status).toBe(200);
    expect((await call("GET", "/v2/access-tokens", { jwt: String(byPassword.body!.access_token) })).status).toBe(200);
    const byPat = await call("POST", "/v2/auth/token", { body: { identifier: "mona", secret: e.seededSecret("mona", "ci") } });
    expect((await call("GET", "/v2/access-tokens", { jwt: String(byPat.body!.access_token) })).status).toBe(403);
    expect(e.tokenByLabel("ci").last_used).not.toBeNull();
  });

  it("refuses a 2FA account's password (this route has no second step) and a wrong secret", async () => {
    await start({ users: [{ username: "ada", password: "pw", totpSecret: DEMO_TOTP_SECRET }] });
    expect((await call("POST", "/v2/auth/token", { body: { identifier: "ada", secret: "pw" } })).status).toBe(401);
    expect((await call("POST", "/v2/auth/token", { body: { identifier: "ada", secret: "nope" } })).status).toBe(401);
  });

  it("takes an organization name with one of its active OATs", async () => {
    const e = await start({ orgs: [{ name: "acme", owners: ["mona"] }] });
    const created = await call("POST", "/v2/orgs/acme/access-tokens", { jwt: e.sessionFor("mona"), body: { label: "ci", resources: [{ type: "TYPE_ORG", path: "acme", scopes: ["repo-pull"] }] } });
    const secret = String(created.body!.token);
    expect(secret).toMatch(/^dckr_oat_/);
    expect((await call("POST", "/v2/auth/token", { body: { identifier: "acme", secret } })).status).toBe(200);
    expect(e.orgTokensOf("acme")[0]!.last_used_at).not.toBeNull();
  });
});

describe("personal access tokens", () => {
  it("shows the secret only on create, in Docker's format, with every contract field", async () => {
    const e = await start();
    const jwt = e.sessionFor("mona");
    const created = await call("POST", "/v2/access-tokens", { jwt, body: { token_label: "laptop", scopes: ["repo:write"] } });
    expect(created.status).toBe(201);
    expect(created.body!.token).toMatch(/^dckr_pat_[A-Za-z0-9_-]{27}$/);
    expect(Object.keys(created.body!).sort()).toEqual(["client_id", "created_at", "creator_ip", "creator_ua", "expires_at", "generated_by", "is_active", "last_used", "scopes", "token", "token_label", "uuid"]);
    expect(created.body).toMatchObject({ client_id: "HUB", creator_ip: "127.0.0.1", generated_by: "manual", is_active: true, last_used: null, scopes: ["repo:write"], expires_at: null });
    expect(created.body!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const got = await call("GET", `/v2/access-tokens/${String(created.body!.uuid)}`, { jwt });
    expect(got.body!.token).toBe("");
    expect(JSON.stringify(readableState(e))).not.toContain(String(created.body!.token));
  });

  it("paginates with absolute next/previous links, counts and a page size capped at 100", async () => {
    const e = await start();
    for (let i = 0; i < 149; i++) e.addToken("mona", { label: `t${i}`, isActive: i % 2 === 0 });
    const jwt = e.sessionFor("mona");
    const p1 = await call("GET", "/v2/access-tokens?page=1&page_size=500", { jwt });
    expect(p1.body).toMatchObject({ count: 150, active_count: 76, previous: null, next: `${e.url}/v2/access-tokens?page=2&page_size=100` });
    expect((p1.body!.results as unknown[]).length).toBe(100);
    const p2 = await call("GET", "/v2/access-tokens?page=2&page_size=100", { jwt });
    expect(p2.body).toMatchObject({ next: null, previous: `${e.url}/v2/access-tokens?page_size=100` });
    expect((p2.body!.results as unknown[]).length).toBe(50);
    expect(await call("GET", "/v2/access-tokens?page=3&page_size=100", { jwt })).toMatchObject({ status: 404, body: { detail: "Invalid page." } });
  });

  it("refuses a bad scope and a past expiry with the Hub's 400 shape", async () => {
    const e = await start();
    const jwt = e.sessionFor("mona");
    const bad = await call("POST", "/v2/access-tokens", { jwt, body: { token_label: "x", scopes: ["repo:everything"] } });
    expect(bad).toMatchObject({ status: 400, body: { fields: { scopes: [expect.any(String)] }, text: expect.any(String) } });
    const past = await call("POST", "/v2/access-tokens", { jwt, body: { token_label: "x", scopes: ["repo:read"], expires_at: "2001-01-01T00:00:00Z" } });
    expect(past).toMatchObject({ status: 400, body: { fields: { expires_at: [expect.any(String)] } } });
    expect(e.tokensOf("mona").map((t) => t.token_label)).toEqual(["ci"]);
  });

  it("answers 401 without a session and with an expired one", async () => {
    const e = await start();
    expect((await call("GET", "/v2/access-tokens")).status).toBe(401);
    expect((await call("GET", "/v2/access-tokens", { jwt: e.sessionFor("mona", { ttlSeconds: -1 }) })).status).toBe(401);
  });
});

describe("registry token service", () => {
  it("accepts an active PAT, records its use, and refuses inactive, expired and deleted ones", async () => {
    const e = await start({
      users: [{ username: "mona", password: "pw", tokens: [{ label: "ok" }, { label: "off", isActive: false }, { label: "old", expiresAt: new Date(Date.now() + 1), createdAt: new Date(Date.now() - 1000) }, { label: "gone" }] }],
    });
    await new Promise((r) => setTimeout(r, 5));
    const gone = e.seededSecret("mona", "gone");
    await call("DELETE", `/v2/access-tokens/${e.tokenByLabel("gone").uuid}`, { jwt: e.sessionFor("mona") });
    const q = "/token?service=registry.docker.io&scope=repository:mona/app:pull";
    const ok = await call("GET", q, { base: e.registryUrl, basic: `mona:${e.seededSecret("mona", "ok")}` });
    expect(ok).toMatchObject({ status: 200, body: { token: expect.any(String), access_token: expect.any(String), expires_in: 300 } });
    expect(e.tokenByLabel("ok").last_used).not.toBeNull();
    for (const label of ["off", "old"]) {
      expect((await call("GET", q, { base: e.registryUrl, basic: `mona:${e.seededSecret("mona", label)}` })).status).toBe(401);
      expect(e.tokenByLabel(label).last_used).toBeNull();
    }
    expect((await call("GET", q, { base: e.registryUrl, basic: `mona:${gone}` })).status).toBe(401);
  });
});

describe("limits and faults", () => {
  it("sends rate-limit headers on every answer and 429 with X-Retry-After over the limit", async () => {
    const e = await start({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const jwt = e.sessionFor("mona");
    const a = await call("GET", "/v2/access-tokens", { jwt });
    expect(a.headers.get("x-ratelimit-limit")).toBe("2");
    expect(a.headers.get("x-ratelimit-remaining")).toBe("1");
    await call("GET", "/v2/access-tokens", { jwt });
    const c = await call("GET", "/v2/access-tokens", { jwt });
    expect(c).toMatchObject({ status: 429, body: { detail: "Rate limit exceeded", error: false } });
    expect(Number(c.headers.get("x-retry-after"))).toBe(Number(c.headers.get("x-ratelimit-reset")));
    expect(Number(c.headers.get("x-retry-after")) % 60).toBe(0);
  });

  it("answers unknown routes 501 and records them", async () => {
    const e = await start();
    expect((await call("GET", "/v2/repositories/mona")).status).toBe(501);
    expect(e.unhandled).toEqual([{ server: "hub", method: "GET", url: "/v2/repositories/mona" }]);
    expect(await openApiProblems(e.exchanges)).toEqual(["GET /v2/repositories/mona → 501: no such operation in openapi.yaml"]);
    e.unhandled.length = 0; // seen and asserted: the afterEach checks are for requests nobody expected
    e.exchanges.length = 0;
  });
});

describe("state file", () => {
  it("keeps users, tokens and sessions across a restart, and no secrets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-emu-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, "state.json");
    const first = await start({ stateFile });
    const jwt = first.sessionFor("mona");
    const created = await call("POST", "/v2/access-tokens", { jwt, body: { token_label: "kept", scopes: ["repo:read"] } });
    await first.close();
    started.splice(started.indexOf(first), 1);
    expect(readFileSync(stateFile, "utf8")).not.toContain(String(created.body!.token));
    const second = await start({ stateFile, users: [] });
    const list = await call("GET", "/v2/access-tokens", { jwt });
    expect((list.body!.results as Array<{ token_label: string }>).map((t) => t.token_label)).toEqual(["kept", "ci"]);
    expect(second.url).not.toBe("");
  });
});

function readableState(e: Emulator): unknown {
  return { tokens: [...e.state.tokens.values()], sessions: [...e.state.sessions.values()] };
}

describe("the OAuth tenant (web sign-in)", () => {
  const CLIENT = "L4v0dmlNBpYUjGGab0C2JtgTgXr1Qz4d"; // Docker CLI's public client id
  async function form(path: string, fields: Record<string, string>, base = hub!.authUrl) {
    const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type") ?? "", text, body: text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }
  const start_ = () => form("/oauth/device/code", { client_id: CLIENT, audience: "https://hub.docker.com", scope: "openid offline_access" });
  const poll = (device_code: string) => form("/oauth/token", { client_id: CLIENT, grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code });
  const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

  it("answers authorization_pending until the person approves, then tokens whose claims name the account", async () => {
    const e = await start();
    const code = await start_();
    expect(code).toMatchObject({ status: 200, body: { interval: 5, expires_in: 900 } });
    const userCode = String(code.body!.user_code);
    expect(userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(code.body!.verification_uri_complete).toBe(`${e.authUrl}/activate?user_code=${userCode}`);
    expect(await poll(String(code.body!.device_code))).toMatchObject({ status: 403, body: { error: "authorization_pending" } });
    expect(await form("/emulator/device/approve", { user_code: userCode, username: "mona" })).toMatchObject({ status: 200 });
    const done = await poll(String(code.body!.device_code));
    expect(done).toMatchObject({ status: 200, body: { token_type: "Bearer", scope: "openid offline_access" } });
    expect(claims(String(done.body!.access_token))["https://hub.docker.com"]).toMatchObject({ username: "mona", email: "mona@example.com" });
    // A device code is good for one exchange.
    expect((await poll(String(code.body!.device_code))).body).toMatchObject({ error: "invalid_grant" });
    // The access token is a person's own session: it manages tokens, and makes Docker's PAT.
    expect((await call("GET", "/v2/access-tokens", { jwt: String(done.body!.access_token) })).status).toBe(200);
    const pat = await call("POST", "/v2/access-tokens/desktop-generate", { jwt: String(done.body!.access_token) });
    expect(pat).toMatchObject({ status: 201, body: { data: { token: expect.stringMatching(/^dckr_pat_/) } } });
    expect(e.tokensOf("mona")[0]).toMatchObject({ generated_by: "auto", is_active: true });
  });

  it("approves through the sign-in page a person opens, and refuses a wrong password there", async () => {
    const e = await start();
    const code = await start_();
    const userCode = String(code.body!.user_code);
    const page = await fetch(`${e.authUrl}/activate?user_code=${userCode}`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain(`value="${userCode}"`);
    expect(await form("/activate", { user_code: userCode, username: "mona", password: "wrong", action: "approve" })).toMatchObject({ status: 400 });
    const ok = await form("/activate", { user_code: userCode, username: "mona", password: "pw", action: "approve" });
    expect(ok.text).toContain("Signed in as mona");
    expect((await poll(String(code.body!.device_code))).status).toBe(200);
  });

  it("answers access_denied once the person denies, and expired_token after expires_in", async () => {
    let now = new Date("2026-11-23T12:00:00Z");
    const e = await start({ now: () => now });
    const a = await start_();
    e.denyDevice(String(a.body!.user_code));
    expect((await poll(String(a.body!.device_code))).body).toMatchObject({ error: "access_denied" });
    const b = await start_();
    now = new Date(now.getTime() + 901_000);
    expect((await poll(String(b.body!.device_code))).body).toMatchObject({ error: "expired_token" });
  });

  it("rotates the refresh token on each refresh; reusing a rotated one revokes the whole sign-in", async () => {
    const e = await start();
    const first = e.webSignIn("mona");
    const refresh = (refresh_token: string) => form("/oauth/token", { client_id: CLIENT, grant_type: "refresh_token", refresh_token });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    const next = String(second.body!.refresh_token);
    expect(next).not.toBe(first.refresh_token);
    expect(e.refreshTokenIsLive(next)).toBe(true);
    expect((await refresh(first.refresh_token)).body).toMatchObject({ error: "invalid_grant" });
    expect(e.refreshTokenIsLive(next)).toBe(false); // reuse detection took the new one too
  });

  it("revokes a refresh token (an unknown one is fine) and knows only its registered clients", async () => {
    const e = await start();
    const s = e.webSignIn("mona");
    expect((await form("/oauth/revoke", { client_id: CLIENT, token: s.refresh_token })).status).toBe(200);
    expect(e.refreshTokenIsLive(s.refresh_token)).toBe(false);
    expect((await form("/oauth/revoke", { client_id: CLIENT, token: "nothing" })).status).toBe(200);
    expect(await form("/oauth/device/code", { client_id: "someone-else", audience: "https://hub.docker.com", scope: "openid" })).toMatchObject({ status: 401, body: { error: "unauthorized_client" } });
    // The Hub's port answers the tenant's routes too.
    expect((await form("/oauth/revoke", { client_id: CLIENT, token: "x" }, e.url)).status).toBe(200);
  });

  it("refuses the password of an SSO-enforced account on both login routes, and takes its PAT", async () => {
    const e = await start({ users: [{ username: "ssouser", password: "pw", ssoEnforced: true, tokens: [{ label: "ci" }] }] });
    const login = await call("POST", "/v2/users/login", { body: { username: "ssouser", password: "pw" } });
    expect(login.status).toBe(401);
    expect(String(login.body!.detail)).toMatch(/single sign-on/i);
    expect(login.body!.login_2fa_token).toBeUndefined();
    expect((await call("POST", "/v2/auth/token", { body: { identifier: "ssouser", secret: "pw" } })).status).toBe(401);
    expect((await call("POST", "/v2/users/login", { body: { username: "ssouser", password: e.seededSecret("ssouser", "ci") } })).status).toBe(200);
  });
});
