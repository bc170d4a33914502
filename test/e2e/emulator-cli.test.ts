// `npm run emulator` as a person uses it: what it prints must work when typed, and --help must not start a server.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runProcess } from "../fakes/helper-process.js";

const EMULATOR = join(ROOT, "dist", "emulator.cjs");
const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe("the emulator's command line", () => {
  it("--help prints its usage and exits, starting nothing", async () => {
    const r = await runProcess([process.execPath, EMULATOR], ["--help"], "", process.env, 10_000);
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    expect(r.stdout).toMatch(/^usage: npm run emulator -- \[--port N\] \[--registry-port N\] \[--state FILE\] \[--reset\]\n/);
  });

  it("prints a login command that logs in when typed, with the 2FA code it prints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubpat-emu-cli-"));
    const child = spawn(process.execPath, [EMULATOR, "--port", "0", "--registry-port", "0", "--auth-port", "0", "--state", join(dir, "state.json")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (/2FA code now: +\d{6}\n/.test(out)) resolve();
        });
        child.on("exit", (code) => reject(new Error(`the emulator exited (${code}) before printing a 2FA code:\n${out}`)));
      });
      const tryLine = /^ {2}try: +hub-tokens (.*)$/m.exec(out)?.[1];
      const code = /2FA code now: +(\d{6})/.exec(out)![1]!;
      const password = /demo account: +demo \/ (\S+)/.exec(out)![1]!;
      expect(tryLine).toMatch(/^--hub-url http:\/\/127\.0\.0\.1:\d+ login -u demo$/);
      // The printed command as typed, with the password and the code on stdin instead of at prompts.
      const env = { ...process.env, HUBPAT_CONFIG_DIR: join(dir, "config"), HUBPAT_INSECURE_STORAGE: "1" };
      const r = await runProcess([process.execPath, HUB_TOKENS], [...tryLine!.split(" "), "--password-stdin"], `${password}\n${code}\n`, env);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/✓ Logged in to http:\/\/127\.0\.0\.1:\d+ as demo\n/);
    } finally {
      child.kill();
    }
  });

  it("names the busy port and suggests --port 0 when its port is taken", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), "hubpat-emu-busy-"));
      const r = await runProcess([process.execPath, EMULATOR], ["--port", String(port), "--registry-port", "0", "--auth-port", "0", "--state", join(dir, "s.json")], "", process.env, 10_000);
      expect(r).toMatchObject({ exitCode: 1, stdout: "" });
      expect(r.stderr).toBe(`hubpat emulator: port ${port} is already in use (another emulator?): stop it, pick other ports with --port N --registry-port N --auth-port N, or use --port 0 --registry-port 0 --auth-port 0 for any free ones\n`);
    } finally {
      busy.close();
    }
  });
});
