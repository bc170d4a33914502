// Where hubpat's settings and its plain-text store live, and the choices read from the environment: what the
// helper needs on every start to know which store to open. No node: built-in is loaded here (node:path aside):
// node:os only when HOME is unset, so a credential lookup under Bun does not pay for node:fs or node:os.
import { join } from "node:path";

/** The file, in hubpat's config directory, that insecure storage keeps secrets in. */
export const CREDENTIALS_FILE = "credentials.json";
/** hubpat's settings (written by src/cli/config.ts; read by src/store/choice.ts too). */
export const SETTINGS_FILE = "config.json";

/** The home directory, as os.homedir() finds it: $HOME where it is set (not on Windows), else the user database. */
export function homeDir(): string {
  const home = process.platform === "win32" ? undefined : process.env.HOME;
  return home || process.getBuiltinModule("node:os").homedir();
}

/**
 * hubpat's config directory: HUBPAT_CONFIG_DIR, else the platform's place for a program named "hubpat"
 * (as conf, which earlier hubpat used, put it: $XDG_CONFIG_HOME/hubpat, ~/Library/Preferences/hubpat, %APPDATA%\hubpat\Config).
 */
export function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home?: string): string {
  if (env.HUBPAT_CONFIG_DIR) return env.HUBPAT_CONFIG_DIR;
  if (platform === "darwin") return join(home ?? homeDir(), "Library", "Preferences", "hubpat");
  if (platform === "win32") return join(env.APPDATA || join(home ?? homeDir(), "AppData", "Roaming"), "hubpat", "Config");
  return join(env.XDG_CONFIG_HOME || join(home ?? homeDir(), ".config"), "hubpat");
}

/** Where insecure storage keeps secrets for this environment. */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), CREDENTIALS_FILE);
}

/** HUBPAT_INSECURE_STORAGE as a choice: true for 1/true/yes, false for 0/false/no, undefined when unset. */
export function insecureStorageFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const v = env.HUBPAT_INSECURE_STORAGE?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  return undefined;
}

/** The warning both faces print on stderr each time they use the file. */
export function insecureStorageWarning(path: string): string {
  return `secrets are kept unencrypted in ${path}, not in the OS keychain (insecure storage is on)`;
}
