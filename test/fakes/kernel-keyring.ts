// A keyring of its own for one test file, inside the user's keyring (@u), so tests running at once never see
// each other's keys: HUBPAT_KERNEL_KEYRING points the kernel store at it. close() drops it and all it holds.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Whether keyctl is installed and the kernel lets this process use it. */
export function haveKeyctl(): boolean {
  return spawnSync("keyctl", ["show", "@u"], { stdio: "ignore" }).status === 0;
}

export interface TestKeyring {
  id: string;
  env: { HUBPAT_KERNEL_KEYRING: string };
  /** The descriptions of the keys in it. */
  descriptions(): string[];
  close(): void;
}

export function testKeyring(): TestKeyring {
  const id = execFileSync("keyctl", ["newring", `hubpat-test-${randomBytes(4).toString("hex")}`, "@u"], { encoding: "utf8" }).trim();
  return {
    id,
    env: { HUBPAT_KERNEL_KEYRING: id },
    descriptions: () =>
      execFileSync("keyctl", ["rlist", id], { encoding: "utf8" })
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((k) => execFileSync("keyctl", ["rdescribe", k], { encoding: "utf8" }).trim().split(";").slice(4).join(";"))
        .sort(),
    close: () => {
      spawnSync("keyctl", ["clear", id]);
      spawnSync("keyctl", ["unlink", id, "@u"]);
    },
  };
}
