// The emulator as command tests use it: started per test on 127.0.0.1:0 with the test clock, and checked
// afterwards for requests it had no route for.
import { afterEach, beforeEach, expect } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/server.js";
import { DEMO_TOTP_SECRET } from "../../src/emulator/totp.js";
import { exitCodeOf, formatError } from "../../src/errors.js";
import { NOW } from "./deps.js";

export const MONA = { username: "mona", password: "correct horse battery staple" };
export const TOTP_SECRET = DEMO_TOTP_SECRET;

/** A fresh emulator for each test of the file, on a clock the test can move (`hub.clock.now`). */
export function useEmulator(options: () => EmulatorOptions = () => ({ users: [MONA] })): { readonly hub: Emulator; clock: { now: Date } } {
  const ctx = { hub: undefined as unknown as Emulator, clock: { now: NOW } };
  beforeEach(async () => {
    ctx.clock.now = NOW;
    ctx.hub = await startEmulator({ now: () => ctx.clock.now, ...options() });
  });
  afterEach(async () => {
    await ctx.hub.close();
    expect(ctx.hub.unhandled).toEqual([]);
  });
  return ctx;
}

/** What the user sees when `work` fails: the line entry.ts prints and the exit code. */
export async function failure(work: Promise<unknown>): Promise<{ line: string; exitCode: number }> {
  try {
    await work;
  } catch (err) {
    return { line: `hub-tokens: ${formatError(err)}`, exitCode: exitCodeOf(err) };
  }
  throw new Error("expected the command to fail, and it succeeded");
}
