// `hub-tokens [command] --help` is answered from dist/help.json without loading the CLI bundle: it must be
// exactly what commander prints from the current definitions.
import { describe, expect, it } from "vitest";
import { helpPages } from "../../src/cli/entry.js";
import { join } from "node:path";
import { ROOT, runHelperProcess } from "../fakes/helper-process.js";

const HUB_TOKENS = join(ROOT, "bin", "hub-tokens.cjs");

describe("hub-tokens --help", () => {
  it.each([[["--help"], ""], [["-h"], ""], [["create", "--help"], "create"], [["rm", "-h"], "rm"], [["completion", "--help"], "completion"], [["help"], ""], [["help", "list"], "list"], [["help", "rm"], "rm"]])(
    "%j prints commander's page for it",
    async (argv, key) => {
      const live = (await helpPages())[key];
      expect(live).toMatch(/^Usage: hub-tokens/);
      expect(await runHelperProcess(argv, "", process.env, [process.execPath, HUB_TOKENS])).toEqual({ stdout: live, stderr: "", exitCode: 0, signal: null });
    },
  );

  it("puts the global flags, examples and defaults as values on every command's page", async () => {
    const pages = await helpPages();
    for (const [name, page] of Object.entries(pages).filter(([k]) => k !== "")) {
      expect(page, name).toContain("Global Options:\n  -v, --version");
      expect(page, name).toContain("--hub-url <url>");
      expect(page, name).toMatch(/\nExamples:\n {2}\$ hub-tokens /);
      expect(page, name).not.toMatch(/\(default: "/);
    }
    expect(pages.audit).toContain("(default: 14)");
  });

  it("says which command it does not know, exit 2", async () => {
    const r = await runHelperProcess(["help", "lst"], "", process.env, [process.execPath, HUB_TOKENS]);
    expect(r).toEqual({ stdout: "", stderr: 'hub-tokens: no command "lst": did you mean ls? (see: hub-tokens help)\n', exitCode: 2, signal: null });
  });

  it("prints the same page when the CLI itself answers (argv the cache does not cover)", async () => {
    const r = await runHelperProcess(["--no-color", "--help"], "", process.env, [process.execPath, HUB_TOKENS]);
    expect(r).toEqual({ stdout: (await helpPages())[""], stderr: "", exitCode: 0, signal: null });
  });
});
