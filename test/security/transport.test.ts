// Transport: hubpat sends passwords and sessions only over https, except to a loopback emulator; a certificate
// it can't verify is reported as a TLS problem and stops everything, whatever NODE_TLS_REJECT_UNAUTHORIZED says.
// The self-signed server is made at test time with `openssl req` (a throwaway key in a temp dir).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLogin } from "../../src/commands/login.js";
import { checkHubUrl } from "../../src/hub/url.js";
import { testDeps } from "../fakes/deps.js";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";
import { failure } from "../fakes/hub.js";
import { expectNoSecretLeak } from "../fakes/secrets.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");
const PASSWORD = "tls-test-password-9f3";
const haveOpenssl = spawnSync("sh", ["-c", "command -v openssl"]).status === 0;

describe("plain http", () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runHelperProcess(args, "", { PATH: process.env.PATH, HUBPAT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "hubpat-tr-")), ...env }, [process.execPath, HUB_TOKENS]);

  it("is refused for a host that is not loopback, by flag or environment, naming the fix (exit 2)", async () => {
    const line = "hub-tokens: the Docker Hub URL http://example.com is not https: use https://example.com (plain http is allowed only for a local emulator on a loopback address)\n";
    expect(await run(["--hub-url", "http://example.com", "list"])).toEqual({ stdout: "", stderr: line, exitCode: 2, signal: null });
    expect(await run(["list"], { HUBPAT_HUB_URL: "http://example.com" })).toEqual({ stdout: "", stderr: line, exitCode: 2, signal: null });
  });

  it.each(["http://example.com", "http://127.0.0.1.nip.io", "http://localhost.example.com", "http://10.0.0.1:7474", "http://[::2]", "ws://127.0.0.1", "file:///etc/passwd"])(
    "refuses %s",
    (url) => expect(() => checkHubUrl(url)).toThrow(/is not https: /),
  );

  it("refuses a URL carrying credentials without repeating them (exit 2)", async () => {
    const r = await run(["--hub-url", "https://mona:hunter2-in-url@hub.example.com", "list"]);
    expect(r).toEqual({ stdout: "", stderr: "hub-tokens: the Docker Hub URL must not carry a username or password: give https://hub.example.com and use hub-tokens login\n", exitCode: 2, signal: null });
  });

  it.each(["http://127.0.0.1:7474", "http://127.1:7474", "http://localhost", "http://[::1]:1", "https://hub.docker.com"])("allows %s", (url) => {
    expect(() => checkHubUrl(url)).not.toThrow();
  });
});

describe.skipIf(!haveOpenssl)("a Hub whose certificate can't be verified", () => {
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-tls-"));
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
    server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_req, res) => {
      requests++;
      res.writeHead(200, { "content-type": "application/json" }).end('{"token":"eyJ.not.checked"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const tlsLine = () =>
    `hub-tokens: can't make a secure connection to Docker Hub at ${url.slice("https://".length)}: its TLS certificate was refused (DEPTH_ZERO_SELF_SIGNED_CERT); hubpat never skips this check, so fix the certificate, or trust its CA with NODE_EXTRA_CA_CERTS`;

  it("stops a login with one line naming TLS, before the password is sent, without retrying", async () => {
    const before = requests;
    const t = testDeps({ hubUrl: url, stdin: `${PASSWORD}\n` });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({ line: tlsLine(), exitCode: 1 });
    expect(requests - before).toBe(0);
    expect(await t.sessions.list()).toEqual({});
  });

  it("ignores NODE_TLS_REJECT_UNAUTHORIZED=0: the built CLI still refuses, and the password never leaves", async () => {
    const before = requests;
    const conf = mkdtempSync(join(tmpdir(), "hubpat-tls-conf-"));
    const argv = [HUB_TOKENS, "--hub-url", url, "login", "-u", "mona", "--password-stdin"];
    // A store that works here (the file), so the login gets as far as the Hub: it checks the store first.
    const env = { PATH: process.env.PATH, HUBPAT_CONFIG_DIR: conf, HUBPAT_STORE: "file", NODE_TLS_REJECT_UNAUTHORIZED: "0", DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
    const r = await runHelperProcess(argv.slice(1), `${PASSWORD}\n`, env, [process.execPath, argv[0]!]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n").filter((l) => l.startsWith("hub-tokens: "))).toEqual([tlsLine()]);
    expect(requests - before).toBe(0);
    expectNoSecretLeak([PASSWORD], { stderr: r.stderr, dirs: [conf], argv: [argv] });
  });

  it("answers the helper's get without any network: the helper never talks to the Hub", async () => {
    // The credential helper only reads the keychain; a TLS setting can't change what it serves.
    const r = await runHelperProcess(["get"], "https://index.docker.io/v1/", { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus", HUBPAT_KEYCHAIN_TIMEOUT_MS: "2000" }, [process.execPath, HELPER_BIN]);
    expect(r.stdout).toBe("credentials not found in native keychain\n");
  });
});
