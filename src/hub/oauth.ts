// Web sign-in: the OAuth device-code flow Docker CLI 27+ uses for Docker Hub (docker/cli internal/oauth; facts in
// src/hub/contract/CONTRACT.md "Web sign-in"). Start a device sign-in, poll the token endpoint at the interval the
// tenant gives until the person approves (or the code expires), refresh with the client id the refresh token was
// issued to, revoke on logout. Form bodies in, JSON out; the same TLS rules as the Hub client.
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { AuthError, CancelError, HubpatError } from "../errors.js";
import { VERSION } from "../version.js";
import { HubUnavailableError, UnexpectedResponseError } from "./errors.js";
import { Agent } from "./undici.js";
import { checkHubUrl, jwtExpiry } from "./url.js";

import { DEFAULT_AUTH_URL, DOCKER_CLI_CLIENT_ID, HUB_AUDIENCE, OAUTH_SCOPES } from "./oauth-defaults.js";

export { DEFAULT_AUTH_URL, DOCKER_CLI_CLIENT_ID, HUB_AUDIENCE, OAUTH_SCOPES };

/** A device sign-in waiting for the person: what to show them, and how to poll. */
export interface DeviceSignIn {
  deviceCode: string;
  /** The one-time code the person confirms in the browser ("BCDF-GHJK"). */
  userCode: string;
  /** The page to open, with the code filled in. */
  verificationUrl: string;
  /** When polling stops: the code is no longer good after this. */
  expiresAt: Date;
  /** Seconds between polls, as the tenant asked. */
  intervalSeconds: number;
}

/** What a finished sign-in or refresh gives: a Hub bearer and, usually, a refresh token. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent when the tenant did not rotate it (keep the old one). */
  refreshToken?: string;
  /** From the access token's `exp`, else expires_in. */
  expiresAt?: Date;
  /** The Hub username in the access token's claims. */
  username?: string;
}

/** The web sign-in failed in a way the person can act on. */
export class WebSignInError extends HubpatError {}

export interface OAuthClientOptions {
  /** The tenant's base URL (https, or http on loopback: the emulator). */
  authUrl?: string;
  clientId?: string;
  dispatcher?: Dispatcher;
  /** Aborts polling and requests: Ctrl-C. */
  signal?: AbortSignal;
  /** The clock polling deadlines are read against (default Date.now). */
  now?: () => number;
  debug?: (line: string) => void;
}

/** The Hub username in an access token's `https://hub.docker.com` claims (read without verifying, as Docker does). */
export function accessTokenUsername(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const hub = claims["https://hub.docker.com"];
    const name = typeof hub === "object" && hub !== null ? (hub as Record<string, unknown>).username : undefined;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

interface FormAnswer {
  status: number;
  json: Record<string, unknown>;
}

export class OAuthClient {
  readonly authUrl: URL;
  readonly clientId: string;
  private readonly dispatcher: Dispatcher;
  private readonly now: () => number;

  constructor(private readonly cfg: OAuthClientOptions = {}) {
    this.authUrl = checkHubUrl(cfg.authUrl ?? DEFAULT_AUTH_URL, "sign-in (OAuth) URL");
    this.clientId = cfg.clientId ?? DOCKER_CLI_CLIENT_ID;
    this.dispatcher = cfg.dispatcher ?? new Agent({ connect: { timeout: 10_000, rejectUnauthorized: true } });
    this.now = cfg.now ?? Date.now;
  }

  /** Starts a device sign-in (`POST /oauth/device/code`). */
  async startDeviceSignIn(): Promise<DeviceSignIn> {
    const a = await this.post("/oauth/device/code", { client_id: this.clientId, audience: HUB_AUDIENCE, scope: OAUTH_SCOPES });
    if (a.status !== 200) throw this.refusal(a, "start a web sign-in");
    const s = (k: string) => (typeof a.json[k] === "string" && a.json[k] !== "" ? (a.json[k] as string) : undefined);
    const n = (k: string) => (typeof a.json[k] === "number" ? (a.json[k] as number) : undefined);
    const deviceCode = s("device_code"), userCode = s("user_code"), url = s("verification_uri_complete") ?? s("verification_uri");
    if (!deviceCode || !userCode || !url) throw new UnexpectedResponseError("the sign-in service's answer had no device code, user code or URL");
    return { deviceCode, userCode, verificationUrl: url, expiresAt: new Date(this.now() + (n("expires_in") ?? 900) * 1000), intervalSeconds: n("interval") ?? 5 };
  }

  /**
   * Polls `POST /oauth/token` every interval until the person approves: `authorization_pending` means keep going,
   * `slow_down` adds 5 s (RFC 8628 3.5). Stops at the code's expiry, on a denial, or when `signal` aborts.
   */
  async waitForApproval(signIn: DeviceSignIn, onPoll?: () => void): Promise<OAuthTokens> {
    let interval = signIn.intervalSeconds;
    let blips = 0;
    for (;;) {
      const left = signIn.expiresAt.getTime() - this.now();
      if (left <= 0) throw new WebSignInError("the sign-in code expired before it was approved: run hub-tokens login --web again");
      await this.pause(Math.min(interval * 1000, left));
      onPoll?.();
      let a: FormAnswer;
      try {
        a = await this.post("/oauth/token", { client_id: this.clientId, grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: signIn.deviceCode });
        blips = 0;
      } catch (err) {
        // A dropped connection over a flaky link is no reason to give up a sign-in the person may be finishing.
        if (err instanceof HubUnavailableError && ++blips <= 3) continue;
        throw err;
      }
      if (a.status === 200) return this.tokens(a);
      const error = a.json.error;
      if (error === "authorization_pending") continue;
      if (error === "slow_down") {
        interval += 5;
        continue;
      }
      if (error === "access_denied") throw new WebSignInError("the sign-in was denied in the browser: run hub-tokens login --web to try again");
      if (error === "expired_token") throw new WebSignInError("the sign-in code expired before it was approved: run hub-tokens login --web again");
      throw this.refusal(a, "finish the web sign-in");
    }
  }

  /**
   * Redeems a refresh token (`grant_type=refresh_token`) with the client id it was issued to. The answer may carry
   * a new refresh token (rotation): the caller must keep it, the old one stops working.
   */
  async refresh(refreshToken: string, clientId = this.clientId): Promise<OAuthTokens> {
    const a = await this.post("/oauth/token", { grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken });
    if (a.status === 200) return this.tokens(a);
    if (a.json.error === "invalid_grant" || a.status === 401 || a.status === 403) {
      throw new AuthError("the web session ended: its refresh token was revoked or replaced", { hint: "run: hub-tokens login --web" });
    }
    throw this.refusal(a, "refresh the web session");
  }

  /** Revokes a refresh token (`POST /oauth/revoke`): the sign-in it came from ends. */
  async revoke(refreshToken: string, clientId = this.clientId): Promise<void> {
    const a = await this.post("/oauth/revoke", { client_id: clientId, token: refreshToken });
    if (a.status !== 200) throw this.refusal(a, "revoke the web session");
  }

  private tokens(a: FormAnswer): OAuthTokens {
    const access = a.json.access_token;
    if (typeof access !== "string" || access === "") throw new UnexpectedResponseError("the sign-in service's answer had no access token");
    const refresh = typeof a.json.refresh_token === "string" && a.json.refresh_token !== "" ? a.json.refresh_token : undefined;
    const expiresIn = typeof a.json.expires_in === "number" ? a.json.expires_in : undefined;
    const expiresAt = jwtExpiry(access) ?? (expiresIn !== undefined ? new Date(this.now() + expiresIn * 1000) : undefined);
    const username = accessTokenUsername(access);
    return { accessToken: access, ...(refresh ? { refreshToken: refresh } : {}), ...(expiresAt ? { expiresAt } : {}), ...(username ? { username } : {}) };
  }

  /** The tenant said no: its error_description (Docker CLI shows that too), never a token. */
  private refusal(a: FormAnswer, what: string): HubpatError {
    const said = typeof a.json.error_description === "string" ? a.json.error_description : typeof a.json.error === "string" ? a.json.error : `HTTP ${a.status}`;
    if (a.json.error === "unauthorized_client") {
      return new WebSignInError(`the sign-in service at ${this.authUrl.host} does not accept hubpat's client id (${said})`, { hint: "set HUBPAT_OAUTH_CLIENT_ID to a client id it knows" });
    }
    if (a.status >= 500) return new HubUnavailableError(`the sign-in service at ${this.authUrl.host} is unavailable (HTTP ${a.status}): try again later`, a.status);
    return new WebSignInError(`could not ${what}: the sign-in service said "${said}"`);
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, this.cfg.signal ? { signal: this.cfg.signal } : undefined);
    } catch {
      throw new CancelError("cancelled");
    }
  }

  private async post(path: string, form: Record<string, string>): Promise<FormAnswer> {
    const url = new URL(path, this.authUrl);
    if (this.cfg.signal?.aborted) throw new CancelError("cancelled");
    this.cfg.debug?.(`→ POST ${url.origin}${url.pathname}`);
    let status: number, text: string;
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", "user-agent": `hubpat/${VERSION}` },
        body: new URLSearchParams(form).toString(),
        signal: this.cfg.signal,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (this.cfg.signal?.aborted) throw new CancelError("cancelled", { cause: err });
      const code = (err as { code?: string }).code ?? "network error";
      throw new HubUnavailableError(`can't reach the sign-in service at ${url.host} (${code}): check your network and try again`, undefined, { cause: err });
    }
    this.cfg.debug?.(`← ${status} POST ${url.origin}${url.pathname}`);
    let json: unknown = {};
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        if (status >= 500) json = {};
        else throw new UnexpectedResponseError(`the sign-in service's answer to ${url.pathname} was not JSON (HTTP ${status})`);
      }
    }
    return { status, json: typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {} };
  }
}
