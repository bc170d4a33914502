// `hub-tokens [command] --help` is answered from dist/help.json without loading the CLI bundle: it must be
// exactly what commander prints from the current definitions.
import { describe, expect, it } from "vitest";
import { helpPages } from "../../src/cli/entry.js";
import { join } from "node:path";
import { ROOT, runHelperProcess } from "../fakes/helper-process.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe("hub-tokens --help", () => {
  it.each([[["--help"], ""], [["-h"], ""], [["create", "--help"], "create"], [["rm", "-h"], "rm"], [["completion", "--help"], "completion"]])(
    "%j prints commander's page for it",
    async (argv, key) => {
      const live = (await helpPages())[key];
      expect(live).toMatch(/^Usage: hub-tokens/);
      expect(await runHelperProcess(argv, "", process.env, [process.execPath, HUB_TOKENS])).toEqual({ stdout: live, stderr: "", exitCode: 0, signal: null });
    },
  );

  it("prints the same page when the CLI itself answers (argv the cache does not cover)", async () => {
    const r = await runHelperProcess(["--no-color", "--help"], "", process.env, [process.execPath, HUB_TOKENS]);
    expect(r).toEqual({ stdout: (await helpPages())[""], stderr: "", exitCode: 0, signal: null });
  });
});
