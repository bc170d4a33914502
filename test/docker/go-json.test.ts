// config.json read by Go's encoding/json rules (src/docker/go-json.ts), checked two ways: unit cases of the
// decoder, and a differential test where the real Docker CLI says, for each odd shape, whether it finds a working
// credential for a registry and whose (`docker login HOST` with no flags starts with the stored one and says
// "Authenticating with existing credentials... [Username: …]"), before and after setup.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { dockerView, parseJsonTree, renderJsonTree, type JsonTree } from "../../src/docker/go-json.js";
import { ROOT } from "../fakes/helper-process.js";
import { helperWorld } from "../fakes/helper-world.js";

const view = (text: string) => dockerView(parseJsonTree(text) as JsonTree & { kind: "object" });

describe("dockerView", () => {
  it("merges repeated auths, whatever their case, and lets a later registry key win", () => {
    expect(view('{"auths":{"a.test":{"auth":"QQ=="}},"Auths":{"b.test":{"Auth":"Qg=="}},"AUTHS":{"a.test":{"username":"u","password":"p"}}}')).toEqual({
      auths: { "a.test": { username: "u", password: "p" }, "b.test": { auth: "Qg==" } },
    });
  });

  it("resets the map on null, and ignores null for a string field", () => {
    expect(view('{"auths":{"a.test":{}},"auths":null,"auths":{"b.test":{"auth":"x","auth":null}},"credsStore":"pass","CredsStore":null}')).toEqual({ auths: { "b.test": { auth: "x" } }, credsStore: "pass" });
    expect(view('{"auths":{"a.test":{}},"auths":null}')).toEqual({});
    expect(view('{"auths":{"a.test":null}}')).toEqual({ auths: { "a.test": {} } });
  });

  it("decodes an entry's fields in file order, the last of any spelling winning (not JSON.parse's last exact key)", () => {
    expect(view('{"auths":{"a.test":{"auth":"bad","Auth":"good","auth":"last"}}}').auths).toEqual({ "a.test": { auth: "last" } });
    // U+212A KELVIN SIGN folds to k in Go: "\u212Aey" would match a field "key"; "ſ" (U+017F) folds to s.
    expect(view('{"credsſtore":"x"}')).toEqual({ credsStore: "x" });
  });

  it("keeps every pair and every scalar as written when rendered back", () => {
    const text = '{"a":1,"a":2,"big":12345678901234567890,"s":"\\u00e9\\/","n":[true,null,{}]}';
    expect(renderJsonTree(parseJsonTree(text), "")).toBe(text);
  });
});

const DOCKER = spawnSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).stdout.trim();
const canRun = DOCKER !== "";
if (!canRun && process.env.CI) throw new Error("CI must install the docker CLI");
const b64 = (s: string) => Buffer.from(s).toString("base64");
// Two credentials told apart by their usernames, which is what Docker names.
const GOOD = b64("alice:alice-go-json-pw");
const BAD = b64("mallory:mallory-go-json-pw");

describe.skipIf(!canRun)("setup reads config.json as the Docker CLI does", () => {
  const hosts = () => ["a.example.test:5000", "b.example.test:5000"] as const;

  function world(config: string) {
    const { dir, bin } = helperWorld("hubpat-go-json-");
    const configPath = join(dir, "docker", "config.json");
    writeFileSync(configPath, config);
    // No other credential helper on PATH: Docker must not pick Debian's docker-credential-secretservice.
    const env = { HOME: dir, DOCKER_CONFIG: join(dir, "docker"), PATH: [bin, dirname(process.execPath)].join(":"), HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1", HUBPAT_CONFIG_DIR: join(dir, "hubpat") };
    /** The username of the credential Docker finds stored for `host`; null when it finds none. */
    const dockerFinds = (host: string) => {
      const r = spawnSync(DOCKER, ["login", host], { env, input: "", encoding: "utf8", timeout: 60_000 });
      return /Authenticating with existing credentials\.\.\. \[Username: ([^\]]*)\]/.exec(r.stdout + r.stderr)?.[1] ?? null;
    };
    const setup = () => spawnSync(process.execPath, [join(ROOT, "bin", "hub-tokens.cjs"), "setup"], { env, encoding: "utf8", timeout: 60_000 });
    return { configPath, dockerFinds, setup };
  }

  // Each shape with what Docker 28 finds for the two keys (measured: it is Go's decoding, see go-json.ts).
  const shapes: [string, (h1: string, h2: string) => string, (string | null)[]][] = [
    ["auths repeated", (h1, h2) => `{"auths":{"${h1}":{"auth":"${GOOD}"}},"auths":{"${h2}":{"auth":"${GOOD}"}}}`, ["alice", "alice"]],
    ["auths in other cases", (h1, h2) => `{"Auths":{"${h1}":{"auth":"${GOOD}"}},"AUTHS":{"${h2}":{"Auth":"${GOOD}"}}}`, ["alice", "alice"]],
    ["auths reset by null", (h1, h2) => `{"auths":{"${h1}":{"auth":"${GOOD}"}},"auths":null,"auths":{"${h2}":{"auth":"${GOOD}"}}}`, [null, "alice"]],
    ["an auth field repeated in several cases", (h1, h2) => `{"auths":{"${h1}":{"auth":"${BAD}","Auth":"${GOOD}","auth":"${BAD}"},"${h2}":{"AUTH":"${BAD}","auth":"${GOOD}"}}}`, ["mallory", "alice"]],
    ["an auth field followed by null", (h1, h2) => `{"auths":{"${h1}":{"auth":"${GOOD}","auth":null},"${h2}":null}}`, ["alice", null]],
    ["a registry key repeated", (h1, h2) => `{"auths":{"${h1}":{"auth":"${BAD}"},"${h1}":{"auth":"${GOOD}"},"${h2}":{"auth":"${GOOD}"},"${h2}":{"auth":"${BAD}"}}}`, ["alice", "mallory"]],
    ["username and password in other cases", (h1, h2) => `{"auths":{"${h1}":{"Username":"alice","PASSWORD":"pw"},"${h2}":{"username":"alice","password":"","Password":"pw"}}}`, ["alice", "alice"]],
  ];

  it.each(shapes)("%s: Docker finds the same credentials after setup as before", (_name, shape, found) => {
    const [h1, h2] = hosts();
    const w = world(shape(h1, h2));
    const before = [w.dockerFinds(h1), w.dockerFinds(h2)];
    expect(before).toEqual(found);
    const text = readFileSync(w.configPath, "utf8");
    const r = w.setup();
    if (r.status !== 0) {
      // Refusing is allowed: then with one line and nothing changed.
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(readFileSync(w.configPath, "utf8")).toBe(text);
      return;
    }
    expect(JSON.parse(readFileSync(w.configPath, "utf8"))).toMatchObject({ credsStore: "hubpat" });
    expect([w.dockerFinds(h1), w.dockerFinds(h2)]).toEqual(before);
  });
});

describe("dockerHubHelper (the web session's lookup of Docker's helper)", () => {
  it("reads credsStore as Docker does: any case, the last one set winning", async () => {
    const { dockerHubHelper } = await import("../../src/docker/web-session.js");
    const dir = mkdtempSync(join(tmpdir(), "hubpat-web-helper-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "config.json"), '{"credsStore":"pass","CredsStore":"desktop","credsStore":null}');
    expect(await dockerHubHelper(join(dir, "config.json"))).toBe("desktop");
  });
});
