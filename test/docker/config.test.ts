// Docker's config.json on real files in temp dirs: what is refused (touching nothing), how a rewrite keeps the
// file's layout, mode and owner, and the backups undo uses.
import { spawnSync } from "node:child_process";
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  DockerConfigError,
  dockerConfigPath,
  listBackups,
  readDockerConfig,
  removeStaleTemps,
  renderDockerConfig,
  renderDockerTree,
  restoreLatestBackup,
  writeBackup,
  writeFileAtomic,
} from "../../src/docker/config.js";

const SECRET = "c2VjcmV0LXNob3VsZC1uZXZlci1wcmludA=="; // base64, as an `auth` value is
const tempDir = () => mkdtempSync(join(tmpdir(), "hubpat-docker-"));
const mode = (p: string) => statSync(p).mode & 0o7777;
/** chattr +i works here (root on ext4 and the like): the one way to make a file unwritable for root too. */
function immutable(path: string): boolean {
  if (spawnSync("chattr", ["+i", path]).status !== 0) return false;
  onTestFinished(() => void spawnSync("chattr", ["-i", path]));
  return true;
}
async function refusal(promise: Promise<unknown>): Promise<DockerConfigError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DockerConfigError);
  return err as DockerConfigError;
}

describe("dockerConfigPath", () => {
  it("is $DOCKER_CONFIG/config.json, else <home>/.docker/config.json; set but empty counts as unset, as in Docker", () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: "/etc/dk", HOME: "/home/mona" }, "linux")).toBe("/etc/dk/config.json");
    expect(dockerConfigPath({ HOME: "/home/mona" }, "linux")).toBe("/home/mona/.docker/config.json");
    expect(dockerConfigPath({ DOCKER_CONFIG: "", HOME: "/home/mona" }, "linux")).toBe("/home/mona/.docker/config.json");
  });

  it("takes the home from the user database when HOME is unset or empty (Go's UserHomeDir, then user.Current)", () => {
    const passwd = userInfo().homedir;
    expect(dockerConfigPath({ DOCKER_CONFIG: "" }, "linux")).toBe(join(passwd, ".docker", "config.json"));
    expect(dockerConfigPath({ DOCKER_CONFIG: "", HOME: "" }, "linux")).toBe(join(passwd, ".docker", "config.json"));
  });
});

describe("readDockerConfig", () => {
  it("reads a missing file, or a missing directory, as an empty config", async () => {
    const path = join(tempDir(), "nope", "config.json");
    expect(await readDockerConfig(path)).toEqual({ path, text: null, tree: { kind: "object", pairs: [] }, view: {}, ownership: null });
  });

  it("reads an empty or blank file as an empty config, as Docker does", async () => {
    const path = join(tempDir(), "config.json");
    writeFileSync(path, " \n\t\n");
    expect((await readDockerConfig(path)).view).toEqual({});
  });

  it("keeps every key, whatever the formatting", async () => {
    const path = join(tempDir(), "config.json");
    writeFileSync(path, '\r\n{ "auths" :{"r.test":{ "auth":"dTpw" }},\r\n   "psFormat":"table {{.ID}}","proxies":{"default":{"httpProxy":"http://p:3128"}} ,"x-custom":[1,2,{"a":null}]}');
    expect(JSON.parse(renderDockerTree((await readDockerConfig(path)).tree, null))).toEqual({
      auths: { "r.test": { auth: "dTpw" } },
      psFormat: "table {{.ID}}",
      proxies: { default: { httpProxy: "http://p:3128" } },
      "x-custom": [1, 2, { a: null }],
    });
  });

  it("refuses garbage with its position, never quoting the file (it may hold secrets)", async () => {
    const path = join(tempDir(), "config.json");
    const garbage = `{"auths": {"r.test": {"auth": "${SECRET}"}}} trailing ${SECRET}`;
    writeFileSync(path, garbage);
    const err = await refusal(readDockerConfig(path));
    expect(err.message).toMatch(/config\.json is not valid JSON at (line \d+, column \d+|character \d+); hubpat changed nothing$/);
    expect(`${err.message} ${err.hint} ${String(err.cause)}`).not.toContain(SECRET.slice(0, 12));
    expect(readFileSync(path, "utf8")).toBe(garbage);
  });

  it.each([
    ["a JSON array", "[]", /holds JSON that is not an object/],
    ["null", "null", /holds JSON that is not an object/],
    ["a truncated file", '{"auths": {', /is not valid JSON/],
    ["auths that is not an object", '{"auths": "r.test"}', /"auths" is a string, not an object, so Docker cannot read this file either; hubpat changed nothing$/],
    ["an auths entry that is not an object", '{"auths": {"r.test": 5}}', /the auths entry for "r.test" is a number, not an object/],
    ["an auth field that is not a string", '{"auths": {"r.test": {"Auth": true}}}', /"Auth" of the auths entry for "r.test" is a boolean, not a string/],
    ["credsStore that is not a string", '{"CredsStore": {}}', /"credsStore" is an object, not a string/],
    ["a byte-order mark (Docker's decoder refuses it too)", '\uFEFF{"auths": {}}', /is not valid JSON/],
  ])("refuses %s", async (_name, text, message) => {
    const path = join(tempDir(), "config.json");
    writeFileSync(path, text);
    expect((await refusal(readDockerConfig(path))).message).toMatch(message);
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("refuses a symlink, even to a good file, and leaves both alone", async () => {
    const dir = tempDir();
    const target = join(dir, "dotfiles-config.json");
    writeFileSync(target, '{"auths": {}}');
    symlinkSync(target, join(dir, "config.json"));
    const err = await refusal(readDockerConfig(join(dir, "config.json")));
    expect(err.message).toBe(`${join(dir, "config.json")} is a symbolic link; hubpat edits only a regular file and changed nothing`);
    expect(err.hint).toMatch(/DOCKER_CONFIG/);
    expect(lstatSync(join(dir, "config.json")).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe('{"auths": {}}');
  });

  it("refuses a directory (and does not try to read a FIFO)", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "config.json"));
    expect((await refusal(readDockerConfig(join(dir, "config.json")))).message).toMatch(/is not a regular file/);
    const fifo = join(tempDir(), "config.json");
    if (spawnSync("mkfifo", [fifo]).status === 0) expect((await refusal(readDockerConfig(fifo))).message).toMatch(/is not a regular file/);
  });

  it("refuses a read-only file (by its mode: root could write it anyway)", async () => {
    const path = join(tempDir(), "config.json");
    writeFileSync(path, "{}", { mode: 0o444 });
    const err = await refusal(readDockerConfig(path));
    expect(err.message).toBe(`${path} is read-only (mode 0444); hubpat changed nothing`);
    expect(err.hint).toBe(`make it writable first: chmod u+w ${path}`);
  });
});

describe("renderDockerConfig", () => {
  it("keeps the file's indentation, line endings and final newline", () => {
    const doc = { auths: {}, credsStore: "hubpat" };
    expect(renderDockerConfig(doc, '{\n    "auths": {}\n}\n')).toBe('{\n    "auths": {},\n    "credsStore": "hubpat"\n}\n');
    expect(renderDockerConfig(doc, '{\r\n\t"auths": {}\r\n}')).toBe('{\r\n\t"auths": {},\r\n\t"credsStore": "hubpat"\r\n}');
    expect(renderDockerConfig(doc, '{"auths":{}}')).toBe('{"auths":{},"credsStore":"hubpat"}');
  });

  it("indents a new, blank or bare {} file with tabs, as Docker does", () => {
    expect(renderDockerConfig({ credsStore: "hubpat" }, null)).toBe('{\n\t"credsStore": "hubpat"\n}\n');
    expect(renderDockerConfig({ credsStore: "hubpat" }, "{}")).toBe('{\n\t"credsStore": "hubpat"\n}\n');
  });
});

describe("writeFileAtomic", () => {
  it("replaces the file keeping its mode and owner, leaving no temp file", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, "{}");
    const canChown = process.getuid?.() === 0;
    if (canChown) chownSync(path, 65534, 65534);
    const before = statSync(path);
    await writeFileAtomic(path, '{"a":1}', { mode: 0o640, uid: before.uid, gid: before.gid });
    const after = statSync(path);
    expect(readFileSync(path, "utf8")).toBe('{"a":1}');
    expect([mode(path), after.uid, after.gid]).toEqual([0o640, before.uid, before.gid]);
    if (canChown) expect(after.uid).toBe(65534);
    expect(after.ino).not.toBe(before.ino); // a new file renamed in, not the old one rewritten in place
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });

  it("creates a new file 0600 in a new 0700 directory", async () => {
    const dir = join(tempDir(), ".docker");
    await writeFileAtomic(join(dir, "config.json"), "{}", null);
    expect([mode(dir), mode(join(dir, "config.json"))]).toEqual([0o700, 0o600]);
  });

  it("leaves an immutable file as it was, and no temp file, when the rename is refused (chattr +i)", async (ctx) => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"old":true}');
    if (!immutable(path)) return ctx.skip();
    await expect(writeFileAtomic(path, '{"new":true}', null)).rejects.toMatchObject({ code: "EPERM" });
    expect(readFileSync(path, "utf8")).toBe('{"old":true}');
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });
});

describe("removeStaleTemps", () => {
  it("removes temp files (of the file and of its backups) of processes that are gone, and only those", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(join(dir, `.config.json.hubpat-${dead}-0a1b2c3d.tmp`), "{}");
    writeFileSync(join(dir, `.config.json.hubpat-${process.pid}-0a1b2c3d.tmp`), "{}");
    writeFileSync(join(dir, `.config.json.hubpat-backup-20261123T120000Z-2.hubpat-${dead}-0a1b2c3d.tmp`), "{}");
    writeFileSync(join(dir, ".other.hubpat-1-00.tmp"), "{}");
    expect(await removeStaleTemps(path)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([`.config.json.hubpat-${process.pid}-0a1b2c3d.tmp`, ".other.hubpat-1-00.tmp"]);
  });
});

describe("backups", () => {
  it("are timestamped, 0600 whatever the file's mode, listed oldest first, never overwritten", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"v":1}', { mode: 0o644 });
    const file = { ...(await readDockerConfig(path)), text: '{"v":1}' };
    const first = await writeBackup(file, new Date("2026-11-23T12:00:00.123Z"));
    const second = await writeBackup({ ...file, text: '{"v":2}' }, new Date("2026-11-23T12:00:00.999Z"));
    const earlier = await writeBackup({ ...file, text: '{"v":0}' }, new Date("2026-11-22T08:00:00Z"));
    expect(first).toBe(`${path}.hubpat-backup-20261123T120000Z`);
    expect(second).toBe(`${path}.hubpat-backup-20261123T120000Z-2`);
    expect(await listBackups(path)).toEqual([earlier, first, second]);
    expect(readFileSync(first, "utf8")).toBe('{"v":1}');
    expect(mode(first)).toBe(0o600);
  });

  it("undo puts the newest back and saves the file it replaces", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"credsStore":"hubpat"}', { mode: 0o640 });
    writeFileSync(`${path}.hubpat-backup-20261101T000000Z`, '{"v":"older"}');
    writeFileSync(`${path}.hubpat-backup-20261102T000000Z`, '{"v":"newest"}');
    const r = await restoreLatestBackup(path, new Date("2026-11-23T12:00:00Z"));
    expect(r).toEqual({ backup: `${path}.hubpat-backup-20261102T000000Z`, replacedSavedAs: `${path}.hubpat-undone-20261123T120000Z` });
    expect(readFileSync(path, "utf8")).toBe('{"v":"newest"}');
    expect(mode(path)).toBe(0o640);
    expect(readFileSync(r.replacedSavedAs!, "utf8")).toBe('{"credsStore":"hubpat"}');
  });

  it("undo puts a backup back over a file that is no longer JSON, keeping that file too", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, "{ broken by hand");
    writeFileSync(`${path}.hubpat-backup-20261101T000000Z`, '{"auths":{}}');
    const r = await restoreLatestBackup(path, new Date("2026-11-23T12:00:00Z"));
    expect(readFileSync(path, "utf8")).toBe('{"auths":{}}');
    expect(readFileSync(r.replacedSavedAs!, "utf8")).toBe("{ broken by hand");
  });

  it("undo refuses when there is no backup, a symlinked config.json, or a backup that is not JSON", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    expect((await refusal(restoreLatestBackup(path, new Date()))).message).toBe(`there is no hubpat backup of ${path} to restore`);
    writeFileSync(`${path}.hubpat-backup-20261101T000000Z`, "{oops");
    expect((await refusal(restoreLatestBackup(path, new Date()))).message).toMatch(/hubpat-backup-20261101T000000Z is not valid JSON/);
    writeFileSync(`${path}.hubpat-backup-20261102T000000Z`, "{}");
    writeFileSync(join(dir, "elsewhere.json"), '{"keep":1}');
    symlinkSync(join(dir, "elsewhere.json"), path);
    expect((await refusal(restoreLatestBackup(path, new Date()))).message).toMatch(/is a symbolic link/);
    expect(readFileSync(join(dir, "elsewhere.json"), "utf8")).toBe('{"keep":1}');
  });
});
