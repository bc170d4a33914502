// Docker runs the helper on every pull: it must load only node: built-ins and the keyring binding.
import { mkdtempSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELPER_BIN, ROOT, runHelperProcess } from "../fakes/helper-process.js";

const HEAVY = /(^|\/)node_modules\/(commander|chalk|conf|undici|@inquirer)\//;
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe("the helper's hot path", () => {
  it("bundles no heavy dependency into dist/main.cjs", () => {
    const meta = JSON.parse(readFileSync(join(ROOT, "dist", "meta.json"), "utf8")) as { main: { inputs: Record<string, unknown> }; tokens: { inputs: Record<string, unknown> } };
    const mainInputs = Object.keys(meta.main.inputs);
    expect(mainInputs.filter((p) => p.includes("node_modules/"))).toEqual([]);
    expect(mainInputs.filter((p) => p.startsWith("src/cli/") || p.startsWith("src/commands/") || p.startsWith("src/hub/"))).toEqual([]);
    // The check above would pass on an empty bundle: the CLI bundle must really hold what main leaves out.
    expect(Object.keys(meta.tokens.inputs).some((p) => HEAVY.test(p))).toBe(true);
  });

  it.each([
    ["get", "https://index.docker.io/v1/"],
    ["list", "unused"],
    ["store", '{"ServerURL":"r.test","Username":"u","Secret":"s"}'],
    ["version", ""],
  ])("%s loads only node: built-ins and the keyring binding", async (action, input) => {
    const record = join(mkdtempSync(join(tmpdir(), "hubpat-hot-")), "requires.txt");
    const env = { ...process.env, HUBPAT_RECORD_REQUIRES: record, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
    await runHelperProcess([action], input, env, [process.execPath, "--require", join(ROOT, "test", "fakes", "record-requires.cjs"), HELPER_BIN]);
    const requests = readFileSync(record, "utf8").trim().split("\n");
    const ours = (r: string) => r === HELPER_BIN || r.endsWith("/dist/main.cjs");
    const binding = (r: string) => r.startsWith("@napi-rs/keyring") || r.includes("/node_modules/@napi-rs/keyring") || r.endsWith(".node");
    const foreign = requests.filter((r) => !builtins.has(r) && !ours(r) && !binding(r));
    expect(foreign).toEqual([]);
    expect(requests.filter((r) => r.endsWith("tokens.cjs"))).toEqual([]);
  });

  it("loads the CLI bundle for hub-tokens (so the check above can see a load)", async () => {
    const record = join(mkdtempSync(join(tmpdir(), "hubpat-hot-")), "requires.txt");
    await runHelperProcess(["--version"], "", { ...process.env, HUBPAT_RECORD_REQUIRES: record }, [process.execPath, "--require", join(ROOT, "test", "fakes", "record-requires.cjs"), join(ROOT, "bin", "hub-tokens.cjs")]);
    // main.cjs requires it (not import(): that would start the ESM loader), so the request is the relative one.
    expect(readFileSync(record, "utf8").split("\n")).toContain("./tokens.cjs");
  });
});
