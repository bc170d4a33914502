// Hub facts the CLI needs before (or without) loading the HTTP client: the default URL, which URLs are allowed,
// and when a session ends. Kept free of undici so `hub-tokens status`, `--help` and friends stay fast.
import { UsageError } from "../errors.js";

/** The Hub `hub-tokens` talks to unless --hub-url or HUBPAT_HUB_URL says otherwise. */
export const DEFAULT_HUB_URL = "https://hub.docker.com";

/** 127.0.0.0/8, localhost and [::1]: the only hosts plain http may go to (the emulator). */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL's hostname is a loopback address. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** Checks a base URL: https, or http to a loopback host (the emulator). */
export function checkHubUrl(raw: string, what = "Docker Hub URL"): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`the ${what} ${JSON.stringify(raw)} is not a URL: give one like https://hub.docker.com`);
  }
  // A password in the URL would ride along in debug lines and errors; hubpat logs in with `login` only.
  if (url.username !== "" || url.password !== "") throw new UsageError(`the ${what} must not carry a username or password: give ${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname} and use hub-tokens login`);
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url;
  const fix = url.protocol === "http:" ? `use https://${url.host}${url.pathname === "/" ? "" : url.pathname}` : "give an https:// URL";
  throw new UsageError(`the ${what} ${url.protocol === "http:" ? url.origin : url.href} is not https: ${fix} (plain http is allowed only for a local emulator on a loopback address)`);
}

/** The expiry in a JWT's `exp` claim; undefined when absent or unreadable. Reads the payload only. */
export function jwtExpiry(jwt: string): Date | undefined {
  const payload = jwt.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const exp = typeof claims === "object" && claims !== null && "exp" in claims ? claims.exp : undefined;
    return typeof exp === "number" ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
