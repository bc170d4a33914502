import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BINDING_FILE, bindingCacheDirs, bindingDir, DamagedBindingError, extractBinding, userCacheDir } from "../../src/sea/binding-cache.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const bytes = new Uint8Array(Buffer.from("\x7fELF pretend native module ".repeat(1000)));
const fixture = () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "hubpat-cache-"));
  let hashed = 0;
  const opts = { bytes, sha256: sha256(bytes), cacheDir, hash: (b: Uint8Array) => (hashed++, sha256(b)) };
  return { cacheDir, opts, hashed: () => hashed, dir: bindingDir(cacheDir, opts.sha256) };
};
const mode = (path: string) => statSync(path).mode & 0o777;

describe("extractBinding", () => {
  it("writes the binding once into a 0700 directory named by its hash, then trusts the stamp", () => {
    const { opts, dir, cacheDir, hashed } = fixture();
    const first = extractBinding(opts);
    expect(first).toEqual({ path: join(dir, BINDING_FILE), extraction: "extracted" });
    expect(dir).toBe(join(cacheDir, "hubpat", opts.sha256.slice(0, 16)));
    expect(readFileSync(first.path).equals(Buffer.from(bytes))).toBe(true);
    expect([mode(dir), mode(join(cacheDir, "hubpat")), mode(first.path)]).toEqual([0o700, 0o700, 0o600]);
    expect(hashed()).toBe(1);

    expect(extractBinding(opts).extraction).toBe("stamped");
    expect(hashed()).toBe(1); // no hashing on an ordinary start
  });

  it("replaces a cached file that was changed, even with its size and times put back", () => {
    const { opts } = fixture();
    const { path } = extractBinding(opts);
    const before = statSync(path);
    const tampered = Buffer.from(bytes);
    tampered[100] = tampered[100]! ^ 0xff;
    writeFileSync(path, tampered);
    // utimes can restore mtime, but never ctime: the stamp still sees the write.
    utimesSync(path, before.atime, before.mtime);
    expect(extractBinding(opts).extraction).toBe("replaced");
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true);
    expect(extractBinding(opts).extraction).toBe("stamped");
  });

  it("compares the bytes when the stamp is missing, and keeps a file that is right", () => {
    const { opts, dir, hashed } = fixture();
    extractBinding(opts);
    writeFileSync(join(dir, "keyring.node.stamp"), "something else");
    expect(extractBinding(opts).extraction).toBe("compared");
    expect(extractBinding(opts).extraction).toBe("stamped");
    expect(hashed()).toBe(1);
  });

  it("extracts into a directory another process has just made, with neither file nor stamp yet", () => {
    const { opts, dir } = fixture();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    expect(extractBinding(opts).extraction).toBe("extracted");
  });

  it("refuses an executable whose embedded binding doesn't match the build's hash", () => {
    const { opts } = fixture();
    expect(() => extractBinding({ ...opts, sha256: "0".repeat(64) })).toThrow(DamagedBindingError);
    expect(() => extractBinding({ ...opts, sha256: "0".repeat(64) })).toThrow(/damaged .* download hubpat again/);
  });

  it("makes a directory others could enter private again before trusting what is in it", () => {
    const { opts, dir } = fixture();
    extractBinding(opts);
    chmodSync(dir, 0o777);
    expect(extractBinding(opts).extraction).toBe("compared");
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses a link in place of its directory", () => {
    const { opts, dir, cacheDir } = fixture();
    mkdirSync(join(cacheDir, "elsewhere"), { mode: 0o700 });
    mkdirSync(join(cacheDir, "hubpat"), { mode: 0o700 });
    symlinkSync(join(cacheDir, "elsewhere"), dir);
    expect(() => extractBinding(opts)).toThrow(/is not a directory/);
  });
});

describe("userCacheDir", () => {
  it("follows each platform's convention", () => {
    expect(userCacheDir({ XDG_CACHE_HOME: "/x" }, "linux", "/home/u")).toBe("/x");
    expect(userCacheDir({}, "linux", "/home/u")).toBe("/home/u/.cache");
    expect(userCacheDir({}, "darwin", "/Users/u")).toBe("/Users/u/Library/Caches");
    expect(userCacheDir({ LOCALAPPDATA: "C:\\L" }, "win32", "C:\\u")).toBe("C:\\L");
  });
});

describe("bindingCacheDirs", () => {
  it("tries the user's cache, then on Linux the runtime dir", () => {
    expect(bindingCacheDirs({ XDG_RUNTIME_DIR: "/run/user/1000" }, "linux", "/home/u")).toEqual(["/home/u/.cache", "/run/user/1000"]);
    expect(bindingCacheDirs({}, "linux", "/home/u")).toEqual(["/home/u/.cache"]);
    expect(bindingCacheDirs({ XDG_RUNTIME_DIR: "/tmp/r" }, "darwin", "/Users/u")).toEqual(["/Users/u/Library/Caches"]);
  });

  it("uses HUBPAT_CACHE_DIR alone when it is set", () => {
    expect(bindingCacheDirs({ HUBPAT_CACHE_DIR: "/opt/hubpat-cache", XDG_RUNTIME_DIR: "/run/user/1000" }, "linux", "/home/u")).toEqual(["/opt/hubpat-cache"]);
  });
});
