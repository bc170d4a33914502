// The single executable carries the keyring binding (a native .node file) as an asset, but a native module can
// only be loaded from a file. It is written once to a private per-user cache directory and loaded from there:
//
//   $XDG_CACHE_HOME/hubpat/<first 16 hex of its sha256>/keyring.node   (~/Library/Caches, %LOCALAPPDATA% elsewhere)
//
// The directory is named by the binding's hash, so two hubpat versions with different bindings never share a
// file, and it is 0700, so no other user can swap it. The file is written under a temporary name and renamed,
// so a helper started while another one is extracting sees either no file or a whole one.
//
// Verification. When the file is written, the embedded bytes are checked against the sha256 computed when the
// executable was built, the file is compared with them, and its identity (device, inode, size, mtime, ctime)
// is kept in keyring.node.stamp beside it. Each later start compares only that identity: any rewrite, copy or
// rename over the file changes its ctime or inode (ctime can't be set back from user space). Anything else
// means a full comparison with the embedded bytes, and a rewrite if they differ. Hashing on every start
// would load node:crypto (about 4 ms) and read 3 MB (about 2 ms) on every `docker pull`.
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../store/atomic.js";

/** The binding embedded in the executable does not match the build's hash: no cache directory can fix that. */
export class DamagedBindingError extends Error {}

/** The file name of the extracted binding inside its cache directory. */
export const BINDING_FILE = "keyring.node";
/** The identity of the file as last verified. */
export const STAMP_FILE = "keyring.node.stamp";

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

/** What this start did: trusted the stamp, checked the bytes (same), wrote a missing file, replaced a wrong one. */
export type Extraction = "stamped" | "compared" | "extracted" | "replaced";

/** What extractBinding needs: the embedded bytes, their build-time hash and where to put them. */
export interface ExtractOptions {
  /** The embedded binding. */
  bytes: Uint8Array;
  /** Its sha256 in hex, computed when the executable was built. */
  sha256: string;
  /** The per-user cache root (userCacheDir). */
  cacheDir: string;
  /** Computes a sha256 in hex; called only when the file has to be written. */
  hash: (bytes: Uint8Array) => string;
}

/**
 * Makes sure `<cacheDir>/hubpat/<hash>/keyring.node` holds exactly `bytes`; returns its path and what was done.
 * Throws when the embedded bytes don't match the build's hash (a damaged executable), when the directory is not
 * this user's alone and can't be made so, or when the file can't be written.
 */
export function extractBinding(opts: ExtractOptions): { path: string; extraction: Extraction } {
  const dir = bindingDir(opts.cacheDir, opts.sha256);
  const path = join(dir, BINDING_FILE);
  const stampPath = join(dir, STAMP_FILE);
  const id = identity(path);
  if (id !== undefined && id === readText(stampPath) && isPrivateDir(dir)) return { path, extraction: "stamped" };

  const want = Buffer.from(opts.bytes.buffer, opts.bytes.byteOffset, opts.bytes.byteLength);
  const existing = readBytes(path);
  if (existing?.equals(want)) {
    privateDir(dir);
    writeAtomically(stampPath, identity(path)!);
    return { path, extraction: "compared" };
  }

  const actual = opts.hash(opts.bytes);
  if (actual !== opts.sha256) throw new DamagedBindingError(`the keyring binding inside this executable is damaged (sha256 ${actual.slice(0, 16)}…, built with ${opts.sha256.slice(0, 16)}…): download hubpat again`);
  privateDir(join(opts.cacheDir, "hubpat"));
  privateDir(dir);
  writeAtomically(path, want);
  writeAtomically(stampPath, identity(path)!);
  return { path, extraction: existing === undefined ? "extracted" : "replaced" };
}

/** The file's identity as one line, or undefined when there is no file. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** writeFileAtomicSync, failing with a sentence that names the file. */
function writeAtomically(path: string, data: string | Buffer): void {
  try {
    writeFileAtomicSync(path, data);
  } catch (err) {
    throw new Error(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Whether `dir` is a real directory of this user's that nobody else can enter (always true on Windows). */
function isPrivateDir(dir: string): boolean {
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
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === "win32") return;
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory: remove it so hubpat can keep its keyring binding there`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user: remove it so hubpat can keep its keyring binding there`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}
