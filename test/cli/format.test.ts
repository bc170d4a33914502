// --format: the Go-template subset over the JSON field names, and its usage errors.
import { describe, expect, it } from "vitest";
import { parseFormat, renderTemplate, TOKEN_FIELDS, ORG_TOKEN_FIELDS, type OutputFormat } from "../../src/cli/format.js";
import { tokenJson } from "../../src/commands/token-view.js";
import { orgTokenJson } from "../../src/commands/org-tokens.js";
import { UsageError } from "../../src/errors.js";

const token = { id: "0d8f2a1c-1111-2222-3333-444455556666", label: "ci runner", scopes: ["repo:read" as const], isActive: true, createdAt: new Date("2026-11-20T12:00:00Z") };
const json = tokenJson(token, new Date("2026-11-23T12:00:00Z"), null);
const render = (text: string, value: unknown = json) => {
  const f = parseFormat(text, TOKEN_FIELDS) as Extract<OutputFormat, { kind: "template" }>;
  return renderTemplate(f.template, value);
};

describe("--format", () => {
  it.each(["table", "json", "tsv"] as const)("takes %s", (kind) => expect(parseFormat(kind, TOKEN_FIELDS)).toEqual({ kind }));

  it("renders fields by their JSON names in any case, \\t and \\n as docker does", () => {
    expect(render("{{.ID}}\\t{{.Label}}")).toBe(`${token.id}\tci runner`);
    expect(render("{{.label}}: {{.Status}}, last used {{.LastUsedAt}}\\n")).toBe("ci runner: active, last used \n");
  });

  it("has json, join, upper and lower, and prints lists joined and null as nothing", () => {
    expect(render("{{json .Scopes}} {{join .Scopes \"+\"}} {{upper .Status}} {{lower .Label}} {{.Scopes}} [{{.ExpiresAt}}]")).toBe('["repo:read"] repo:read ACTIVE ci runner repo:read []');
    expect(JSON.parse(render("{{json .}}"))).toEqual(json);
  });

  it("reads nested fields", () => {
    const status = { docker: { usesHubpat: true, credential: null } };
    const f = parseFormat("{{.Docker.UsesHubpat}}/{{.Docker.Credential}}", ["docker"]) as Extract<OutputFormat, { kind: "template" }>;
    expect(renderTemplate(f.template, status)).toBe("true/");
  });

  it("refuses an unknown field, naming the known ones", () => {
    expect(() => parseFormat("{{.Name}}", TOKEN_FIELDS)).toThrow(new UsageError(`--format: no field "Name": the fields are ${TOKEN_FIELDS.join(", ")}`));
  });

  it.each([["{{.ID"], ["{{range .}}{{end}}"], ["{{join .Scopes}}"], ["yaml"]])("refuses %s with a usage error", (text) => {
    expect(() => parseFormat(text, TOKEN_FIELDS)).toThrow(UsageError);
  });

  it("knows exactly the fields the JSON has", () => {
    expect([...TOKEN_FIELDS]).toEqual(Object.keys(json));
    expect([...ORG_TOKEN_FIELDS]).toEqual(Object.keys(orgTokenJson("acme", { id: "x", label: "l", isActive: true, createdAt: new Date(), resources: [] }, new Date())));
  });
});
