// Core dumps hold no secret: both faces, from each build shipped (the Node bundle and the single executable), are
// sent a real SIGABRT or SIGQUIT with `ulimit -c unlimited` while a secret is in their memory. The kernel writes
// the core in the process's working directory here (core_pattern "core"); the core must not contain the secret.
// Where core_pattern sends cores elsewhere (a pipe to systemd-coredump or apport), only the mechanism's observable
// effect is checked: the running process's /proc/PID/coredump_filter is 0 (no memory mapping is dumped).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { helperCommands, tokensCommands } from "../fakes/binaries.js";

const linux = process.platform === "linux";
const corePattern = linux ? readFileSync("/proc/sys/kernel/core_pattern", "utf8").trim() : "";
/** Cores land in the working directory as "core" (or "core.PID"): the test can read them. */
const coresHere = /^core(\.%p)?$/.test(corePattern) || corePattern === "core";
if (linux && !coresHere) console.warn(`core_pattern is ${JSON.stringify(corePattern)}: checking coredump_filter only, not a real core`);

/** Starts `argv` under `ulimit -c unlimited` in a fresh directory, with `input` on stdin (kept open). */
function start(argv: string[], env: NodeJS.ProcessEnv, input: string) {
  const cwd = mkdtempSync(join(tmpdir(), "hubpat-core-"));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  const child = spawn("sh", ["-c", 'ulimit -c unlimited && exec "$@"', "sh", ...argv], { cwd, env, stdio: ["pipe", "ignore", "pipe"] });
  child.stdin.end(input);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  return { child, cwd, exited };
}

/** Waits until the process has had time to read its input and is waiting (on a lock, on the network). */
async function waitUntilWaiting(pid: number): Promise<string> {
  await sleep(1500);
  return readFileSync(`/proc/${pid}/coredump_filter`, "utf8").trim();
}

/** Every core file in `dir`, with how often `secret` occurs in it. */
function secretInCores(dir: string, secret: string): { cores: number; hits: number } {
  const files = ["core", `core.${0}`].filter((f) => existsSync(join(dir, f)));
  const all = files[0] === undefined ? Buffer.alloc(0) : readFileSync(join(dir, files[0]));
  let hits = 0;
  for (let at = all.indexOf(secret); at >= 0; at = all.indexOf(secret, at + 1)) hits++;
  return { cores: files.length, hits };
}

describe.skipIf(!linux)("core dumps", () => {
  describe.each(helperCommands())("the helper ($name)", (build) => {
    it("SIGABRT while `store` waits for the file store's lock: the core holds no secret", async () => {
      const home = mkdtempSync(join(tmpdir(), "hubpat-core-home-"));
      onTestFinished(() => rmSync(home, { recursive: true, force: true }));
      const dir = join(home, "hubpat");
      mkdirSync(dir, { mode: 0o700 });
      // Held by this (live) test process: the helper waits for it with the secret in memory.
      writeFileSync(join(dir, "credentials.json.lock"), `${process.pid}\n`);
      const secret = "core-dump-probe-secret-7f3a9c";
      const env = { PATH: [dirname(process.execPath), "/usr/bin", "/bin"].join(":"), HOME: home, HUBPAT_CONFIG_DIR: dir, HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1" };
      // As Docker runs it: by the name docker-credential-hubpat (the single executable picks its face by name).
      symlinkSync(build.target, join(home, "docker-credential-hubpat"));
      const p = start([join(home, "docker-credential-hubpat"), "store"], env, JSON.stringify({ ServerURL: "core.example.com", Username: "alice", Secret: secret }));
      expect(await waitUntilWaiting(p.child.pid!)).toBe("00000000");
      p.child.kill("SIGABRT");
      expect(await p.exited).toBe("SIGABRT");
      if (coresHere) expect(secretInCores(p.cwd, secret)).toEqual({ cores: 1, hits: 0 });
    });
  });

  describe.each(tokensCommands())("hub-tokens ($name)", (build) => {
    // A Hub that accepts the connection and never answers: login waits there with the password in memory.
    let hub: Server;
    let port = 0;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      hub = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
      port = (hub.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hub.close(r));
    });

    it.each(["SIGABRT", "SIGQUIT"] as const)("%s during `login --password-stdin`: the core holds no password", async (signal) => {
      const home = mkdtempSync(join(tmpdir(), "hubpat-core-home-"));
      onTestFinished(() => rmSync(home, { recursive: true, force: true }));
      const password = `core-dump-probe-password-${signal}`;
      const env = { PATH: [dirname(process.execPath), "/usr/bin", "/bin"].join(":"), HOME: home, HUBPAT_CONFIG_DIR: join(home, "hubpat"), HUBPAT_STORE: "file", HUBPAT_INSECURE_STORAGE: "1" };
      const p = start([...build.command, "--hub-url", `http://127.0.0.1:${port}`, "login", "-u", "mona", "--password-stdin"], env, `${password}\n`);
      expect(await waitUntilWaiting(p.child.pid!)).toBe("00000000");
      p.child.kill(signal);
      expect(await p.exited).toBe(signal);
      // Under Bun, hub-tokens is not dumpable at all (prctl): no core; on Node, a core with no memory in it.
      if (coresHere) expect(secretInCores(p.cwd, password)).toEqual({ cores: build.name.includes("Bun") ? 0 : 1, hits: 0 });
    });
  });
});
