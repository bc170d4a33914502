// Deletes what an audit flags: by default tokens unused for --unused-days, expired or inactive (not the merely
// never-used, expiring or broad ones, which may be new or in use). The token this machine's Docker holds is
// kept, whatever its flags. Confirmation, --yes, --dry-run and reporting are delete's own (deleteChosen).
import type { Deps } from "../cli/deps.js";
import { UsageError } from "../errors.js";
import { AUDIT_FLAGS, auditTokens, withAuditedKind, type AuditFlag, type Finding } from "./audit.js";
import { checkCanConfirm, deleteChosen } from "./delete.js";
import type { KindToken, TokenKind } from "./token-kind.js";
import { tokenName } from "./token-view.js";

export interface PruneOptions {
  /** An organization's access tokens instead of your own (`--org`). */
  org?: string;
  unusedDays: number;
  expiringDays: number;
  /** Which findings select a token for deletion. */
  select: AuditFlag[];
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}


/** `--select unused,expired`: audit flags, each known. */
export function parseFlags(text: string): AuditFlag[] {
  const flags = text.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = flags.filter((f) => !(AUDIT_FLAGS as readonly string[]).includes(f));
  if (unknown.length > 0 || flags.length === 0) throw new UsageError(`unknown finding "${unknown[0] ?? text}": use ${AUDIT_FLAGS.join(", ")}`);
  return [...new Set(flags as AuditFlag[])];
}

export async function runPrune(opts: PruneOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock" | "prompter">): Promise<void> {
  checkCanConfirm(opts, deps.io);
  await withAuditedKind(opts.org, deps, (kind) => pruneOf(kind, opts, deps));
}

async function pruneOf<T extends KindToken>(kind: TokenKind<T>, opts: PruneOptions, deps: Pick<Deps, "io" | "hub" | "clock" | "prompter">): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  const tokens = await io.progress("Fetching tokens", () => kind.list(hub));
  const now = deps.clock();
  const held = await kind.held();
  const findings = auditTokens(tokens, kind, now, opts);
  const chosen = findings.filter((f) => f.flags.some((flag) => opts.select.includes(flag)));
  const kept = chosen.find((f) => f.token.id === held?.tokenId);
  if (kept) io.warn(`Keeping ${tokenName(kept.token)} (${kept.flags.join(", ")}): Docker on this machine uses it; replace it with hub-tokens rotate`);
  const doomed = chosen.filter((f) => f !== kept).map((f) => f.token);
  await deleteChosen(doomed, opts, { kind, hub, now }, deps);
  const left = leftAlone(findings.filter((f) => !chosen.includes(f)), opts.select);
  if (left) io.info(left);
}

/** Why prune leaves a finding alone by default. */
const WHY_LEFT: Record<AuditFlag, string> = {
  "never-used": "may be new",
  unused: "not selected",
  expiring: "still works",
  expired: "not selected",
  inactive: "not selected",
  "broad-scope": "may be in use",
};

/**
 * What audit flags that prune leaves, counted by finding, and why: "Left alone: 6 tokens audit flags for findings
 * not in --select (unused,expired,inactive): 6 never-used (may be new); add a finding to --select to delete those too".
 */
export function leftAlone(findings: readonly Finding[], select: readonly AuditFlag[]): string | undefined {
  if (findings.length === 0) return undefined;
  const counts = AUDIT_FLAGS.map((flag) => [flag, findings.filter((f) => f.flags.includes(flag)).length] as const).filter(([, n]) => n > 0);
  const parts = counts.map(([flag, n]) => `${n} ${flag} (${WHY_LEFT[flag]})`);
  const tokens = `${findings.length} ${findings.length === 1 ? "token" : "tokens"}`;
  return `Left alone: ${tokens} audit flags for findings not in --select (${select.join(",")}): ${parts.join(", ")}; add a finding to --select to delete those too`;
}
