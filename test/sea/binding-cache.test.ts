import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BINDING_FILE, bindingCacheDirs, bindingDir, DamagedBindingError, loadCachedBinding, openCachedBinding, userCacheDir, type CacheOptions } from "../../src/sea/binding-cache.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const bytes = new Uint8Array(Buffer.from("\x7fELF pretend native module ".repeat(1000)));
const fixture = () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "hubpat-cache-"));
  const hashed: number[] = [];
  let embeddedReads = 0;
  const opts: CacheOptions = {
    embedded: () => (embeddedReads++, bytes),
    sha256: sha256(bytes),
    cacheDir,
    hash: (b) => (hashed.push(b.length), sha256(b)),
  };
  return { cacheDir, opts, hashed, embeddedReads: () => embeddedReads, dir: bindingDir(cacheDir, opts.sha256) };
};
const mode = (path: string) => statSync(path).mode & 0o777;
/** Opens, checks what was done, closes. */
const extraction = (opts: CacheOptions) => {
  const open = openCachedBinding(opts);
  open.close();
  return open.extraction;
};

describe("openCachedBinding", () => {
  it("writes the binding once into a 0700 directory named by its hash, then hashes the file on every load", () => {
    const { opts, dir, cacheDir, hashed, embeddedReads } = fixture();
    const first = openCachedBinding(opts);
    first.close();
    expect(first).toMatchObject({ path: join(dir, BINDING_FILE), extraction: "extracted" });
    expect(dir).toBe(join(cacheDir, "hubpat", opts.sha256.slice(0, 16)));
    expect(readFileSync(first.path).equals(Buffer.from(bytes))).toBe(true);
    expect([mode(dir), mode(join(cacheDir, "hubpat")), mode(first.path)]).toEqual([0o700, 0o700, 0o600]);

    hashed.length = 0;
    expect(extraction(opts)).toBe("verified");
    expect(extraction(opts)).toBe("verified");
    expect(hashed).toEqual([bytes.length, bytes.length]); // the cached file, each time
    expect(embeddedReads()).toBe(1); // the embedded copy only when writing
  });

  it("hands Linux's loader the descriptor it verified, not the path someone could rename over", () => {
    const { opts } = fixture();
    const open = openCachedBinding({ ...opts, platform: "linux" });
    try {
      expect(open.loadPath).toMatch(/^\/proc\/self\/fd\/\d+$/);
      if (process.platform === "linux") {
        // What the descriptor names stays the verified file even after a swap of the path.
        expect(readlinkSync(open.loadPath)).toBe(open.path);
        writeFileSync(`${open.path}.evil`, "evil");
        renameSync(`${open.path}.evil`, open.path);
        expect(readFileSync(open.loadPath).equals(Buffer.from(bytes))).toBe(true);
      }
    } finally {
      open.close();
    }
    const elsewhere = openCachedBinding({ ...opts, platform: "darwin" });
    elsewhere.close();
    expect(elsewhere.loadPath).toBe(elsewhere.path);
  });

  it("replaces a cached file whose bytes changed, even with its size and times put back", () => {
    const { opts } = fixture();
    const { path } = openCachedBinding(opts);
    const before = statSync(path);
    const tampered = Buffer.from(bytes);
    tampered[100] = tampered[100]! ^ 0xff;
    writeFileSync(path, tampered);
    utimesSync(path, before.atime, before.mtime);
    expect(extraction(opts)).toBe("replaced");
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true);
    expect(extraction(opts)).toBe("verified");
  });

  it("replaces a link planted in place of the file instead of following it", () => {
    const { opts, dir } = fixture();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const planted = join(opts.cacheDir, "planted.node");
    writeFileSync(planted, bytes); // even the right bytes: a link is never followed
    symlinkSync(planted, join(dir, BINDING_FILE));
    expect(extraction(opts)).toBe("replaced");
    expect(statSync(join(dir, BINDING_FILE)).isFile()).toBe(true);
  });

  it("rewrites a file others may write, though its bytes are right", () => {
    const { opts } = fixture();
    const { path } = openCachedBinding(opts);
    chmodSync(path, 0o666);
    expect(extraction(opts)).toBe("replaced");
    expect(mode(path)).toBe(0o600);
  });

  it("extracts into a directory another process has just made, with no file in it yet", () => {
    const { opts, dir } = fixture();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    expect(extraction(opts)).toBe("extracted");
  });

  it("refuses an executable whose embedded binding doesn't match the build's hash", () => {
    const { opts } = fixture();
    expect(() => openCachedBinding({ ...opts, sha256: "0".repeat(64) })).toThrow(DamagedBindingError);
    expect(() => openCachedBinding({ ...opts, sha256: "0".repeat(64) })).toThrow(/damaged .* download hubpat again/);
  });

  it("makes a directory others could enter private again before trusting what is in it", () => {
    const { opts, dir } = fixture();
    openCachedBinding(opts).close();
    chmodSync(dir, 0o777);
    expect(extraction(opts)).toBe("replaced");
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses a link in place of its directory", () => {
    const { opts, dir, cacheDir } = fixture();
    mkdirSync(join(cacheDir, "elsewhere"), { mode: 0o700 });
    mkdirSync(join(cacheDir, "hubpat"), { mode: 0o700 });
    symlinkSync(join(cacheDir, "elsewhere"), dir);
    expect(() => openCachedBinding(opts)).toThrow(/is not a directory/);
  });
});

describe("loadCachedBinding", () => {
  it("loads what it verified, and falls back to the next cache root naming HUBPAT_CACHE_DIR when all fail", () => {
    const { opts } = fixture();
    const notADir = join(opts.cacheDir, "file");
    writeFileSync(notADir, "");
    const loaded: string[] = [];
    const dlopen = (module: { exports: unknown }, path: string) => {
      loaded.push(readFileSync(path, "latin1"));
      module.exports = { loaded: true };
    };
    const ok = loadCachedBinding<{ loaded: boolean }>({ ...opts, cacheDirs: [notADir, opts.cacheDir], dlopen });
    expect(ok).toEqual({ loaded: true });
    expect(loaded).toEqual([Buffer.from(bytes).toString("latin1")]);
    expect(() => loadCachedBinding({ ...opts, cacheDirs: [notADir], dlopen })).toThrow(`set HUBPAT_CACHE_DIR to a private directory where programs may run (${notADir}: ENOTDIR: not a directory, mkdir '${notADir}/hubpat')`);
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
