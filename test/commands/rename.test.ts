import { describe, expect, it } from "vitest";
import { runRename } from "../../src/commands/rename.js";
import { testDeps } from "../fakes/deps.js";
import { failure, MONA, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [{ ...MONA, tokens: [{ label: "ci" }, { label: "dup" }, { label: "dup" }] }] }));
const loggedIn = () => testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });

describe("rename", () => {
  it("changes the label", async () => {
    const t = loggedIn();
    const id = ctx.hub.tokenByLabel("ci").uuid;
    await runRename({ token: "ci", label: "ci-old", json: false }, t.deps);
    expect(ctx.hub.tokenByLabel("ci-old").uuid).toBe(id);
    expect(t.stderr()).toBe(`✓ Renamed ci (${id.slice(0, 8)}) to ci-old\n`);
    expect(t.stdout()).toBe("");
  });

  it("prints the renamed token as JSON", async () => {
    const t = loggedIn();
    await runRename({ token: ctx.hub.tokenByLabel("ci").uuid.slice(0, 6), label: "x", json: true }, t.deps);
    expect(JSON.parse(t.stdout())).toMatchObject({ label: "x", status: "active" });
  });

  it("refuses a label the Hub would refuse", async () => {
    expect(await failure(runRename({ token: "ci", label: "x".repeat(101), json: false }, loggedIn().deps))).toEqual({ line: "hub-tokens: a token label has 1 to 100 characters", exitCode: 2 });
  });

  it("names an unknown token", async () => {
    expect(await failure(runRename({ token: "nope", label: "x", json: false }, loggedIn().deps))).toEqual({ line: 'hub-tokens: no token has the id or label "nope" (see: hub-tokens list)', exitCode: 1 });
  });

  it("refuses an ambiguous token", async () => {
    expect((await failure(runRename({ token: "dup", label: "x", json: false }, loggedIn().deps))).line).toMatch(/^hub-tokens: "dup" matches 2 tokens: dup \(\w{8}\), dup \(\w{8}\) \(name one by its id\)$/);
  });
});

describe("rename: no-ops and duplicates", () => {
  it("sends no request and says so when the label is already the one asked for", async () => {
    const t = loggedIn();
    ctx.hub.exchanges.length = 0;
    await runRename({ token: "ci", label: "ci", json: false }, t.deps);
    expect(t.stderr()).toBe(`ci (${ctx.hub.tokenByLabel("ci").uuid.slice(0, 8)}) is already labelled ci\n`);
    expect(ctx.hub.exchanges.map((e) => e.method)).toEqual(["GET"]);
  });

  it("warns when another token has the new label", async () => {
    const t = loggedIn();
    const dups = ctx.hub.tokensOf("mona").filter((x) => x.token_label === "dup").map((x) => x.uuid.slice(0, 8));
    await runRename({ token: "ci", label: "dup", json: false }, t.deps);
    expect(t.stderr()).toMatch(new RegExp(`^! dup \\(${dups[0]}\\), dup \\(${dups[1]}\\) are labelled dup too: name them by id from now on\\n✓ Renamed ci`));
  });
});
