// `hub-tokens setup` through the built binary, on a real Secret Service in a private session, with the built
// docker-credential-hubpat on PATH: then the helper, asked as Docker asks it, answers with each moved credential.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";

const HUB = "https://index.docker.io/v1/";
const TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const CONFIG = `{
	"auths": {
		"${HUB}": {
			"auth": "${b64("mona:dckr_pat_binary_secret")}"
		},
		"127.0.0.1:5000": {
			"identitytoken": "eyJ.binary.identity"
		}
	},
	"detachKeys": "ctrl-x,x"
}`;

describe.skipIf(!haveSecretService())("hub-tokens setup, built, on a real keychain", () => {
  let session: KeyringSession;
  beforeAll(async () => {
    session = await startKeyringSession("unlocked");
  });
  afterAll(async () => {
    await session?.close();
  });

  /** A DOCKER_CONFIG holding CONFIG; PATH has the pinned node and, unless told not to, the built helper. */
  function machine(o: { helperOnPath: boolean }) {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-setup-bin-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    if (o.helperOnPath) symlinkSync(HELPER_BIN, join(bin, "docker-credential-hubpat"));
    const docker = join(dir, "docker");
    mkdirSync(docker);
    writeFileSync(join(docker, "config.json"), CONFIG, { mode: 0o640 });
    const env = { ...session.env, DOCKER_CONFIG: docker, HUBPAT_CONFIG_DIR: join(dir, "hubpat"), PATH: [bin, dirname(process.execPath), "/usr/bin", "/bin"].join(":") };
    return { config: join(docker, "config.json"), docker, env };
  }
  const tokens = (args: string[], env: NodeJS.ProcessEnv) => runHelperProcess(args, "", env, [process.execPath, TOKENS]);

  it("moves the credentials into the keychain, where the helper serves them to Docker, and --undo restores the file", async () => {
    const m = machine({ helperOnPath: true });
    const r = await tokens(["setup"], m.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`✓ Docker now asks ${join(m.env.PATH.split(":")[0]!, "docker-credential-hubpat")} for credentials`);
    expect(r.stderr).not.toContain("dckr_pat_binary_secret");
    expect(JSON.parse(readFileSync(m.config, "utf8"))).toEqual({ auths: { [HUB]: {}, "127.0.0.1:5000": {} }, detachKeys: "ctrl-x,x", credsStore: "hubpat" });
    expect(statSync(m.config).mode & 0o777).toBe(0o640);

    for (const [url, username, secret] of [[HUB, "mona", "dckr_pat_binary_secret"], ["127.0.0.1:5000", "<token>", "eyJ.binary.identity"]] as const) {
      const got = await runHelperProcess(["get"], url, m.env, [join(m.env.PATH.split(":")[0]!, "docker-credential-hubpat")]);
      expect(got.exitCode, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout)).toEqual({ ServerURL: url, Username: username, Secret: secret });
    }

    const again = await tokens(["setup"], m.env);
    expect([again.exitCode, again.stderr]).toEqual([0, expect.stringContaining("already uses hubpat")]);

    const undo = await tokens(["setup", "--undo"], m.env);
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(readFileSync(m.config, "utf8")).toBe(CONFIG);
  });

  it("refuses, exit 1, and changes nothing when docker-credential-hubpat is not on PATH", async () => {
    const m = machine({ helperOnPath: false });
    const r = await tokens(["setup"], m.env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/docker-credential-hubpat is not on PATH, so Docker could not run it; hubpat changed nothing/);
    expect(readFileSync(m.config, "utf8")).toBe(CONFIG);
    expect(readdirSync(m.docker)).toEqual(["config.json"]);
  });

  it("--dry-run prints the diff on stdout with secrets masked", async () => {
    const m = machine({ helperOnPath: true });
    const r = await tokens(["setup", "--dry-run"], m.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('-\t\t\t"auth": "…"\n');
    expect(r.stdout).toContain('+\t"credsStore": "hubpat"\n');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/dckr_pat_binary_secret|eyJ\.binary|bW9uYTpk/);
    expect(readFileSync(m.config, "utf8")).toBe(CONFIG);
  });
});
