// `hub-tokens setup` on real config.json files in temp dirs, with a MemoryStore as the keychain: the file after,
// the store after, what the user saw, and that refusals and failures touch nothing.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createProgram } from "../../src/cli/program.js";
import { runSetup, type SetupDeps, type SetupOptions, type SetupStores } from "../../src/commands/setup.js";
import { checkable } from "../../src/store/choice.js";
import { DockerConfigError } from "../../src/docker/config.js";
import { HelperCheckError } from "../../src/docker/helper.js";
import { KeychainError, StoreUnusableError } from "../../src/store/errors.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { CheckableStore, StoredCredential, StoreKind } from "../../src/store/store.js";
import { VERSION } from "../../src/version.js";

const HUB = "https://index.docker.io/v1/";
const NOW = new Date("2026-11-23T12:00:00Z");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const SECRETS = ["dckr_pat_hubsecret", "ghp_octosecret", "eyJ.identity.secret"];

/** A config.json as people have them: other settings, odd spacing, three registries logged in in plain text. */
const ODD = `{
  "auths" : {
      "${HUB}":{"auth":"${b64(`mona:${SECRETS[0]}`)}"},
      "ghcr.io": { "auth": "${b64(`octo:${SECRETS[1]}`)}", "email": "octo@example.com" },
      "registry.example:5000" : {"identitytoken":"${SECRETS[2]}"}
  },
  "psFormat":   "table {{.ID}}\\t{{.Image}}",
  "proxies": {"default": {"httpProxy": "http://proxy:3128", "noProxy": "*.test"}},
  "plugins": {"debug": {"hooks": "exec"}},
  "currentContext": "remote"
}
`;

const OPTS: SetupOptions = { dryRun: false, undo: false };
const okHelper = async () => ({ path: "/usr/local/bin/docker-credential-hubpat", version: `v${VERSION}` });

function setupEnv(text?: string, o: { mode?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-setup-"));
  const path = join(dir, "config.json");
  if (text !== undefined) writeFileSync(path, text, { mode: o.mode ?? 0o644 });
  if (o.mode !== undefined && text !== undefined) chmodSync(path, o.mode);
  const out: string[] = [];
  const err: string[] = [];
  const store = new MemoryStore();
  const deps: SetupDeps = {
    io: { print: (l) => out.push(l), info: (l) => err.push(l), warn: (l) => err.push(`! ${l}`) },
    store,
    clock: () => NOW,
    dockerConfigPath: path,
    env: { PATH: "/nonexistent" },
    checkHelper: okHelper,
  };
  /** Everything the user saw, stdout then stderr. */
  const seen = () => [...out, ...err].join("\n");
  return { dir, path, store, deps, out, err, seen, files: () => readdirSync(dir).sort() };
}
const expectNoSecret = (text: string) => {
  for (const s of SECRETS) expect(text).not.toContain(s);
  for (const s of SECRETS) expect(text).not.toContain(b64(s).slice(0, 12));
};
async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe("runSetup", () => {
  it("moves every plain-text credential into the keychain, sets credsStore and keeps the rest of the file", async () => {
    const t = setupEnv(ODD, { mode: 0o640 });
    await runSetup(OPTS, t.deps);

    const text = readFileSync(t.path, "utf8");
    expectNoSecret(text);
    expect(JSON.parse(text)).toEqual({
      auths: { [HUB]: {}, "ghcr.io": { email: "octo@example.com" }, "registry.example:5000": {} },
      psFormat: "table {{.ID}}\t{{.Image}}",
      proxies: { default: { httpProxy: "http://proxy:3128", noProxy: "*.test" } },
      plugins: { debug: { hooks: "exec" } },
      currentContext: "remote",
      credsStore: "hubpat",
    });
    expect(text).toMatch(/^\{\n {2}"auths": \{\n {4}"https/); // its two-space indentation, not ours
    expect(statSync(t.path).mode & 0o777).toBe(0o640);
    expect(Object.fromEntries(t.store.entries)).toEqual({
      [HUB]: { username: "mona", secret: SECRETS[0] },
      "ghcr.io": { username: "octo", secret: SECRETS[1] },
      "registry.example:5000": { username: "<token>", secret: SECRETS[2] },
    });
    const backup = join(t.dir, "config.json.hubpat-backup-20261123T120000Z");
    expect(t.files()).toEqual(["config.json", "config.json.hubpat-backup-20261123T120000Z"]);
    expect(readFileSync(backup, "utf8")).toBe(ODD);
    expect(statSync(backup).mode & 0o777).toBe(0o600);

    expect(t.out).toEqual([]);
    expect(t.err).toEqual([
      `✓ Docker now asks /usr/local/bin/docker-credential-hubpat for credentials ("credsStore": "hubpat" in ${t.path})`,
      `✓ Moved the credential for ${HUB} (mona) into the keychain`,
      "✓ Moved the credential for ghcr.io (octo) into the keychain",
      "✓ Moved the credential for registry.example:5000 (<token>) into the keychain",
      `  backup: ${backup} (undo with: hub-tokens setup --undo)`,
      `! the backup still holds the plain-text credentials; delete it once Docker works: rm ${backup}`,
    ]);
    expectNoSecret(t.seen());
  });

  it("creates config.json (0600, in a new directory) when there is none", async () => {
    const t = setupEnv();
    t.deps.dockerConfigPath = join(t.dir, "new", "config.json");
    await runSetup(OPTS, t.deps);
    expect(readFileSync(t.deps.dockerConfigPath, "utf8")).toBe('{\n\t"credsStore": "hubpat"\n}\n');
    expect(statSync(t.deps.dockerConfigPath).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(t.dir, "new"))).toEqual(["config.json"]);
  });

  it("does nothing, and makes no backup, when Docker already uses hubpat", async () => {
    const text = '{"auths": {"r.test": {}}, "credsStore": "hubpat"}';
    const t = setupEnv(text);
    await runSetup(OPTS, t.deps);
    expect(readFileSync(t.path, "utf8")).toBe(text);
    expect(t.files()).toEqual(["config.json"]);
    expect(t.err).toEqual([`✓ ${t.path} already uses hubpat (/usr/local/bin/docker-credential-hubpat, v${VERSION})`]);
  });

  it("warns when the helper on PATH is another version of hubpat", async () => {
    const t = setupEnv('{"credsStore": "hubpat"}');
    t.deps.checkHelper = async () => ({ path: "/opt/old/docker-credential-hubpat", version: "v0.0.1" });
    await runSetup(OPTS, t.deps);
    expect(t.err[0]).toBe(`! /opt/old/docker-credential-hubpat is hubpat v0.0.1, this hub-tokens is v${VERSION}: Docker will run the former`);
  });

  it("says which credentials it left in the file and which helper it replaced", async () => {
    const t = setupEnv(JSON.stringify({ credsStore: "desktop", auths: { "bad.test": { auth: "!!" } } }));
    await runSetup(OPTS, t.deps);
    expect(JSON.parse(readFileSync(t.path, "utf8"))).toEqual({ credsStore: "hubpat", auths: { "bad.test": { auth: "!!" } } });
    expect(t.err.slice(0, 2)).toEqual([
      `! left bad.test in ${t.path}: its auth field is not base64 of user:password, so Docker cannot use it either`,
      '! credsStore was "desktop": credentials kept by docker-credential-desktop are not moved (add --import to copy them); log in again where you need them',
    ]);
  });

  it("with --import, stops before changing anything when the other helper can't be run", async () => {
    const text = JSON.stringify({ credsStore: "desktop" });
    const t = setupEnv(text);
    await expect(runSetup({ ...OPTS, import: true }, t.deps)).rejects.toThrow("docker-credential-desktop is not on PATH, so its credentials can't be read; setup changed nothing");
    expect(readFileSync(t.path, "utf8")).toBe(text);
    expect(t.files()).toEqual(["config.json"]);
  });

  it("warns that credHelpers still sends a registry elsewhere, Docker Hub above all", async () => {
    const t = setupEnv(JSON.stringify({ credHelpers: { [HUB]: "desktop", "gcr.io": "gcloud", "mine.test": "hubpat" } }));
    await runSetup(OPTS, t.deps);
    expect(JSON.parse(readFileSync(t.path, "utf8"))).toEqual({ credHelpers: { [HUB]: "desktop", "gcr.io": "gcloud", "mine.test": "hubpat" }, credsStore: "hubpat" });
    expect(t.err.slice(0, 2)).toEqual([
      `! credHelpers in ${t.path} still sends ${HUB} to docker-credential-desktop, not hubpat: Docker Hub will not use hubpat until that entry goes`,
      `! credHelpers in ${t.path} still sends gcr.io to docker-credential-gcloud, not hubpat`,
    ]);
  });

  it("leaves a registry with a control character in its name, and names it without letting the terminal obey it", async () => {
    const t = setupEnv(JSON.stringify({ auths: { "evil\u001b]0;pwned\u0007.test": { auth: b64("mallory:m") } } }));
    await runSetup(OPTS, t.deps);
    expect(t.err[0]).toBe(`! left evil\\u001b]0;pwned\\u0007.test in ${t.path}: its server URL contains a control character (U+001B), which the helper refuses`);
    // eslint-disable-next-line no-control-regex
    expect(t.seen().replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f]/);
    expect(t.store.entries.size).toBe(0);
  });

  describe("--dry-run", () => {
    it("masks every value that can carry a secret, in a one-line file too", async () => {
      const text = `{"auths":{"ghcr.io":{"auth":"${b64("octo:ghp_dry_secret")}"}},"HttpHeaders":{"Authorization":"Bearer hdr-dry-secret"},"proxies":{"default":{"httpsProxy":"http://pu:proxy-dry-secret@p:3128"}}}`;
      const t = setupEnv(text);
      await runSetup({ dryRun: true, undo: false }, t.deps);
      expect(t.out.join("\n")).toContain('"HttpHeaders":{"Authorization":"…"}');
      for (const secret of ["ghp_dry_secret", b64("octo:ghp_dry_secret"), "hdr-dry-secret", "proxy-dry-secret"]) expect(t.seen()).not.toContain(secret);
      expect(readFileSync(t.path, "utf8")).toBe(text);
    });

    it("prints the diff with secrets masked and changes neither the file nor the keychain", async () => {
      const text = `{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "${b64(`octo:${SECRETS[1]}`)}"\n\t\t}\n\t},\n\t"psFormat": "table"\n}\n`;
      const t = setupEnv(text);
      await runSetup({ dryRun: true, undo: false }, t.deps);
      expect(t.out).toEqual([
        `--- ${t.path}`,
        `+++ ${t.path}`,
        "@@ -1,8 +1,7 @@",
        " {",
        ' \t"auths": {',
        '-\t\t"ghcr.io": {',
        '-\t\t\t"auth": "…"',
        "-\t\t}",
        '+\t\t"ghcr.io": {}',
        " \t},",
        '-\t"psFormat": "table"',
        '+\t"psFormat": "table",',
        '+\t"credsStore": "hubpat"',
        " }",
      ]);
      expect(t.err).toEqual(["Would move the credential for ghcr.io (octo) into the keychain", "Dry run: nothing was changed"]);
      expectNoSecret(t.seen());
      expect(readFileSync(t.path, "utf8")).toBe(text);
      expect(t.store.entries.size).toBe(0);
      expect(t.files()).toEqual(["config.json"]);
    });

    it("still shows the diff when the helper is not on PATH, with a warning", async () => {
      const t = setupEnv("{}");
      t.deps.checkHelper = async () => {
        throw new HelperCheckError("docker-credential-hubpat is not on PATH, so Docker could not run it; hubpat changed nothing", { hint: "install hubpat" });
      };
      await runSetup({ dryRun: true, undo: false }, t.deps);
      expect(t.out).toEqual([`--- ${t.path}`, `+++ ${t.path}`, "@@ -1,1 +1,3 @@", "-{}", "+{", '+\t"credsStore": "hubpat"', "+}"]);
      expect(t.err[0]).toBe("! docker-credential-hubpat is not on PATH, so Docker could not run it (install hubpat)");
    });
  });

  describe("--undo", () => {
    it("puts the file back as it was before setup, byte for byte", async () => {
      const t = setupEnv(ODD, { mode: 0o640 });
      await runSetup(OPTS, t.deps);
      const after = readFileSync(t.path, "utf8");
      t.err.length = 0;
      t.deps.clock = () => new Date("2026-11-23T12:05:00Z");
      await runSetup({ dryRun: false, undo: true }, t.deps);
      expect(readFileSync(t.path, "utf8")).toBe(ODD);
      expect(statSync(t.path).mode & 0o777).toBe(0o640);
      expect(readFileSync(join(t.dir, "config.json.hubpat-undone-20261123T120500Z"), "utf8")).toBe(after);
      expect(t.err).toEqual([
        `✓ Restored ${t.path} from ${join(t.dir, "config.json.hubpat-backup-20261123T120000Z")}`,
        `  the file it replaced is saved as ${join(t.dir, "config.json.hubpat-undone-20261123T120500Z")}`,
        "  credentials setup moved into the keychain stay there as well",
        `! ${join(t.dir, "config.json.hubpat-backup-20261123T120000Z")} stays on disk and holds what the file held, plain-text credentials included; delete it once Docker works`,
      ]);
      expect(t.store.entries.size).toBe(3);

      // A second undo has nothing to undo: it says so and writes no further copy.
      const files = t.files();
      t.err.length = 0;
      t.deps.clock = () => new Date("2026-11-23T12:06:00Z");
      await runSetup({ dryRun: false, undo: true }, t.deps);
      expect(t.err).toEqual([`Nothing to undo: ${t.path} already is as ${join(t.dir, "config.json.hubpat-backup-20261123T120000Z")} left it`]);
      expect(t.files()).toEqual(files);
      expect(readFileSync(t.path, "utf8")).toBe(ODD);
    });

    it("names what it left on disk when the restore cannot be written (a full disk)", async () => {
      const t = setupEnv(ODD);
      await runSetup(OPTS, t.deps);
      t.deps.clock = () => new Date("2026-11-23T12:05:00Z");
      const after = readFileSync(t.path, "utf8");
      // The disk fills up after the copy of the current file is saved, as the restore itself is written.
      t.deps.onStep = (step) => {
        if (step === "temp-written") throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      };
      const err = await rejection(runSetup({ dryRun: false, undo: true }, t.deps));
      const undone = join(t.dir, "config.json.hubpat-undone-20261123T120500Z");
      expect(err.message).toBe(`cannot restore ${t.path} from ${join(t.dir, "config.json.hubpat-backup-20261123T120000Z")} (ENOSPC): ${t.path} is unchanged; left on disk: ${undone}, a copy of it made before the restore (plain text: delete it when done)`);
      expect((err as DockerConfigError).hint).toBe("free some space, then run setup --undo again");
      expect(readFileSync(t.path, "utf8")).toBe(after);
      expect(t.files()).toEqual(["config.json", "config.json.hubpat-backup-20261123T120000Z", "config.json.hubpat-undone-20261123T120500Z"]);
    });

    it("makes no second plain-text backup when setup runs again over the same file (after an undo)", async () => {
      const t = setupEnv(ODD);
      await runSetup(OPTS, t.deps);
      t.deps.clock = () => new Date("2026-11-23T12:05:00Z");
      await runSetup({ dryRun: false, undo: true }, t.deps);
      t.err.length = 0;
      t.deps.clock = () => new Date("2026-11-23T12:10:00Z");
      await runSetup(OPTS, t.deps);
      expect(t.files()).toEqual(["config.json", "config.json.hubpat-backup-20261123T120000Z", "config.json.hubpat-undone-20261123T120500Z"]);
      expect(t.err).toContain(`  backup: ${join(t.dir, "config.json.hubpat-backup-20261123T120000Z")} (undo with: hub-tokens setup --undo)`);
    });

    it("with --dry-run only names the backup it would restore", async () => {
      const t = setupEnv('{"credsStore":"hubpat"}');
      writeFileSync(join(t.dir, "config.json.hubpat-backup-20261101T000000Z"), "{}");
      await runSetup({ dryRun: true, undo: true }, t.deps);
      expect(t.err).toEqual([`Would restore ${t.path} from ${join(t.dir, "config.json.hubpat-backup-20261101T000000Z")}`]);
      expect(readFileSync(t.path, "utf8")).toBe('{"credsStore":"hubpat"}');
    });
  });

  describe("touches nothing when", () => {
    /** Runs setup expecting `kind`; then the file, the keychain and the directory are as they were. */
    async function refused(t: ReturnType<typeof setupEnv>, kind: new (...a: never[]) => Error, message: RegExp) {
      const before = t.files().map((f) => [f, existsSync(join(t.dir, f)) ? readFileSync(join(t.dir, f), "utf8") : null]);
      const err = await rejection(runSetup(OPTS, t.deps));
      expect(err).toBeInstanceOf(kind);
      expect(err.message).toMatch(message);
      expectNoSecret(`${err.message} ${String((err as { hint?: string }).hint)}`);
      expect(t.files().map((f) => [f, readFileSync(join(t.dir, f), "utf8")])).toEqual(before);
      expect(t.store.entries.size).toBe(0);
    }

    it("config.json is a symlink", async () => {
      const t = setupEnv();
      writeFileSync(join(t.dir, "real.json"), ODD);
      symlinkSync(join(t.dir, "real.json"), t.path);
      await refused(t, DockerConfigError, /is a symbolic link/);
    });

    it("config.json is garbage", async () => {
      await refused(setupEnv(`${ODD.slice(0, 200)}`), DockerConfigError, /is not valid JSON/);
    });

    it("config.json is read-only", async () => {
      await refused(setupEnv(ODD, { mode: 0o444 }), DockerConfigError, /is read-only \(mode 0444\)/);
    });

    it("the helper on PATH is not hubpat", async () => {
      const t = setupEnv(ODD);
      t.deps.checkHelper = async () => {
        throw new HelperCheckError("/usr/bin/docker-credential-hubpat is not hubpat's helper (it says \"x\"); hubpat changed nothing");
      };
      await refused(t, HelperCheckError, /is not hubpat's helper/);
    });

    it("the keychain fails part way: what it took stays there, and the file keeps every credential", async () => {
      const t = setupEnv(ODD);
      let calls = 0;
      const failing = new (class extends MemoryStore {
        override async set(url: string, c: StoredCredential): Promise<void> {
          if (++calls === 2) throw new KeychainError("locked");
          return super.set(url, c);
        }
      })();
      t.deps.store = failing;
      const err = await rejection(runSetup(OPTS, t.deps));
      expect(err).toBeInstanceOf(KeychainError);
      expect(readFileSync(t.path, "utf8")).toBe(ODD);
      expect(t.files()).toEqual(["config.json"]);
      expect([...failing.entries.keys()]).toEqual([HUB]);
    });
  });

  it("fails on an immutable file (chattr +i) with the file unchanged, every credential in it, no temp left", async (ctx) => {
    const t = setupEnv(ODD);
    if (spawnSync("chattr", ["+i", t.path]).status !== 0) return ctx.skip();
    onTestFinished(() => void spawnSync("chattr", ["-i", t.path]));
    const err = await rejection(runSetup(OPTS, t.deps));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toBe(`cannot write ${t.path} (EPERM): it is unchanged; the credentials already copied to the keychain stay there too; left on disk: ${t.path}.hubpat-backup-20261123T120000Z (plain-text copies: delete them once Docker works)`);
    expect(readFileSync(t.path, "utf8")).toBe(ODD);
    // The backup was made before the refused rename; no temp file is left.
    expect(t.files()).toEqual(["config.json", "config.json.hubpat-backup-20261123T120000Z"]);
    expect(t.store.entries.size).toBe(3);
  });
});

describe("hub-tokens setup argv", () => {
  async function parse(argv: string[]) {
    let out = "";
    let parsed: { command: string; options: unknown } | undefined;
    const program = createProgram({
      writeOut: (t) => void (out += t),
      writeErr: (t) => void (out += t),
      env: {},
      makeDeps: () => Promise.reject(new Error("no deps in argv tests")),
      runF: (command, options) => void (parsed = { command, options }),
    });
    await program.parseAsync(argv, { from: "user" }).catch(() => {});
    return { parsed, out };
  }

  it.each<[string[], SetupOptions]>([
    [["setup"], { dryRun: false, undo: false }],
    [["setup", "--dry-run"], { dryRun: true, undo: false }],
    [["setup", "--undo"], { dryRun: false, undo: true }],
    [["setup", "--undo", "--dry-run"], { dryRun: true, undo: true }],
  ])("%j", async (argv, options) => {
    expect((await parse(argv)).parsed).toEqual({ command: "setup", options });
  });

  it("--help ends with examples", async () => {
    expect((await parse(["setup", "--help"])).out).toMatch(/\nExamples:\n( {2}\$ .*hub-tokens setup.*\n)+$/);
  });
});

describe("setup --store", () => {
  /** Stores by kind: memory ones that work, and `broken` kinds whose check fails. */
  function stores(current: StoreKind, broken: StoreKind[] = []) {
    const made = new Map<StoreKind, MemoryStore>();
    const recorded: StoreKind[] = [];
    const open = async (kind: StoreKind): Promise<CheckableStore> => {
      const inner = made.get(kind) ?? new MemoryStore();
      made.set(kind, inner);
      const store = checkable(inner, kind, () => `the ${kind} place`, () => new MemoryStore());
      if (broken.includes(kind)) store.check = async () => ({ problem: `${kind} is broken here`, fix: `repair ${kind}` });
      return store;
    };
    const s: SetupStores = { current, open, record: (k) => void recorded.push(k), platform: "linux" };
    return { s, made, recorded };
  }

  it("records the store, and moves plain-text credentials into it", async () => {
    const t = setupEnv(ODD);
    const { s, made, recorded } = stores("keychain");
    await runSetup({ ...OPTS, store: "pass" }, { ...t.deps, stores: s });
    expect(recorded).toEqual(["pass"]);
    expect(t.err[0]).toBe("✓ hubpat keeps secrets in the pass store from now on: the pass place");
    expect([...made.get("pass")!.entries.keys()].sort()).toEqual(["ghcr.io", HUB, "registry.example:5000"]);
    expect(t.store.entries.size).toBe(0);
  });

  it("a dry run records nothing and says what it would keep where", async () => {
    const t = setupEnv(ODD);
    const { s, recorded } = stores("keychain");
    await runSetup({ ...OPTS, dryRun: true, store: "kernel" }, { ...t.deps, stores: s });
    expect(recorded).toEqual([]);
    expect(t.err[0]).toBe("Would keep secrets in the kernel store from now on: the kernel place");
  });

  it("with a keychain that can't be used, lists the stores that work here with the command for each, and changes nothing", async () => {
    const t = setupEnv(ODD);
    const before = readFileSync(t.path, "utf8");
    const { s, recorded } = stores("keychain", ["keychain", "pass"]);
    const err = await runSetup(OPTS, { ...t.deps, stores: s }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(StoreUnusableError);
    expect((err as Error).message).toBe("the keychain store can't keep a secret here, so setup changed nothing: repair keychain");
    expect(t.err).toEqual([
      "! the keychain store can't keep a secret here: keychain is broken here",
      "  Stores that work here (the command records the choice):",
      "    hub-tokens setup --store kernel   the kernel place",
      "    hub-tokens setup --store file     the file place: anyone who can read your files can read the secrets",
    ]);
    expect(readFileSync(t.path, "utf8")).toBe(before);
    expect(t.files()).toEqual(["config.json"]);
    expect(recorded).toEqual([]);
  });

  it("refuses a chosen store that can't be used the same way", async () => {
    const t = setupEnv(ODD);
    const { s, recorded } = stores("keychain", ["pass"]);
    await expect(runSetup({ ...OPTS, store: "pass" }, { ...t.deps, stores: s })).rejects.toThrow("the pass store can't keep a secret here, so setup changed nothing: repair pass");
    expect(t.err.slice(1)).toContain("    hub-tokens setup --store keychain   the keychain place");
    expect(recorded).toEqual([]);
  });

  it("parses --store and HUBPAT_STORE, refusing a kind there is not (exit 2)", async () => {
    const seenOpts: unknown[] = [];
    const parse = async (argv: string[], env: Record<string, string> = {}) => {
      const program = createProgram({ writeOut: () => {}, writeErr: () => {}, env, makeDeps: async () => { throw new Error("not in this test"); }, runF: (_c, o) => void seenOpts.push(o) });
      await program.parseAsync(["node", "hub-tokens", ...argv]);
    };
    await parse(["setup", "--store", "pass"]);
    await parse(["setup"], { HUBPAT_STORE: "kernel" });
    expect(seenOpts).toEqual([{ dryRun: false, undo: false, store: "pass" }, { dryRun: false, undo: false, store: "kernel" }]);
    await expect(parse(["setup", "--store", "vault"])).rejects.toThrow('--store "vault" is no store: choose keychain, pass, kernel or file');
  });
});
