// What a command may use, built lazily as cli/cli's Factory does: a command that never talks to the Hub never
// loads undici, and one that never asks never loads @inquirer. Tests build Deps by hand (test/fakes/deps.ts).
import { homedir } from "node:os";
import { dockerConfigPath } from "../docker/config.js";
import type { Hub } from "../hub/types.js";
import type { CheckableStore, CredentialStore, StoreKind, StoreProblem } from "../store/store.js";
import type { Config } from "./config.js";
import type { OutputFormat } from "./format.js";
import { IOStreams } from "./io.js";
import type { Prompter } from "./prompter.js";
import type { OAuthClient } from "../hub/oauth.js";
import type { Browser } from "./browser.js";
import { loggedInHub, SESSION_SERVICE, type DockerSessionReader, type Session } from "./session.js";

/** The Docker Hub server key Docker stores its credentials under (see src/helper/credential-helper-protocol.md). */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

import { isLoopbackHost } from "../hub/url.js";

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
  /** The kind of store both hold their secrets in (src/store/choice.ts). */
  storeKind: StoreKind;
  /**
   * Whether the store takes a secret (a throwaway item written, read back and erased): null when it does, else the
   * problem and its fix. Commands that will store a secret ask this before asking for a password or creating a token.
   */
  checkStore: () => Promise<StoreProblem | null>;
  /** `--account NAME` / HUBPAT_ACCOUNT: the account a command works as (default: settings, or the only one). */
  account?: string;
  /** The OAuth tenant's client for web sign-in and refresh (`--auth-url`); absent in tests that don't sign in. */
  oauth?: () => Promise<OAuthClient>;
  /** Opens the web sign-in page; resolves null when no browser can show it here (SSH, a server). */
  browser?: () => Promise<Browser | null>;
  /** Docker's own web session, read and written through the store Docker uses for Docker Hub. */
  dockerSession?: () => Promise<DockerSessionReader>;
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
  /** Keeps the last list's ids and labels for shell completion (never read on a request path); absent in tests. */
  tokenCache?: (tokens: readonly { id: string; label: string }[]) => Promise<void>;
  /** What `doctor` inspects about this machine; absent in tests that don't need it. */
  host?: HostInfo;
}

/** The machine as `doctor` sees it, passed in so the command reads no globals. */
export interface HostInfo {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Whether secrets go to the plain file (--insecure-storage, store "file") instead of the OS keychain. */
  insecureStorage: boolean;
  /** A store of the same kind as `store` under a throwaway service, for a round trip that leaves Docker's items alone. */
  scratchStore: () => CredentialStore | CheckableStore;
  /** The store in use (default: keychain, or file when insecureStorage), and what chose it, in words. */
  storeKind?: StoreKind;
  storeChosenBy?: string;
}

export { DOCTOR_SERVICE } from "../store/choice.js";

/** Global flags, parsed by program.ts. */
export interface GlobalOptions {
  hubUrl: string;
  quiet: boolean;
  color: boolean;
  debug: boolean;
  /** `--insecure-storage` (true) or `--no-insecure-storage` (false); undefined when neither was given. */
  insecureStorage?: boolean;
  /** The command's `--format` (or `--json`), when given. */
  format?: OutputFormat;
  /** `--account` / HUBPAT_ACCOUNT. */
  account?: string;
  /** The OAuth tenant: `--auth-url` / HUBPAT_AUTH_URL, else the emulator's Hub URL on loopback, else Docker's. */
  authUrl?: string;
}

/** The process the CLI runs in: streams and environment, passed in so nothing here reads globals. */
export interface ProcessLike {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** The IOStreams of a real process with the global flags applied. */
export function processIO(proc: ProcessLike, globals: Pick<GlobalOptions, "quiet" | "color" | "debug" | "format">): IOStreams {
  // COLUMNS wins, as for ls and gh: tests and `COLUMNS=200 hub-tokens list` pick a width.
  const columns = Number(proc.env.COLUMNS) > 0 ? Number(proc.env.COLUMNS) : proc.stdout.columns;
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
    ...(globals.format ? { format: globals.format } : {}),
    ...(columns ? { width: columns } : {}),
  });
}

/** Production wiring: the OS keychain, settings in the user's config dir, the HubClient over undici. */
export async function productionDeps(proc: ProcessLike, globals: GlobalOptions): Promise<Deps> {
  const io = processIO(proc, globals);
  const { HELPER_SERVICE } = await import("../store/keychain.js");
  const { chooseStore, DOCTOR_SERVICE, openStore } = await import("../store/choice.js");
  const { configDir, credentialsPath, insecureStorageWarning } = await import("../store/file.js");
  const { openConfig } = await import("./config.js");
  const { inquirerPrompter } = await import("./prompter.js");
  const config = await openConfig(configDir(proc.env));
  const secretsFile = credentialsPath(proc.env);
  // --insecure-storage is `setup --store file` by another name, remembered so the helper follows;
  // --no-insecure-storage goes back to the keychain. A store that fails is an error, never a reason to use another.
  if (globals.insecureStorage !== undefined && globals.insecureStorage !== (config.store() === "file" || (config.store() === undefined && config.insecureStorage() === true))) {
    config.setStore(globals.insecureStorage ? "file" : "keychain");
    io.info(globals.insecureStorage
      ? `From now on hubpat (hub-tokens and docker-credential-hubpat) keeps secrets in ${secretsFile}; undo with: hub-tokens --no-insecure-storage status`
      : `From now on hubpat keeps secrets in the OS keychain; ${secretsFile} keeps what it held until you delete it`);
  }
  const choice = globals.insecureStorage === undefined ? chooseStore(proc.env) : undefined;
  const kind: StoreKind = globals.insecureStorage === true ? "file" : globals.insecureStorage === false ? "keychain" : choice!.kind;
  const chosenBy = !choice ? "--insecure-storage" : CHOSEN_BY[choice.source];
  if (kind === "file") io.warn(insecureStorageWarning(secretsFile));
  const store = await openStore(kind, HELPER_SERVICE, proc.env);
  const sessions = await openStore(kind, SESSION_SERVICE, proc.env);
  const scratch = await openStore(kind, DOCTOR_SERVICE, proc.env);
  const deps: Deps = {
    io,
    clock: () => new Date(),
    hubUrl: globals.hubUrl,
    store,
    sessions,
    storeDescription: describeStores(store, sessions),
    storeKind: kind,
    checkStore: () => store.check(),
    connect: async (session) => {
      io.debug(`hub ${globals.hubUrl}, ${session ? "with the stored session" : "no session"}`);
      const { HubClient } = await import("../hub/client.js");
      return new HubClient({ baseUrl: globals.hubUrl, ...(session ? { session } : {}), debug: (line) => io.debug(line), warn: (line) => io.warn(line) });
    },
    hub: (session) => loggedInHub(deps, session),
    ...(globals.account !== undefined ? { account: globals.account } : {}),
    oauth: async () => {
      const { OAuthClient } = await import("../hub/oauth.js");
      const clientId = proc.env.HUBPAT_OAUTH_CLIENT_ID || undefined;
      // The emulator answers the tenant's routes on its Hub port: --hub-url alone is enough there.
      const authUrl = globals.authUrl ?? (isLoopbackHost(new URL(globals.hubUrl).hostname) ? globals.hubUrl : undefined);
      return new OAuthClient({ ...(authUrl ? { authUrl } : {}), ...(clientId ? { clientId } : {}), debug: (line) => io.debug(line) });
    },
    browser: async () => (await import("./browser.js")).findBrowser(proc.env, process.platform),
    dockerSession: async () => (await import("../docker/web-session.js")).openDockerSession(deps.dockerConfigPath, proc.env, deps.store),
    prompter: inquirerPrompter(proc.stdin, proc.stderr),
    config,
    dockerConfigPath: dockerConfigPath(proc.env),
    tokenCache: async (tokens) => {
      const { tokenCachePath, writeTokenCache } = await import("./completion.js");
      // Completion is a convenience: a cache that can't be written is never a reason to fail a list.
      await writeTokenCache(tokenCachePath(proc.env, homedir()), tokens).catch((err: unknown) => io.debug(`completion cache not written: ${String(err)}`));
    },
    host: {
      env: proc.env,
      platform: process.platform,
      insecureStorage: kind === "file",
      scratchStore: () => scratch,
      storeKind: kind,
      storeChosenBy: chosenBy,
    },
  };
  return deps;
}

/** What chose the store, in words, for doctor. */
const CHOSEN_BY: Record<"HUBPAT_STORE" | "HUBPAT_INSECURE_STORAGE" | "settings" | "default", string> = {
  HUBPAT_STORE: "chosen with HUBPAT_STORE",
  HUBPAT_INSECURE_STORAGE: "chosen with HUBPAT_INSECURE_STORAGE",
  settings: "chosen with hub-tokens setup --store",
  default: "the default",
};

/** "pass store: Docker's credentials in …; the Hub session in …": where each secret lives, for status and doctor. */
export function describeStores(store: Pick<CheckableStore, "describe" | "kind">, sessions: Pick<CheckableStore, "describe">): string {
  return `${store.kind} store: Docker's credentials in ${store.describe()}; the Hub session in ${sessions.describe()}`;
}
