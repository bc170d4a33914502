// `hub-tokens install [--prefix DIR]`: puts the single executable (npm run package) where a shell and Docker find
// it: DIR/hubpat, plus DIR/docker-credential-hubpat and DIR/hub-tokens naming it (symlinks; copies on Windows,
// where a link needs privileges). Default DIR: ~/.local/bin, which the XDG base-directory spec and systemd
// name for user executables and which many distributions' ~/.profile put on PATH when it exists.
//
// Every file is written under a temporary name and renamed into place, so a Docker pull running the old helper
// meanwhile sees the old file or the new one, and replacing the very executable that runs this works (Linux
// refuses to open a running binary for writing, but not to rename over it).
import { copyFile, chmod, lstat, mkdir, readFile, realpath, rename, rm, symlink } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { HubpatError } from "../errors.js";
import { parseDockerConfig } from "../docker/config.js";
import { whichOnPath } from "../docker/helper.js";
import { HELPER_NAME } from "../helper/protocol.js";
import { HELPER_CONFIG_NAME } from "../docker/migrate.js";

/** `hub-tokens install` flags. */
export interface InstallOptions {
  /** The directory to install into; default ~/.local/bin. */
  prefix?: string;
}

/** Where install's messages go (stderr in the CLI: they are progress, not data). */
export interface InstallOutput {
  info(line: string): void;
  warn(line: string): void;
}

/** What install runs on: the running file, the user's environment and where to report. */
export interface InstallDeps {
  io: InstallOutput;
  /** The running program's file (process.execPath). */
  executable: string;
  /** Whether it is the single executable; from npm there is no one file to copy. */
  isSingleExecutable: boolean;
  /** The user's environment: PATH is checked for the directory. */
  env: Record<string, string | undefined>;
  /** The user's home directory, for the default prefix. */
  home: string;
  /** Docker's config.json, to tell whether Docker is wired to hubpat yet. */
  dockerConfigPath: string;
  platform: NodeJS.Platform;
}

/** What was put where. */
export interface InstallResult {
  dir: string;
  files: string[];
  onPath: boolean;
  dockerWired: boolean;
}

/** The names the executable answers to, besides its own. */
export const NAMES = [HELPER_NAME, "hub-tokens"] as const;

/** Runs `hub-tokens install`. */
export async function runInstall(opts: InstallOptions, deps: InstallDeps): Promise<InstallResult> {
  const { io } = deps;
  if (!deps.isSingleExecutable) {
    throw new HubpatError("install puts the single executable in place, and this is hubpat from npm, whose bins npm installed already", {
      hint: "download the hubpat executable, or build it with npm run package, and run its install",
    });
  }
  const exe = deps.platform === "win32" ? ".exe" : "";
  const dir = resolve(opts.prefix ?? join(deps.home, ".local", "bin"));
  await mkdir(dir, { recursive: true, mode: 0o755 });

  const main = join(dir, `hubpat${exe}`);
  const files = [main];
  if ((await sameFile(deps.executable, main)) === false) {
    await replace(main, (tmp) => copyFile(deps.executable, tmp).then(() => chmod(tmp, 0o755)));
  }
  for (const name of NAMES) {
    const target = join(dir, `${name}${exe}`);
    files.push(target);
    // Windows: a copy (symlinks need Developer Mode or admin rights); elsewhere a relative link, so the
    // directory can move as a whole.
    await replace(target, (tmp) => (deps.platform === "win32" ? copyFile(main, tmp) : symlink(`hubpat${exe}`, tmp)));
  }
  io.info(`✓ Installed ${main}, with ${NAMES.map((n) => `${n}${exe}`).join(" and ")} beside it`);

  const onPath = await isOnPath(dir, deps.env.PATH, deps.platform);
  if (onPath) {
    const found = await whichOnPath(`${HELPER_NAME}${exe}`, deps.env.PATH);
    if (found && resolve(found) !== join(dir, `${HELPER_NAME}${exe}`)) io.warn(`${dir} is on PATH, but ${found} comes first there: Docker will run that one`);
    else io.info(`✓ ${dir} is on PATH`);
  } else {
    io.warn(`${dir} is not on PATH, so neither Docker nor your shell will find hubpat there`);
    io.warn(deps.platform === "win32" ? `add it in Settings › System › About › Advanced system settings › Environment Variables` : `add it, e.g. in ~/.profile: export PATH="${dir}:$PATH"`);
  }

  const dockerWired = await usesHubpat(deps.dockerConfigPath);
  if (dockerWired) io.info(`✓ Docker already uses hubpat ("credsStore": "${HELPER_CONFIG_NAME}" in ${deps.dockerConfigPath})`);
  else io.info(`Next: hub-tokens setup, so Docker keeps its credentials in the keychain through hubpat ("credsStore": "${HELPER_CONFIG_NAME}" in ${deps.dockerConfigPath})`);
  return { dir, files, onPath, dockerWired };
}

/** Writes `path` through `make(tmp)` and a rename over it; a directory in the way is refused. */
async function replace(path: string, make: (tmp: string) => Promise<void>): Promise<void> {
  const existing = await lstat(path).catch(() => null);
  if (existing?.isDirectory()) throw new HubpatError(`${path} is a directory: move it away and run install again`);
  const tmp = `${path}.${Math.random().toString(36).slice(2)}.install-tmp`;
  await rm(tmp, { force: true });
  try {
    await make(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new HubpatError(`could not write ${path}`, { cause: err });
  }
}

/** Whether both paths are one file; false when `b` doesn't exist. */
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}

/** Whether `dir` is one of PATH's entries (after resolving links, as the shell's lookup would find it). */
async function isOnPath(dir: string, path: string | undefined, platform: NodeJS.Platform): Promise<boolean> {
  const norm = (p: string) => (platform === "win32" ? p.toLowerCase() : p);
  const want = norm(await realpath(dir).catch(() => dir));
  for (const entry of (path ?? "").split(platform === "win32" ? ";" : delimiter)) {
    if (!entry || !isAbsolute(entry)) continue; // "" and relative entries depend on the current directory
    if (norm(await realpath(entry).catch(() => resolve(entry))) === want) return true;
  }
  return false;
}

/** Whether Docker's config.json has `"credsStore": "hubpat"`; a missing or unreadable file is a no. */
async function usesHubpat(configPath: string): Promise<boolean> {
  try {
    return parseDockerConfig(configPath, await readFile(configPath, "utf8")).view.credsStore === HELPER_CONFIG_NAME;
  } catch {
    return false;
  }
}
