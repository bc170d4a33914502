// `hub-tokens setup --import` moving in from Docker's own Go helpers (Debian's docker-credential-pass and
// docker-credential-secretservice), for real: their credentials are read through their protocol, stored in hubpat's
// store and read back before config.json switches; theirs stay, with the erase command printed; what hubpat can't keep
// stays there and stays routed there; ecr-login keeps its route; --dry-run shows the plan masked; --undo switches back.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { runSetup, type SetupDeps, type SetupOptions } from "../../src/commands/setup.js";
import { KernelStore } from "../../src/store/kernel.js";
import { PassStore } from "../../src/store/pass.js";
import type { CredentialStore } from "../../src/store/store.js";
import { VERSION } from "../../src/version.js";
import { runProcess } from "../fakes/helper-process.js";
import { haveKeyctl, testKeyring, type TestKeyring } from "../fakes/kernel-keyring.js";
import { havePass, passWorld, type PassWorld } from "../fakes/pass-store.js";

const HUB = "https://index.docker.io/v1/";
const NOW = new Date("2026-11-23T12:00:00Z");
const GO_PASS = "/usr/bin/docker-credential-pass";
const GO_SS = "/usr/bin/docker-credential-secretservice";
const canRun = havePass() && haveKeyctl() && existsSync(GO_PASS);
if (!canRun && process.env.CI) throw new Error("CI must install pass, keyutils and golang-docker-credential-helpers (see scripts/setup-machine.sh)");
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const OPTS: SetupOptions = { dryRun: false, undo: false, import: true };

/** config.json in its own DOCKER_CONFIG, and setup's deps writing to a list. */
function dockerSide(config: object, store: CredentialStore, env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-import-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(config, null, "\t"));
  const lines: string[] = [];
  const deps: SetupDeps = {
    io: { print: (l) => lines.push(l), info: (l) => lines.push(l), warn: (l) => lines.push(`! ${l}`) },
    store,
    clock: () => NOW,
    dockerConfigPath: path,
    env,
    checkHelper: async () => ({ path: "/usr/local/bin/docker-credential-hubpat", version: `v${VERSION}` }),
  };
  return { path, deps, lines, config: () => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> };
}

const goStore = (helper: string, env: NodeJS.ProcessEnv, url: string, username: string, secret: string) =>
  runProcess([helper], ["store"], JSON.stringify({ ServerURL: url, Username: username, Secret: secret }), env).then((r) => expect(r.exitCode, r.stdout).toBe(0));
const goList = async (helper: string, env: NodeJS.ProcessEnv) => JSON.parse((await runProcess([helper], ["list"], "", env)).stdout) as Record<string, string>;

describe.skipIf(!canRun)("setup --import from docker-credential-pass", () => {
  let pass: PassWorld;
  let ring: TestKeyring;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    pass = passWorld();
    ring = testKeyring();
    env = { ...pass.env, ...ring.env };
    await goStore(GO_PASS, env, HUB, "mona", "dckr_pat_from_go_pass");
    await goStore(GO_PASS, env, "ghcr.io", "octo", "ghp_from_go_pass");
  });
  afterAll(() => {
    pass?.close();
    ring?.close();
  });
  const kernel = () => new KernelStore({ service: "docker-credential-hubpat", env });

  it("--dry-run shows the plan with secrets masked and changes nothing", async () => {
    const d = dockerSide({ credsStore: "pass" }, kernel(), env);
    await runSetup({ ...OPTS, dryRun: true }, d.deps);
    expect(d.lines).toContain(`Would import the credential for ${HUB} (mona, secret ****) from docker-credential-pass`);
    expect(d.lines).toContain("Would import the credential for ghcr.io (octo, secret ****) from docker-credential-pass");
    expect(d.lines.join("\n")).not.toMatch(/from_go_pass/);
    expect(d.config()).toEqual({ credsStore: "pass" });
    expect(ring.descriptions()).toEqual([]);
  });

  it("copies each credential into hubpat's store, reads it back, then switches; the old entries stay, with the erase commands", async () => {
    const store = kernel();
    const d = dockerSide({ credsStore: "pass", credHelpers: { [ECR]: "ecr-login" } }, store, env);
    await runSetup(OPTS, d.deps);
    expect(await store.get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_from_go_pass" });
    expect(await store.get("ghcr.io")).toEqual({ username: "octo", secret: "ghp_from_go_pass" });
    // ecr-login keeps its route and was never called (it is not even installed here).
    expect(d.config()).toEqual({ credsStore: "hubpat", credHelpers: { [ECR]: "ecr-login" } });
    expect(await goList(GO_PASS, env)).toEqual({ [HUB]: "mona", "ghcr.io": "octo" });
    expect(d.lines).toContain(`✓ Imported the credential for ${HUB} (mona) from docker-credential-pass into hubpat's kernel store`);
    expect(d.lines).toContain("  docker-credential-ecr-login makes credentials as they are asked for: its registries stay routed to it");
    const erase = d.lines.filter((l) => l.includes("| docker-credential-pass erase")).map((l) => l.trim()).sort();
    expect(erase).toEqual(["printf '%s' 'ghcr.io' | docker-credential-pass erase", `printf '%s' '${HUB}' | docker-credential-pass erase`]);
    // The printed command works as printed.
    execSync(erase.find((l) => l.includes("ghcr.io"))!, { env });
    expect(await goList(GO_PASS, env)).toEqual({ [HUB]: "mona" });
    await goStore(GO_PASS, env, "ghcr.io", "octo", "ghp_from_go_pass");

    // --undo switches Docker back to docker-credential-pass.
    await runSetup({ dryRun: false, undo: true }, d.deps);
    expect(d.config()).toEqual({ credsStore: "pass", credHelpers: { [ECR]: "ecr-login" } });
    for (const url of [HUB, "ghcr.io"]) await store.delete(url);
  });

  it("leaves a credential hubpat can't keep identically where it was, routed there, and says so", async () => {
    await goStore(GO_PASS, env, "big.test", "u", "x".repeat(33_000));
    onTestFinished(() => void spawnSync(GO_PASS, ["erase"], { input: "big.test", env }));
    const store = kernel();
    const d = dockerSide({ credsStore: "pass" }, store, env);
    await runSetup(OPTS, d.deps);
    expect(d.config()).toEqual({ credsStore: "hubpat", credHelpers: { "big.test": "pass" } });
    expect(await store.get("big.test")).toBeNull();
    expect(d.lines.find((l) => l.startsWith("! left big.test"))).toMatch(/^! left big\.test in docker-credential-pass: hubpat's store can't keep it \(the kernel keyring can't keep a secret this long .*\); Docker keeps asking that helper for it$/);
    for (const url of [HUB, "ghcr.io"]) await store.delete(url);
  });

  it("into hubpat's own pass store: the same entries, so nothing to erase", async () => {
    const d = dockerSide({ credsStore: "pass" }, new PassStore({ service: "docker-credential-hubpat", env }), env);
    await runSetup(OPTS, d.deps);
    expect(d.config()).toEqual({ credsStore: "hubpat" });
    expect(d.lines).toContain("  docker-credential-pass and hubpat's pass store share those entries: there is nothing to erase");
    expect(await goList(GO_PASS, env)).toEqual({ [HUB]: "mona", "ghcr.io": "octo" });
  });

  it("off a terminal without --import, copies nothing and says how", async () => {
    const store = kernel();
    const d = dockerSide({ credsStore: "pass" }, store, env);
    await runSetup({ dryRun: false, undo: false }, d.deps);
    expect(d.lines).toContain('! credsStore was "pass": credentials kept by docker-credential-pass are not moved (add --import to copy them); log in again where you need them');
    expect(await store.list()).toEqual({});
  });

  it("on a terminal, asks first", async () => {
    const store = kernel();
    const d = dockerSide({ credsStore: "pass" }, store, env);
    const asked: string[] = [];
    await runSetup({ dryRun: false, undo: false }, { ...d.deps, confirm: async (q) => (asked.push(q), true) });
    expect(asked).toEqual(["Copy the credentials docker-credential-pass holds into hubpat (its own entries stay)?"]);
    expect(Object.keys(await store.list()).sort()).toEqual(["ghcr.io", HUB]);
    for (const url of [HUB, "ghcr.io"]) await store.delete(url);
  });
});

describe.skipIf(!canRun || !haveSecretService() || !existsSync(GO_SS))("setup --import from docker-credential-secretservice", () => {
  let session: KeyringSession;
  let ring: TestKeyring;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
    ring = testKeyring();
    env = { ...session.env, ...ring.env };
    await goStore(GO_SS, env, HUB, "mona", "dckr_pat_from_go_ss");
    await goStore(GO_SS, env, "registry.example:5000", "<token>", "identity-token-from-go-ss");
  });
  afterAll(async () => {
    ring?.close();
    await session?.close();
  });

  it("copies its credentials, identity tokens included, and switches; its items stay", async () => {
    const store = new KernelStore({ service: "docker-credential-hubpat", env });
    const d = dockerSide({ credsStore: "secretservice", auths: { [HUB]: {}, "registry.example:5000": {} } }, store, env);
    await runSetup(OPTS, d.deps);
    expect(await store.get(HUB)).toEqual({ username: "mona", secret: "dckr_pat_from_go_ss" });
    expect(await store.get("registry.example:5000")).toEqual({ username: "<token>", secret: "identity-token-from-go-ss" });
    expect(d.config()).toMatchObject({ credsStore: "hubpat" });
    expect(await goList(GO_SS, env)).toEqual({ [HUB]: "mona", "registry.example:5000": "<token>" });
    expect(d.lines).toContain(`    printf '%s' '${HUB}' | docker-credential-secretservice erase`);
  });
});
