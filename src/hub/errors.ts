// What can go wrong talking to Docker Hub, as typed errors the CLI reports in one place (src/errors.ts decides
// exit codes). Messages carry the Hub's own words where it gave some, and never a secret: no password, code,
// session or token value ever reaches a message.
import { AuthError, HubpatError } from "../errors.js";

/** How to get a session that manages tokens when a password won't do (SSO) or a PAT was given. */
export const WEB_LOGIN_ADVICE = "sign in with hub-tokens login --web";

/** The words the CLI shows when a PAT's session is used to manage tokens (CONTRACT "What a PAT may not do"). */
export const PAT_SESSION_MESSAGE = `personal access tokens can't manage tokens: log in with your password, or ${WEB_LOGIN_ADVICE}`;

/** Username/password or 2FA code refused at login. Exit 4 (not logged in), no "run login" hint: this was login. */
export class LoginError extends AuthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, hint: undefined });
  }
}

/** The Hub has no such token (or organization): 404. */
export class NotFoundError extends HubpatError {}

/** The Hub said no for a reason in its own words: 400 validation, 403, or an unexpected status. */
export class HubApiError extends HubpatError {
  constructor(message: string, readonly status: number, options?: { cause?: unknown; hint?: string }) {
    super(message, options);
  }
}

/** 429 that lasted longer than the client is willing to wait; `retryAt` says when the Hub lets calls through. */
export class RateLimitError extends HubpatError {
  constructor(readonly retryAt: Date | undefined, options?: { cause?: unknown }) {
    super(
      retryAt
        ? `Docker Hub's rate limit was reached: try again after ${retryAt.toISOString().slice(11, 19)} UTC`
        : "Docker Hub's rate limit was reached: wait a minute and try again",
      options,
    );
  }
}

/** The Hub could not be reached or kept failing (connection errors, timeouts, 5xx). */
export class HubUnavailableError extends HubpatError {
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The Hub's TLS certificate (or handshake) was refused: reported as such, never retried, never bypassed. */
export class TlsError extends HubUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
  }
}

/** The Hub answered something that isn't what the API describes (unparseable JSON, a missing field). */
export class UnexpectedResponseError extends HubpatError {}
