#!/usr/bin/env node
// `npm run demo`: a real hub-tokens session a person can watch, offline. Starts the Hub emulator (a demo account
// with 2FA), then runs the built `hub-tokens` and `docker-credential-hubpat` step by step, printing each command
// before it runs and checking that it did what it showed. Exit 0 only if every step did.
//
// Secrets: the OS keychain when a Secret Service is reachable and holds no Docker Hub credential of hubpat's
// already (the demo never overwrites a real one); otherwise a private Secret Service (gnome-keyring) in a
// throwaway D-Bus session; otherwise it says what is missing. Secrets it shows are masked.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { haveSecretService, startKeyringSession } from "./keyring-session.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const HUB_TOKENS = join(root, "bin/hub-tokens.cjs");
const HELPER = join(root, "bin/docker-credential-hubpat.cjs");
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
const DEMO = { username: "demo", password: "demo-password" };

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);
const [bold, dim, green, red, cyan] = [paint(1), paint(2), paint(32), paint(31), paint(36)];
const say = (s = "") => process.stdout.write(`${s}\n`);
const mask = (secret) => `${secret.slice(0, 9)}${"*".repeat(8)}${secret.slice(-4)}`;
const maskAll = (text) => text.replace(/dckr_pat_[A-Za-z0-9_-]+/g, (s) => mask(s));

class StepFailed extends Error {}

/** Runs a command, resolves { code, stdout, stderr }. */
function exec(cmd, args, { env, stdin = "", pty = false } = {}) {
  return new Promise((resolve, reject) => {
    // A pseudo-terminal (util-linux `script`) lets `list` show what a person sees: the table, not TSV.
    const [file, argv] = pty && HAVE_SCRIPT ? ["script", ["-qefc", [cmd, ...args].map(shellQuote).join(" "), "/dev/null"]] : [cmd, args];
    const child = spawn(file, argv, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: pty ? settled(stdout) : stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Terminal output as it finally stands: a spinner's frames (redrawn with \r, cleared with ESC[K) drop out. */
// eslint-disable-next-line no-control-regex
const settled = (text) => text.replace(/\r\n/g, "\n").split("\n").map((l) => l.slice(l.lastIndexOf("\r") + 1).replace(/\u001b\[K/g, "")).join("\n");

const HAVE_SCRIPT = spawnSync("sh", ["-c", "command -v script"]).status === 0;

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

let stepNo = 0;
/**
 * One visible step: prints `$ shown`, runs it, prints its output (secrets masked), then `check(result)` must
 * return nothing; a string is what went wrong.
 */
async function step(title, shown, cmd, args, { env, stdin, pty, check }) {
  stepNo += 1;
  say();
  say(bold(`${stepNo}. ${title}`));
  say(cyan(`$ ${shown}`));
  const result = await exec(cmd, args, { env, stdin, pty });
  const out = maskAll(result.stdout + (pty ? "" : result.stderr)).trimEnd();
  if (out) say(out.split("\n").map((l) => (l ? `  ${l}` : "")).join("\n"));
  const problem = check(result);
  if (problem) throw new StepFailed(`step ${stepNo} (${title}): ${problem}\n  exit ${result.code}\n  stderr: ${maskAll(result.stderr).trim()}`);
  return result;
}

/** Whether this session bus has a Secret Service already (the user's own keychain). */
function realKeychainReachable() {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  const r = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"], { encoding: "utf8", timeout: 3000 });
  return r.status === 0 && r.stdout.includes("boolean true");
}

/** Starts the emulator on free ports; resolves its URLs and a function giving the current 2FA code. */
function startEmulator(stateFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "dist/emulator.cjs"), "--port", "0", "--registry-port", "0", "--auth-port", "0", "--state", stateFile, "--no-sample-tokens"], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    let code = "";
    child.on("error", reject);
    child.on("exit", (c) => reject(new Error(`the emulator exited with ${c}`)));
    child.stdout.on("data", (d) => {
      text += d;
      for (const m of text.matchAll(/2FA code now:\s+(\d{6})/g)) code = m[1];
      const hub = /Hub API:\s+(\S+)/.exec(text)?.[1];
      const tokens = /token service:\s+(\S+)/.exec(text)?.[1];
      if (hub && tokens && code) resolve({ hubUrl: hub, tokenServiceUrl: tokens, code: () => code, stop: () => child.kill("SIGTERM") });
    });
  });
}

/** What `docker login` does with a PAT: ask the registry's token service for a pull token with Basic auth. */
async function registryAccepts(tokenServiceUrl, username, secret) {
  const url = `${tokenServiceUrl}?service=registry.docker.io&scope=${encodeURIComponent(`repository:${username}/app:pull`)}`;
  const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}` } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/**
 * `hub-tokens login --web` as a step: it prints a code and a URL and waits; the demo then does what a person does
 * in the browser, signing in on the emulator's page with that code, and the command finishes by itself.
 */
async function webSignIn(env, hubUrl, account) {
  stepNo += 1;
  say();
  say(bold(`${stepNo}. Sign in through the web (${account.username}): a one-time code, confirmed on the sign-in page`));
  say(cyan("$ hub-tokens login --web"));
  const child = spawn(process.execPath, [HUB_TOKENS, "login", "--web"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let approved = false;
  const done = new Promise((resolve) => child.on("close", resolve));
  child.stderr.on("data", (d) => {
    stderr += d;
    const code = /code is: ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
    if (!code || approved || !/confirm it at: \S+\n/.test(stderr)) return;
    approved = true;
    say(`  ${stderr.trimEnd().split("\n").join("\n  ")}`);
    say(dim(`  (the person opens the URL, signs in as ${account.username} and confirms ${code})`));
    const form = new globalThis.URLSearchParams({ user_code: code, username: account.username, password: account.password, action: "approve" });
    void fetch(`${hubUrl}/activate`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
  });
  const exit = await done;
  const rest = stderr.split("\n").filter((l) => l.startsWith("✓") || l.startsWith("  ")).join("\n  ");
  if (rest) say(`  ${rest}`);
  if (exit !== 0 || !stderr.includes(`as ${account.username} (web sign-in)`)) throw new StepFailed(`step ${stepNo} (web sign-in): exit ${exit}\n  stderr: ${stderr.trim()}`);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-demo-"));
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    say(bold("hubpat demo: Docker Hub tokens from the terminal, Docker's copy in the keychain"));

    let env = { ...process.env };
    let where;
    let storeKind;
    const ownStore = realKeychainReachable()
      ? spawnSync(process.execPath, [HELPER, "get"], { input: DOCKER_HUB_KEY, encoding: "utf8", env })
      : undefined;
    if (ownStore && ownStore.status !== 0 && ownStore.stdout.includes("credentials not found")) {
      where = "your OS keychain (Secret Service); the demo removes what it adds";
    } else if (haveSecretService()) {
      const session = await startKeyringSession("unlocked");
      cleanups.push(() => session.close());
      env = { ...session.env };
      const why = !ownStore
        ? "no keychain is reachable here"
        : ownStore.status === 0
          ? "your keychain already holds a Docker Hub credential of hubpat's, and the demo won't touch it"
          : `your keychain could not be read (${ownStore.stdout.trim() || `exit ${ownStore.status}`})`;
      where = `a private Secret Service (gnome-keyring on a throwaway D-Bus session): ${why}`;
    } else {
      // No keychain, and none can be started: another of hubpat's stores, as `hub-tokens setup` would offer.
      const ring = spawnSync("keyctl", ["newring", `hubpat-demo-${process.pid}`, "@u"], { encoding: "utf8" });
      const why = "no keychain is reachable here, and dbus-daemon, gnome-keyring-daemon or dbus-send is missing to start one";
      if (ring.status === 0) {
        const id = ring.stdout.trim();
        cleanups.push(() => spawnSync("keyctl", ["unlink", id, "@u"]));
        env = { ...env, HUBPAT_STORE: "kernel", HUBPAT_KERNEL_KEYRING: id };
        where = `the kernel keyring (a keyring of the demo's own, memory only): ${why}`;
      } else {
        env = { ...env, HUBPAT_STORE: "file" };
        where = `a plain 0600 file in the demo's own directory (the kernel keyring is not usable either): ${why}`;
      }
      storeKind = env.HUBPAT_STORE;
    }

    const emulator = await startEmulator(join(dir, "emulator.json"));
    cleanups.push(() => emulator.stop());
    env = { ...env, HUBPAT_HUB_URL: emulator.hubUrl, HUBPAT_CONFIG_DIR: join(dir, "config"), NO_COLOR: tty ? undefined : "1" };
    delete env.HUBPAT_DEBUG;
    if (env.NO_COLOR === undefined) delete env.NO_COLOR;

    say(`Secrets go to ${where}.`);
    if (storeKind) say(dim(`$ export HUBPAT_STORE=${storeKind}   # or once: hub-tokens setup --store ${storeKind}`));
    say(`The Hub is the emulator at ${emulator.hubUrl}: account ${DEMO.username} with 2FA.`);
    say(dim(`$ export HUBPAT_HUB_URL=${emulator.hubUrl}`));

    const ht = (args, o) => step(o.title, `hub-tokens ${args.map(shellQuote).join(" ")}`, process.execPath, [HUB_TOKENS, ...args], { env, ...o });

    await step("Log in with the password and the 2FA code (on stdin, never in argv)", `printf '%s\\n%s\\n' "$PASSWORD" "$CODE" | hub-tokens login -u ${DEMO.username} --password-stdin`, process.execPath, [HUB_TOKENS, "login", "-u", DEMO.username, "--password-stdin"], {
      env,
      stdin: `${DEMO.password}\n${emulator.code()}\n`,
      check: (r) => (r.code !== 0 ? "login failed" : !r.stderr.includes(`Logged in to ${emulator.hubUrl} as ${DEMO.username}`) ? "no confirmation" : undefined),
    });

    const ci = await ht(["create", "--label", "ci-runner", "--scope", "Read-only", "--expires", "30d"], {
      title: "Create a read-only token for CI: printed once, alone on stdout",
      check: (r) => (r.code !== 0 ? "create failed" : !/^dckr_pat_[A-Za-z0-9_-]+\n$/.test(r.stdout) ? "stdout is not the token alone" : undefined),
    });
    const ciSecret = ci.stdout.trim();

    await ht(["create", "--label", "workstation", "--scope", "Read & Write", "--expires", "90d", "--docker-login"], {
      title: "Create a token for this machine's Docker: stored in the keychain, never shown",
      check: (r) => (r.code !== 0 ? "create failed" : r.stdout !== "" ? "it printed something on stdout" : !r.stderr.includes(`Stored for Docker (${DOCKER_HUB_KEY})`) ? "no word of storing it" : undefined),
    });

    await ht(["list"], {
      title: "List the tokens: the one Docker holds is marked",
      pty: true,
      check: (r) =>
        r.code !== 0 ? "list failed" : !/workstation \[docker\]/.test(r.stdout) ? "workstation is not marked as Docker's" : !/ci-runner\s+Read-only\s+active/.test(r.stdout) ? "ci-runner is not listed as active" : !/^2 tokens; 2 active, 0 inactive\r?$/m.test(r.stdout) ? "the list shows tokens the demo did not create" : undefined,
    });

    await ht(["rename", "ci-runner", "ci-runner-old"], {
      title: "Rename a token",
      check: (r) => (r.code !== 0 ? "rename failed" : !/Renamed ci-runner \(\w{8}\) to ci-runner-old/.test(r.stderr) ? "no confirmation" : undefined),
    });

    await ht(["deactivate", "ci-runner-old"], {
      title: "Deactivate it",
      check: (r) => (r.code !== 0 ? "deactivate failed" : !/Deactivated ci-runner-old/.test(r.stderr) ? "no confirmation" : undefined),
    });

    const got = await step("Docker asks the helper for its Docker Hub credential (secret masked here)", `echo ${DOCKER_HUB_KEY} | docker-credential-hubpat get`, process.execPath, [HELPER, "get"], {
      env,
      stdin: `${DOCKER_HUB_KEY}\n`,
      check: (r) => {
        if (r.code !== 0) return "the helper found nothing";
        const c = JSON.parse(r.stdout);
        return c.ServerURL !== DOCKER_HUB_KEY || c.Username !== DEMO.username || !/^dckr_pat_/.test(c.Secret) ? "unexpected credential" : undefined;
      },
    });
    const served = JSON.parse(got.stdout);

    stepNo += 1;
    say();
    say(bold(`${stepNo}. The registry's token service checks the secrets, as docker login would`));
    const good = await registryAccepts(emulator.tokenServiceUrl, served.Username, served.Secret);
    say(cyan(`# the request demo.mjs sends, as curl would: curl -u ${served.Username}:${mask(served.Secret)} '${emulator.tokenServiceUrl}?service=registry.docker.io&scope=repository:${served.Username}/app:pull'`));
    say(`  ${good.status} ${good.status === 200 && good.body?.token ? green("pull token issued: Docker's stored token works") : red("refused")}`);
    const bad = await registryAccepts(emulator.tokenServiceUrl, DEMO.username, ciSecret);
    say(cyan(`# the same for the deactivated ci-runner-old: curl -u ${DEMO.username}:${mask(ciSecret)} …`));
    say(`  ${bad.status} ${bad.status === 401 ? green("refused: a deactivated token no longer works") : red("accepted")}`);
    if (good.status !== 200 || !good.body?.token) throw new StepFailed(`step ${stepNo}: the token service refused Docker's stored token (${good.status})`);
    if (bad.status !== 401) throw new StepFailed(`step ${stepNo}: the token service accepted a deactivated token (${bad.status})`);

    await ht(["delete", "--inactive", "--yes"], {
      title: "Delete every inactive token at once",
      check: (r) => (r.code !== 0 ? "delete failed" : !/Deleted ci-runner-old/.test(r.stderr) ? "ci-runner-old was not deleted" : undefined),
    });

    await ht(["list"], {
      title: "What is left",
      pty: true,
      check: (r) => (r.code !== 0 ? "list failed" : r.stdout.includes("ci-runner-old") ? "ci-runner-old is still there" : !/workstation/.test(r.stdout) ? "workstation is gone" : undefined),
    });

    await step("Remove the demo's credential from Docker's keychain entry", `echo ${DOCKER_HUB_KEY} | docker-credential-hubpat erase`, process.execPath, [HELPER, "erase"], {
      env,
      stdin: `${DOCKER_HUB_KEY}\n`,
      check: (r) => (r.code !== 0 ? "erase failed" : undefined),
    });

    await ht(["logout"], {
      title: "Log out: the session leaves the keychain",
      check: (r) => (r.code !== 0 ? "logout failed" : !r.stderr.includes(`Logged out of ${emulator.hubUrl} (${DEMO.username})`) ? "no confirmation" : undefined),
    });

    // Web sign-in: the only way in for an account whose organization enforces SSO.
    const SSO = { username: "demo-sso", password: "demo-password" };
    await step("An SSO account's password is refused, in one line naming the way in", `printf '%s\\n' "$PASSWORD" | hub-tokens login -u ${SSO.username} --password-stdin`, process.execPath, [HUB_TOKENS, "login", "-u", SSO.username, "--password-stdin"], {
      env,
      stdin: `${SSO.password}\n`,
      check: (r) => (r.code !== 4 ? `exit ${r.code}, not 4` : !r.stderr.includes("hub-tokens login --web") ? "no login --web advice" : undefined),
    });
    await webSignIn(env, emulator.hubUrl, SSO);
    await ht(["status", "--offline"], {
      title: "status names the account and its kind of session",
      check: (r) => (r.code !== 0 ? "status failed" : !r.stdout.includes(`${SSO.username} (web sign-in)`) ? "no web sign-in shown" : undefined),
    });
    await ht(["logout"], {
      title: "Log out: the web session is revoked with the sign-in service",
      check: (r) => (r.code !== 0 ? "logout failed" : !r.stderr.includes("web session revoked") ? "not revoked" : undefined),
    });

    say();
    say(green(bold(`✓ All ${stepNo} steps did what they showed.`)));
  } catch (err) {
    say();
    say(red(`✗ ${err instanceof StepFailed ? err.message : err instanceof Error ? err.stack : String(err)}`));
    process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

await main();
