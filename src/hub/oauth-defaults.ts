// The web sign-in's fixed facts (CONTRACT "Web sign-in"), apart from the OAuth client so the CLI's argument parsing
// can name the default tenant without loading undici.

/** Docker's OAuth tenant. */
export const DEFAULT_AUTH_URL = "https://login.docker.com";
/** The audience Docker CLI asks for: a Hub session. */
export const HUB_AUDIENCE = "https://hub.docker.com";
/** Docker CLI's scopes: an id token and a refresh token. */
export const OAUTH_SCOPES = "openid offline_access";
/**
 * Docker CLI's public client id (docker/cli internal/oauth/manager/util.go). hubpat signs in as this client
 * unless HUBPAT_OAUTH_CLIENT_ID names another: CONTRACT "Web sign-in" (hubpat's identity) says why, and hubpat's
 * User-Agent still names hubpat.
 */
export const DOCKER_CLI_CLIENT_ID = "L4v0dmlNBpYUjGGab0C2JtgTgXr1Qz4d";
