import { describe, expect, it } from "vitest";
import { retryAtFrom } from "../../src/hub/client.js";

// When the client may call again after a 429: the Hub's X-Retry-After first, then the standard Retry-After
// (seconds or an HTTP date), then the window's X-RateLimit-Reset (CONTRACT "Limits and errors").
const NOW = Date.parse("2026-11-23T10:00:00Z");

describe("retryAtFrom", () => {
  it.each([
    ["X-Retry-After (unix seconds) wins", { "x-retry-after": "1795428060", "retry-after": "5", "x-ratelimit-reset": "1795428120" }, 1795428060_000],
    ["Retry-After in seconds counts from now", { "retry-after": "7", "x-ratelimit-reset": "1795428120" }, NOW + 7000],
    ["Retry-After as an HTTP date", { "retry-after": "Mon, 23 Nov 2026 10:00:30 GMT" }, NOW + 30_000],
    ["X-RateLimit-Reset when nothing else is given", { "x-ratelimit-reset": "1795428120" }, 1795428120_000],
    ["nothing usable", { "retry-after": "soon" }, undefined],
  ])("%s", (_name, headers, expected) => {
    expect(retryAtFrom(headers, NOW)).toBe(expected);
  });
});
