// HubClient.ping: whether the Hub answers at all, with no session (doctor's "Hub reachable" when logged out).
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/server.js";
import { HubClient } from "../../src/hub/client.js";
import { HubUnavailableError } from "../../src/hub/errors.js";
import { openApiProblems } from "./openapi.js";

let e: Emulator | undefined;
afterEach(async () => {
  if (!e) return;
  await e.close();
  expect(e.unhandled).toEqual([]);
  expect(await openApiProblems(e.exchanges)).toEqual([]);
  e = undefined;
});

describe("ping", () => {
  it("resolves on the Hub's 401 to a request without a session, sending no credentials", async () => {
    e = await startEmulator({ users: [{ username: "mona", password: "pw" }] });
    await new HubClient({ baseUrl: e.url, backoffMs: 1 }).ping();
    expect(e.exchanges.map((x) => [x.method, x.path, x.status, x.headers.authorization])).toEqual([["GET", "/v2/access-tokens", 401, undefined]]);
  });

  it("fails when the Hub keeps answering 5xx", async () => {
    e = await startEmulator({ faults: { serverErrors: 10 } });
    await expect(new HubClient({ baseUrl: e.url, backoffMs: 1 }).ping()).rejects.toThrow(new HubUnavailableError("Docker Hub is unavailable (HTTP 503): try again later", 503));
  });

  it("fails when nothing listens", async () => {
    await expect(new HubClient({ baseUrl: "http://127.0.0.1:9", backoffMs: 1, retries: 0 }).ping()).rejects.toBeInstanceOf(HubUnavailableError);
  });
});
