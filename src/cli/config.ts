// Non-secret settings in a conf file: the last username per Hub, for the login prompt's default. Secrets never
// come here: the session lives in the keychain (src/cli/deps.ts), the PATs in the helper's keychain items.
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import type Conf from "conf";

/** hubpat's settings. */
export interface Config {
  /** The username last logged in to `hubUrl`, or undefined. */
  lastUsername(hubUrl: string): string | undefined;
  setLastUsername(hubUrl: string, username: string): void;
  /** How many tokens `hubUrl`'s account had at the last list: lets the next list fetch every page at once. */
  lastTokenCount(hubUrl: string): number | undefined;
  setLastTokenCount(hubUrl: string, count: number): void;
  /** `--insecure-storage` remembered: true or false when chosen, undefined when never chosen. */
  insecureStorage(): boolean | undefined;
  setInsecureStorage(on: boolean): void;
  /** Where the settings file is, for `status`. */
  readonly path: string;
}

interface Settings {
  usernames: Record<string, string>;
  tokenCounts?: Record<string, number>;
  /** Read by the helper too, without conf (src/store/file.ts). */
  insecureStorage?: boolean;
}

/**
 * The conf-backed Config in `dir` (src/store/file.ts `configDir`: HUBPAT_CONFIG_DIR or the platform's config
 * directory), so the helper finds the same file. The directory is 0700 and the file 0600: who logs in where is
 * nobody else's business, and the insecure-storage file lives beside it.
 */
export async function openConfig(dir: string): Promise<Config> {
  const { default: ConfClass } = await import("conf");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== "win32" && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    // A read-only home: commands that only read still work; a write reports conf's own error.
  }
  const conf: Conf<Settings> = new ConfClass<Settings>({
    projectName: "hubpat",
    projectSuffix: "",
    cwd: dir,
    configFileMode: 0o600,
    defaults: { usernames: {} },
  });
  // conf sets the mode when it writes; a file an older hubpat left readable is made private now.
  if (process.platform !== "win32" && existsSync(conf.path) && (statSync(conf.path).mode & 0o077) !== 0) chmodSync(conf.path, 0o600);
  return {
    path: conf.path,
    lastUsername: (hubUrl) => conf.get("usernames")[hubUrl],
    setLastUsername: (hubUrl, username) => conf.set("usernames", { ...conf.get("usernames"), [hubUrl]: username }),
    lastTokenCount: (hubUrl) => conf.get("tokenCounts")?.[hubUrl],
    setLastTokenCount: (hubUrl, count) => {
      // Written only when it changed: a list must not rewrite the settings file every time.
      if (conf.get("tokenCounts")?.[hubUrl] !== count) conf.set("tokenCounts", { ...conf.get("tokenCounts"), [hubUrl]: count });
    },
    insecureStorage: () => conf.get("insecureStorage"),
    setInsecureStorage: (on) => conf.set("insecureStorage", on),
  };
}

/** A Config in memory, for tests. */
export function memoryConfig(): Config {
  const usernames = new Map<string, string>();
  const counts = new Map<string, number>();
  let insecure: boolean | undefined;
  return {
    path: "(memory)",
    lastUsername: (hubUrl) => usernames.get(hubUrl),
    setLastUsername: (hubUrl, username) => void usernames.set(hubUrl, username),
    lastTokenCount: (hubUrl) => counts.get(hubUrl),
    setLastTokenCount: (hubUrl, count) => void counts.set(hubUrl, count),
    insecureStorage: () => insecure,
    setInsecureStorage: (on) => void (insecure = on),
  };
}
