// (man runs its filters in a seccomp sandbox; MAN_DISABLE_SECCOMP lets libfaketime, under test-clock, work in them.)
// The manual pages are walked from the commander tree `--help` prints: a command or flag added to the program is
// in hub-tokens(1) with no other change, and man(1) renders both pages without a warning.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createProgram } from "../../src/cli/program.js";
import { helperManPage, roff, tokensManPage } from "../../src/cli/man.js";

const program = () => createProgram({ writeOut: () => {}, writeErr: () => {}, env: {}, makeDeps: () => Promise.reject(new Error("unused")) });
const haveMan = spawnSync("sh", ["-c", "command -v man"]).status === 0;

/** What man(1) shows for `page`, and what it warned about. */
function render(page: string): { text: string; warnings: string } {
  const file = join(mkdtempSync(join(tmpdir(), "hubpat-man-")), "page.1");
  writeFileSync(file, page);
  const r = spawnSync("man", ["--warnings", "-l", file], { encoding: "utf8", env: { ...process.env, MANWIDTH: "200", MAN_KEEP_FORMATTING: "", PAGER: "cat", MAN_DISABLE_SECCOMP: "1" } });
  // eslint-disable-next-line no-control-regex -- man overstrikes bold as char, backspace, char
  return { text: r.stdout.replace(/.\x08/g, ""), warnings: r.stderr };
}

describe("hub-tokens(1)", () => {
  it("has a section for every command and a line for every flag, from the program itself", () => {
    const p = program();
    const page = tokensManPage(p, "1.2.3");
    expect(page.startsWith('.TH HUB-TOKENS 1 "" "hubpat 1.2.3" "User Commands"\n')).toBe(true);
    for (const cmd of p.commands) {
      expect(page).toContain(`.SS \\fB${roff([cmd.name(), ...cmd.aliases()].join(", "))}\\fR`);
      for (const o of cmd.options) if (!o.hidden) expect(page).toContain(roff(o.flags));
    }
    for (const o of p.options) expect(page).toContain(roff(o.flags));
  });

  it("picks up a command and a flag added to the program", () => {
    const p = program();
    p.command("frobnicate").description("frobnicate the tokens").option("--twice", "do it again").addHelpText("after", "\nExamples:\n  $ hub-tokens frobnicate --twice");
    const { text } = render(tokensManPage(p, "1.2.3"));
    expect(text).toMatch(/ {3}frobnicate\n {7}hub-tokens frobnicate \[options\]\n\n {7}frobnicate the tokens\n\n {7}--twice\n {14}do it again\n\n {7}Examples:\n {9}\$ hub-tokens frobnicate --twice\n/);
  });

  it("keeps roff's control characters as text", () => {
    expect(roff(".starts a request\n'so does this\na \\ backslash - and hyphen")).toBe("\\&.starts a request\n\\&'so does this\na \\e backslash \\- and hyphen");
  });

  it.skipIf(!haveMan)("renders without a warning, examples as written", () => {
    const { text, warnings } = render(tokensManPage(program(), "1.2.3"));
    expect(warnings).toBe("");
    expect(text).toContain("$ printf '%s\\n%s\\n' \"$PASSWORD\" \"$CODE\" | hub-tokens login -u mona --password-stdin");
    expect(text).toMatch(/EXIT STATUS\n {7}0 {6}success\n/);
  });
});

describe("docker-credential-hubpat(1)", () => {
  it.skipIf(!haveMan)("names every action of the protocol and renders without a warning", () => {
    const { text, warnings } = render(helperManPage("1.2.3"));
    expect(warnings).toBe("");
    expect(text).toContain("docker-credential-hubpat <store|get|erase|list|version>");
    for (const action of ["get", "store", "erase", "list", "version"]) expect(text).toMatch(new RegExp(`\\n {7}${action}\\b`));
  });
});

