#!/usr/bin/env node
// A private D-Bus session with (or without) a real Secret Service, for tests, the benchmark and the demo.
// Nothing here touches the user's own keyring: the bus, the runtime dir and the keyring files are all temp.
//
//   modes: "unlocked" — gnome-keyring-daemon with a login keyring unlocked by a password
//          "locked"   — the same keyring, daemon restarted without the password (every unlock is refused:
//                       the bus has no prompter, exactly as on a headless machine)
//          "no-service" — a session bus with nothing owning org.freedesktop.secrets
//          "no-default" — gnome-keyring-daemon started with no login keyring: no collection is the default, as
//                       on a fresh headless machine where dbus-run-session activated it
//          "keepassxc" — KeePassXC's Secret Service instead (Qt offscreen, a throwaway database and config,
//                       the database's root group exposed), unlocked
//
// CLI: node scripts/keyring-session.mjs [--mode unlocked] -- COMMAND ARGS…  runs COMMAND inside it.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// No <standard_session_servicedirs/>: nothing is activated behind our back (not the user's gnome-keyring,
// not a prompter), so every daemon on this bus is one we started. The limits are those of a desktop session
// bus (/usr/share/dbus-1/session.conf): without them dbus-daemon applies its system-bus defaults, such as 256
// connections per user, which no user's session has.
const SESSION_LIMITS = {
  max_incoming_bytes: 1000000000,
  max_incoming_unix_fds: 250000000,
  max_outgoing_bytes: 1000000000,
  max_outgoing_unix_fds: 250000000,
  max_message_size: 1000000000,
  service_start_timeout: 120000,
  auth_timeout: 240000,
  pending_fd_timeout: 150000,
  max_completed_connections: 100000,
  max_incomplete_connections: 10000,
  max_connections_per_user: 100000,
  max_pending_service_starts: 10000,
  max_names_per_connection: 50000,
  max_match_rules_per_connection: 50000,
  max_replies_per_connection: 50000,
};
const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
${Object.entries(SESSION_LIMITS)
  .map(([name, value]) => `<limit name="${name}">${value}</limit>`)
  .join("\n")}
</busconfig>`;

export const KEYRING_PASSWORD = "hubpat-test-keyring";

/** Whether KeePassXC (and its CLI, which makes the throwaway database) is installed. */
export function haveKeePassXC() {
  return ["keepassxc", "keepassxc-cli"].every((cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0);
}

// A database whose root group is exposed to the Secret Service, as Database Settings, Secret Service Integration
// does: the exposed group is the database's custom data FDO_SECRETS_EXPOSED_GROUP, the group's UUID in braces.
const KEEPASSXC_DB = `<?xml version="1.0" encoding="UTF-8"?>
<KeePassFile><Meta><DatabaseName>hubpat test</DatabaseName>
<CustomData><Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>{00000000-0000-0000-0000-000000000001}</Value></Item></CustomData>
</Meta><Root><Group><UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID><Name>hubpat test</Name></Group></Root></KeePassFile>
`;
// Secret Service on, and nothing that would wait for a person: no confirmation dialogs, no notifications.
const KEEPASSXC_INI = `[General]
ConfigVersion=2
SingleInstance=false
OpenPreviousDatabasesOnStartup=false
[FdoSecrets]
Enabled=true
ConfirmAccessItem=false
ConfirmDeleteItem=false
NoConfirmDeleteItem=true
ShowNotification=false
[GUI]
ShowTrayIcon=false
`;

/** Whether this machine has what a private Secret Service needs. */
export function haveSecretService() {
  return ["dbus-daemon", "gnome-keyring-daemon", "dbus-send"].every((cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0);
}

/**
 * Starts a private session. Resolves { env, mode, dir, close() }: env is process.env plus the session's
 * DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, XDG_DATA_HOME and HOME, for child processes.
 * In "locked" mode, `seed(env)` runs while the keyring is still unlocked, to leave items behind the lock.
 */
export async function startKeyringSession(mode = "unlocked", { seed } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-keyring-"));
  const runtime = join(dir, "run");
  const data = join(dir, "data");
  const home = join(dir, "home");
  for (const d of [runtime, data, home]) spawnSync("mkdir", ["-p", "-m", "0700", d]);
  writeFileSync(join(dir, "bus.conf"), BUS_CONFIG);

  const bus = spawn("dbus-daemon", ["--config-file", join(dir, "bus.conf"), "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "ignore"] });
  const address = await new Promise((resolve, reject) => {
    let out = "";
    bus.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim());
    });
    bus.on("error", reject);
    bus.on("exit", (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: data, HOME: home };
  const children = [bus];

  // The daemon's warnings go to a log in the session's dir, and its end is noted: when a test finds the
  // Secret Service gone, `diagnose()` says whether the daemon died, how, and what it said last.
  const logPath = join(dir, "gnome-keyring.log");
  const ends = [];
  let closing = false;
  const startDaemon = async (unlock) => {
    const args = ["--foreground", "--components=secrets", ...(unlock ? ["--unlock"] : [])];
    const log = openSync(logPath, "a");
    const daemon = spawn("gnome-keyring-daemon", args, { env, stdio: ["pipe", "ignore", log] });
    closeSync(log);
    daemon.stdin.end(unlock ? KEYRING_PASSWORD : "");
    daemon.once("exit", (code, signal) => {
      if (!closing) ends.push(`gnome-keyring-daemon (pid ${daemon.pid}) ended: ${signal ? `signal ${signal}` : `exit code ${code}`}`);
    });
    children.push(daemon);
    await waitForName(env, "org.freedesktop.secrets");
    return daemon;
  };

  let daemon;
  if (mode === "unlocked") daemon = await startDaemon(true);
  if (mode === "no-default") daemon = await startDaemon(false);
  if (mode === "keepassxc") {
    writeFileSync(join(dir, "db.xml"), KEEPASSXC_DB);
    writeFileSync(join(dir, "keepassxc.ini"), KEEPASSXC_INI);
    const made = spawnSync("keepassxc-cli", ["import", "--set-password", "--decryption-time", "100", join(dir, "db.xml"), join(dir, "hubpat.kdbx")], { env, input: `${KEYRING_PASSWORD}\n${KEYRING_PASSWORD}\n`, encoding: "utf8" });
    if (made.status !== 0) throw new Error(`keepassxc-cli import failed: ${made.stderr}`);
    const qtEnv = { ...env, QT_QPA_PLATFORM: "offscreen", XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache") };
    const log = openSync(logPath, "a");
    daemon = spawn("keepassxc", ["--pw-stdin", "--config", join(dir, "keepassxc.ini"), "--localconfig", join(dir, "keepassxc-local.ini"), join(dir, "hubpat.kdbx")], { env: qtEnv, stdio: ["pipe", log, log] });
    closeSync(log);
    daemon.stdin.end(`${KEYRING_PASSWORD}\n`);
    children.push(daemon);
    await waitForName(env, "org.freedesktop.secrets");
    // The name comes before the database is open: ready once the default alias names its collection.
    for (let i = 0; i < 200 && !/object path "\/org\//.test(spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets", "org.freedesktop.Secret.Service.ReadAlias", "string:default"], { env, encoding: "utf8" }).stdout); i++) await sleep(50);
    // KeePassXC 2.7.4 can crash (SIGSEGV) on a client's first CreateItem while it still sets up the database it
    // just opened: give it a moment once the collection is there.
    await sleep(1500);
  }
  if (mode === "locked") {
    // Create the login keyring with a password and one item, then start over without the password.
    const first = await startDaemon(true);
    spawnSync("secret-tool", ["store", "--label=hubpat test seed", "hubpat-test", "seed"], { env, input: "seed" });
    if (seed) await seed(env);
    closing = true;
    first.kill();
    await new Promise((r) => first.once("exit", r));
    closing = false;
    await waitForName(env, "org.freedesktop.secrets", false);
    daemon = await startDaemon(false);
  }

  return {
    env,
    mode,
    dir,
    /** The Secret Service daemon's pid (undefined in "no-service" mode): tests SIGSTOP it to make calls hang. */
    get daemonPid() {
      return daemon?.pid;
    },
    /**
     * What became of the Secret Service, for a failing test's message: whether the daemon still owns its name
     * on the bus, how it ended if it did, and the last lines it logged.
     */
    diagnose() {
      if (mode === "no-service") return "no Secret Service was started (mode no-service)";
      if (mode === "keepassxc") {
        const said = existsSync(logPath) ? readFileSync(logPath, "utf8").trim().split("\n").slice(-15).join("\n  ") : "";
        const state = daemon.exitCode === null && daemon.signalCode === null ? "is running" : `ended (${daemon.signalCode ?? `exit code ${daemon.exitCode}`})`;
        return `KeePassXC (pid ${daemon.pid}) ${state}; its last log lines:\n  ${said}`;
      }
      const owned = nameOwned(env, "org.freedesktop.secrets");
      const lines = existsSync(logPath) ? readFileSync(logPath, "utf8").trim().split("\n").filter(Boolean).slice(-15) : [];
      return [
        `org.freedesktop.secrets is ${owned ? "" : "not "}owned on the session bus`,
        ...(ends.length ? ends : [`gnome-keyring-daemon (pid ${daemon.pid}) is running`]),
        lines.length ? `its last log lines:\n  ${lines.join("\n  ")}` : "it logged nothing",
      ].join("; ");
    },
    /** Runs `fn`; when it fails, its error message ends with `diagnose()`. */
    async explain(fn) {
      try {
        return await fn();
      } catch (err) {
        throw withDiagnosis(err, this.diagnose());
      }
    },
    /**
     * Runs `fn`, and once more should it fail because the Secret Service itself failed: gnome-keyring-daemon
     * died, or is no longer on the bus. (It has a crash of its own, reported upstream as gnome-keyring #190,
     * #194 and #196: it aborts when a new client's OpenSession is handled before that client is registered,
     * which any program opening many short D-Bus connections can hit.) The failure is printed on stderr, a new
     * daemon is started over the same keyring, and `fn` runs again; a second failure, or any failure while the
     * service is up, is the test's failure, with `diagnose()`.
     */
    async survivingDaemonCrash(fn) {
      try {
        return await fn();
      } catch (err) {
        const serviceFailed = mode !== "no-service" && (ends.length > 0 || nameOwned(env, "org.freedesktop.secrets") === false);
        if (!serviceFailed) throw withDiagnosis(err, this.diagnose());
        console.error(`[keyring session] the Secret Service failed during the test; running it again on a new daemon. ${this.diagnose()}`);
        if (daemon.exitCode === null && daemon.signalCode === null) {
          daemon.kill("SIGKILL");
          await new Promise((r) => daemon.once("exit", r));
        }
        daemon = await startDaemon(mode === "unlocked");
        ends.length = 0;
        return this.explain(fn);
      }
    },
    /** Stops every process of the session and removes its files. */
    async close() {
      closing = true;
      for (const child of children.reverse()) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          await new Promise((r) => child.once("exit", r));
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withDiagnosis(err, diagnosis) {
  if (err instanceof Error) err.message += `\n[keyring session] ${diagnosis}`;
  return err;
}

function nameOwned(env, name) {
  const r = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", `string:${name}`], { env, encoding: "utf8" });
  return r.stdout.includes("boolean true") ? true : r.stdout.includes("boolean false") ? false : undefined;
}

async function waitForName(env, name, present = true) {
  for (let i = 0; i < 200; i++) {
    if (nameOwned(env, name) === present) return;
    await sleep(25);
  }
  throw new Error(`${name} did not ${present ? "appear" : "go away"} on the private session bus`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf("--");
  const opts = sep < 0 ? [] : argv.slice(0, sep);
  const cmd = sep < 0 ? argv : argv.slice(sep + 1);
  const mode = opts[opts.indexOf("--mode") + 1] && opts.includes("--mode") ? opts[opts.indexOf("--mode") + 1] : "unlocked";
  if (cmd.length === 0) {
    console.error("usage: node scripts/keyring-session.mjs [--mode unlocked|locked|no-service] -- COMMAND [ARGS…]");
    process.exit(2);
  }
  const session = await startKeyringSession(mode);
  const child = spawn(cmd[0], cmd.slice(1), { env: session.env, stdio: "inherit" });
  const code = await new Promise((r) => child.on("exit", (c, s) => r(c ?? (s ? 128 : 1))));
  await session.close();
  process.exit(code);
}
