import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { runCreate } from "../../src/commands/create.js";
import { runList } from "../../src/commands/list.js";
import { runLogin } from "../../src/commands/login.js";
import { runLogout } from "../../src/commands/logout.js";
import { runStatus } from "../../src/commands/status.js";
import { runSwitch } from "../../src/commands/switch.js";
import { DOCKER_ACCESS_TOKEN_KEY, DOCKER_REFRESH_TOKEN_KEY } from "../../src/docker/web-session.js";
import { DOCKER_CLI_CLIENT_ID } from "../../src/hub/oauth.js";
import { MemoryStore } from "../../src/store/memory.js";
import { NOW, testDeps, type TestDepsOptions } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";
import { openApiProblems } from "../hub/openapi.js";

// Every way in (password + 2FA, web sign-in, Docker's own web session), side by side, against the emulator's Hub
// and OAuth tenant. The tenant polls every 50 ms here instead of 5 s.
const BOT = { username: "mona-bot", password: "bot-password" };
const SSO = { username: "sso-sam", password: "sam-password" };
const ctx = useEmulator(() => ({
  users: [MONA, BOT, { ...SSO, ssoEnforced: true }],
  oauth: { interval: 0.05, accessTokenTtlSeconds: 3600 },
}));

/** Resolves once the tenant has a device sign-in waiting, then approves it as `username` (the person in the browser). */
async function approveWhenAsked(username: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const waiting = ctx.hub.deviceGrants().find((g) => !g.approvedFor && !g.denied);
    if (waiting) {
      expect(ctx.hub.approveDevice(waiting.userCode, username)).toBe(true);
      return waiting.userCode;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("no device sign-in was started");
}

/** Test deps sharing one session store and one settings object, as separate commands on one machine do. */
function machine() {
  const first = testDeps({ hubUrl: ctx.hub.url });
  const on = (o: TestDepsOptions = {}) => {
    const t = testDeps({ hubUrl: ctx.hub.url, store: first.store, ...o });
    Object.assign(t.deps, { sessions: first.sessions, config: first.config });
    return t;
  };
  return { sessions: first.sessions, config: first.config, store: first.store, on };
}

describe("login --web", () => {
  it("prints the code and the URL off a terminal, polls until approved, and keeps the web session for the account it names", async () => {
    const m = machine();
    const t = m.on();
    const login = runLogin({ passwordStdin: false, web: true }, t.deps);
    const userCode = await approveWhenAsked("mona");
    await login;
    expect(t.stderr()).toBe(
      [
        `Your one-time device confirmation code is: ${userCode}`,
        `Sign in and confirm it at: ${ctx.hub.authUrl}/activate?user_code=${userCode}`,
        "Open it on any device with a browser (this session has none to open).",
        `✓ Logged in to ${ctx.hub.url} as mona (web sign-in)`,
        "",
      ].join("\n"),
    );
    const item = m.sessions.entries.get(`${ctx.hub.url}#mona`)!;
    const kept = JSON.parse(item.secret) as { kind: string; accessToken: string; refreshToken: string; clientId: string };
    expect(kept).toMatchObject({ kind: "web", clientId: DOCKER_CLI_CLIENT_ID });
    expect(ctx.hub.refreshTokenIsLive(kept.refreshToken)).toBe(true);
    // The access token is a Hub session that manages tokens.
    await runList({ active: false, inactive: false, json: true }, m.on().deps);
    expect(await openApiProblems(ctx.hub.exchanges)).toEqual([]);
  });

  it("opens the browser when the person presses Enter on a terminal, and only then", async () => {
    const opened: string[] = [];
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, stdin: "\n", browser: { name: "test", open: async (url) => (opened.push(url), true) } });
    const login = runLogin({ passwordStdin: false, web: true }, t.deps);
    const userCode = await approveWhenAsked("mona");
    await login;
    expect(opened).toEqual([`${ctx.hub.authUrl}/activate?user_code=${userCode}`]);
    expect(t.stderr()).toContain("Press Enter to open it in your browser, or open it on any device.\n");
  });

  it("says the code expired when nobody approved it in time", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    const login = runLogin({ passwordStdin: false, web: true }, t.deps);
    while (ctx.hub.deviceGrants().length === 0) await new Promise((r) => setTimeout(r, 10));
    ctx.clock.now = new Date(NOW.getTime() + 901_000);
    expect(await failure(login)).toEqual({ line: "hub-tokens: the sign-in code expired before it was approved: run hub-tokens login --web again", exitCode: 1 });
    expect(t.sessions.entries.size).toBe(0);
  });

  it("says the sign-in was denied, and keeps nothing", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    const login = runLogin({ passwordStdin: false, web: true }, t.deps);
    while (ctx.hub.deviceGrants().length === 0) await new Promise((r) => setTimeout(r, 10));
    ctx.hub.denyDevice(ctx.hub.deviceGrants()[0]!.userCode);
    expect((await failure(login)).line).toBe("hub-tokens: the sign-in was denied in the browser: run hub-tokens login --web to try again");
    expect(t.sessions.entries.size).toBe(0);
  });

  it("refreshes an expired web session before using it, keeps the rotated refresh token, and revokes it on logout", async () => {
    const m = machine();
    const login = runLogin({ passwordStdin: false, web: true }, m.on().deps);
    await approveWhenAsked("mona");
    await login;
    const before = JSON.parse(m.sessions.entries.get(`${ctx.hub.url}#mona`)!.secret) as { refreshToken: string; accessToken: string };

    const later = new Date(NOW.getTime() + 2 * 3600_000);
    ctx.clock.now = later;
    const t = m.on({ now: later });
    await runList({ active: false, inactive: false, json: true }, t.deps);
    expect(JSON.parse(t.stdout())).toEqual([]);
    const after = JSON.parse(m.sessions.entries.get(`${ctx.hub.url}#mona`)!.secret) as { refreshToken: string; accessToken: string };
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(ctx.hub.refreshTokenIsLive(before.refreshToken)).toBe(false);
    expect(ctx.hub.refreshTokenIsLive(after.refreshToken)).toBe(true);

    const out = m.on({ now: later });
    await runLogout({}, out.deps);
    expect(out.stderr()).toBe(`✓ Logged out of ${ctx.hub.url} (mona; web session revoked)\n`);
    expect(ctx.hub.refreshTokenIsLive(after.refreshToken)).toBe(false);
    expect(m.sessions.entries.size).toBe(0);
  });
});

describe("Docker's own web session", () => {
  /** What `docker login` (web-based) leaves in the store: docker/cli internal/oauth/manager storeTokensInStore. */
  function dockerSignedIn(store: MemoryStore, username: string) {
    const s = ctx.hub.webSignIn(username);
    store.entries.set(DOCKER_ACCESS_TOKEN_KEY, { username, secret: s.access_token });
    store.entries.set(DOCKER_REFRESH_TOKEN_KEY, { username, secret: `${s.refresh_token}..${DOCKER_CLI_CLIENT_ID}` });
    return s;
  }

  it("is offered once on a terminal before any password, used, renewed for Docker too, and left signed in by logout", async () => {
    const m = machine();
    const docker = dockerSignedIn(m.store, "mona");
    const t = m.on({ tty: true, answers: [{ confirm: "Docker is signed in to Docker Hub as mona (web sign-in). Use that session instead of a password?", answer: true }] });
    await runLogin({ passwordStdin: false }, t.deps);
    expect(t.prompter.unanswered).toEqual([]);
    expect(t.stderr()).toContain(`✓ Logged in to ${ctx.hub.url} as mona (Docker's web session)\n`);
    // hubpat keeps only a marker: the tokens stay Docker's.
    expect(m.sessions.entries.get(`${ctx.hub.url}#mona`)!.secret).toBe('{"kind":"docker"}');

    // Past the access token's end: hubpat renews with the client id stored beside it and writes both back, so
    // the refresh token Docker holds is the live one (the old one was rotated away).
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    ctx.clock.now = later;
    const list = m.on({ now: later });
    await runList({ active: false, inactive: false, json: true }, list.deps);
    const refreshItem = m.store.entries.get(DOCKER_REFRESH_TOKEN_KEY)!;
    const [rotated, clientId] = refreshItem.secret.split("..");
    expect(clientId).toBe(DOCKER_CLI_CLIENT_ID);
    expect(rotated).not.toBe(docker.refresh_token);
    expect(ctx.hub.refreshTokenIsLive(docker.refresh_token)).toBe(false);
    expect(ctx.hub.refreshTokenIsLive(rotated!)).toBe(true);
    expect(m.store.entries.get(DOCKER_ACCESS_TOKEN_KEY)!.secret).not.toBe(docker.access_token);

    const status = m.on({ now: later });
    await runStatus({ json: false }, status.deps);
    expect(status.stdout()).toContain("Account:   mona (Docker's web session), session valid until 2026-11-23T15:00:00Z (in 1 hour); renewed when it ends, checked with Docker Hub\n");
    expect(status.stdout()).toContain("Docker web session: mona, used by hub-tokens\n");

    const out = m.on({ now: later });
    await runLogout({}, out.deps);
    expect(out.stderr()).toBe(`✓ Logged out of ${ctx.hub.url} (mona; Docker's own web session stays signed in)\n`);
    expect(m.sessions.entries.size).toBe(0);
    expect(ctx.hub.refreshTokenIsLive(rotated!)).toBe(true);
    expect(m.store.entries.has(DOCKER_ACCESS_TOKEN_KEY)).toBe(true);
  });

  it("needs --use-docker-session off a terminal, and says when Docker holds none", async () => {
    const m = machine();
    expect(await failure(runLogin({ passwordStdin: false, useDockerSession: true }, m.on().deps))).toMatchObject({ exitCode: 2 });
    dockerSignedIn(m.store, "mona");
    const t = m.on();
    await runLogin({ passwordStdin: false, useDockerSession: true }, t.deps);
    expect(t.stderr()).toContain("as mona (Docker's web session)");
    // The Hub session is Docker's access token.
    await runList({ active: false, inactive: false, json: true }, m.on().deps);
  });

  it("goes when Docker signs out: the account is then not logged in", async () => {
    const m = machine();
    dockerSignedIn(m.store, "mona");
    await runLogin({ passwordStdin: false, useDockerSession: true }, m.on().deps);
    m.store.entries.delete(DOCKER_ACCESS_TOKEN_KEY);
    m.store.entries.delete(DOCKER_REFRESH_TOKEN_KEY);
    expect(await failure(runList({ active: false, inactive: false, json: true }, m.on().deps))).toEqual({
      line: "hub-tokens: mona used Docker's web session, and Docker is no longer signed in as mona (run docker login (web sign-in) again, or: hub-tokens login --web)",
      exitCode: 4,
    });
  });
});

describe("several accounts", () => {
  async function passwordLogin(m: ReturnType<typeof machine>, user: { username: string; password: string }) {
    const t = m.on({ stdin: `${user.password}\n` });
    await runLogin({ username: user.username, passwordStdin: true }, t.deps);
    return t;
  }

  it("keeps each account beside the others; the newest is the default, --account and switch pick another", async () => {
    const m = machine();
    ctx.hub.addToken("mona", { label: "mona-laptop" });
    ctx.hub.addToken("mona-bot", { label: "bot-ci" });
    await passwordLogin(m, MONA);
    const second = await passwordLogin(m, BOT);
    expect(second.stderr()).toBe(`✓ Logged in to ${ctx.hub.url} as mona-bot\n  mona-bot is now the default account; back to the other: hub-tokens switch mona\n`);
    expect([...m.sessions.entries.keys()].sort()).toEqual([`${ctx.hub.url}#mona`, `${ctx.hub.url}#mona-bot`]);

    const labels = async (o: TestDepsOptions = {}) => {
      const t = m.on(o);
      await runList({ active: false, inactive: false, json: true }, t.deps);
      return (JSON.parse(t.stdout()) as Array<{ label: string }>).map((x) => x.label);
    };
    expect(await labels()).toEqual(["bot-ci"]);
    expect(await labels({ account: "mona" })).toEqual(["mona-laptop"]);
    const sw = m.on();
    await runSwitch({ account: "mona" }, sw.deps);
    expect(sw.stderr()).toBe(`✓ mona is now the default account for ${ctx.hub.url}\n`);
    expect(await labels()).toEqual(["mona-laptop"]);
    expect(await failure(runSwitch({ account: "nobody" }, m.on().deps))).toMatchObject({ exitCode: 4, line: expect.stringContaining("nobody is not logged in") });

    const status = m.on();
    await runStatus({ json: false }, status.deps);
    expect(status.stdout()).toContain("Account:   mona (password + 2FA), session valid until 2026-11-30T12:00:00Z (in 7 days), checked with Docker Hub\nAlso:      mona-bot (password + 2FA), session valid until 2026-11-30T12:00:00Z (in 7 days)\n");

    const out = m.on();
    await runLogout({ all: true }, out.deps);
    expect(out.stderr()).toBe(`✓ Logged out of ${ctx.hub.url} (mona)\n✓ Logged out of ${ctx.hub.url} (mona-bot)\n`);
    expect(m.sessions.entries.size).toBe(0);
  });

  it("says whose token Docker holds, and asks before storing another account's (off a terminal: --replace)", async () => {
    const m = machine();
    await passwordLogin(m, MONA);
    await runCreate({ label: "mona-docker", scope: "read", expires: "30d", dockerLogin: true, json: false }, m.on().deps);
    await passwordLogin(m, BOT);

    const status = m.on();
    await runStatus({ json: false }, status.deps);
    const held = ctx.hub.tokenByLabel("mona-docker").uuid.slice(0, 8);
    expect(status.stdout()).toMatch(new RegExp(`Docker Hub credential: token ${held} …\\S{4} for mona \\(not mona-bot's\\)\\n`));

    const opts = { label: "bot-docker", scope: "read", expires: "30d", dockerLogin: true, json: false };
    expect(await failure(runCreate(opts, m.on().deps))).toEqual({
      line: `hub-tokens: docker holds mona's Docker Hub token (${held}), not mona-bot's: add --replace to store mona-bot's instead (Docker then pulls and pushes as mona-bot)`,
      exitCode: 2,
    });
    expect(ctx.hub.tokensOf("mona-bot")).toEqual([]);
    const no = m.on({ tty: true, answers: [{ confirm: /^Docker holds mona's Docker Hub token .* Store mona-bot's instead/, answer: false }] });
    expect((await failure(runCreate(opts, no.deps))).exitCode).toBe(130);
    expect(m.store.entries.get(DOCKER_HUB_KEY)!.username).toBe("mona");

    await runCreate({ ...opts, replace: true }, m.on().deps);
    expect(m.store.entries.get(DOCKER_HUB_KEY)).toMatchObject({ username: "mona-bot", tokenId: ctx.hub.tokenByLabel("bot-docker").uuid });
  });

  it("reads an older hubpat's single session as its account, and moves it to its own key at the next login", async () => {
    const m = machine();
    m.sessions.entries.set(ctx.hub.url, { username: "mona", secret: ctx.hub.sessionFor("mona") });
    await runList({ active: false, inactive: false, json: true }, m.on().deps);
    await passwordLogin(m, BOT);
    expect([...m.sessions.entries.keys()].sort()).toEqual([`${ctx.hub.url}#mona`, `${ctx.hub.url}#mona-bot`]);
    expect(m.config.accounts(ctx.hub.url)).toEqual({ default: "mona-bot", names: ["mona", "mona-bot"] });
  });

  it("asks which account when several are logged in and none is the default", async () => {
    const m = machine();
    await passwordLogin(m, MONA);
    await passwordLogin(m, BOT);
    m.config.setAccounts(ctx.hub.url, { names: ["mona", "mona-bot"] });
    expect(await failure(runList({ active: false, inactive: false, json: true }, m.on().deps))).toEqual({
      line: `hub-tokens: 2 accounts are logged in to ${ctx.hub.url} (mona, mona-bot) and none is the default (pick one with --account mona, or make it the default: hub-tokens switch mona)`,
      exitCode: 4,
    });
  });
});

describe("accounts a password can't open", () => {
  it("tells an SSO-enforced account to use login --web, in one line", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${SSO.password}\n` });
    expect(await failure(runLogin({ username: SSO.username, passwordStdin: true }, t.deps))).toEqual({
      line: "hub-tokens: sso-sam's organization enforces single sign-on, so Docker Hub takes no password for it: sign in with hub-tokens login --web",
      exitCode: 4,
    });
    expect(t.sessions.entries.size).toBe(0);
  });

  it("signs an SSO-enforced account in through the web", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    const login = runLogin({ passwordStdin: false, web: true }, t.deps);
    await approveWhenAsked(SSO.username);
    await login;
    expect(t.stderr()).toContain(`✓ Logged in to ${ctx.hub.url} as sso-sam (web sign-in)\n`);
  });

  it("gives a PAT typed as the password the same advice, without sending it", async () => {
    const { secret } = ctx.hub.addToken("mona", { label: "ci" });
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${secret}\n` });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({
      line: "hub-tokens: that is a personal access token, not mona's password, and a token's session can't manage tokens: sign in with hub-tokens login --web",
      exitCode: 4,
    });
    expect(ctx.hub.exchanges.filter((x) => x.path === "/v2/users/login")).toEqual([]);
  });
});
