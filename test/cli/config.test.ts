// hubpat's settings file: what it keeps, where, with which modes, and what a person sees when it is broken.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openConfig } from "../../src/cli/config.js";
import { insecureStorageChosen } from "../../src/store/file.js";

const HUB = "https://hub.docker.com";
const fresh = () => join(mkdtempSync(join(tmpdir(), "hubpat-settings-")), "hubpat");
const mode = (p: string) => statSync(p).mode & 0o777;

describe("openConfig", () => {
  it("starts empty, and keeps what is set in a 0600 config.json in a 0700 directory", async () => {
    const dir = fresh();
    const config = await openConfig(dir);
    expect([config.lastUsername(HUB), config.lastTokenCount(HUB), config.insecureStorage()]).toEqual([undefined, undefined, undefined]);
    config.setLastUsername(HUB, "mona");
    config.setLastTokenCount(HUB, 1000);
    config.setInsecureStorage(false);
    expect(config.path).toBe(join(dir, "config.json"));
    expect([mode(dir), mode(config.path)]).toEqual([0o700, 0o600]);
    expect(readFileSync(config.path, "utf8")).toBe(`{\n\t"usernames": {\n\t\t"${HUB}": "mona"\n\t},\n\t"tokenCounts": {\n\t\t"${HUB}": 1000\n\t},\n\t"insecureStorage": false\n}\n`);
    expect(readdirSync(dir)).toEqual(["config.json"]); // no temp file left
    // Another process (the next hub-tokens) reads the same.
    const again = await openConfig(dir);
    expect([again.lastUsername(HUB), again.lastTokenCount(HUB), again.insecureStorage()]).toEqual(["mona", 1000, false]);
  });

  it("reads the file earlier hubpat wrote with conf, and keeps keys it does not know", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "config.json"), `{\n\t"usernames": {\n\t\t"${HUB}": "mona"\n\t},\n\t"__internal__": {\n\t\t"migrations": {}\n\t}\n}`, { mode: 0o600 });
    const config = await openConfig(dir);
    expect(config.lastUsername(HUB)).toBe("mona");
    config.setLastUsername("http://127.0.0.1:7474", "demo");
    expect(JSON.parse(readFileSync(config.path, "utf8"))).toEqual({ usernames: { [HUB]: "mona", "http://127.0.0.1:7474": "demo" }, __internal__: { migrations: {} } });
  });

  it("sees another process's change before writing its own, so neither is lost", async () => {
    const dir = fresh();
    const a = await openConfig(dir);
    const b = await openConfig(dir);
    a.setLastUsername(HUB, "mona");
    b.setLastTokenCount(HUB, 7);
    expect(JSON.parse(readFileSync(a.path, "utf8"))).toEqual({ usernames: { [HUB]: "mona" }, tokenCounts: { [HUB]: 7 } });
  });

  it("does not rewrite the file when a list finds the count it already had", async () => {
    const dir = fresh();
    const config = await openConfig(dir);
    config.setLastTokenCount(HUB, 12);
    const before = statSync(config.path, { bigint: true });
    config.setLastTokenCount(HUB, 12);
    const after = statSync(config.path, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
  });

  it("makes a settings file someone left readable private when it opens it", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "config.json"), "{}", { mode: 0o644 });
    chmodSync(join(dir, "config.json"), 0o644);
    await openConfig(dir);
    expect([mode(dir), mode(join(dir, "config.json"))]).toEqual([0o700, 0o600]);
  });

  it("says which file is broken and how to fix it, and writes nothing over it", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    for (const broken of ["{not json", "[1, 2]", "null"]) {
      writeFileSync(join(dir, "config.json"), broken);
      const config = await openConfig(dir);
      const message = `hubpat's settings file ${join(dir, "config.json")} is not a JSON object: fix it, or delete it (it holds no secrets: only the last usernames, token counts and the storage choice)`;
      expect(() => config.lastUsername(HUB)).toThrow(message);
      expect(() => config.setLastUsername(HUB, "mona")).toThrow(message);
      expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(broken);
    }
  });

  it("names the file when the settings can't be saved", async () => {
    // Its directory can't be made (a file is where a parent directory should be): refused even to root.
    const blocker = join(mkdtempSync(join(tmpdir(), "hubpat-settings-")), "not-a-dir");
    writeFileSync(blocker, "");
    const dir = join(blocker, "hubpat");
    const config = await openConfig(dir);
    expect(config.lastUsername(HUB)).toBeUndefined();
    expect(() => config.setLastUsername(HUB, "mona")).toThrow(`could not save hubpat's settings in ${join(dir, "config.json")} (ENOTDIR): make the directory writable, or set HUBPAT_CONFIG_DIR`);
  });

  it("is the file the helper reads the insecure-storage choice from", async () => {
    const dir = fresh();
    (await openConfig(dir)).setInsecureStorage(true);
    expect(insecureStorageChosen({ HUBPAT_CONFIG_DIR: dir })).toBe(true);
  });
});
