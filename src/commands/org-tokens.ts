// Organization access tokens (`--org NAME` on list, create, inspect, activate, deactivate and delete): the same
// commands over /v2/orgs/{name}/access-tokens. An OAT has resources (a repository or the organization, each with
// its own scopes such as repo-pull) where a PAT has one scope, and only the organization's owners manage them.
import type { Deps } from "../cli/deps.js";
import { isoTime, relativeTime, type Column } from "../cli/io.js";
import { AuthError, CancelError, HubpatError, UsageError } from "../errors.js";
import { NotFoundError } from "../hub/errors.js";
import type { OrgToken, OrgTokenResource } from "../hub/types.js";
import { EXPIRY_PRESETS, checkLabel, parseExpiry } from "./create.js";
import { checkCanConfirm, type DeleteOptions } from "./delete.js";
import { pickTokens } from "./resolve.js";
import { colorStatus, inspectTime, printRecords, tokenName, tokenStatus } from "./token-view.js";

export interface OrgListOptions {
  org: string;
  active: boolean;
  inactive: boolean;
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
  const tokens = all.filter((t) => (opts.active ? tokenStatus(t, now) === "active" : opts.inactive ? tokenStatus(t, now) !== "active" : true));
  if (opts.json) return io.json(tokens.map((t) => orgTokenJson(opts.org, t, now)));
  if (tokens.length === 0) {
    io.info(opts.active || opts.inactive ? `No such tokens in ${opts.org}` : `${opts.org} has no organization access tokens: create one with hub-tokens create --org ${opts.org}`);
    return;
  }
  const c = io.color;
  const when = (d: Date | undefined) => (d ? relativeTime(d, now) : c.dim("never"));
  const columns: Column<OrgToken>[] = [
    { header: "ID", tty: (t) => t.id.slice(0, 8), plain: (t) => t.id },
    { header: "LABEL", tty: (t) => t.label, plain: (t) => t.label },
    { header: "RESOURCES", tty: (t) => t.resources.map(resourceWording).join(", "), plain: (t) => t.resources.map(resourceText).join(" ") },
    { header: "STATUS", tty: (t) => colorStatus(io, tokenStatus(t, now)), plain: (t) => tokenStatus(t, now) },
    { header: "CREATED BY", tty: (t) => t.createdBy ?? "", plain: (t) => t.createdBy ?? "" },
    { header: "LAST USED", tty: (t) => when(t.lastUsedAt), plain: (t) => (t.lastUsedAt ? isoTime(t.lastUsedAt) : "") },
    { header: "EXPIRES", tty: (t) => when(t.expiresAt), plain: (t) => (t.expiresAt ? isoTime(t.expiresAt) : "") },
  ];
  io.table(tokens, columns);
}

export async function runOrgCreate(opts: OrgCreateOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  const { io, prompter } = deps;
  const resources = opts.resources.map(parseResource);
  if (resources.length === 0) throw new UsageError("an organization access token needs at least one --resource, such as repo:acme/app:repo-pull");
  const missing = [opts.label === undefined && "--label", opts.expires === undefined && "--expires"].filter(Boolean);
  if (missing.length > 0 && !io.canPrompt()) throw new UsageError(`no terminal to ask for the token's details: pass ${missing.join(", ")}`);
  const label = checkLabel(opts.label ?? (await prompter.input("Token name:", { validate: (v) => (v.trim().length >= 1 && v.trim().length <= 100 ? true : "1 to 100 characters") })));
  const expires = opts.expires ?? (await prompter.select("Expiration date:", Object.keys(EXPIRY_PRESETS).map((p) => ({ value: p, name: p })), { default: "30d" }));
  const expiresAt = parseExpiry(expires, deps.clock());

  const hub = await deps.hub();
  const created = await io.progress("Creating token", () =>
    hub.createOrgToken(opts.org, { label, ...(opts.description !== undefined ? { description: opts.description } : {}), resources, ...(expiresAt ? { expiresAt } : {}) }),
  );
  if (opts.json) io.json({ ...orgTokenJson(opts.org, created, deps.clock()), secret: created.secret });
  else io.print(created.secret);
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

/** activate / deactivate with --org. */
export async function runOrgSetActive(opts: OrgTokensOptions, deps: OrgDeps, isActive: boolean): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = pickTokens(await io.progress("Fetching tokens", () => hub.listOrgTokens(opts.org)), opts.tokens);
  const done: OrgToken[] = [];
  for (const token of tokens) {
    const updated = await io.progress(`${isActive ? "Activating" : "Deactivating"} ${token.label}`, () => hub.updateOrgToken(opts.org, token.id, { isActive }));
    done.push(updated);
    io.info(`${io.color.green("✓")} ${isActive ? "Activated" : "Deactivated"} ${tokenName(updated)} in ${opts.org}`);
  }
  if (opts.json) io.json(done.map((t) => orgTokenJson(opts.org, t, deps.clock())));
}

/** delete with --org: delete's rules (named tokens and/or --inactive/--expired; asks on a terminal, else --yes). */
export async function runOrgDelete(opts: OrgDeleteOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  const { io } = deps;
  if (opts.tokens.length === 0 && !opts.inactive && !opts.expired) throw new UsageError("name the tokens to delete, or pass --inactive or --expired");
  checkCanConfirm(opts, io);
  const hub = await deps.hub();
  const all = await io.progress("Fetching tokens", () => hub.listOrgTokens(opts.org));
  const now = deps.clock();
  const inSet = all.filter((t) => (opts.inactive && tokenStatus(t, now) === "inactive") || (opts.expired && tokenStatus(t, now) === "expired"));
  const doomed = [...new Set([...pickTokens(all, opts.tokens), ...inSet])];
  if (doomed.length === 0) {
    if (opts.json) io.json([]);
    io.info("No tokens to delete");
    return;
  }
  const count = `${doomed.length} ${doomed.length === 1 ? "token" : "tokens"}`;
  const describe = (t: OrgToken) => `${tokenName(t)}, ${t.resources.map(resourceWording).join(", ") || "no resources"}, ${tokenStatus(t, now)}`;
  if (opts.dryRun) {
    if (opts.json) return io.json(doomed.map((t) => orgTokenJson(opts.org, t, now)));
    io.info(`Would delete ${count} of ${opts.org}:`);
    for (const t of doomed) io.info(`  ${describe(t)}`);
    return;
  }
  if (!opts.yes) {
    io.info(`About to delete ${count} of ${opts.org}:`);
    for (const t of doomed) io.info(`  ${describe(t)}`);
    if (!(await deps.prompter.confirm(`Delete ${count}? This cannot be undone.`, { default: false }))) throw new CancelError("nothing deleted");
  }
  const failed: string[] = [];
  let firstFailure: unknown;
  for (const t of doomed) {
    try {
      await io.progress(`Deleting ${t.label}`, () => hub.deleteOrgToken(opts.org, t.id));
      io.info(`${io.color.green("✓")} Deleted ${tokenName(t)} from ${opts.org}`);
    } catch (err) {
      if (err instanceof NotFoundError) {
        io.info(`${io.color.green("✓")} ${tokenName(t)} was already deleted`);
        continue;
      }
      firstFailure ??= err;
      failed.push(`${tokenName(t)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failed.length > 0) {
    // As delete does: a rejected session still exits 4 and says to log in; anything else is a plain failure.
    const Failure = firstFailure instanceof AuthError ? AuthError : HubpatError;
    throw new Failure(`deleted ${doomed.length - failed.length} of ${doomed.length} tokens; not ${failed.join("; ")}`, { cause: firstFailure });
  }
  if (opts.json) io.json(doomed.map((t) => orgTokenJson(opts.org, t, now)));
}
