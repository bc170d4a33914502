import { describe, expect, it } from "vitest";
import { pickToken, pickTokens } from "../../src/commands/resolve.js";
import type { Token } from "../../src/hub/types.js";

const token = (id: string, label: string): Token => ({ id, label, scopes: ["repo:read"], isActive: true, createdAt: new Date(0) });
const tokens = [
  token("0d8f2a1c-1111-4000-8000-000000000001", "ci"),
  token("0d8f9999-2222-4000-8000-000000000002", "ci"),
  token("7b3e9f00-3333-4000-8000-000000000003", "laptop"),
  token("abcd0000-4444-4000-8000-000000000004", "0d8f"),
];

describe("pickToken", () => {
  it("takes a whole uuid, in any case", () => expect(pickToken(tokens, "7B3E9F00-3333-4000-8000-000000000003").label).toBe("laptop"));
  it("takes a unique uuid prefix", () => expect(pickToken(tokens, "0d8f2a").id).toBe(tokens[0]!.id));
  it("takes an exact label", () => expect(pickToken(tokens, "laptop").id).toBe(tokens[2]!.id));
  it("does not take a label by prefix", () => expect(() => pickToken(tokens, "lap")).toThrow('no token has the id or label "lap"'));
  it("does not take a prefix shorter than 4, and says so when it begins an id", () => {
    expect(() => pickToken(tokens, "7b3")).toThrow('"7b3" is too short for an id prefix: give at least 4 characters (it begins the id of laptop (7b3e9f00))');
    expect(() => pickToken(tokens, "ff")).toThrow('no token has the id or label "ff"');
  });

  it("refuses a label two tokens share, listing them", () => {
    expect(() => pickToken(tokens, "ci")).toThrow('"ci" matches 2 tokens: ci (0d8f2a1c), ci (0d8f9999)');
  });

  it("refuses a name that is one token's label and another's prefix", () => {
    expect(() => pickToken(tokens, "0d8f")).toThrow('"0d8f" matches 3 tokens: 0d8f (abcd0000), ci (0d8f2a1c), ci (0d8f9999)');
  });

  it("names tokens once however often they are named", () => {
    expect(pickTokens(tokens, ["laptop", "7b3e9f00", "0d8f2a1c"]).map((t) => t.id)).toEqual([tokens[2]!.id, tokens[0]!.id]);
  });
});
