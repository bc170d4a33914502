import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnexpectedResponseError } from "../../src/hub/errors.js";
import { errorMessage, parseOrgToken, parseToken, parseTokenPage } from "../../src/hub/wire.js";

// wire.ts is where the Hub's JSON becomes domain objects: whatever arrives, the answer is a domain object or an
// UnexpectedResponseError naming the field, never a TypeError or a half-built object.
const TOKEN = {
  uuid: "b30bbf97-506c-4ecd-aabc-842f3cb484fb", client_id: "HUB", creator_ip: "10.0.0.1", creator_ua: "docker/27", created_at: "2021-07-20T12:00:00.123456Z",
  last_used: null, generated_by: "manual", is_active: true, token: "", token_label: "My read only token", scopes: ["repo:read"],
};

describe("parseToken", () => {
  it("reads the published example, microseconds and all, leaving absent fields out", () => {
    expect(parseToken(TOKEN)).toEqual({
      id: TOKEN.uuid, label: "My read only token", scopes: ["repo:read"], isActive: true, createdAt: new Date("2021-07-20T12:00:00.123Z"),
      creatorIp: "10.0.0.1", creatorUserAgent: "docker/27", clientId: "HUB", generatedBy: "manual",
    });
  });

  it("reads a time without a zone as UTC and drops scopes it doesn't know", () => {
    const t = parseToken({ ...TOKEN, created_at: "2021-07-20T12:00:00", scopes: ["repo:read", "repo:everything"] });
    expect(t.createdAt.toISOString()).toBe("2021-07-20T12:00:00.000Z");
    expect(t.scopes).toEqual(["repo:read"]);
  });

  it.each([
    [{ ...TOKEN, uuid: 7 }, "uuid is not a string"],
    [{ ...TOKEN, is_active: "true" }, "is_active is not true or false"],
    [{ ...TOKEN, created_at: "yesterday" }, "created_at is not a time"],
    [[TOKEN], "the body is not a JSON object"],
  ])("names the field that is wrong (%#)", (body, words) => {
    expect(() => parseToken(body)).toThrow(new UnexpectedResponseError(`Docker Hub sent an unexpected access token: ${words}`));
  });

  it("throws only UnexpectedResponseError, whatever JSON arrives", () => {
    const field = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.boolean(), fc.integer(), fc.array(fc.string()), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
    const body = fc.record(Object.fromEntries(Object.keys(TOKEN).map((k) => [k, field])), { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(body, fc.jsonValue()), (v) => {
        try {
          const t = parseToken(v);
          expect(typeof t.id).toBe("string");
          expect(Number.isNaN(t.createdAt.getTime())).toBe(false);
        } catch (err) {
          expect(err).toBeInstanceOf(UnexpectedResponseError);
        }
      }),
    );
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      for (const parse of [parseTokenPage, parseOrgToken]) {
        try {
          parse(v);
        } catch (err) {
          expect(err).toBeInstanceOf(UnexpectedResponseError);
        }
      }
    }));
  });
});

describe("errorMessage", () => {
  it.each([
    [{ detail: "Not found." }, "Not found."],
    [{ message: "incorrect username or password" }, "incorrect username or password"],
    [{ fields: { token_label: ["Ensure this field has no more than 100 characters."] }, text: "bad" }, "token_label: Ensure this field has no more than 100 characters."],
    [{ text: "JSON parse error" }, "JSON parse error"],
    ["<html>", undefined],
  ])("reads the Hub's words from %j", (body, words) => {
    expect(errorMessage(body)).toBe(words);
  });
});
