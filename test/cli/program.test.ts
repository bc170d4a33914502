// argv → options for every command, apart from what the commands do (cli/cli's runF): each case parses argv
// and checks the options object the command would get, or the usage error and exit code.
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram, parseHubUrl } from "../../src/cli/program.js";
import type { GlobalOptions } from "../../src/cli/deps.js";
import { UsageError } from "../../src/errors.js";
import { report } from "../../src/cli/entry.js";

interface Parsed {
  command: string;
  options: unknown;
  globals: GlobalOptions;
}

async function parse(argv: string[], env: Record<string, string> = {}): Promise<{ parsed?: Parsed; out: string; err: string; code: number }> {
  let out = "";
  let err = "";
  let parsed: Parsed | undefined;
  const program = createProgram({
    writeOut: (s) => void (out += s),
    writeErr: (s) => void (err += s),
    env,
    makeDeps: () => Promise.reject(new Error("no deps in argv tests")),
    runF: (command, options, globals) => void (parsed = { command, options, globals }),
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return { ...(parsed ? { parsed } : {}), out, err, code: 0 };
  } catch (e) {
    const stderr = { write: (s: string) => void (err += s) } as unknown as NodeJS.WritableStream;
    const code = report(e, { stderr, env: {} }, CommanderError);
    return { ...(parsed ? { parsed } : {}), out, err, code };
  }
}

const DEFAULT_GLOBALS: GlobalOptions = { hubUrl: "https://hub.docker.com", quiet: false, color: true, debug: false };

describe("argv → options", () => {
  it.each<[string, string[], string, unknown]>([
    ["login with nothing", ["login"], "login", { passwordStdin: false, web: false, useDockerSession: false }],
    ["login -u", ["login", "-u", "mona"], "login", { username: "mona", passwordStdin: false, web: false, useDockerSession: false }],
    ["login --username --password-stdin", ["login", "--username", "mona", "--password-stdin"], "login", { username: "mona", passwordStdin: true, web: false, useDockerSession: false }],
    ["login --web", ["login", "--web"], "login", { passwordStdin: false, web: true, useDockerSession: false }],
    ["login --use-docker-session", ["login", "--use-docker-session"], "login", { passwordStdin: false, web: false, useDockerSession: true }],
    ["logout", ["logout"], "logout", { all: false }],
    ["logout --all", ["logout", "--all"], "logout", { all: true }],
    ["switch", ["switch", "mona-bot"], "switch", { account: "mona-bot" }],
    ["create --docker-login --replace", ["create", "--docker-login", "--replace"], "create", { dockerLogin: true, replace: true, json: false }],
    ["status", ["status"], "status", { json: false }],
    ["status --json", ["status", "--json"], "status", { json: true }],
    ["create with nothing", ["create"], "create", { dockerLogin: false, json: false }],
    [
      "create with every flag",
      ["create", "--label", "ci runner", "--scope", "Read, Write, Delete", "--expires", "90d", "--docker-login", "--json"],
      "create",
      { label: "ci runner", scope: "Read, Write, Delete", expires: "90d", dockerLogin: true, json: true },
    ],
    ["list", ["list"], "list", { active: false, inactive: false, quiet: false, json: false }],
    ["ls --active --json", ["ls", "--active", "--json"], "list", { active: true, inactive: false, quiet: false, json: true }],
    ["list --inactive", ["list", "--inactive"], "list", { active: false, inactive: true, quiet: false, json: false }],
    ["list -q: IDs only, as docker ps -q", ["list", "-q"], "list", { active: false, inactive: false, quiet: true, json: false }],
    ["list --quiet --inactive", ["list", "--quiet", "--inactive"], "list", { active: false, inactive: true, quiet: true, json: false }],
    ["inspect two", ["inspect", "ci", "0d8f2a1c"], "inspect", { tokens: ["ci", "0d8f2a1c"], json: false }],
    ["inspect --json", ["inspect", "--json", "ci"], "inspect", { tokens: ["ci"], json: true }],
    ["rename", ["rename", "ci", "ci-old"], "rename", { token: "ci", label: "ci-old", json: false }],
    ["activate", ["activate", "a", "b"], "activate", { tokens: ["a", "b"], json: false }],
    ["deactivate --json", ["deactivate", "a", "--json"], "deactivate", { tokens: ["a"], json: true }],
    ["delete named", ["delete", "a", "b"], "delete", { tokens: ["a", "b"], inactive: false, expired: false, yes: false, dryRun: false, json: false }],
    ["rm sets", ["rm", "--inactive", "--expired", "--dry-run"], "delete", { tokens: [], inactive: true, expired: true, yes: false, dryRun: true, json: false }],
    ["revoke -y", ["revoke", "x", "-y", "--json"], "delete", { tokens: ["x"], inactive: false, expired: false, yes: true, dryRun: false, json: true }],
    ["completion", ["completion", "fish"], "completion", { shell: "fish", install: false }],
    ["completion --install with the shell from $SHELL", ["completion", "--install", "zsh"], "completion", { shell: "zsh", install: true }],
    ["completion install, as people type it", ["completion", "install", "fish"], "completion", { shell: "fish", install: true }],
    ["doctor", ["doctor"], "doctor", { expiringDays: 14, json: false }],
    ["rotate Docker's token", ["rotate"], "rotate", { delete: false, json: false }],
    ["list --org", ["list", "--org", "acme", "--active"], "list", { org: "acme", active: true, inactive: false, quiet: false, json: false }],
    [
      "create --org with resources",
      ["create", "--org", "acme", "--label", "deploy", "--resource", "repo:acme/app:repo-pull", "--resource", "org:acme:team-read", "--description", "CD", "--expires", "30d"],
      "create",
      { org: "acme", label: "deploy", description: "CD", resources: ["repo:acme/app:repo-pull", "org:acme:team-read"], expires: "30d", json: false },
    ],
    ["inspect --org", ["inspect", "--org", "acme", "deploy", "--json"], "inspect", { org: "acme", tokens: ["deploy"], json: true }],
    ["activate --org", ["activate", "--org", "acme", "a"], "activate", { org: "acme", tokens: ["a"], json: false }],
    ["deactivate --org", ["deactivate", "a", "--org", "acme"], "deactivate", { org: "acme", tokens: ["a"], json: false }],
    ["rm --org", ["rm", "--org", "acme", "--inactive", "-y"], "delete", { org: "acme", tokens: [], inactive: true, expired: false, yes: true, dryRun: false, json: false }],
    ["audit", ["audit"], "audit", { unusedDays: 90, expiringDays: 14, json: false }],
    ["audit with days and --json", ["audit", "--unused-days", "30", "--expiring-days", "7", "--json"], "audit", { unusedDays: 30, expiringDays: 7, json: true }],
    ["audit --org", ["audit", "--org", "acme"], "audit", { org: "acme", unusedDays: 90, expiringDays: 14, json: false }],
    ["prune --org", ["prune", "--org", "acme", "--yes"], "prune", { org: "acme", unusedDays: 90, expiringDays: 14, select: ["unused", "expired", "inactive"], yes: true, dryRun: false, json: false }],
    ["prune", ["prune"], "prune", { unusedDays: 90, expiringDays: 14, select: ["unused", "expired", "inactive"], yes: false, dryRun: false, json: false }],
    [
      "prune with every flag",
      ["prune", "--select", "never-used,broad-scope", "--unused-days", "10", "--expiring-days", "1", "-y", "--dry-run", "--json"],
      "prune",
      { unusedDays: 10, expiringDays: 1, select: ["never-used", "broad-scope"], yes: true, dryRun: true, json: true },
    ],
    ["rotate a named one --delete --json", ["rotate", "ci", "--delete", "--json", "--expires", "30d"], "rotate", { token: "ci", expires: "30d", delete: true, json: true }],
    ["doctor --expiring-days --json", ["doctor", "--expiring-days", "30", "--json"], "doctor", { expiringDays: 30, json: true }],
  ])("%s", async (_name, argv, command, options) => {
    const r = await parse(argv);
    expect(r.err).toBe("");
    expect(r.parsed).toEqual({ command, options, globals: DEFAULT_GLOBALS });
  });

  it("takes global flags before or after the command", async () => {
    const r = await parse(["--quiet", "list", "--no-color", "--debug", "--hub-url", "http://127.0.0.1:7474/"]);
    expect(r.parsed?.globals).toEqual({ hubUrl: "http://127.0.0.1:7474", quiet: true, color: false, debug: true });
  });

  it("takes --format for every command that prints data, as a format in the globals and JSON for the command", async () => {
    const r = await parse(["inspect", "ci", "--format", "{{.ID}}\\t{{.Label}}"]);
    expect(r.parsed?.options).toEqual({ tokens: ["ci"], json: true });
    expect(r.parsed?.globals.format).toEqual({ kind: "template", template: expect.objectContaining({ table: false }) });
    expect((await parse(["list", "--format", "tsv"])).parsed).toMatchObject({ options: { json: false }, globals: { format: { kind: "tsv" } } });
    // No table of its own: its JSON goes out as TSV.
    expect((await parse(["inspect", "ci", "--format", "tsv"])).parsed).toMatchObject({ options: { json: true }, globals: { format: { kind: "tsv" } } });
    expect((await parse(["status", "--format", "json"])).parsed).toMatchObject({ options: { json: true }, globals: { format: { kind: "json" } } });
    expect((await parse(["audit", "--format", "{{.Label}} {{join .Flags \",\"}}"])).parsed?.options).toMatchObject({ json: true });
  });

  it("takes the Hub URL from HUBPAT_HUB_URL, and the flag over it", async () => {
    expect((await parse(["list"], { HUBPAT_HUB_URL: "http://localhost:7474" })).parsed?.globals.hubUrl).toBe("http://localhost:7474");
    expect((await parse(["--hub-url", "https://hub.example.test", "list"], { HUBPAT_HUB_URL: "http://localhost:7474" })).parsed?.globals.hubUrl).toBe("https://hub.example.test");
  });

  it("takes the account and the sign-in URL from flags or HUBPAT_ACCOUNT / HUBPAT_AUTH_URL, the flag first", async () => {
    expect((await parse(["list"], { HUBPAT_ACCOUNT: "mona-bot" })).parsed?.globals.account).toBe("mona-bot");
    expect((await parse(["--account", "mona", "list"], { HUBPAT_ACCOUNT: "mona-bot" })).parsed?.globals.account).toBe("mona");
    expect((await parse(["--auth-url", "http://127.0.0.1:7476/", "login", "--web"])).parsed?.globals.authUrl).toBe("http://127.0.0.1:7476");
    expect((await parse(["login", "--web"], { HUBPAT_AUTH_URL: "https://login.example.test" })).parsed?.globals.authUrl).toBe("https://login.example.test");
  });
});

describe("usage errors exit 2", () => {
  it.each<[string, string[], string]>([
    ["a --format field the JSON lacks", ["list", "--format", "{{.Name}}"], 'hub-tokens: --format: no field "Name": the fields are id, label, scopes, scope, status, isActive, createdAt, lastUsedAt, expiresAt, creatorIp, creatorUserAgent, clientId, generatedBy, usedByDocker (see: hub-tokens list --help)\n'],
    ["an unknown --format", ["status", "--format", "yaml"], "hub-tokens: unknown --format \"yaml\": use table, json, tsv or a template such as '{{.ID}}\\t{{.Label}}' (see: hub-tokens status --help)\n"],
    ["--json with another --format", ["list", "--json", "--format", "tsv"], "hub-tokens: --json and --format tsv ask for two formats: give one (see: hub-tokens list --help)\n"],
    ["list -q with --json", ["list", "-q", "--json"], "hub-tokens: --quiet prints IDs only: leave out --json and --format (see: hub-tokens list --help)\n"],
    ["-q before a command (the global flag is --quiet)", ["-q", "status"], "error: unknown option '-q'\n(add --help for usage)\n"],
    ["an unknown command", ["lst"], "error: unknown command 'lst'\n(Did you mean one of list, ls?)\n(add --help for usage)\n"],
    ["an unknown flag", ["list", "--all"], "error: unknown option '--all'\n(add --help for usage)\n"],
    ["a missing argument", ["rename", "ci"], "error: missing required argument 'new-label'\n(add --help for usage)\n"],
    ["too many arguments", ["rename", "a", "b", "c"], "error: too many arguments for 'rename'. Expected 2 arguments but got 3.\n(add --help for usage)\n"],
    ["a flag missing its value", ["create", "--label"], "error: option '--label <text>' argument missing\n(add --help for usage)\n"],
    ["--active with --inactive", ["list", "--active", "--inactive"], "error: option '--active' cannot be used with option '--inactive'\n(add --help for usage)\n"],
    ["an unknown shell", ["completion", "tcsh"], "error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish, install.\n(add --help for usage)\n"],
    ["inspect without a token", ["inspect"], "error: missing required argument 'token'\n(add --help for usage)\n"],
    ["a plain-http sign-in URL off loopback", ["--auth-url", "http://login.example.test", "login", "--web"], "hub-tokens: the sign-in (OAuth) URL http://login.example.test is not https: use https://login.example.test (plain http is allowed only for a local emulator on a loopback address)\n"],
    ["an account name that is not one", ["--account", "mona bot", "list"], 'hub-tokens: "mona bot" is not a Docker Hub account name: give the username, such as mona\n'],
    ["--web with a password", ["login", "--web", "--password-stdin"], "hub-tokens: --web takes no password: drop --password-stdin (see: hub-tokens login --help)\n"],
    ["doctor with days that are not a number", ["doctor", "--expiring-days", "soon"], 'hub-tokens: --expiring-days takes a whole number of days, not "soon" (see: hub-tokens doctor --help)\n'],
    ["create --org with a PAT scope", ["create", "--org", "acme", "--scope", "Read-only"], "hub-tokens: --scope is for personal tokens: an organization token takes --resource (see: hub-tokens create --help)\n"],
    ["create --resource without --org", ["create", "--resource", "repo:acme/app:repo-pull"], "hub-tokens: --resource is for organization tokens: add --org NAME (see: hub-tokens create --help)\n"],
    ["audit with negative days", ["audit", "--unused-days", "-3"], 'hub-tokens: --unused-days takes a whole number of days, not "-3" (see: hub-tokens audit --help)\n'],
    ["prune selecting an unknown finding", ["prune", "--select", "old"], 'hub-tokens: unknown finding "old": use never-used, unused, expiring, expired, inactive, broad-scope (see: hub-tokens prune --help)\n'],
  ])("%s", async (_name, argv, message) => {
    const r = await parse(argv);
    expect(r.parsed).toBeUndefined();
    expect(r.err).toBe(message);
    expect(r.code).toBe(2);
  });

  it("names the command's help for a flag refused before the command runs, as for any other usage error", async () => {
    const r = await parse(["audit", "--expiring-days", "2w"]);
    expect(r.parsed).toBeUndefined();
    expect(r.err).toBe('hub-tokens: --expiring-days takes a whole number of days, not "2w" (see: hub-tokens audit --help)\n');
    expect(r.code).toBe(2);
  });

  it("refuses plain http to a host that is not loopback", async () => {
    const r = await parse(["--hub-url", "http://hub.example.test", "list"]);
    expect(r.err).toBe("hub-tokens: the Docker Hub URL http://hub.example.test is not https: use https://hub.example.test (plain http is allowed only for a local emulator on a loopback address)\n");
    expect(r.code).toBe(2);
  });
});

describe("help and version exit 0", () => {
  it("lists every command", async () => {
    const r = await parse(["--help"]);
    expect(r.code).toBe(0);
    for (const name of ["login", "logout", "status", "create", "list|ls", "inspect", "rename", "activate", "deactivate", "delete|rm", "doctor", "rotate", "audit", "prune", "completion"]) {
      expect(r.out).toMatch(new RegExp(`^  ${name.replace(/\|/g, "\\|")}\\b`, "m"));
    }
  });

  it("shows examples in a command's help", async () => {
    const r = await parse(["create", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Examples:\n  $ hub-tokens create --label ci-runner --scope Read-only --expires 90d\n");
  });

  it.each(["login", "logout", "status", "create", "list", "inspect", "rename", "activate", "deactivate", "delete", "doctor", "rotate", "audit", "prune", "completion"])("%s --help ends with examples", async (name) => {
    const r = await parse([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`\nExamples:\n(  \\$ .*hub-tokens .*\n)+$`));
  });

  it("prints the version", async () => {
    const r = await parse(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("parseHubUrl", () => {
  it.each([
    ["https://hub.docker.com/", "https://hub.docker.com"],
    ["http://127.0.0.1:7474", "http://127.0.0.1:7474"],
    ["http://localhost:7474/", "http://localhost:7474"],
    ["http://[::1]:7474", "http://[::1]:7474"],
  ])("accepts %s", (text, url) => expect(parseHubUrl(text)).toBe(url));

  it.each(["http://example.com", "ftp://127.0.0.1", "not a url"])("refuses %s", (text) => expect(() => parseHubUrl(text)).toThrow(UsageError));
});
