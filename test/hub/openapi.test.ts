import { describe, expect, it } from "vitest";
import type { Exchange } from "../../src/emulator/server.js";
import { openApiProblems } from "./openapi.js";

// The checker that every client and emulator test relies on must itself catch what it is there to catch.
const RATE = { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "99", "x-ratelimit-reset": "1800000000" };
const TOKEN = {
  uuid: "b30bbf97-506c-4ecd-aabc-842f3cb484fb", client_id: "HUB", creator_ip: "127.0.0.1", creator_ua: "hubpat/1", created_at: "2026-01-01T00:00:00.000000Z",
  last_used: null, generated_by: "manual", is_active: true, token: "", token_label: "ci", scopes: ["repo:read"], expires_at: null,
};
function exchange(over: Partial<Exchange>): Exchange {
  return {
    server: "hub", method: "GET", path: "/v2/access-tokens/x", query: {}, headers: { authorization: "Bearer x" }, requestBody: undefined,
    status: 200, responseHeaders: { ...RATE, "content-type": "application/json" }, responseBody: TOKEN, ...over,
  };
}

describe("openApiProblems", () => {
  it("passes a request and answer that follow openapi.yaml", async () => {
    expect(await openApiProblems([exchange({})])).toEqual([]);
  });

  it.each([
    ["a scope the API doesn't list", exchange({ method: "POST", path: "/v2/access-tokens", requestBody: { token_label: "x", scopes: ["repo:all"] }, status: 201 }), "request"],
    ["a create without a label", exchange({ method: "POST", path: "/v2/access-tokens", requestBody: { scopes: ["repo:read"] }, status: 201 }), "request"],
    ["a token whose is_active is a string", exchange({ responseBody: { ...TOKEN, is_active: "yes" } }), "response"],
    ["a list whose count is a string", exchange({ path: "/v2/access-tokens", responseBody: { count: "1", results: [] } }), "response"],
    ["a status neither openapi.yaml nor CONTRACT.md lists", exchange({ status: 418 }), "status not in"],
    ["an answer without rate-limit headers", exchange({ responseHeaders: {} }), "missing or not an integer"],
    ["a route the API doesn't have", exchange({ path: "/v2/repositories/mona" }), "no such operation"],
  ])("reports %s", async (_name, x, words) => {
    const problems = await openApiProblems([x]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.includes(words))).toBe(true);
  });
});
