// What a command may use, built lazily as cli/cli's Factory does: a command that never talks to the Hub never
// loads undici, and one that never asks never loads @inquirer. Tests build Deps by hand (test/fakes/deps.ts).
import { homedir } from "node:os";
import { join } from "node:path";
import type { Hub } from "../hub/types.js";
import type { CredentialStore } from "../store/store.js";
import type { Config } from "./config.js";
import { IOStreams } from "./io.js";
import type { Prompter } from "./prompter.js";
import { loggedInHub, SESSION_SERVICE, type Session } from "./session.js";

/** The Docker Hub server key Docker stores its credentials under (see src/helper/credential-helper-protocol.md). */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

export { DEFAULT_HUB_URL } from "../hub/url.js";

/** Everything a command runs on. */
export interface Deps {
  io: IOStreams;
  clock: () => Date;
  /** The Hub's base URL (no trailing slash). */
  hubUrl: string;
  /** The helper's keychain items: what Docker gets from `docker-credential-hubpat`. */
  store: CredentialStore;
  /** Hub sessions, keyed by Hub URL; a separate keychain service. */
  sessions: CredentialStore;
  /** Where secrets are kept, in words, for `status`. */
  storeDescription: string;
  /** A Hub client for hubUrl, with a session JWT or without (to log in). */
  connect: (session?: string) => Promise<Hub>;
  /**
   * A client with the stored session; AuthError (exit 4) when there is none or it expired. A command that already
   * has the session from requireSession passes it, so the keychain is asked once.
   */
  hub: (session?: Session) => Promise<Hub>;
  prompter: Prompter;
  config: Config;
  /** Docker's config.json, to tell whether Docker is wired to the helper. */
  dockerConfigPath: string;
  /** What `doctor` inspects about this machine; absent in tests that don't need it. */
  host?: HostInfo;
}

/** The machine as `doctor` sees it, passed in so the command reads no globals. */
export interface HostInfo {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Whether secrets go to the plain file (--insecure-storage) instead of the OS keychain. */
  insecureStorage: boolean;
  /** A store of the same kind as `store` under a throwaway service, for a round trip that leaves Docker's items alone. */
  scratchStore: () => CredentialStore;
}

/** The keychain service of doctor's throwaway round-trip item: neither Docker's nor the session's. */
export const DOCTOR_SERVICE = "hubpat-doctor";

/** What the keychain is called where @napi-rs/keyring finds it. */
const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: "Secret Service (GNOME Keyring, KWallet, KeePassXC)",
  darwin: "macOS Keychain",
  win32: "Windows Credential Manager",
};

/** Global flags, parsed by program.ts. */
export interface GlobalOptions {
  hubUrl: string;
  quiet: boolean;
  color: boolean;
  debug: boolean;
  /** `--insecure-storage` (true) or `--no-insecure-storage` (false); undefined when neither was given. */
  insecureStorage?: boolean;
}

/** The process the CLI runs in: streams and environment, passed in so nothing here reads globals. */
export interface ProcessLike {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** The IOStreams of a real process with the global flags applied. */
export function processIO(proc: ProcessLike, globals: Pick<GlobalOptions, "quiet" | "color" | "debug">): IOStreams {
  return new IOStreams({
    in: proc.stdin,
    out: proc.stdout,
    err: proc.stderr,
    isStdinTTY: proc.stdin.isTTY === true,
    isStdoutTTY: proc.stdout.isTTY === true,
    isStderrTTY: proc.stderr.isTTY === true,
    env: proc.env,
    noColor: !globals.color,
    quiet: globals.quiet,
    debug: globals.debug,
  });
}

/** Production wiring: the OS keychain, settings in the user's config dir, the HubClient over undici. */
export async function productionDeps(proc: ProcessLike, globals: GlobalOptions): Promise<Deps> {
  const io = processIO(proc, globals);
  const { KeychainStore, HELPER_SERVICE, timeoutsFromEnv } = await import("../store/keychain.js");
  const { configDir, credentialsPath, FileStore, insecureStorageFromEnv, insecureStorageWarning } = await import("../store/file.js");
  const { openConfig } = await import("./config.js");
  const { inquirerPrompter } = await import("./prompter.js");
  const timeouts = timeoutsFromEnv(proc.env);
  const config = await openConfig(configDir(proc.env));
  const secretsFile = credentialsPath(proc.env);
  // Insecure storage only when asked for: the flag (remembered, so the helper follows), else the environment,
  // else the remembered choice. A keychain that fails is an error, never a reason to use the file.
  if (globals.insecureStorage !== undefined && globals.insecureStorage !== (config.insecureStorage() ?? false)) {
    config.setInsecureStorage(globals.insecureStorage);
    io.info(globals.insecureStorage
      ? `From now on hubpat (hub-tokens and docker-credential-hubpat) keeps secrets in ${secretsFile}; undo with: hub-tokens --no-insecure-storage status`
      : `From now on hubpat keeps secrets in the OS keychain; ${secretsFile} keeps what it held until you delete it`);
  }
  const insecure = globals.insecureStorage ?? insecureStorageFromEnv(proc.env) ?? config.insecureStorage() === true;
  if (insecure) io.warn(insecureStorageWarning(secretsFile));
  const deps: Deps = {
    io,
    clock: () => new Date(),
    hubUrl: globals.hubUrl,
    store: insecure ? new FileStore(secretsFile, HELPER_SERVICE) : new KeychainStore({ service: HELPER_SERVICE, ...timeouts }),
    sessions: insecure ? new FileStore(secretsFile, SESSION_SERVICE) : new KeychainStore({ service: SESSION_SERVICE, ...timeouts }),
    storeDescription: insecure
      ? `${secretsFile}, unencrypted (insecure storage), not the OS keychain`
      : `${KEYCHAIN_NAMES[process.platform] ?? "the OS keychain"}, services "${HELPER_SERVICE}" (Docker's) and "${SESSION_SERVICE}" (the Hub session)`,
    connect: async (session) => {
      io.debug(`hub ${globals.hubUrl}, ${session ? "with the stored session" : "no session"}`);
      const { HubClient } = await import("../hub/client.js");
      return new HubClient({ baseUrl: globals.hubUrl, ...(session ? { session } : {}), debug: (line) => io.debug(line), warn: (line) => io.warn(line) });
    },
    hub: (session) => loggedInHub(deps, session),
    prompter: inquirerPrompter(proc.stdin, proc.stderr),
    config,
    dockerConfigPath: join(proc.env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json"),
    host: {
      env: proc.env,
      platform: process.platform,
      insecureStorage: insecure,
      scratchStore: () => (insecure ? new FileStore(secretsFile, DOCTOR_SERVICE) : new KeychainStore({ service: DOCTOR_SERVICE, ...timeouts })),
    },
  };
  return deps;
}
