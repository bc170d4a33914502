// The single executable carries the keyring binding (a native .node file) inside it, but a native module can
// only be loaded from a file. It is written once to a private per-user cache directory and loaded from there:
//
//   $XDG_CACHE_HOME/hubpat/<first 16 hex of its sha256>/keyring.node   (~/Library/Caches, %LOCALAPPDATA% elsewhere)
//
// The directory is named by the binding's hash, so two hubpat versions with different bindings never share a
// file, and it is 0700, so no other user can swap it. The file is written under a temporary name and renamed,
// so a helper started while another one is extracting sees either no file or a whole one.
//
// Verification, on every load: the file is opened once (no links followed), must be a regular file of this
// user's that nobody else may write, and its bytes must have the sha256 computed when the executable was built.
// On Linux the loader then opens /proc/self/fd/N of that same descriptor, so the bytes checked are the bytes
// loaded even if someone renames another file over the path in between. Anything else (missing, changed,
// another owner) means the embedded bytes are checked against the same hash and written again.
//
// Never the runtime's own extraction: Bun writes an embedded .node to $TMPDIR/.bun-*.node and later only checks
// that the file exists, so the executable embeds the binding as plain data and loads it only through here.
//
// node:fs is loaded on the first load, not with this module: the Bun executable's entry imports it, and a
// credential lookup on Linux needs no binding (src/store/secret-service.ts).
import { join } from "node:path";
import { messageOf } from "../errors.js";
import { writeFileAtomicSync } from "../store/atomic.js";

/** The binding embedded in the executable does not match the build's hash: no cache directory can fix that. */
export class DamagedBindingError extends Error {}

/** The file name of the extracted binding inside its cache directory. */
export const BINDING_FILE = "keyring.node";

/** Where per-user caches live on this platform: XDG_CACHE_HOME or ~/.cache, ~/Library/Caches, %LOCALAPPDATA%. */
export function userCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === "darwin") return join(home, "Library", "Caches");
  if (platform === "win32") return env.LOCALAPPDATA || join(home, "AppData", "Local");
  return env.XDG_CACHE_HOME || join(home, ".cache");
}

/**
 * The cache roots to try, in order. HUBPAT_CACHE_DIR, when set, is the only one: the user chose it. Otherwise the
 * user's cache, then on Linux $XDG_RUNTIME_DIR: a home mounted noexec (hardened or shared machines) can't load a
 * native module from ~/.cache, and the runtime dir is the user's own tmpfs, 0700 by the XDG spec.
 */
export function bindingCacheDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string[] {
  if (env.HUBPAT_CACHE_DIR) return [env.HUBPAT_CACHE_DIR];
  const dirs = [userCacheDir(env, platform, home)];
  if (platform === "linux" && env.XDG_RUNTIME_DIR && !dirs.includes(env.XDG_RUNTIME_DIR)) dirs.push(env.XDG_RUNTIME_DIR);
  return dirs;
}

/** The directory the binding with this sha256 (hex) is extracted to. */
export function bindingDir(cacheDir: string, sha256: string): string {
  return join(cacheDir, "hubpat", sha256.slice(0, 16));
}

/** What this load did: found the right file, wrote a missing one, or replaced a wrong one. */
export type Extraction = "verified" | "extracted" | "replaced";

/** What openCachedBinding needs: the embedded bytes, their build-time hash and where to put them. */
export interface CacheOptions {
  /** The embedded binding; read only when the cached file has to be written. */
  embedded: () => Uint8Array;
  /** Its sha256 in hex, computed when the executable was built. */
  sha256: string;
  /** The per-user cache root (userCacheDir). */
  cacheDir: string;
  /** Computes a sha256 in hex: of the cached file on every load, of the embedded bytes before writing them. */
  hash: (bytes: Uint8Array) => string;
  /** Defaults to process.platform (tests pass another to see the path other systems load). */
  platform?: NodeJS.Platform;
}

/** A verified binding file, held open: load `loadPath`, then `close()`. */
export interface OpenBinding {
  /** The cached file's path. */
  path: string;
  /** What to hand the loader: on Linux /proc/self/fd/N of the verified descriptor, elsewhere `path`. */
  loadPath: string;
  extraction: Extraction;
  close(): void;
}

/**
 * Makes sure `<cacheDir>/hubpat/<hash>/keyring.node` holds exactly the build's binding and opens it verified.
 * Throws DamagedBindingError when the embedded bytes don't match the build's hash (a damaged executable), and an
 * Error naming the file when the directory is not this user's alone or the file can't be written.
 */
export function openCachedBinding(opts: CacheOptions): OpenBinding {
  const platform = opts.platform ?? process.platform;
  const dir = bindingDir(opts.cacheDir, opts.sha256);
  const path = join(dir, BINDING_FILE);
  if (isPrivateDir(dir)) {
    const found = openVerified(path, opts, platform);
    if (found.open) return { ...found.open, extraction: "verified" };
  }

  const bytes = opts.embedded();
  const actual = opts.hash(bytes);
  if (actual !== opts.sha256) throw new DamagedBindingError(`the keyring binding inside this executable is damaged (sha256 ${actual.slice(0, 16)}…, built with ${opts.sha256.slice(0, 16)}…): download hubpat again`);
  const existed = exists(path);
  privateDir(join(opts.cacheDir, "hubpat"));
  privateDir(dir);
  writeAtomically(path, bytes);
  const written = openVerified(path, opts, platform);
  if (!written.open) throw new Error(`${path} changed while hubpat wrote it (${written.why}): remove ${dir}`);
  return { ...written.open, extraction: existed ? "replaced" : "extracted" };
}

/** The file opened, checked (owner, mode, sha256) and held open; or why not. */
function openVerified(path: string, opts: CacheOptions, platform: NodeJS.Platform): { open?: Omit<OpenBinding, "extraction">; why?: string } {
  const { closeSync, constants, fstatSync, openSync, readFileSync } = process.getBuiltinModule("node:fs");
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return { why: (err as NodeJS.ErrnoException).code ?? messageOf(err) };
  }
  const close = () => closeSync(fd);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return (close(), { why: "not a file" });
    if (platform !== "win32" && ((st.mode & 0o022) !== 0 || (typeof process.getuid === "function" && st.uid !== process.getuid()))) return (close(), { why: "writable by others" });
    if (opts.hash(readFileSync(fd)) !== opts.sha256) return (close(), { why: "other bytes" });
  } catch (err) {
    close();
    return { why: messageOf(err) };
  }
  return { open: { path, loadPath: platform === "linux" ? `/proc/self/fd/${fd}` : path, close } };
}

function exists(path: string): boolean {
  const { lstatSync } = process.getBuiltinModule("node:fs");
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** writeFileAtomicSync, failing with a sentence that names the file. */
function writeAtomically(path: string, data: Uint8Array): void {
  try {
    writeFileAtomicSync(path, data);
  } catch (err) {
    throw new Error(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Whether `dir` is a real directory of this user's that nobody else can enter (always true on Windows). */
function isPrivateDir(dir: string): boolean {
  const { lstatSync } = process.getBuiltinModule("node:fs");
  if (process.platform === "win32") return true; // per-user %LOCALAPPDATA%; modes mean little there
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (st.mode & 0o777) === 0o700 && (typeof process.getuid !== "function" || st.uid === process.getuid());
  } catch {
    return false;
  }
}

/** Creates `dir` (and its parents) and leaves it 0700; refuses a directory that is a link or not this user's. */
function privateDir(dir: string): void {
  const { chmodSync, lstatSync, mkdirSync } = process.getBuiltinModule("node:fs");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === "win32") return;
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory: remove it so hubpat can keep its keyring binding there`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user: remove it so hubpat can keep its keyring binding there`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** How a runtime loads a native module from a file (process.dlopen on Node and Bun). */
export type Dlopen = (module: { exports: unknown }, path: string) => void;

/** What loadCachedBinding needs besides CacheOptions' per-directory part. */
export interface LoadOptions extends Omit<CacheOptions, "cacheDir"> {
  /** The cache roots to try in order (bindingCacheDirs). */
  cacheDirs: string[];
  dlopen: Dlopen;
}

/**
 * Loads the binding from the first cache root where it can be verified (or written) and loaded. When it can't be
 * written or loaded there (a noexec home, say), the next root is tried; when none works, the error names
 * HUBPAT_CACHE_DIR, the way out, and why each root failed.
 */
export function loadCachedBinding<T>(opts: LoadOptions): T {
  const failures: string[] = [];
  for (const cacheDir of opts.cacheDirs) {
    try {
      const open = openCachedBinding({ ...opts, cacheDir });
      try {
        const module = { exports: {} as T };
        opts.dlopen(module, open.loadPath);
        return module.exports;
      } finally {
        open.close();
      }
    } catch (err) {
      // A damaged executable is not the directory's fault: no other directory can help.
      if (err instanceof DamagedBindingError) throw err;
      failures.push(`${cacheDir}: ${reason(err)}`);
    }
  }
  throw new Error(`set HUBPAT_CACHE_DIR to a private directory where programs may run (${failures.join("; ")})`);
}

/** The error's gist without the file path dlopen repeats: "failed to map segment from shared object" on noexec. */
function reason(err: unknown): string {
  const message = messageOf(err).split("\n")[0]!;
  return message.replace(/^\S+\.node: /, "").replace(/^\/proc\/self\/fd\/\d+: /, "");
}
