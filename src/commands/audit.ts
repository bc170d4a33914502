// Flags the tokens worth a second look: never used, unused for a while, expiring soon, expired, inactive, or with
// the broadest scope (repo:admin can delete repositories). `prune` deletes a chosen part of the same findings.
import type { Deps } from "../cli/deps.js";
import { FindingsError } from "../errors.js";
import { isoTime, relativeTime, type Column } from "../cli/io.js";
import { orgTokens } from "./org-tokens.js";
import { orgWording, personalTokens, type KindToken, type TokenKind } from "./token-kind.js";
import { inTokenSet } from "./token-sets.js";
import { colorStatus, tokenStatus } from "./token-view.js";

/** What an audit can find about a token. */
export const AUDIT_FLAGS = ["never-used", "unused", "expiring", "expired", "inactive", "broad-scope"] as const;
export type AuditFlag = (typeof AUDIT_FLAGS)[number];

export interface AuditOptions {
  /** An organization's access tokens instead of your own (`--org`). */
  org?: string;
  /** Not used (or, never used, not created) for this many days: flagged "unused". */
  unusedDays: number;
  /** Active and expiring within this many days: flagged "expiring". */
  expiringDays: number;
  /** `--exit-code`: exit 3 when anything is flagged, for CI. */
  exitCode?: boolean;
  json: boolean;
}

/** A token and what the audit found. */
export interface Finding<T extends KindToken = KindToken> {
  token: T;
  flags: AuditFlag[];
}

const DAY = 86_400_000;

/** Whether a token still works at `now` and stops within `days` days: audit's "expiring", doctor's "Expiring tokens". */
export function expiresWithin(t: KindToken, now: Date, days: number): boolean {
  return inTokenSet("active", t, now) && t.expiresAt !== undefined && t.expiresAt.getTime() - now.getTime() <= days * DAY;
}

/** The flags of one token at `now`, in AUDIT_FLAGS order; `broad` says whether its access is the broadest. */
export function auditToken(t: KindToken, now: Date, o: Pick<AuditOptions, "unusedDays" | "expiringDays">, broad: boolean): AuditFlag[] {
  const lastSeen = (t.lastUsedAt ?? t.createdAt).getTime();
  const flags: Record<AuditFlag, boolean> = {
    "never-used": t.lastUsedAt === undefined,
    unused: now.getTime() - lastSeen >= o.unusedDays * DAY,
    expiring: expiresWithin(t, now, o.expiringDays),
    expired: inTokenSet("expired", t, now),
    inactive: inTokenSet("inactive", t, now),
    "broad-scope": broad,
  };
  return AUDIT_FLAGS.filter((f) => flags[f]);
}

/** Every token with at least one flag, in the Hub's order. */
export function auditTokens<T extends KindToken>(tokens: readonly T[], kind: Pick<TokenKind<T>, "broad">, now: Date, o: Pick<AuditOptions, "unusedDays" | "expiringDays">): Finding<T>[] {
  return tokens.map((token) => ({ token, flags: auditToken(token, now, o, kind.broad(token)) })).filter((f) => f.flags.length > 0);
}

/** Runs `run` with the kind of token `--org` (or its absence) asks for: audit's and prune's one switch. */
export function withAuditedKind<R>(org: string | undefined, deps: Pick<Deps, "io" | "store">, run: <T extends KindToken>(kind: TokenKind<T>) => R): R {
  return org === undefined ? run(personalTokens(deps)) : run(orgTokens(org));
}

/** A flag in words for a person: "unused for 4 months", "expires in 3 days". */
export function describeFlag(flag: AuditFlag, t: KindToken, now: Date): string {
  switch (flag) {
    case "never-used":
      return "never used";
    case "unused":
      return t.lastUsedAt ? `last used ${relativeTime(t.lastUsedAt, now)}` : `unused since created ${relativeTime(t.createdAt, now)}`;
    case "expiring":
      return `expires ${relativeTime(t.expiresAt!, now)}`;
    case "expired":
      return `expired ${relativeTime(t.expiresAt!, now)}`;
    case "inactive":
      return "inactive";
    case "broad-scope":
      return "broad scope (repo:admin)";
  }
}

export async function runAudit(opts: AuditOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock">): Promise<void> {
  await withAuditedKind(opts.org, deps, (kind) => auditOf(kind, opts, deps));
}

async function auditOf<T extends KindToken>(kind: TokenKind<T>, opts: AuditOptions, deps: Pick<Deps, "io" | "hub" | "clock">): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = await io.progress("Fetching tokens", () => kind.list(hub));
  const now = deps.clock();
  const held = await kind.held();
  const findings = auditTokens(tokens, kind, now, opts);

  const counted = `${tokens.length} ${tokens.length === 1 ? "token" : "tokens"}${orgWording(kind, "of")}`;
  // After the output, whatever its format: the JSON or table is still printed for the CI log.
  const gate = () => {
    if (opts.exitCode && findings.length > 0) throw new FindingsError(`${findings.length} of ${counted} flagged`, { hint: "audit --exit-code" });
  };
  if (opts.json) {
    io.json(findings.map((f) => ({ ...kind.json(f.token, now, held), flags: f.flags })));
    return gate();
  }
  if (findings.length === 0) {
    io.info(`No findings among ${counted}`);
    return;
  }
  const c = io.color;
  const columns: Column<Finding<T>>[] = [
    { header: "ID", tty: (f) => f.token.id.slice(0, 8), plain: (f) => f.token.id },
    { header: "LABEL", tty: (f) => f.token.label, suffix: (f) => (held?.tokenId === f.token.id ? ` ${c.cyan("[docker]")}` : ""), plain: (f) => f.token.label, truncate: true },
    { header: kind.org === undefined ? "SCOPE" : "RESOURCES", tty: (f) => kind.access(f.token), plain: (f) => kind.accessPlain(f.token), drop: 2 },
    { header: "STATUS", tty: (f) => colorStatus(io, tokenStatus(f.token, now)), plain: (f) => tokenStatus(f.token, now) },
    { header: "LAST USED", tty: (f) => (f.token.lastUsedAt ? relativeTime(f.token.lastUsedAt, now) : c.dim("never")), plain: (f) => (f.token.lastUsedAt ? isoTime(f.token.lastUsedAt) : ""), drop: 1 },
    { header: "FINDINGS", tty: (f) => f.flags.map((flag) => describeFlag(flag, f.token, now)).join(", "), plain: (f) => f.flags.join(","), truncate: true },
  ];
  io.table(findings, columns);
  if (io.isStdoutTTY) {
    io.print("");
    io.print(`${findings.length} of ${counted} flagged (unused: ${opts.unusedDays} days, expiring: within ${opts.expiringDays} days)`);
  }
  gate();
}
