// Hub faults as a person meets them: through the commands, with the emulator's fault knobs. Each fault gives one
// line (what entry.ts prints) and the right exit code; reads are retried, a create or a login never is once it
// may have reached the Hub. Asserted on the emulator's recorded requests and its state, not on call counts.
// (The client's own retry rules are in test/hub/client.test.ts; this is what the commands make of them.)
import { afterEach, describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { runCreate, type CreateOptions } from "../../src/commands/create.js";
import { runDelete } from "../../src/commands/delete.js";
import { runList } from "../../src/commands/list.js";
import { runLogin } from "../../src/commands/login.js";
import { runRename } from "../../src/commands/rename.js";
import { runDeactivate } from "../../src/commands/deactivate.js";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HubClient, type HubClientOptions } from "../../src/hub/client.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [{ ...MONA, tokens: [{ label: "laptop", scopes: ["repo:write"] }, { label: "old", isActive: false }] }] }));

/** Logged in as mona, on the real client with fast backoff; `client` tunes it (timeouts, retries). */
const loggedIn = (client: HubClientOptions = {}, hub: Emulator = ctx.hub) => {
  const t = testDeps({
    hubUrl: hub.url,
    session: { username: "mona", token: hub.sessionFor("mona") },
    connect: async (session) =>
      new HubClient({ baseUrl: hub.url, ...(session ? { session } : {}), backoffMs: 1, warn: (l) => t.deps.io.warn(l), now: () => t.deps.clock().getTime(), ...client }),
  });
  return t;
};
const list = { active: false, inactive: false, json: false };
const create = (o: Partial<CreateOptions> = {}): CreateOptions => ({ label: "ci", scope: "Read-only", expires: "30d", dockerLogin: false, json: false, ...o });
const requests = (method: string, hub: Emulator = ctx.hub) => hub.exchanges.filter((x) => x.server === "hub" && x.method === method && x.path.startsWith("/v2/access-tokens"));
const labels = () => ctx.hub.tokensOf("mona").map((t) => t.token_label).sort();
const host = () => new URL(ctx.hub.url).host;
const MAYBE_MADE = "the change may have been made, so check before trying again";

describe("5xx", () => {
  it("a list retries and then succeeds, saying nothing about it", async () => {
    ctx.hub.faults.serverErrors = 2;
    const t = loggedIn();
    await runList(list, t.deps);
    expect(t.stdout().split("\n").filter(Boolean)).toHaveLength(2);
    expect(t.stderr()).toBe("");
    expect(requests("GET").map((x) => x.status)).toEqual([503, 503, 200]);
  });

  it("a list that keeps failing: one line, exit 1, nothing on stdout, a bounded number of tries", async () => {
    ctx.hub.faults.serverErrors = 100;
    const t = loggedIn();
    expect(await failure(runList(list, t.deps))).toEqual({ line: "hub-tokens: Docker Hub is unavailable (HTTP 503): try again later", exitCode: 1 });
    expect(t.stdout()).toBe("");
    expect(requests("GET")).toHaveLength(4);
  });

  it("a create is sent once: one line, exit 1, no token, nothing stored for Docker", async () => {
    ctx.hub.faults.serverErrors = 1;
    const t = loggedIn();
    expect(await failure(runCreate(create({ dockerLogin: true }), t.deps))).toEqual({ line: "hub-tokens: Docker Hub is unavailable (HTTP 503): try again later", exitCode: 1 });
    expect(requests("POST")).toHaveLength(1);
    expect(labels()).toEqual(["laptop", "old"]);
    expect(await t.store.list()).toEqual({});
  });

  it("a login is sent once, and keeps no session", async () => {
    ctx.hub.faults.serverErrors = 1;
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${MONA.password}\n` });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({ line: "hub-tokens: Docker Hub is unavailable (HTTP 503): try again later", exitCode: 1 });
    expect(ctx.hub.exchanges.filter((x) => x.path === "/v2/users/login")).toHaveLength(1);
    expect(await t.sessions.list()).toEqual({});
  });

  it("a deactivate (a PATCH setting a value) is safe to repeat, and is", async () => {
    const t = loggedIn();
    const connect = t.deps.connect;
    // The fault is armed once the token is resolved, so it falls on the PATCH.
    t.deps.connect = async (session) => {
      const real = await connect(session);
      return Object.assign(Object.create(real) as typeof real, {
        listTokens: async () => {
          const result = await real.listTokens();
          ctx.hub.faults.serverErrors = 1;
          return result;
        },
      });
    };
    await runDeactivate({ tokens: ["laptop"], json: false }, t.deps);
    expect(requests("PATCH").map((x) => x.status)).toEqual([503, 200]);
    expect(ctx.hub.tokenByLabel("laptop").is_active).toBe(false);
  });
});

describe("429 bursts", () => {
  // A 429 says when to come back in the Hub's time: the client reads it against the test clock the emulator answers by.
  it("a create refused with 429 was not acted on, so it is sent again once the Hub allows, and makes one token", async () => {
    const t = loggedIn();
    ctx.hub.faults.rateLimitBurst = 1;
    await runCreate(create(), t.deps);
    expect(requests("POST").map((x) => x.status)).toEqual([429, 201]);
    expect(labels()).toEqual(["ci", "laptop", "old"]);
    expect(t.stdout()).toMatch(/^dckr_pat_\S+\n$/);
  });

  it("a bulk delete rides out a burst and deletes each token once", async () => {
    const t = loggedIn();
    ctx.hub.faults.rateLimitBurst = 2;
    await runDelete({ tokens: ["laptop", "old"], inactive: false, expired: false, yes: true, dryRun: false, json: false }, t.deps);
    expect(labels()).toEqual([]);
    expect(requests("DELETE").filter((x) => x.status === 204)).toHaveLength(2);
  });
});

describe("connection resets and lost answers", () => {
  it("a list retries after resets and succeeds", async () => {
    ctx.hub.faults.dropConnections = 2;
    const t = loggedIn();
    await runList(list, t.deps);
    expect(t.stdout().split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("a list that keeps being reset gives up with one line naming the host", async () => {
    ctx.hub.faults.dropConnections = 100;
    const t = loggedIn();
    expect(await failure(runList(list, t.deps))).toEqual({ line: `hub-tokens: can't reach Docker Hub at ${host()} (UND_ERR_SOCKET): check your network and try again`, exitCode: 1 });
    expect(requests("GET")).toHaveLength(4);
  });

  it("a create whose connection was reset is not sent again, and says the token may exist", async () => {
    ctx.hub.faults.dropConnections = 1;
    const t = loggedIn();
    expect(await failure(runCreate(create(), t.deps))).toEqual({
      line: `hub-tokens: the connection to Docker Hub broke after POST /v2/access-tokens was sent (UND_ERR_SOCKET): ${MAYBE_MADE}`,
      exitCode: 1,
    });
    expect(requests("POST")).toHaveLength(1);
  });

  it("a create whose answer was lost made its token once, stores nothing for Docker, and says to check", async () => {
    ctx.hub.faults.loseAnswers = 1;
    const t = loggedIn();
    expect(await failure(runCreate(create({ dockerLogin: true }), t.deps))).toEqual({
      line: `hub-tokens: the connection to Docker Hub broke after POST /v2/access-tokens was sent (UND_ERR_SOCKET): ${MAYBE_MADE}`,
      exitCode: 1,
    });
    expect(requests("POST")).toHaveLength(1);
    expect(labels()).toEqual(["ci", "laptop", "old"]);
    expect(t.store.entries.has(DOCKER_HUB_KEY)).toBe(false);
  });
});

describe("truncated and malformed answers", () => {
  it("a list retries a cut body, and gives up with one line when every body is cut", async () => {
    ctx.hub.faults.malformedBodies = 1;
    await runList(list, loggedIn().deps);
    ctx.hub.faults.malformedBodies = 100;
    const t = loggedIn();
    expect(await failure(runList(list, t.deps))).toEqual({ line: "hub-tokens: Docker Hub's answer to GET /v2/access-tokens was not readable JSON", exitCode: 1 });
    expect(t.stdout()).toBe("");
  });

  it("a create with a cut answer is not sent again, and says the token may exist", async () => {
    ctx.hub.faults.malformedBodies = 1;
    const t = loggedIn();
    expect(await failure(runCreate(create(), t.deps))).toEqual({ line: `hub-tokens: Docker Hub's answer to POST /v2/access-tokens was not readable JSON: ${MAYBE_MADE}`, exitCode: 1 });
    expect(requests("POST")).toHaveLength(1);
    expect(labels()).toEqual(["ci", "laptop", "old"]);
    expect(t.stdout()).toBe("");
  });

  it("a list with a well-formed answer of the wrong shape says what is wrong, exit 1", async () => {
    ctx.hub.tokenByLabel("laptop").scopes = "repo:write" as unknown as string[];
    const t = loggedIn();
    const { line, exitCode } = await failure(runList(list, t.deps));
    expect(line).toMatch(/^hub-tokens: Docker Hub sent an unexpected access token: scopes /);
    expect(exitCode).toBe(1);
    ctx.hub.exchanges.length = 0;
  });
});

describe("slow bodies", () => {
  // undici checks its timers about once a second, so the body stalls well past that.
  it("a list whose body stalls times out, retries, and reports the Hub unavailable; a create is not sent again", async () => {
    ctx.hub.faults.slowBodyMs = 2_500;
    const t = loggedIn({ responseTimeoutMs: 200, retries: 1 });
    const [listed, created] = await Promise.all([failure(runList(list, t.deps)), failure(runCreate(create(), loggedIn({ responseTimeoutMs: 200 }).deps))]);
    expect(listed).toEqual({ line: "hub-tokens: Docker Hub did not answer GET /v2/access-tokens within 200 ms (2 tries): try again later", exitCode: 1 });
    expect(created).toEqual({ line: `hub-tokens: Docker Hub did not answer POST /v2/access-tokens within 200 ms: ${MAYBE_MADE}`, exitCode: 1 });
    expect(requests("GET")).toHaveLength(2);
    expect(requests("POST")).toHaveLength(1);
    ctx.hub.faults.slowBodyMs = 0;
  });
});

describe("the session expiring mid-list", () => {
  let own: Emulator | undefined;
  afterEach(async () => {
    await own?.close();
    expect(own?.unhandled).toEqual([]);
    own = undefined;
  });

  it("stops with the login hint (exit 4) and prints no partial list", async () => {
    // The Hub's clock passes the session's end once the first page has been answered.
    let seen: Emulator | undefined;
    const emulator = await startEmulator({ users: [MONA], now: () => (seen?.exchanges.length ? new Date(NOW.getTime() + 61_000) : NOW) });
    own = seen = emulator;
    for (let i = 0; i < 250; i++) emulator.addToken("mona", { label: `t${i}` });
    const t = testDeps({ hubUrl: emulator.url, session: { username: "mona", token: emulator.sessionFor("mona", { ttlSeconds: 60 }) } });
    expect(await failure(runList(list, t.deps))).toEqual({ line: "hub-tokens: Docker Hub refused the session: it expired or was revoked (run: hub-tokens login)", exitCode: 4 });
    expect(t.stdout()).toBe("");
    // Pages 2 and 3 go out together; the command stops at the first 401, the other may still be on its way.
    const [first, ...rest] = emulator.exchanges.map((x) => x.status);
    expect(first).toBe(200);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((s) => s === 401)).toBe(true);
  });
});

describe("a token deleted between list and change", () => {
  /** The client, but the named token vanishes from the Hub right after each list, as if deleted on the Hub page. */
  const vanishing = (t: ReturnType<typeof loggedIn>, label: string) => {
    const uuid = ctx.hub.tokenByLabel(label).uuid;
    const connect = t.deps.connect;
    t.deps.connect = async (session) => {
      const real = await connect(session);
      return Object.assign(Object.create(real) as typeof real, {
        listTokens: async (...args: Parameters<typeof real.listTokens>) => {
          const result = await real.listTokens(...args);
          ctx.hub.state.tokens.delete(uuid);
          return result;
        },
      });
    };
    return uuid;
  };

  it("delete counts it as gone, says so, and deletes the rest (exit 0)", async () => {
    const t = loggedIn();
    const laptop = vanishing(t, "laptop").slice(0, 8);
    const old = ctx.hub.tokenByLabel("old").uuid.slice(0, 8);
    await runDelete({ tokens: ["laptop", "old"], inactive: false, expired: false, yes: true, dryRun: false, json: false }, t.deps);
    expect(t.stderr()).toBe(`✓ laptop (${laptop}) was already deleted\n✓ Deleted old (${old})\n`);
    expect(labels()).toEqual([]);
  });

  it("rename names the token the Hub no longer has, exit 1", async () => {
    const t = loggedIn();
    const uuid = vanishing(t, "laptop");
    expect(await failure(runRename({ token: "laptop", label: "new", json: false }, t.deps))).toEqual({ line: `hub-tokens: Docker Hub has no token ${uuid}`, exitCode: 1 });
    expect(requests("PATCH")).toHaveLength(1);
  });
});
