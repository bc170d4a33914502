// The OAuth tenant Docker CLI signs in with (login.docker.com, an Auth0 tenant), as far as hubpat relies on it:
// the device-code grant (RFC 8628) with its approval step, the refresh grant with rotating refresh tokens and
// reuse detection, and revocation. Behaviour: src/hub/contract/CONTRACT.md "Web sign-in (OAuth device code)".
// Approval happens where a person would do it, on a small sign-in page (`GET /activate?user_code=…`), or through
// a control route (`POST /emulator/device/approve`) and `Emulator.approveDevice` for tests and the demo.
import { randomBytes, randomInt } from "node:crypto";
import { checkTotp } from "./totp.js";
import type { EmulatorState } from "./state.js";

/** Docker CLI's public client id (docker/cli internal/oauth/manager/util.go): the tenant knows it. */
export const DOCKER_CLI_CLIENT_ID = "L4v0dmlNBpYUjGGab0C2JtgTgXr1Qz4d";
/** The audience Docker CLI asks for: the Hub. */
export const HUB_AUDIENCE = "https://hub.docker.com";

export interface TenantOptions {
  /** Client ids the tenant accepts (default: Docker CLI's). */
  clients?: string[];
  /** Seconds a client must wait between polls, as the device-code answer says (default 5; tests use less). */
  interval?: number;
  /** How long a device code may be polled (default 900 s, Auth0's). */
  deviceCodeTtlSeconds?: number;
  /** Lifetime of an access token (default 3600 s). */
  accessTokenTtlSeconds?: number;
}

/** A device code waiting for a person, or approved or denied by one. */
export interface DeviceGrant {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  expiresAtMs: number;
  /** Set on approval: whose session it becomes. */
  approvedFor?: string;
  denied?: boolean;
  /** A device code is exchanged once. */
  redeemed?: boolean;
}

/** A refresh token the tenant issued; `family` ties it to the sign-in it came from (reuse revokes the family). */
interface RefreshToken {
  username: string;
  clientId: string;
  family: string;
  /** Replaced by a newer one (rotation): using it again is reuse. */
  rotated: boolean;
  revoked: boolean;
}

export interface TenantReply {
  status: number;
  body?: unknown;
  /** An HTML page instead of JSON. */
  html?: string;
}

const oauthError = (status: number, error: string, description: string): TenantReply => ({ status, body: { error, error_description: description } });

/** The tenant's routes and state; `route` answers undefined for a path it does not have. */
export function createTenant(state: EmulatorState, options: TenantOptions = {}) {
  const clients = new Set(options.clients ?? [DOCKER_CLI_CLIENT_ID]);
  const interval = options.interval ?? 5;
  const deviceTtlMs = (options.deviceCodeTtlSeconds ?? 900) * 1000;
  const accessTtlMs = (options.accessTokenTtlSeconds ?? 3600) * 1000;
  const grants = new Map<string, DeviceGrant>();
  const refreshTokens = new Map<string, RefreshToken>();
  let tenantUrl = "";

  const byUserCode = (code: string): DeviceGrant | undefined => {
    const want = code.trim().toUpperCase().replace(/[^A-Z]/g, "");
    return [...grants.values()].find((g) => g.userCode.replace("-", "") === want);
  };

  /** Access, id and refresh tokens for a person, as the token endpoint answers on success. */
  function issue(username: string, clientId: string, scope: string, nowMs: number, family: string): Record<string, unknown> {
    const user = state.users.get(username);
    const session = state.newSession(username, "oauth", nowMs, accessTtlMs, {
      "https://hub.docker.com": { uuid: user?.uuid ?? "", email: user?.email ?? `${username}@example.com`, username, source: `docker_user|${user?.uuid ?? ""}`, session_id: family },
      scope,
      aud: [HUB_AUDIENCE],
      azp: clientId,
    });
    const refresh = randomBytes(32).toString("base64url");
    refreshTokens.set(refresh, { username, clientId, family, rotated: false, revoked: false });
    const idToken = state.mintJwt({ sub: username, name: username, email: user?.email ?? `${username}@example.com`, aud: clientId, iat: Math.floor(nowMs / 1000), exp: Math.floor((nowMs + accessTtlMs) / 1000) });
    state.save();
    return { access_token: session.jwt, id_token: idToken, refresh_token: refresh, scope, expires_in: Math.round(accessTtlMs / 1000), token_type: "Bearer" };
  }

  function deviceCode(form: Record<string, string>, nowMs: number): TenantReply {
    const clientId = form.client_id ?? "";
    if (!clients.has(clientId)) return oauthError(401, "unauthorized_client", "Unauthorized or unknown client");
    if (form.audience !== HUB_AUDIENCE) return oauthError(403, "access_denied", `Service not found: ${form.audience ?? ""}`);
    const letters = "BCDFGHJKLMNPQRSTVWXZ"; // Auth0 codes: consonants, two groups of four
    const pick = () => Array.from({ length: 4 }, () => letters[randomInt(letters.length)]).join("");
    const grant: DeviceGrant = { deviceCode: randomBytes(24).toString("base64url"), userCode: `${pick()}-${pick()}`, clientId, scope: form.scope ?? "", expiresAtMs: nowMs + deviceTtlMs };
    grants.set(grant.deviceCode, grant);
    return {
      status: 200,
      body: {
        device_code: grant.deviceCode,
        user_code: grant.userCode,
        verification_uri: `${tenantUrl}/activate`,
        verification_uri_complete: `${tenantUrl}/activate?user_code=${grant.userCode}`,
        expires_in: Math.round(deviceTtlMs / 1000),
        interval,
      },
    };
  }

  function token(form: Record<string, string>, nowMs: number): TenantReply {
    const clientId = form.client_id ?? "";
    if (!clients.has(clientId)) return oauthError(401, "unauthorized_client", "Unauthorized or unknown client");
    if (form.grant_type === "urn:ietf:params:oauth:grant-type:device_code") {
      const grant = grants.get(form.device_code ?? "");
      if (!grant || grant.clientId !== clientId || grant.redeemed) return oauthError(403, "invalid_grant", "Invalid or expired device code.");
      if (grant.expiresAtMs <= nowMs) return oauthError(403, "expired_token", "The device code has expired.");
      if (grant.denied) return oauthError(403, "access_denied", "User cancelled the confirmation prompt or consent page.");
      if (!grant.approvedFor) return oauthError(403, "authorization_pending", "User has yet to authorize device code.");
      grant.redeemed = true;
      return { status: 200, body: issue(grant.approvedFor, clientId, grant.scope, nowMs, randomBytes(12).toString("hex")) };
    }
    if (form.grant_type === "refresh_token") {
      const old = refreshTokens.get(form.refresh_token ?? "");
      if (!old || old.revoked || old.clientId !== clientId) return oauthError(403, "invalid_grant", "Unknown or invalid refresh token.");
      if (old.rotated) {
        // Reuse of a rotated refresh token: Auth0's reuse detection revokes every token of that sign-in.
        for (const t of refreshTokens.values()) if (t.family === old.family) t.revoked = true;
        return oauthError(403, "invalid_grant", "Unknown or invalid refresh token.");
      }
      old.rotated = true;
      const scope = "openid offline_access";
      return { status: 200, body: issue(old.username, clientId, scope, nowMs, old.family) };
    }
    return oauthError(400, "unsupported_grant_type", `Unsupported grant type: ${form.grant_type ?? ""}`);
  }

  function revoke(form: Record<string, string>): TenantReply {
    if (!clients.has(form.client_id ?? "")) return oauthError(401, "unauthorized_client", "Unauthorized or unknown client");
    const t = refreshTokens.get(form.token ?? "");
    // RFC 7009: an unknown token is not an error. A revoked refresh token takes its whole sign-in with it.
    if (t) for (const other of refreshTokens.values()) if (other.family === t.family) other.revoked = true;
    return { status: 200 };
  }

  /** Approves (or denies) the sign-in waiting under `userCode` for `username`; false when no such code waits. */
  function decide(userCode: string, username: string | undefined, approve: boolean, nowMs: number): boolean {
    const grant = byUserCode(userCode);
    if (!grant || grant.expiresAtMs <= nowMs || grant.redeemed || grant.approvedFor || grant.denied) return false;
    if (approve) {
      if (!username || !state.users.has(username)) return false;
      grant.approvedFor = username;
    } else grant.denied = true;
    return true;
  }

  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const page = (title: string, inner: string): string =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>` +
    `<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto}input,button{font-size:1rem;margin:.3rem 0;width:100%}</style>` +
    `</head><body><h1>${escape(title)}</h1>${inner}<p><small>hubpat's Docker Hub emulator: an offline stand-in for login.docker.com</small></p></body></html>`;

  /** The page a person opens from `verification_uri_complete`: confirm the code, sign in, approve or deny. */
  function activatePage(userCode: string, problem?: string): TenantReply {
    const form =
      `<form method="post" action="/activate">` +
      `<label>Device code<input name="user_code" value="${escape(userCode)}"></label>` +
      `<label>Username<input name="username" autocomplete="username"></label>` +
      `<label>Password<input name="password" type="password" autocomplete="current-password"></label>` +
      `<label>Two-factor code (if your account has 2FA)<input name="code" inputmode="numeric"></label>` +
      `<button name="action" value="approve">Confirm and sign in</button><button name="action" value="deny">Deny</button></form>`;
    return { status: problem ? 400 : 200, html: page("Device confirmation", `${problem ? `<p role="alert">${escape(problem)}</p>` : ""}${form}`) };
  }

  function activate(form: Record<string, string>, nowMs: number): TenantReply {
    const userCode = form.user_code ?? "";
    if (form.action === "deny") {
      return decide(userCode, undefined, false, nowMs) ? { status: 200, html: page("Denied", "<p>The device was not signed in. You can close this window.</p>") } : activatePage(userCode, "No sign-in is waiting for that code.");
    }
    const user = state.users.get(form.username ?? "");
    // The page stands in for the identity provider too: an SSO account signs in here as it would at its IdP.
    if (!user || user.password !== (form.password ?? "")) return activatePage(userCode, "Wrong username or password.");
    if (user.totp_secret && !checkTotp(user.totp_secret, (form.code ?? "").replace(/\D/g, ""), nowMs)) return activatePage(userCode, "Enter the current code from your authenticator app.");
    if (!decide(userCode, user.username, true, nowMs)) return activatePage(userCode, "No sign-in is waiting for that code: start again from the terminal.");
    return { status: 200, html: page("Device confirmed", `<p>Signed in as ${escape(user.username)}. You can close this window and go back to the terminal.</p>`) };
  }

  return {
    grants,
    setUrl: (url: string) => void (tenantUrl = url),
    decide,
    /** Tokens as a finished sign-in gives them, without the device dance: Docker's own web session in tests. */
    signIn: (username: string, clientId: string, nowMs: number) => issue(username, clientId, "openid offline_access", nowMs, randomBytes(12).toString("hex")),
    /** Whether a refresh token would still be honoured. */
    isLive: (refresh: string) => {
      const t = refreshTokens.get(refresh);
      return t !== undefined && !t.revoked && !t.rotated;
    },
    route(method: string, path: string, query: URLSearchParams, form: Record<string, string>, nowMs: number): TenantReply | undefined {
      if (method === "POST" && path === "/oauth/device/code") return deviceCode(form, nowMs);
      if (method === "POST" && path === "/oauth/token") return token(form, nowMs);
      if (method === "POST" && path === "/oauth/revoke") return revoke(form);
      if (method === "GET" && path === "/activate") return activatePage(query.get("user_code") ?? "");
      if (method === "POST" && path === "/activate") return activate(form, nowMs);
      if (method === "POST" && (path === "/emulator/device/approve" || path === "/emulator/device/deny")) {
        const ok = decide(form.user_code ?? "", form.username, path.endsWith("/approve"), nowMs);
        return ok ? { status: 200, body: { ok: true } } : { status: 404, body: { error: "not_found", error_description: "no sign-in waits for that user code (or no such user)" } };
      }
      return undefined;
    },
  };
}

export type Tenant = ReturnType<typeof createTenant>;
