// Docker's config.json ($DOCKER_CONFIG/config.json, default ~/.docker/config.json): read it, refuse what we must not
// edit, and replace it the way a crash cannot half-do. The file may hold plain-text credentials, so nothing here
// puts its content in an error message (JSON.parse's own message quotes the text: we report the position only).
//
// A write is: a temporary file in the same directory (same filesystem, so rename is atomic), given the old file's
// mode and owner, fsynced, renamed over config.json, then the directory fsynced. A reader, or Docker after a crash,
// sees the old file or the new one, never half of one. Docker's own configfile.Save does the same (temp + rename);
// it follows a symlinked config.json, we refuse one: replacing the link would cut the file loose from wherever
// it points (a dotfiles repository), and writing through it would not be atomic.
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { errno, HubpatError } from "../errors.js";
import { isAlive } from "../store/atomic.js";
import { dockerView, GoDecodeError, parseJsonTree, renderJsonTree, treeOf, type DockerView, type JsonTree } from "./go-json.js";

/** A config.json hubpat will not edit (symlink, not a file, not JSON, read-only), or a failed write. */
export class DockerConfigError extends HubpatError {}

/** Called between the steps of a write; tests pause or kill the process there. */
export type StepHook = (step: string) => void | Promise<void>;

/**
 * The home directory as Go's os.UserHomeDir, then Docker's fallback, find it (cli/config/config.go getHomeDir):
 * $HOME (%USERPROFILE% on Windows) when set and not empty, else the account's home from the user database.
 * Not os.homedir(): that answers "" for HOME set but empty, where Docker uses the passwd entry.
 */
export function goHomeDir(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = platform === "win32" ? env.USERPROFILE : env.HOME;
  if (fromEnv) return fromEnv;
  if (platform === "win32") return "";
  try {
    return userInfo().homedir;
  } catch {
    return "";
  }
}

/**
 * The directory Docker keeps its config in, by Docker's rule (cli/config/config.go Dir): $DOCKER_CONFIG when set
 * and not empty (set but empty counts as unset), else <home>/.docker. The one place hubpat decides it.
 */
export function dockerConfigDir(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string {
  return env.DOCKER_CONFIG || join(goHomeDir(env, platform), ".docker");
}

/** Docker's config.json for this environment: <dockerConfigDir>/config.json. */
export function dockerConfigPath(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string {
  return join(dockerConfigDir(env, platform), "config.json");
}

/** Mode and owner of the file on disk, kept across a rewrite. */
export interface FileOwnership {
  mode: number;
  uid: number;
  gid: number;
}

/** config.json parsed: every pair as written (a tree), and the fields setup uses as Docker's decoder sees them. */
export interface ParsedDockerConfig {
  tree: JsonTree & { kind: "object" };
  view: DockerView;
}

/** config.json as read: its text (null when there is no file), the parsed file and who owns it. */
export interface DockerConfigFile extends ParsedDockerConfig {
  path: string;
  text: string | null;
  ownership: FileOwnership | null;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Where JSON.parse stopped, in words, without the text around it (that text may be a secret). */
function parsePosition(err: unknown): string {
  const msg = err instanceof Error ? err.message : "";
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(msg);
  if (lineCol) return ` at line ${lineCol[1]}, column ${lineCol[2]}`;
  const pos = /at position (\d+)/.exec(msg);
  if (pos) return ` at character ${pos[1]}`;
  if (/end of JSON input/i.test(msg)) return " (it ends too early)";
  return "";
}

const REFUSED_HINT = "fix or move the file, then run setup again";

/**
 * Parses config.json's text as Docker does (src/docker/go-json.ts: repeated keys merged, field names in any case,
 * nulls): empty (or blank) is an empty config; anything but an object, or a field Docker could not decode, is refused.
 */
export function parseDockerConfig(path: string, text: string): ParsedDockerConfig {
  if (text.trim() === "") return { tree: { kind: "object", pairs: [] }, view: {} };
  try {
    JSON.parse(text);
  } catch (err) {
    throw new DockerConfigError(`${path} is not valid JSON${parsePosition(err)}; hubpat changed nothing`, { hint: REFUSED_HINT });
  }
  const tree = parseJsonTree(text);
  if (tree.kind !== "object") throw new DockerConfigError(`${path} holds JSON that is not an object; hubpat changed nothing`, { hint: REFUSED_HINT });
  try {
    return { tree, view: dockerView(tree) };
  } catch (err) {
    if (!(err instanceof GoDecodeError)) throw err;
    throw new DockerConfigError(`${path}: ${err.message}, so Docker cannot read this file either; hubpat changed nothing`, { hint: REFUSED_HINT });
  }
}

/**
 * Reads config.json. A missing file (or directory) is an empty config. Refuses, touching nothing, a symlink,
 * anything but a regular file, a file its owner may not write (mode without u+w) and a file that is not JSON.
 */
export async function readDockerConfig(path: string): Promise<DockerConfigFile> {
  const file = await readDockerConfigText(path);
  return { ...file, ...parseDockerConfig(path, file.text ?? "") };
}

/** readDockerConfig without the parse: the same refusals, except that the text may be anything. */
async function readDockerConfigText(path: string): Promise<Omit<DockerConfigFile, keyof ParsedDockerConfig>> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if (errno(err) === "ENOENT") return { path, text: null, ownership: null };
    throw new DockerConfigError(`cannot read ${path}: ${errno(err) ?? "unknown error"}`, { cause: err });
  }
  if (st.isSymbolicLink()) {
    throw new DockerConfigError(`${path} is a symbolic link; hubpat edits only a regular file and changed nothing`, {
      hint: "point DOCKER_CONFIG at the directory the link leads to, or replace the link with a copy",
    });
  }
  if (!st.isFile()) throw new DockerConfigError(`${path} is not a regular file; hubpat changed nothing`);
  // Root may write anything; the mode still says what the owner wants.
  if ((st.mode & 0o200) === 0) {
    throw new DockerConfigError(`${path} is read-only (mode ${octal(st.mode)}); hubpat changed nothing`, { hint: `make it writable first: chmod u+w ${path}` });
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new DockerConfigError(`cannot read ${path}: ${errno(err) ?? "unknown error"}`, { cause: err });
  }
  return { path, text, ownership: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } };
}

/** The layout of an existing file, so a rewrite changes the keys it must and little else. */
function layoutOf(text: string | null): { indent: string; eol: string; finalEol: boolean } {
  // Nothing to follow (no file, blank, a bare "{}"): Docker's own layout, tabs.
  if (text === null || ["", "{}"].includes(text.replace(/\s/g, ""))) return { indent: "\t", eol: "\n", finalEol: true };
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? (text.trim().includes("\n") ? "\t" : "");
  return { indent, eol, finalEol: /\n\s*$/.test(text) };
}

/** The new file's text: `doc` serialized with the old file's indentation, line endings and final newline. */
export function renderDockerConfig(doc: Record<string, unknown>, like: string | null): string {
  return renderDockerTree(treeOf(doc), like);
}

/** renderDockerConfig of a tree: scalars as they were written, repeated keys kept. */
export function renderDockerTree(tree: JsonTree, like: string | null): string {
  const { indent, eol, finalEol } = layoutOf(like);
  const body = renderJsonTree(tree, indent);
  return (eol === "\n" ? body : body.replace(/\n/g, eol)) + (finalEol ? eol : "");
}

// hubpat's own files next to config.json: copies of it (config.json.hubpat-backup-<time>[-n], the backups setup
// makes; config.json.hubpat-undone-<time>[-n], the file an undo replaced) and the temp file each write goes
// through (.<name>.hubpat-<pid>-<hex>.tmp, where <name> is config.json or one of those copies).

/** What one of hubpat's names says; neither part: the file itself. */
interface OwnName {
  /** A copy of the file, made at `time` (20261123T120000Z); `n` (from 1) tells copies of one second apart. */
  copy?: { kind: "backup" | "undone"; time: string; n: number };
  /** A temp file that process `pid` writes before renaming it to the name without this part. */
  temp?: { pid: number; nonce: string };
}

/** The name `what` describes, next to the file named `base`. */
function ownName(base: string, what: OwnName): string {
  const { copy, temp } = what;
  const name = copy ? `${base}.hubpat-${copy.kind}-${copy.time}${copy.n > 1 ? `-${copy.n}` : ""}` : base;
  return temp ? `.${name}.hubpat-${temp.pid}-${temp.nonce}.tmp` : name;
}

/** What `name` is, next to the file named `base`: null when it is neither that file nor one of hubpat's names for it. */
function parseOwnName(base: string, name: string): OwnName | null {
  const temp = /^\.(.+)\.hubpat-(\d+)-([0-9a-f]+)\.tmp$/.exec(name);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const copy = new RegExp(`^${escaped}(?:\\.hubpat-(backup|undone)-(\\d{8}T\\d{6}Z)(?:-(\\d+))?)?$`).exec(temp ? temp[1]! : name);
  if (!copy) return null;
  return {
    ...(copy[1] ? { copy: { kind: copy[1] as "backup" | "undone", time: copy[2]!, n: Number(copy[3] ?? 1) } } : {}),
    ...(temp ? { temp: { pid: Number(temp[2]), nonce: temp[3]! } } : {}),
  };
}

/**
 * Replaces `path` with `text` atomically: a temp file in the same directory, given `ownership` (mode, then owner
 * where we may: like Docker, an owner we cannot give is not an error; null: 0600, ours), fsynced, renamed, the
 * directory fsynced.
 * On failure the temp file is removed and `path` is as it was.
 */
export async function writeFileAtomic(path: string, text: string, ownership: FileOwnership | null, onStep?: StepHook): Promise<void> {
  await writeFileAtomicIf(path, text, ownership, onStep, async () => true);
}

/**
 * writeFileAtomic, but only if `path` still holds `expected` (null: no file) just before the rename; resolves
 * whether it wrote. Docker's own Save is temp + rename with no lock, so this is how a writer that read the file
 * notices that `docker login` replaced it meanwhile: the check runs after the temp file is written and synced,
 * leaving only the read-compare-rename (tens of microseconds) between them.
 */
export async function writeFileIfUnchanged(path: string, expected: string | null, text: string, ownership: FileOwnership | null, onStep?: StepHook): Promise<boolean> {
  return writeFileAtomicIf(path, text, ownership, onStep, async () => (await currentText(path)) === expected);
}

/** The file's text now; null when there is none. */
async function currentText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (errno(err) === "ENOENT") return null;
    throw err;
  }
}

async function writeFileAtomicIf(path: string, text: string, ownership: FileOwnership | null, onStep: StepHook | undefined, unchanged: () => Promise<boolean>): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, ownName(basename(path), { temp: { pid: process.pid, nonce: randomBytes(4).toString("hex") } }));
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(text);
    await fh.chmod(ownership?.mode ?? 0o600);
    if (ownership) {
      try {
        await fh.chown(ownership.uid, ownership.gid);
      } catch (err) {
        if (errno(err) !== "EPERM" && errno(err) !== "EINVAL") throw err;
      }
    }
    await fh.sync();
    await fh.close();
    await onStep?.("temp-written");
    if (!(await unchanged())) {
      await rm(tmp, { force: true });
      return false;
    }
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await onStep?.("renamed");
  await syncDir(dir);
  return true;
}

/** fsync a directory so a rename survives a power cut; some filesystems refuse, which is no reason to fail. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // EISDIR/EINVAL/EPERM on filesystems without directory fsync.
  }
}

/** Removes temp files a killed hubpat left next to `path` (their process is gone). Returns how many. */
export async function removeStaleTemps(path: string): Promise<number> {
  // Temp files of config.json itself and of its copies (those may hold plain-text credentials).
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = parseOwnName(basename(path), name)?.temp?.pid;
    if (pid === undefined || isAlive(pid)) continue;
    await rm(join(dirname(path), name), { force: true });
    removed++;
  }
  return removed;
}


/** 2026-11-23T12:00:00.000Z → 20261123T120000Z: sorts as it reads, and is a valid file name everywhere. */
const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");

/** Writes `text` next to `path` as a copy of that `kind`, named for `now`, 0600 (it may hold plain-text credentials). */
async function writeCopy(path: string, kind: "backup" | "undone", text: string, ownership: FileOwnership | null, now: Date): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = join(dirname(path), ownName(basename(path), { copy: { kind, time: stamp(now), n } }));
    const exists = await lstat(candidate).then(
      () => true,
      (err: unknown) => (errno(err) === "ENOENT" ? false : Promise.reject(err)),
    );
    if (exists) continue;
    await writeFileAtomic(candidate, text, ownership && { ...ownership, mode: 0o600 });
    return candidate;
  }
}

/**
 * Saves config.json's current text as a timestamped backup (0600, same owner); returns the backup's path. When the
 * newest backup already holds exactly this text (setup run again, or started again), that one is returned instead:
 * each plain-text copy on disk is one more place a secret lives.
 */
export async function writeBackup(file: DockerConfigFile & { text: string }, now: Date): Promise<string> {
  const newest = (await listBackups(file.path)).at(-1);
  if (newest && (await readFile(newest, "utf8").catch(() => null)) === file.text) return newest;
  return writeCopy(file.path, "backup", file.text, file.ownership, now);
}

/** Backups of `path` that setup made, oldest first. */
export async function listBackups(path: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return [];
  }
  const backups = names.flatMap((name) => {
    const own = parseOwnName(basename(path), name);
    return own?.copy?.kind === "backup" && !own.temp ? [{ name, ...own.copy }] : [];
  });
  return backups
    .sort((a, b) => (a.time === b.time ? a.n - b.n : a.time < b.time ? -1 : 1))
    .map((b) => join(dirname(path), b.name));
}

/** What an undo did: which backup it put back, and where the file it replaced went (null: there was none). */
export interface Restored {
  backup: string;
  replacedSavedAs: string | null;
  /** The file already held the newest backup's text (an undo done before): nothing was written. */
  nothingToUndo?: true;
}

/**
 * Puts the newest backup back as config.json, atomically. The file it replaces is saved first (as
 * config.json.hubpat-undone-<time>), so an undo loses nothing either. Refuses a symlinked config.json and a
 * backup that is not JSON; does nothing when config.json already is that backup (undo twice), and nothing when
 * another program wrote config.json meanwhile. Each failure says which files it left.
 */
export async function restoreLatestBackup(path: string, now: Date, onStep?: StepHook): Promise<Restored> {
  const backups = await listBackups(path);
  const backup = backups.at(-1);
  if (!backup) throw new DockerConfigError(`there is no hubpat backup of ${path} to restore`, { hint: "setup makes one each time it changes the file" });
  const text = await readFile(backup, "utf8");
  parseDockerConfig(backup, text);
  // Not parsed: an unparsable file may be put right by its backup (a symlink, a non-file or a read-only file may not).
  const current = await readDockerConfigText(path);
  if (current.text === text) return { backup, replacedSavedAs: null, nothingToUndo: true };
  let replacedSavedAs: string | null = null;
  try {
    replacedSavedAs = current.text === null ? null : await writeCopy(path, "undone", current.text, current.ownership, now);
    await onStep?.("saved-current");
    if (!(await writeFileIfUnchanged(path, current.text, text, current.ownership, onStep))) {
      throw new DockerConfigError(`${path} changed while undo ran (another program wrote it): it is as that program left it${leftNote(replacedSavedAs)}`, { hint: "run setup --undo again" });
    }
  } catch (err) {
    if (err instanceof DockerConfigError) throw err;
    const code = errno(err);
    if (!code) throw err;
    throw new DockerConfigError(`cannot restore ${path} from ${backup} (${code}): ${path} is unchanged${leftNote(replacedSavedAs)}`, {
      cause: err,
      hint: code === "ENOSPC" ? "free some space, then run setup --undo again" : "check the file and its directory are writable, then run setup --undo again",
    });
  }
  return { backup, replacedSavedAs };
}

/** "; left on disk: <copy> (…)", or nothing when no copy was made. */
const leftNote = (copy: string | null) => (copy ? `; left on disk: ${copy}, a copy of it made before the restore (plain text: delete it when done)` : "");
