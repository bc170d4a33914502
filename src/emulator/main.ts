// `npm run emulator`: an offline Docker Hub for demos and for `hub-tokens --hub-url`. Prints its URLs and a demo
// account with 2FA, then the account's current 2FA code whenever it changes. State lives in a file (default
// hubpat-emulator.json in the temp dir; --state or HUBPAT_EMULATOR_STATE overrides, --reset starts afresh) so a
// demo survives restarts without littering the work tree.
// Fixed ports by default (7474 Hub, 7475 token service; --port/--registry-port, 0 = any) so a stored session
// keyed by the Hub URL stays valid across restarts.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startEmulator } from "./server.js";
import { DEMO_TOTP_SECRET } from "./totp.js";

/** The demo account `npm run emulator` creates on first start. */
export const DEMO_USER = { username: "demo", password: "demo-password", totpSecret: DEMO_TOTP_SECRET };
/** A second account whose organization enforces SSO: password login is refused, web sign-in works. */
export const SSO_USER = { username: "demo-sso", password: "demo-password", ssoEnforced: true };

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const USAGE = `usage: npm run emulator -- [--port N] [--registry-port N] [--state FILE] [--reset]
  An offline Docker Hub for hub-tokens --hub-url: a demo account with 2FA, its 2FA code printed as it changes.
  --port N           the Hub API's port (default 7474; 0 = any free port; or HUBPAT_EMULATOR_PORT)
  --registry-port N  the registry token service's port (default 7475; or HUBPAT_EMULATOR_REGISTRY_PORT)
  --auth-port N      the OAuth tenant's port, for web sign-in (default 7476; or HUBPAT_EMULATOR_AUTH_PORT)
  --state FILE       where accounts and tokens are kept between runs (default $TMPDIR/hubpat-emulator.json)
  --reset            start from a fresh state
  --no-sample-tokens the demo account starts with no tokens (npm run demo: it lists only what it made)
`;

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const stateFile = resolve(flag("--state") ?? process.env.HUBPAT_EMULATOR_STATE ?? join(tmpdir(), "hubpat-emulator.json"));
  if (process.argv.includes("--reset")) rmSync(stateFile, { force: true });
  const emulator = await startEmulator({
    port: Number(flag("--port") ?? process.env.HUBPAT_EMULATOR_PORT ?? 7474),
    registryPort: Number(flag("--registry-port") ?? process.env.HUBPAT_EMULATOR_REGISTRY_PORT ?? 7475),
    authPort: Number(flag("--auth-port") ?? process.env.HUBPAT_EMULATOR_AUTH_PORT ?? 7476),
    stateFile,
    users: [
      { ...DEMO_USER, tokens: process.argv.includes("--no-sample-tokens") ? [] : [{ label: "laptop", scopes: ["repo:admin"] }, { label: "ci", scopes: ["repo:read"], isActive: false }] },
      { ...SSO_USER },
    ],
    orgs: [{ name: "demo-org", owners: [DEMO_USER.username] }],
    rateLimit: { limit: 180, windowSeconds: 60 },
    record: false, // a long demo would otherwise keep every exchange in memory
  });
  const out = process.stdout;
  out.write(`hubpat Docker Hub emulator\n`);
  out.write(`  Hub API:        ${emulator.url}\n`);
  out.write(`  token service:  ${emulator.tokenServiceUrl} (also ${emulator.url}/token)\n`);
  out.write(`  state file:     ${stateFile} (--reset to start afresh)\n`);
  out.write(`  demo account:   ${DEMO_USER.username} / ${DEMO_USER.password} (2FA on; organization demo-org)\n`);
  out.write(`  2FA secret:     ${DEMO_TOTP_SECRET} (add it to an authenticator app, or use the codes below)\n`);
  out.write(`  SSO account:    ${SSO_USER.username} / ${SSO_USER.password} (SSO enforced: password login refused, use login --web)\n`);
  out.write(`  web sign-in:    ${emulator.authUrl} (also ${emulator.url}); the page a person opens: ${emulator.authUrl}/activate\n`);
  out.write(`  try:            hub-tokens --hub-url ${emulator.url} login -u ${DEMO_USER.username}\n`);
  out.write(`                  hub-tokens --hub-url ${emulator.url} login --web\n`);
  let last = "";
  const tick = () => {
    const code = emulator.currentCode(DEMO_USER.username);
    if (code !== last) out.write(`  2FA code now:   ${(last = code)}\n`);
  };
  tick();
  const timer = setInterval(tick, 1000);
  const stop = () => {
    clearInterval(timer);
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException & { port?: number };
  // The fixed default ports are taken by another emulator (or anything else): say which, and the way out.
  const message = e.code === "EADDRINUSE"
    ? `port ${e.port ?? "7474, 7475 or 7476"} is already in use (another emulator?): stop it, pick other ports with --port N --registry-port N --auth-port N, or use --port 0 --registry-port 0 --auth-port 0 for any free ones`
    : err instanceof Error ? err.message : String(err);
  process.stderr.write(`hubpat emulator: ${message}\n`);
  process.exit(1);
});
