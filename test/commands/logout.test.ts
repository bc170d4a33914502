import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY } from "../../src/cli/deps.js";
import { runLogout } from "../../src/commands/logout.js";
import { testDeps } from "../fakes/deps.js";
import { MONA, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [MONA] }));

describe("logout", () => {
  it("forgets the session and leaves Docker's credential alone", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, session: { username: "mona", token: ctx.hub.sessionFor("mona") } });
    t.store.entries.set(DOCKER_HUB_KEY, { username: "mona", secret: "dckr_pat_x" });
    await runLogout({}, t.deps);
    expect(t.sessions.entries.size).toBe(0);
    expect(t.store.entries.size).toBe(1);
    expect(t.stderr()).toBe(`✓ Logged out of ${ctx.hub.url} (mona)\n`);
  });

  it("says so when there was no session", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    await runLogout({}, t.deps);
    expect(t.stderr()).toBe(`Not logged in to ${ctx.hub.url}\n`);
  });
});
