export type KeyringMode = "unlocked" | "locked" | "no-service";
export interface KeyringSession {
  env: NodeJS.ProcessEnv;
  mode: KeyringMode;
  dir: string;
  daemonPid: number | undefined;
  close(): Promise<void>;
}
export const KEYRING_PASSWORD: string;
export function haveSecretService(): boolean;
export function startKeyringSession(mode?: KeyringMode, options?: { seed?: (env: NodeJS.ProcessEnv) => Promise<void> }): Promise<KeyringSession>;
