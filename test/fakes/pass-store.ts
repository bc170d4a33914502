// A throwaway password store: its own GNUPGHOME with a fresh key (no passphrase, or one when asked), its own
// PASSWORD_STORE_DIR initialised for that key with `pass init`. Real pass and gpg; close() stops its gpg-agent.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineClock } from "./helper-process.js";

/** Whether pass and gpg are installed (scripts/setup-machine.sh installs them). */
export function havePass(): boolean {
  return ["pass", "gpg"].every((cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0);
}

export interface PassWorld {
  dir: string;
  /** GNUPGHOME, PASSWORD_STORE_DIR, HOME and PATH: no terminal, no display. */
  env: NodeJS.ProcessEnv;
  storeDir: string;
  fingerprint: string;
  close(): void;
}

/** A new key and password store. `passphrase`: the key needs one (gpg-agent has not cached it). `init`: run pass init. */
export function passWorld(o: { passphrase?: string; init?: boolean } = {}): PassWorld {
  // Short: gpg-agent's socket path must fit in 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), "hp-pass-"));
  const gnupg = join(dir, "g");
  const storeDir = join(dir, "p");
  mkdirSync(gnupg, { mode: 0o700 });
  // Protecting a key with a passphrase makes gpg-agent calibrate its key derivation first: seconds, here.
  writeFileSync(join(gnupg, "gpg-agent.conf"), "s2k-count 65536\n");
  // The machine's clock (libfaketime's variables under scripts/test-clock.mjs) goes to gpg too: a key made on the real
  // clock is "created in the future" for a gpg on the shifted one, and gpg then refuses to encrypt to it.
  const env: NodeJS.ProcessEnv = { ...machineClock(), PATH: process.env.PATH, HOME: dir, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: storeDir };
  const gpg = (args: string[]) => execFileSync("gpg", ["--batch", ...args], { env, stdio: ["ignore", "pipe", "pipe"] }).toString();
  gpg(["--pinentry-mode", "loopback", "--passphrase", o.passphrase ?? "", "--quick-gen-key", "hubpat test <test@hubpat.invalid>", "future-default", "default", "never"]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(["--with-colons", "--list-secret-keys"]))![1]!;
  if (o.init !== false) execFileSync("pass", ["init", fingerprint], { env, stdio: "ignore" });
  // A passphrase typed at key generation is cached by the agent: forget it, as after a reboot.
  if (o.passphrase) execFileSync("gpgconf", ["--reload", "gpg-agent"], { env, stdio: "ignore" });
  return {
    dir,
    env,
    storeDir,
    fingerprint,
    close: () => {
      spawnSync("gpgconf", ["--kill", "gpg-agent"], { env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
