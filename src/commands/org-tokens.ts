// Organization access tokens (`--org NAME` on list, create, inspect, activate, deactivate and delete): the same
// commands over /v2/orgs/{name}/access-tokens. An OAT has resources (a repository or the organization, each with
// its own scopes such as repo-pull) where a PAT has one scope, and only the organization's owners manage them.
import type { Deps } from "../cli/deps.js";
import { isoTime, relativeTime, type Column } from "../cli/io.js";
import { UsageError } from "../errors.js";
import type { OrgToken, OrgTokenResource } from "../hub/types.js";
import { askExpiry, checkGivenDetails, labelFrom, parseExpiry } from "./create.js";
import { setTokensActive } from "./activate.js";
import { deleteOfKind, type DeleteOptions } from "./delete.js";
import { listFooter } from "./list.js";
import { pickTokens } from "./resolve.js";
import type { TokenKind } from "./token-kind.js";
import { inTokenSet } from "./token-sets.js";
import { colorStatus, inspectTime, printRecords, takeBackUndelivered, tokenName, tokenStatus } from "./token-view.js";

export interface OrgListOptions {
  org: string;
  active: boolean;
  inactive: boolean;
  /** `-q`: the full IDs only, one a line. */
  quiet?: boolean;
  json: boolean;
}

export interface OrgCreateOptions {
  org: string;
  label?: string;
  description?: string;
  /** `repo:NAMESPACE/REPO:SCOPE,…` or `org:NAME:SCOPE,…`, one per resource. */
  resources: string[];
  /** 30d, 60d, 90d, 1y, never, or a date. */
  expires?: string;
  json: boolean;
}

/** inspect, activate and deactivate with --org. */
export interface OrgTokensOptions {
  org: string;
  tokens: string[];
  json: boolean;
}

/** `delete --org`: delete's own options, for an organization's tokens. */
export interface OrgDeleteOptions extends DeleteOptions {
  org: string;
}

type OrgDeps = Pick<Deps, "io" | "hub" | "clock">;

const RESOURCE_TYPES = { repo: "TYPE_REPO", org: "TYPE_ORG" } as const;

/** `repo:acme/app:repo-pull,repo-push` → a resource; the path may itself hold colons, the scopes may not. */
export function parseResource(text: string): OrgTokenResource {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  const kind = text.slice(0, first).toLowerCase();
  const path = text.slice(first + 1, last);
  const scopes = text.slice(last + 1).split(",").map((s) => s.trim()).filter(Boolean);
  if (first < 0 || last === first || !(kind in RESOURCE_TYPES) || path === "" || scopes.length === 0) {
    throw new UsageError(`can't read the resource "${text}": write repo:NAMESPACE/REPO:SCOPES or org:NAME:SCOPES, such as repo:acme/app:repo-pull,repo-push`);
  }
  return { type: RESOURCE_TYPES[kind as keyof typeof RESOURCE_TYPES], path, scopes };
}

/** "repo:acme/app (repo-pull, repo-push)": a resource as a person reads it. */
export function resourceWording(r: OrgTokenResource): string {
  return `${r.type === "TYPE_ORG" ? "org" : "repo"}:${r.path} (${r.scopes.join(", ")})`;
}

/** The form --resource takes, for pipes: `repo:acme/app:repo-pull,repo-push`. */
function resourceText(r: OrgTokenResource): string {
  return `${r.type === "TYPE_ORG" ? "org" : "repo"}:${r.path}:${r.scopes.join(",")}`;
}


/** The JSON every --org command prints for a token: camelCase, ISO-8601 times, null for absent values. */
export function orgTokenJson(org: string, t: OrgToken, now: Date) {
  return {
    org,
    id: t.id,
    label: t.label,
    description: t.description ?? null,
    resources: t.resources,
    status: tokenStatus(t, now),
    isActive: t.isActive,
    createdBy: t.createdBy ?? null,
    createdAt: isoTime(t.createdAt),
    lastUsedAt: t.lastUsedAt ? isoTime(t.lastUsedAt) : null,
    expiresAt: t.expiresAt ? isoTime(t.expiresAt) : null,
  };
}


export async function runOrgList(opts: OrgListOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const all = await io.progress(`Listing ${opts.org}'s tokens`, () => hub.listOrgTokens(opts.org));
  const now = deps.clock();
  const tokens = all.filter((t) => (opts.active ? inTokenSet("active", t, now) : opts.inactive ? inTokenSet("inactive", t, now) : true));
  if (opts.quiet) {
    for (const t of tokens) io.print(t.id);
    return;
  }
  if (opts.json) return io.json(tokens.map((t) => orgTokenJson(opts.org, t, now)));
  if (tokens.length === 0) {
    io.info(opts.active || opts.inactive ? `No such tokens in ${opts.org}` : `${opts.org} has no organization access tokens: create one with hub-tokens create --org ${opts.org}`);
    return;
  }
  const c = io.color;
  const when = (d: Date | undefined) => (d ? relativeTime(d, now) : c.dim("never"));
  const columns: Column<OrgToken>[] = [
    { header: "ID", tty: (t) => t.id.slice(0, 8), plain: (t) => t.id },
    { header: "LABEL", tty: (t) => t.label, plain: (t) => t.label, truncate: true },
    { header: "RESOURCES", tty: (t) => t.resources.map(resourceWording).join(", "), plain: (t) => t.resources.map(resourceText).join(" "), truncate: true },
    { header: "STATUS", tty: (t) => colorStatus(io, tokenStatus(t, now)), plain: (t) => tokenStatus(t, now) },
    { header: "CREATED BY", tty: (t) => t.createdBy ?? "", plain: (t) => t.createdBy ?? "", drop: 3 },
    { header: "LAST USED", tty: (t) => when(t.lastUsedAt), plain: (t) => (t.lastUsedAt ? isoTime(t.lastUsedAt) : ""), drop: 2 },
    { header: "EXPIRES", tty: (t) => when(t.expiresAt), plain: (t) => (t.expiresAt ? isoTime(t.expiresAt) : ""), drop: 1 },
  ];
  const { dropped } = io.table(tokens, columns);
  if (!io.isTsv) {
    const active = all.filter((t) => t.isActive).length; // as the Hub counts them, like the personal list's footer
    io.print("");
    for (const line of listFooter(tokens.length, { total: all.length, activeCount: active }, opts.active ? "active" : opts.inactive ? "inactive" : undefined, dropped)) io.print(line);
  }
}

export async function runOrgCreate(opts: OrgCreateOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  const { io, prompter } = deps;
  // As create: flags first (exit 2), then the session, then questions.
  const resources = opts.resources.map(parseResource);
  if (resources.length === 0) throw new UsageError("an organization access token needs at least one --resource, such as repo:acme/app:repo-pull");
  checkGivenDetails(opts, deps.clock());
  const missing = [opts.label === undefined && "--label", opts.expires === undefined && "--expires"].filter(Boolean);
  if (missing.length > 0 && !io.canPrompt()) throw new UsageError(`no terminal to ask for the token's details: pass ${missing.join(", ")}`);
  const hub = await deps.hub();
  const label = await labelFrom(opts.label, prompter, "Token name:");
  const expires = opts.expires ?? (await askExpiry(prompter));
  const expiresAt = parseExpiry(expires, deps.clock());

  const created = await io.progress("Creating token", () =>
    hub.createOrgToken(opts.org, { label, ...(opts.description !== undefined ? { description: opts.description } : {}), resources, ...(expiresAt ? { expiresAt } : {}) }),
  );
  if (opts.json) io.json({ ...orgTokenJson(opts.org, created, deps.clock()), secret: created.secret });
  else io.print(created.secret);
  // Shown once, as for create: a secret that never reached stdout leaves a token nobody can read.
  await takeBackUndelivered(io, `${tokenName(created)} in ${opts.org}`, () => hub.deleteOrgToken(opts.org, created.id), "the command", `hub-tokens delete --org ${opts.org} ${created.id}`);
  const expiry = created.expiresAt ? `expires ${isoTime(created.expiresAt)}` : "never expires";
  io.info(`${io.color.green("✓")} Created ${io.color.bold(tokenName(created))} in ${opts.org}: ${created.resources.map(resourceWording).join(", ")}, ${expiry}`);
  if (io.isStderrTTY && !opts.json) io.info(`  Copy it now: the Hub never shows it again. Use it as the password of: docker login --username ${opts.org}`);
}

export async function runOrgInspect(opts: OrgTokensOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = pickTokens(await io.progress("Fetching tokens", () => hub.listOrgTokens(opts.org)), opts.tokens);
  const now = deps.clock();
  if (opts.json) return io.json(tokens.map((t) => orgTokenJson(opts.org, t, now)));
  const time = (d: Date | undefined, none: string) => inspectTime(io, d, now, none);
  printRecords(
    io,
    tokens.map((t): [string, string][] => [
      ["Label", io.color.bold(t.label)],
      ["ID", t.id],
      ["Organization", opts.org],
      ["Description", t.description || "none"],
      ["Resources", t.resources.map(resourceWording).join(", ") || "none"],
      ["Status", colorStatus(io, tokenStatus(t, now))],
      ["Created", time(t.createdAt, "")],
      ["Created by", t.createdBy ?? "unknown"],
      ["Last used", time(t.lastUsedAt, "never")],
      ["Expires", time(t.expiresAt, "never")],
    ]),
  );
}

/**
 * An organization's tokens, for the code delete and activate share with PATs. hubpat records which token Docker
 * holds only for the PATs it stores itself (create --docker-login, rotate), so none of these is ever marked held.
 */
export function orgTokens(org: string): TokenKind<OrgToken> {
  return {
    org,
    list: (hub) => hub.listOrgTokens(org),
    setActive: (hub, id, isActive) => hub.updateOrgToken(org, id, { isActive }),
    deleteAll: (hub, ids, options) => hub.deleteOrgTokens(org, ids, options),
    access: (t) => t.resources.map(resourceWording).join(", ") || "no resources",
    accessPlain: (t) => t.resources.map(resourceText).join(" "),
    // The contract names no organization scope that deletes or administers: nothing to call broad yet.
    broad: () => false,
    held: async () => null,
    json: (t, now) => orgTokenJson(org, t, now),
  };
}

/** activate / deactivate with --org. */
export async function runOrgSetActive(opts: OrgTokensOptions, deps: OrgDeps, isActive: boolean): Promise<void> {
  await setTokensActive(opts, orgTokens(opts.org), deps, isActive);
}

/** delete with --org: delete's rules (named tokens and/or --inactive/--expired; asks on a terminal, else --yes). */
export async function runOrgDelete(opts: OrgDeleteOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  await deleteOfKind(orgTokens(opts.org), opts, deps);
}
