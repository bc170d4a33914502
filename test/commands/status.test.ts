import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { STATUS_FIELDS } from "../../src/cli/format.js";
import { runStatus } from "../../src/commands/status.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [MONA] }));

function dockerConfig(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), "hubpat-docker-")), "config.json");
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe("status", () => {
  it("shows the account, session expiry, secrets and Docker's wiring", async () => {
    const path = dockerConfig({ credsStore: "hubpat" });
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 86_400 }) }, dockerConfigPath: path });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_xxxxxxxxxxxxWXYZ", tokenId: "0d8f2a1c-1111-4000-8000-000000000001" });
    await runStatus({ json: false }, t.deps);
    expect(t.stdout()).toBe(
      [
        `Hub:       ${ctx.hub.url}`,
        "Account:   mona (password + 2FA), session valid until 2026-11-24T12:00:00Z (in 1 day), checked with Docker Hub",
        "Secrets:   memory (test)",
        `Docker:    uses hubpat (${path})`,
        "Docker Hub credential: token 0d8f2a1c …WXYZ for mona",
        "",
      ].join("\n"),
    );
  });

  it("says how to wire Docker, and exits 4 when not logged in", async () => {
    const path = dockerConfig({ credsStore: "desktop" });
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: path });
    expect(await failure(runStatus({ json: false }, t.deps))).toEqual({ line: `hub-tokens: not logged in to ${ctx.hub.url} (run: hub-tokens login)`, exitCode: 4 });
    expect(t.stdout()).toBe(
      [
        `Hub:       ${ctx.hub.url}`,
        "Account:   not logged in",
        "Secrets:   memory (test)",
        `Docker:    does not use hubpat: set "credsStore": "hubpat" in ${path}`,
        "Docker Hub credential: none stored",
        "",
      ].join("\n"),
    );
  });

  it("counts a per-registry credHelpers entry as wired, and prints JSON", async () => {
    const path = dockerConfig({ credsStore: "desktop", credHelpers: { "index.docker.io": "hubpat" } });
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 3600 }) }, dockerConfigPath: path });
    await runStatus({ json: true }, t.deps);
    expect(Object.keys(JSON.parse(t.stdout()) as object)).toEqual([...STATUS_FIELDS]); // what --format checks a template against
    expect(JSON.parse(t.stdout())).toEqual({
      hubUrl: ctx.hub.url,
      loggedIn: true,
      username: "mona",
      sessionKind: "password",
      sessionExpiresAt: "2026-11-23T13:00:00Z",
      store: "keychain",
      session: { checkedWithHub: true, acceptedByHub: true },
      accounts: [{ name: "mona", inUse: true, kind: "password", loggedIn: true, sessionExpiresAt: "2026-11-23T13:00:00Z" }],
      secrets: "memory (test)",
      docker: { configPath: path, usesHubpat: true, credential: null, webSession: null },
    });
  });

  it("asks the Hub, and says so when it dropped a session the keychain still holds (exit 4)", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 7 * 86_400 }) } });
    ctx.hub.state.sessions.clear(); // a logout or password change elsewhere
    ctx.hub.exchanges.length = 0;
    expect(await failure(runStatus({ json: false }, t.deps))).toEqual({
      line: `hub-tokens: Docker Hub refused mona's session for ${ctx.hub.url}: it expired or was revoked (run: hub-tokens login)`,
      exitCode: 4,
    });
    expect(t.stdout()).toContain("Account:   mona (password + 2FA), session refused by Docker Hub: it ended before 2026-11-30T12:00:00Z (a logout or password change elsewhere)\n");
    expect(ctx.hub.exchanges.map((e) => `${e.method} ${e.path}`)).toEqual(["GET /v2/access-tokens"]); // one small request
  });

  it("asks nothing with --offline, and says it did not", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 86_400 }) } });
    ctx.hub.state.sessions.clear();
    await runStatus({ offline: true, json: false }, t.deps);
    expect(t.stdout()).toContain("Account:   mona (password + 2FA), session valid until 2026-11-24T12:00:00Z (in 1 day) (--offline: not checked with Docker Hub)\n");
    expect(ctx.hub.exchanges).toEqual([]);
  });

  it("says it could not check when the Hub does not answer, and goes on (exit 0)", async () => {
    const token = ctx.hub.sessionFor("mona", { ttlSeconds: 86_400 });
    await ctx.hub.close();
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token } });
    await runStatus({ json: false }, t.deps);
    expect(t.stdout()).toMatch(/Account: {3}mona \(password \+ 2FA\), session valid until 2026-11-24T12:00:00Z \(in 1 day\); not checked with Docker Hub \(can't reach Docker Hub at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): check your network and try again\)\n/);
  });

  it("reads credsStore as Docker does: any case, the last one set winning", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "hubpat-docker-")), "config.json");
    writeFileSync(path, '{"credsStore":"desktop","CredsStore":"hubpat","credsStore":null}');
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 3600 }) }, dockerConfigPath: path });
    await runStatus({ json: true }, t.deps);
    expect(JSON.parse(t.stdout()).docker.usesHubpat).toBe(true);
  });

  it("reports an expired session with exit 4", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 60 }) }, now: new Date(NOW.getTime() + 7_200_000) });
    expect((await failure(runStatus({ json: false }, t.deps))).exitCode).toBe(4);
    expect(t.stdout()).toContain("Account:   mona (password + 2FA), session expired 2 hours ago (2026-11-23T12:01:00Z)\n");
  });

  it("shows no part of a secret hubpat did not create", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "hunter22" });
    await runStatus({ json: false }, t.deps);
    expect(t.stdout()).toContain("Docker Hub credential: a secret for mona, not created by hubpat\n");
    expect(t.stdout()).not.toContain("er22");
  });
});
