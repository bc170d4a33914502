// Docker's own web session (`docker login` with web-based sign-in, Docker CLI 27+), read and renewed where Docker
// keeps it. docker/cli internal/oauth/manager stores the OAuth access token under
// `https://index.docker.io/v1/access-token` (Username = the account) and the refresh token under
// `https://index.docker.io/v1/refresh-token` as `<refresh token>..<client id>`, in the store config.json names
// for Docker Hub (credHelpers for `https://index.docker.io/v1/`, else credsStore). When that store is hubpat's,
// the items are ours to read directly; for another helper we ask it over its protocol, as Docker would.
// hubpat renews the session with the client id stored beside it and writes any new refresh token back, so
// Docker's session keeps working; it never revokes it (Docker's `docker logout` does that).
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { HubpatError } from "../errors.js";
import type { CredentialStore, StoredCredential } from "../store/store.js";
import type { DockerSessionReader } from "../cli/session.js";
import { whichOnPath } from "./helper.js";
import { parseDockerConfig } from "./config.js";

/** Where Docker CLI keeps the web session's access token. */
export const DOCKER_ACCESS_TOKEN_KEY = "https://index.docker.io/v1/access-token";
/** ... and its refresh token, as `<token>..<client id>`. */
export const DOCKER_REFRESH_TOKEN_KEY = "https://index.docker.io/v1/refresh-token";
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** The credential helper config.json names for Docker Hub; null when Docker keeps credentials in the file itself. */
export async function dockerHubHelper(configPath: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch {
    return null;
  }
  try {
    // As Docker decodes it: repeated keys merged, field names in any case (go-json.ts).
    const cfg = parseDockerConfig(configPath, text).view;
    const named = cfg.credHelpers?.[DOCKER_HUB_KEY] ?? cfg.credsStore;
    return typeof named === "string" && named !== "" ? named : null;
  } catch {
    return null;
  }
}

/** A refresh token as Docker CLI stores it, split; null when it lacks the `..<client id>` Docker CLI adds. */
export function splitRefreshToken(stored: string): { token: string; clientId: string } | null {
  const parts = stored.split("..");
  return parts.length === 2 && parts[0] && parts[1] ? { token: parts[0], clientId: parts[1] } : null;
}

/** Reads and writes Docker's web session in `store` (hubpat's own, or another helper through HelperProcessStore). */
export function dockerSessionIn(store: CredentialStore, where: string): DockerSessionReader {
  return {
    where,
    async read() {
      const [access, refresh] = await Promise.all([store.get(DOCKER_ACCESS_TOKEN_KEY), store.get(DOCKER_REFRESH_TOKEN_KEY)]);
      if (!access || !refresh || !access.secret) return null;
      const split = splitRefreshToken(refresh.secret);
      if (!split) return null;
      return { username: access.username, accessToken: access.secret, refreshToken: split.token, clientId: split.clientId };
    },
    async write(username, accessToken, refreshToken, clientId) {
      // The refresh token first: if the access token's write failed, Docker still holds a refresh token that works.
      await store.set(DOCKER_REFRESH_TOKEN_KEY, { username, secret: `${refreshToken}..${clientId}` });
      await store.set(DOCKER_ACCESS_TOKEN_KEY, { username, secret: accessToken });
    },
  };
}

/** No web session can be read: Docker keeps its credentials in config.json itself. */
export function noDockerSession(where: string): DockerSessionReader {
  return {
    where,
    read: async () => null,
    write: async () => {
      throw new HubpatError(`docker keeps its credentials in ${where}, which hubpat does not write`, { hint: "run: hub-tokens setup" });
    },
  };
}

/** A helper's answer to one action. */
interface HelperAnswer {
  code: number;
  stdout: string;
}

/**
 * Another credential helper (`docker-credential-NAME`) as a CredentialStore, spoken to as Docker does: one process
 * per action, the input on stdin, the answer (or the error) on stdout (docker-credential-helpers client/client.go).
 */
export class HelperProcessStore implements CredentialStore {
  constructor(readonly name: string, private readonly env: Record<string, string | undefined>, private readonly timeoutMs = 30_000) {}

  get program(): string {
    return `docker-credential-${this.name}`;
  }

  async get(serverURL: string): Promise<StoredCredential | null> {
    const a = await this.run("get", serverURL);
    if (a.code !== 0) {
      if (/credentials not found/i.test(a.stdout)) return null;
      throw this.failed("get", a);
    }
    try {
      const c = JSON.parse(a.stdout) as { Username?: unknown; Secret?: unknown };
      return { username: typeof c.Username === "string" ? c.Username : "", secret: typeof c.Secret === "string" ? c.Secret : "" };
    } catch {
      throw new HubpatError(`${this.program} answered get with something that is not JSON`);
    }
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    const a = await this.run("store", JSON.stringify({ ServerURL: serverURL, Username: credential.username, Secret: credential.secret }));
    if (a.code !== 0) throw this.failed("store", a);
  }

  async delete(serverURL: string): Promise<boolean> {
    const a = await this.run("erase", serverURL);
    if (a.code !== 0 && !/credentials not found/i.test(a.stdout)) throw this.failed("erase", a);
    return a.code === 0;
  }

  async list(): Promise<Record<string, string>> {
    const a = await this.run("list", "");
    if (a.code !== 0) throw this.failed("list", a);
    try {
      return JSON.parse(a.stdout) as Record<string, string>;
    } catch {
      throw new HubpatError(`${this.program} answered list with something that is not JSON`);
    }
  }

  /** The helper's own words (one line; helpers never print secrets in errors). */
  private failed(action: string, a: HelperAnswer): HubpatError {
    const said = a.stdout.trim().split("\n")[0]?.slice(0, 200) ?? "";
    return new HubpatError(`${this.program} ${action} failed (exit ${a.code})${said ? `: ${said}` : ""}`);
  }

  private async run(action: string, input: string): Promise<HelperAnswer> {
    const path = await whichOnPath(this.program, this.env.PATH);
    if (!path) throw new HubpatError(`docker's credential helper ${this.program} is not on PATH, so hubpat can't read Docker's session`, { hint: `install it, or change "credsStore" in Docker's config.json` });
    return new Promise((resolve, reject) => {
      const child = spawn(path, [action], { env: this.env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "ignore"], timeout: this.timeoutMs });
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.on("error", (err) => reject(new HubpatError(`could not run ${this.program}: ${err.message}`, { cause: err })));
      child.on("close", (code, signal) => {
        if (signal) reject(new HubpatError(`${this.program} ${action} did not answer within ${this.timeoutMs / 1000} s`));
        else resolve({ code: code ?? 1, stdout });
      });
      child.stdin.end(input);
    });
  }
}

/**
 * Docker's web session for this machine: through hubpat's own store when config.json sends Docker Hub to hubpat,
 * through the named helper otherwise, and none when Docker keeps credentials in config.json.
 */
export async function openDockerSession(configPath: string, env: Record<string, string | undefined>, ownStore: CredentialStore): Promise<DockerSessionReader> {
  const helper = await dockerHubHelper(configPath);
  if (helper === "hubpat") return dockerSessionIn(ownStore, "hubpat's store");
  if (helper) return dockerSessionIn(new HelperProcessStore(helper, env), `docker-credential-${helper}`);
  return noDockerSession(configPath);
}
