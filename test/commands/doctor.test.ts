import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { DOCKER_HUB_KEY, type HostInfo } from "../../src/cli/deps.js";
import { runDoctor, type DoctorOptions } from "../../src/commands/doctor.js";
import { KeychainError } from "../../src/store/errors.js";
import { MemoryStore } from "../../src/store/memory.js";
import { checkable } from "../../src/store/choice.js";
import type { CredentialStore, StoreKind, StoreProblem } from "../../src/store/store.js";
import { VERSION } from "../../src/version.js";
import { NOW, testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";
import { countReads } from "../fakes/stores.js";

const day = 86_400_000;
const ctx = useEmulator(() => ({
  users: [{ ...MONA, tokens: [{ label: "ci", scopes: ["repo:read"], expiresAt: new Date(NOW.getTime() + 3 * day) }, { label: "old", isActive: false }] }],
}));
const opts = (o: Partial<DoctorOptions> = {}): DoctorOptions => ({ expiringDays: 14, json: false, ...o });

/** A directory holding a `docker-credential-hubpat` that answers `version` with `answer`. */
function helperDir(answer: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-doctor-path-"));
  const file = join(dir, "docker-credential-hubpat");
  writeFileSync(file, `#!/bin/sh\n[ "$1" = version ] && printf '%s\\n' '${answer}'\n`);
  chmodSync(file, 0o755);
  return dir;
}

function dockerConfig(content: object | null): string {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-doctor-docker-"));
  if (content) writeFileSync(join(dir, "config.json"), JSON.stringify(content));
  return join(dir, "config.json");
}

/** Not Linux, so no bus or Secret Service lines: the keychain is a memory store (or `scratch`). */
function host(o: { path?: string; scratch?: CredentialStore; platform?: NodeJS.Platform; env?: Record<string, string> } = {}): HostInfo {
  return { env: { PATH: o.path ?? helperDir(`docker-credential-hubpat (hubpat) v${VERSION}`), ...o.env }, platform: o.platform ?? "darwin", insecureStorage: false, scratchStore: () => o.scratch ?? new MemoryStore() };
}

class FailingStore extends MemoryStore {
  constructor(private readonly err: Error) {
    super();
  }
  override async set(): Promise<void> {
    throw this.err;
  }
}

describe("doctor", () => {
  it("passes when Docker, the keychain, the Hub and Docker's token all work, and warns of expiring tokens", async () => {
    const path = helperDir(`docker-credential-hubpat (hubpat) v${VERSION}`);
    const config = dockerConfig({ auths: {}, credsStore: "hubpat" });
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: config });
    const { token, secret } = ctx.hub.addToken("mona", { label: "laptop", scopes: ["repo:write"] });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret, tokenId: token.uuid });
    t.deps.host = host({ path });
    const [ci, laptop] = [ctx.hub.tokenByLabel("ci").uuid.slice(0, 8), token.uuid.slice(0, 8)];
    await runDoctor(opts(), t.deps);
    expect(t.stdout()).toBe(
      `✓ Helper: ${join(path, "docker-credential-hubpat")} (hubpat ${VERSION})\n` +
        `✓ Docker config: ${config} sends Docker Hub credentials to hubpat\n` +
        '✓ Keychain round trip: stored, read back and erased a test item (service "hubpat-doctor")\n' +
        "✓ Hub session: mona, valid until 2026-11-30T12:00:00Z (in 7 days)\n" +
        `✓ Hub reachable: ${ctx.hub.url} answered\n` +
        `✓ Docker Hub credential: laptop (${laptop}) …${secret.slice(-4)} for mona, accepted by the registry's token service\n` +
        `! Expiring tokens: 1 token expires within 14 days: ci (${ci}) in 3 days (fix: hub-tokens rotate TOKEN)\n`,
    );
    expect(t.stderr()).toBe("✓ Nothing blocking found\n");
    expect(t.stdout()).not.toContain(secret);
  });

  it("fails, naming each fix, when nothing is set up", async () => {
    const empty = mkdtempSync(join(tmpdir(), "hubpat-doctor-empty-"));
    const config = dockerConfig(null);
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: config });
    t.deps.host = host({ path: empty });
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 3 checks failed: Helper, Docker config, Hub session", exitCode: 1 });
    expect(t.stdout()).toBe(
      "✗ Helper: docker-credential-hubpat is not on PATH, so Docker can't run it (fix: put docker-credential-hubpat on PATH: npm install -g hubpat installs it beside hub-tokens)\n" +
        `✗ Docker config: ${config} does not exist, so Docker keeps credentials its own way (fix: set "credsStore": "hubpat" in ${config} (or run: hub-tokens setup))\n` +
        '✓ Keychain round trip: stored, read back and erased a test item (service "hubpat-doctor")\n' +
        `✗ Hub session: not logged in to ${ctx.hub.url} (fix: hub-tokens login)\n` +
        `✓ Hub reachable: ${ctx.hub.url} answered\n` +
        "! Docker Hub credential: none stored, so Docker pulls from Docker Hub anonymously (and is rate-limited as such) (fix: hub-tokens create --docker-login)\n" +
        "- Expiring tokens: needs the token list from Docker Hub\n",
    );
  });

  it("reads Docker's credential once, for its own line and to mark Docker's token among those expiring", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    const [ci, secret] = [ctx.hub.tokenByLabel("ci").uuid, ctx.hub.seededSecret("mona", "ci")];
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret, tokenId: ci });
    t.deps.host = host();
    const reads = countReads(t.store, DOCKER_HUB_KEY);
    await runDoctor(opts(), t.deps);
    expect(t.stdout()).toContain(
      `✓ Docker Hub credential: ci (${ci.slice(0, 8)}) …${secret.slice(-4)} for mona, accepted by the registry's token service\n` +
        `! Expiring tokens: 1 token expires within 14 days: ci (${ci.slice(0, 8)}) [docker] in 3 days (fix: hub-tokens rotate)\n`,
    );
    expect(reads()).toBe(1);
  });

  it("fails for a helper found through a relative PATH entry, which Docker refuses to run", async () => {
    const dir = helperDir(`docker-credential-hubpat (hubpat) v${VERSION}`);
    const cwd = process.cwd();
    process.chdir(dir);
    onTestFinished(() => process.chdir(cwd));
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host({ path: `.:${dir}` });
    await failure(runDoctor(opts({ json: true }), t.deps));
    const report = JSON.parse(t.stdout()) as { checks: { id: string; status: string; detail: string; fix: string | null }[] };
    expect(report.checks[0]).toEqual({
      id: "helper", name: "Helper", status: "fail",
      detail: "./docker-credential-hubpat is found through a relative PATH entry, and Docker refuses to run a helper found relative to the current directory",
      fix: 'put the absolute directory on PATH instead (e.g. "$PWD/node_modules/.bin"), or install hubpat with npm install -g',
    });
  });

  it("fails when the helper on PATH is someone else's, or Docker uses another store", async () => {
    const path = helperDir("docker-credential-pass v0.8.2");
    const config = dockerConfig({ credsStore: "desktop" });
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: config });
    t.deps.host = host({ path });
    await failure(runDoctor(opts({ json: true }), t.deps));
    const report = JSON.parse(t.stdout()) as { ok: boolean; checks: { id: string; status: string; detail: string; fix: string | null }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.slice(0, 2)).toEqual([
      { id: "helper", name: "Helper", status: "fail", detail: `${join(path, "docker-credential-hubpat")} is not hubpat's helper (its version answer: "docker-credential-pass v0.8.2")`, fix: "put docker-credential-hubpat on PATH: npm install -g hubpat installs it beside hub-tokens" },
      { id: "dockerConfig", name: "Docker config", status: "fail", detail: `${config} does not send Docker Hub (https://index.docker.io/v1/) to hubpat`, fix: `set "credsStore": "hubpat" in ${config} (or run: hub-tokens setup)` },
    ]);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["helper", "fail"], ["dockerConfig", "fail"], ["keychainRoundTrip", "ok"], ["hubSession", "ok"], ["hubReachable", "ok"], ["dockerCredential", "warn"], ["expiringTokens", "warn"],
    ]);
  });

  it.each([
    ["inactive", (id: string) => void (ctx.hub.state.tokens.get(id)!.is_active = false), (s: string) => `laptop (${s}) …KEEP for mona is inactive (fix: hub-tokens activate ${s}, or hub-tokens rotate)`],
    ["deleted", (id: string) => void ctx.hub.state.tokens.delete(id), (s: string) => `token ${s} …KEEP for mona no longer exists on Docker Hub (fix: hub-tokens create --docker-login)`],
  ])("fails when Docker's token is %s on the Hub", async (_name, change, line) => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    const { token } = ctx.hub.addToken("mona", { label: "laptop", secret: "dckr_pat_0123456789abcdefghijKEEP" });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_0123456789abcdefghijKEEP", tokenId: token.uuid });
    t.deps.host = host();
    change(token.uuid);
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 1 check failed: Docker Hub credential", exitCode: 1 });
    expect(t.stdout()).toContain(`✗ Docker Hub credential: ${line(token.uuid.slice(0, 8))}\n`);
  });

  it("fails when the registry's token service refuses a secret hubpat did not create", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_not-a-token-of-monas-XYZW" });
    t.deps.host = host();
    expect((await failure(runDoctor(opts(), t.deps))).exitCode).toBe(1);
    expect(t.stdout()).toContain("✗ Docker Hub credential: the registry's token service refuses a secret …XYZW for mona (fix: hub-tokens create --docker-login, or docker login)\n");
  });

  it("says the Hub refused an expired or revoked session", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    ctx.hub.state.sessions.clear();
    t.deps.host = host();
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 1 check failed: Hub session", exitCode: 1 });
    expect(t.stdout()).toContain("✗ Hub session: Docker Hub refused mona's session: it expired or was revoked (fix: hub-tokens login)\n");
  });

  it("says the Hub can't be reached, logged in or not", async () => {
    const t = testDeps({ hubUrl: "http://127.0.0.1:9", dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host();
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 2 checks failed: Hub session, Hub reachable", exitCode: 1 });
    expect(t.stdout()).toContain("✗ Hub reachable: can't reach Docker Hub at 127.0.0.1:9 (ECONNREFUSED): check your network and try again (fix: check the network, a proxy or --hub-url)\n");
  });

  it("says the Hub can't be reached", async () => {
    const t = testDeps({ hubUrl: "http://127.0.0.1:9", session: { username: "mona", token: ctx.hub.sessionFor("mona") }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host();
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 1 check failed: Hub reachable", exitCode: 1 });
    expect(t.stdout()).toContain("✗ Hub reachable: can't reach Docker Hub at 127.0.0.1:9 (ECONNREFUSED): check your network and try again (fix: check the network, a proxy or --hub-url)\n");
  });

  it("fails on a session past its expiry without asking the Hub with it", async () => {
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    const t = testDeps({ hubUrl: ctx.hub.url, now: later, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 3600 }) }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host();
    expect(await failure(runDoctor(opts(), t.deps))).toEqual({ line: "hub-tokens: 1 check failed: Hub session", exitCode: 1 });
    expect(t.stdout()).toContain(`✗ Hub session: mona's session expired 1 hour ago (2026-11-23T13:00:00Z) (fix: hub-tokens login)\n✓ Hub reachable: ${ctx.hub.url} answered\n`);
    expect(ctx.hub.exchanges.filter((x) => x.headers.authorization !== undefined)).toEqual([]);
  });

  it("warns of a session ending within a day", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona", { ttlSeconds: 3 * 3600 }) }, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host();
    await runDoctor(opts(), t.deps);
    expect(t.stdout()).toContain("! Hub session: mona, valid until 2026-11-23T15:00:00Z (in 3 hours) (fix: hub-tokens login)\n");
  });

  it("with insecure storage: says where secrets are and checks the file instead of the Secret Service", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = { ...host({ platform: "linux" }), insecureStorage: true };
    await failure(runDoctor(opts(), t.deps));
    const [, , storage, round] = t.stdout().split("\n");
    expect(storage).toBe("! Storage: secrets are kept in a plain file (insecure storage), not the OS keychain (fix: hub-tokens --no-insecure-storage status, once the keychain works)");
    expect(round).toBe('✓ Keychain round trip: stored, read back and erased a test item (service "hubpat-doctor")');
    expect(t.stdout()).not.toContain("Session bus");
  });

  it("on Linux: a missing session bus fails the bus and skips what needs it", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host({ platform: "linux", env: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/hubpat-bus" } });
    await failure(runDoctor(opts(), t.deps));
    expect(t.stdout()).toContain(
      "✗ Session bus: unix:path=/nonexistent/hubpat-bus does not answer (ENOENT) (fix: run inside a desktop session or start one with dbus-run-session)\n" +
        "- Secret Service: needs the session bus\n" +
        "- Keychain round trip: needs the session bus\n",
    );
  });

  it("reports a keychain that fails in a way with no fix of its own on the round trip line", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = host({ scratch: new FailingStore(new KeychainError("failed", { detail: "org.freedesktop.DBus.Error.AccessDenied" })) });
    await failure(runDoctor(opts(), t.deps));
    expect(t.stdout()).toContain("✗ Keychain round trip: the keychain refused the request (org.freedesktop.DBus.Error.AccessDenied)\n");
  });
});

describe("doctor on each store", () => {
  const storeHost = (kind: StoreKind, problem: StoreProblem | null): HostInfo => {
    const scratch = checkable(new MemoryStore(), kind, () => `the ${kind} place`, () => new MemoryStore());
    scratch.check = async () => problem;
    return { ...host({ platform: "linux" }), storeKind: kind, storeChosenBy: "chosen with hub-tokens setup --store", scratchStore: () => scratch };
  };

  it("names the store, what chose it and where each secret lives, then the store's own check", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.storeDescription = "pass store: Docker's credentials in the password store /p, …; the Hub session in the password store /p, …";
    t.deps.host = storeHost("pass", null);
    await failure(runDoctor(opts(), t.deps));
    const [, , store, round, next] = t.stdout().split("\n");
    expect(store).toBe("✓ Store: pass store: Docker's credentials in the password store /p, …; the Hub session in the password store /p, … (chosen with hub-tokens setup --store)");
    expect(round).toBe('✓ pass store: stored, read back and erased a test item (service "hubpat-doctor")');
    // No Secret Service lines for a store that doesn't use it.
    expect(next).toMatch(/^✗ Hub session/);
  });

  it.each([
    ["pass", "pass store", { problem: "the password store /p is not initialised (it has no .gpg-id)", fix: "run: pass init YOUR-GPG-KEY-ID" }],
    ["kernel", "Kernel keyring", { problem: "the kernel refuses keyctl here (Operation not permitted): a container's seccomp profile blocks it", fix: "run the container with a seccomp profile that allows keyctl" }],
  ] as const)("fails the %s store's check with its own problem and fix", async (kind, name, problem) => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = storeHost(kind, problem);
    await failure(runDoctor(opts(), t.deps));
    expect(t.stdout()).toContain(`✗ ${name}: ${problem.problem} (fix: ${problem.fix})\n`);
  });

  it("warns that the file store is unencrypted, naming the way out", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, dockerConfigPath: dockerConfig({ credsStore: "hubpat" }) });
    t.deps.host = storeHost("file", null);
    await failure(runDoctor(opts(), t.deps));
    expect(t.stdout().split("\n")[2]).toBe("! Store: memory (test) (chosen with hub-tokens setup --store) (fix: hub-tokens setup lists the stores that work here; hub-tokens setup --store KIND moves to one)");
  });
});
