// Every store the helper can be told to use, each as the environment that chooses it, for tests that must hold in
// all of them (the protocol's refusals, the no-secret-anywhere sweep). Keychain: a private Secret Service session;
// pass: a throwaway GNUPGHOME and password store; kernel: a keyring of its own inside @u; file: a temp directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";
import { haveKeyctl, testKeyring } from "./kernel-keyring.js";
import { havePass, passWorld } from "./pass-store.js";

/** One store, ready: the environment that makes the helper and hub-tokens use it, and how to put it away. */
export interface StoreWorld {
  name: string;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** The stores this machine can run, by name; each start() gives a fresh, empty one. */
export function everyStore(): { name: string; start(): Promise<StoreWorld> }[] {
  const file = {
    name: "file",
    async start(): Promise<StoreWorld> {
      const dir = mkdtempSync(join(tmpdir(), "hubpat-store-file-"));
      return {
        name: "file",
        env: { PATH: process.env.PATH, HOME: dir, HUBPAT_CONFIG_DIR: join(dir, "hubpat"), HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1" },
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
  const keychain = {
    name: "keychain",
    async start(): Promise<StoreWorld> {
      const session: KeyringSession = await startKeyringSession("unlocked");
      const dir = mkdtempSync(join(tmpdir(), "hubpat-store-keychain-"));
      return {
        name: "keychain",
        env: { ...session.env, HUBPAT_CONFIG_DIR: join(dir, "hubpat"), HUBPAT_STORE: "keychain" },
        close: async () => {
          await session.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  const pass = {
    name: "pass",
    async start(): Promise<StoreWorld> {
      const world = passWorld();
      return { name: "pass", env: { ...world.env, HUBPAT_CONFIG_DIR: join(world.dir, "hubpat"), HUBPAT_STORE: "pass" }, close: async () => world.close() };
    },
  };
  const kernel = {
    name: "kernel",
    async start(): Promise<StoreWorld> {
      const ring = testKeyring();
      const dir = mkdtempSync(join(tmpdir(), "hubpat-store-kernel-"));
      return {
        name: "kernel",
        env: { PATH: process.env.PATH, HOME: dir, HUBPAT_CONFIG_DIR: join(dir, "hubpat"), HUBPAT_STORE: "kernel", ...ring.env },
        close: async () => {
          ring.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  const available = { keychain: haveSecretService(), pass: havePass(), kernel: haveKeyctl(), file: true };
  const missing = Object.entries(available).filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0 && process.env.CI) throw new Error(`CI must be able to run every store; missing here: ${missing.join(", ")} (see scripts/setup-machine.sh)`);
  return [keychain, pass, kernel, file].filter((s) => available[s.name as keyof typeof available]);
}
