// Docker's web session through another credential helper, spoken to over the protocol as Docker does: here
// hubpat's own helper binary under another name (docker-credential-other, file store in a temp dir), so the
// process path (get, store, not found) is real.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_ACCESS_TOKEN_KEY, DOCKER_REFRESH_TOKEN_KEY, HelperProcessStore, openDockerSession } from "../../src/docker/web-session.js";
import { MemoryStore } from "../../src/store/memory.js";
import { HELPER_BIN } from "../fakes/helper-process.js";

function otherHelper() {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-other-helper-"));
  const script = join(dir, "docker-credential-other");
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${HELPER_BIN}" "$@"\n`);
  chmodSync(script, 0o755);
  const env = { PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin`, HUBPAT_STORE: "file", HUBPAT_CONFIG_DIR: join(dir, "conf"), HOME: dir };
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ credHelpers: { "https://index.docker.io/v1/": "other" }, credsStore: "desktop" }));
  return { env, config };
}

describe("Docker's web session in another helper", () => {
  it("is read and written back through that helper, the refresh token as <token>..<client id>", async () => {
    const h = otherHelper();
    const docker = await openDockerSession(h.config, h.env, new MemoryStore());
    expect(docker.where).toBe("docker-credential-other");
    expect(await docker.read()).toBeNull(); // "credentials not found" is no session, not an error
    await docker.write("mona", "eyJ.access.1", "refresh-1", "client-x");
    expect(await docker.read()).toEqual({ username: "mona", accessToken: "eyJ.access.1", refreshToken: "refresh-1", clientId: "client-x" });
    const raw = new HelperProcessStore("other", h.env);
    expect(await raw.get(DOCKER_REFRESH_TOKEN_KEY)).toEqual({ username: "mona", secret: "refresh-1..client-x" });
    expect(Object.keys(await raw.list()).sort()).toEqual([DOCKER_ACCESS_TOKEN_KEY, DOCKER_REFRESH_TOKEN_KEY]);
  });

  it("says which helper is missing from PATH", async () => {
    const h = otherHelper();
    const docker = await openDockerSession(h.config, { ...h.env, PATH: "/usr/bin:/bin" }, new MemoryStore());
    await expect(docker.read()).rejects.toThrow("docker's credential helper docker-credential-other is not on PATH, so hubpat can't read Docker's session");
  });
});
