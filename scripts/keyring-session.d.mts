export type KeyringMode = "unlocked" | "locked" | "no-service" | "no-default" | "keepassxc";
export interface KeyringSession {
  env: NodeJS.ProcessEnv;
  mode: KeyringMode;
  dir: string;
  daemonPid: number | undefined;
  /** Whether the Secret Service is still on the bus, how its daemon ended if it did, and its last log lines. */
  diagnose(): string;
  /** Runs `fn`; when it fails, its error message ends with `diagnose()`. */
  explain<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn`, and once more on a new daemon should it fail because gnome-keyring-daemon died (its own bug). */
  survivingDaemonCrash<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
export const KEYRING_PASSWORD: string;
export function haveSecretService(): boolean;
export function haveKeePassXC(): boolean;
export function startKeyringSession(mode?: KeyringMode, options?: { seed?: (env: NodeJS.ProcessEnv) => Promise<void> }): Promise<KeyringSession>;
