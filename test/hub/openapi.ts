// Checks recorded emulator traffic against Docker's API description (src/hub/contract/openapi.yaml, the
// project's own copy) with openapi-backend: each request the client sent, each answer the emulator gave. The contract
// (CONTRACT.md) adds a few answers the published file doesn't list; they are added to the document here, each
// with its reason, rather than skipped.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OpenAPIBackend, SetMatchType, type Document } from "openapi-backend";
import { parse } from "yaml";
import type { Exchange } from "../../src/emulator/server.js";

/** The project's copy of the Hub contract: src/hub/contract/openapi.yaml. */
export const OPENAPI_PATH = fileURLToPath(new URL("../../src/hub/contract/openapi.yaml", import.meta.url));

type Op = { operationId?: string; responses: Record<string, unknown> };
const METHODS = ["get", "post", "patch", "put", "delete"] as const;

/** openapi.yaml plus what CONTRACT.md says the Hub also answers. */
function contractDocument(): Document {
  const doc = parse(readFileSync(OPENAPI_PATH, "utf8")) as Document & { paths: Record<string, Record<string, Op>> };
  const error = { $ref: "#/components/responses/Forbidden" };
  const add = (path: string, method: string, status: string, response: unknown) => {
    const op = doc.paths[path]?.[method];
    if (!op) throw new Error(`openapi.yaml has no ${method} ${path}`);
    op.responses[status] ??= response;
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= `${method} ${path}`; // openapi-backend addresses operations by id
      if (path.startsWith("/oauth/")) continue; // the tenant: neither the Hub's 429 nor its fault injection
      // CONTRACT "Limits and errors": every response may be a 429 (the published file lists it only on some).
      op.responses["429"] ??= { $ref: "#/components/responses/TooManyRequests" };
      // Fault injection (and the real Hub on a bad day): 503 with the Error shape.
      op.responses["503"] ??= { description: "Unavailable", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    }
  }
  // CONTRACT "What a PAT may not do": a PAT's bearer gets 403 {"detail"} on token management.
  for (const m of ["get", "post"]) add("/v2/access-tokens", m, "403", error);
  for (const m of ["get", "patch", "delete"]) add("/v2/access-tokens/{uuid}", m, "403", error);
  // Django REST pagination: a page past the end is 404 {"detail": "Invalid page."} (CONTRACT: list is paginated).
  add("/v2/access-tokens", "get", "404", { $ref: "#/components/responses/NotFound" });
  return doc;
}

let api: OpenAPIBackend | undefined;
async function backend(): Promise<OpenAPIBackend> {
  if (!api) {
    api = new OpenAPIBackend({ definition: contractDocument(), strict: false, validate: true, quick: false });
    await api.init();
  }
  return api;
}

/**
 * Every problem with the recorded Hub traffic, as readable lines; empty when all of it matches. `requests: false`
 * checks only the answers (for tests that send the emulator bad requests on purpose).
 */
export async function openApiProblems(exchanges: Exchange[], opts: { requests?: boolean } = {}): Promise<string[]> {
  const v = await backend();
  const problems: string[] = [];
  for (const x of exchanges) {
    if (x.server === "registry") continue; // the registry token service is another API (distribution's token spec)
    // The emulator's own sign-in page and control routes stand in for a person: no API describes them.
    if (x.server === "auth" && (x.path === "/activate" || x.path.startsWith("/emulator/"))) continue;
    const req = { method: x.method, path: x.path, query: x.query, headers: x.headers, body: x.requestBody };
    const op = v.matchOperation(req);
    const where = `${x.method} ${x.path}${Object.keys(x.query).length ? `?${new URLSearchParams(x.query).toString()}` : ""} → ${x.status}`;
    if (!op) {
      problems.push(`${where}: no such operation in openapi.yaml`);
      continue;
    }
    const reqResult = v.validateRequest(req, op);
    if (opts.requests !== false && !reqResult.valid) problems.push(`${where}: request: ${JSON.stringify(reqResult.errors)}`);
    if (x.fault === "drop" || x.fault === "lost" || x.fault === "malformed") continue; // no answer, or one cut on purpose
    if (!(String(x.status) in (op.responses ?? {}))) {
      problems.push(`${where}: status not in openapi.yaml or CONTRACT.md`);
      continue;
    }
    if (x.responseBody !== undefined) {
      const res = v.validateResponse(x.responseBody, op, x.status);
      if (!res.valid) problems.push(`${where}: response: ${JSON.stringify(res.errors)}`);
    }
    const headers = v.validateResponseHeaders(x.responseHeaders, op, { statusCode: x.status, setMatchType: SetMatchType.Superset });
    if (!headers.valid) problems.push(`${where}: headers: ${JSON.stringify(headers.errors)}`);
    // CONTRACT "Limits and errors": every Hub response carries the three rate-limit headers (the tenant: none described).
    if (x.server === "auth") continue;
    for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) {
      if (!/^\d+$/.test(x.responseHeaders[h] ?? "")) problems.push(`${where}: header ${h} missing or not an integer`);
    }
  }
  return problems;
}
