// The private Secret Service the keychain tests run on: it must behave like a desktop session's, say what
// became of its daemon when a test finds the service gone, and rerun a test only when the daemon itself died.
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { haveSecretService, startKeyringSession, type KeyringSession } from "../../scripts/keyring-session.mjs";

const canRun = haveSecretService();
if (!canRun && process.env.CI) throw new Error("CI must install gnome-keyring, dbus and libsecret-tools (see .ci/run)");

const lookup = (env: NodeJS.ProcessEnv) => spawnSync("secret-tool", ["lookup", "hubpat-test", "survivor"], { env, encoding: "utf8" }).stdout;
const store = (env: NodeJS.ProcessEnv, value: string) => spawnSync("secret-tool", ["store", "--label=survivor", "hubpat-test", "survivor"], { env, input: value }).status;

async function killDaemon(session: KeyringSession) {
  process.kill(session.daemonPid!, "SIGABRT");
  for (let i = 0; i < 100 && session.diagnose().includes("is running"); i++) await sleep(20);
}

describe.skipIf(!canRun)("a private keyring session", () => {
  let session: KeyringSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it("has a desktop session bus's connection limit, not dbus-daemon's 256 per user", async () => {
    session = await startKeyringSession("unlocked");
    const conf = spawnSync("cat", [`${session.dir}/bus.conf`], { encoding: "utf8" }).stdout;
    expect(conf).toContain('<limit name="max_connections_per_user">100000</limit>');
  });

  it("says the daemon died, and how, when the Secret Service leaves the bus", async () => {
    session = await startKeyringSession("unlocked");
    expect(session.diagnose()).toMatch(/^org\.freedesktop\.secrets is owned on the session bus; gnome-keyring-daemon \(pid \d+\) is running/);
    await killDaemon(session);
    expect(session.diagnose()).toMatch(/^org\.freedesktop\.secrets is not owned on the session bus; gnome-keyring-daemon \(pid \d+\) ended: signal SIGABRT/);
  });

  it("runs a test again on a new daemon over the same keyring when the daemon died, once", async () => {
    session = await startKeyringSession("unlocked");
    expect(store(session.env, "kept")).toBe(0);
    const s = session;
    let runs = 0;
    const answer = await s.survivingDaemonCrash(async () => {
      runs++;
      if (runs === 1) {
        await killDaemon(s);
        throw new Error("the Secret Service went away");
      }
      return lookup(s.env);
    });
    expect(runs).toBe(2);
    // The new daemon opened the same keyring, unlocked: what was stored before the crash is still there.
    expect(answer).toBe("kept");
  });

  it("fails at once, with the daemon's state, when the test fails while the daemon lives", async () => {
    session = await startKeyringSession("unlocked");
    let runs = 0;
    const failing = session.survivingDaemonCrash(async () => {
      runs++;
      throw new Error("hubpat answered wrongly");
    });
    await expect(failing).rejects.toThrow(/hubpat answered wrongly\n\[keyring session\] org\.freedesktop\.secrets is owned .* is running/s);
    expect(runs).toBe(1);
  });

  it("fails when the daemon dies on the second run too", async () => {
    session = await startKeyringSession("unlocked");
    const s = session;
    let runs = 0;
    const failing = s.survivingDaemonCrash(async () => {
      runs++;
      await killDaemon(s);
      throw new Error(`gone on run ${runs}`);
    });
    await expect(failing).rejects.toThrow(/gone on run 2\n\[keyring session\] .*ended: signal SIGABRT/s);
    expect(runs).toBe(2);
  });
});
