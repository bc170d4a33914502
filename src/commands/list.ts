// Every token of the account (all pages), as the Hub's Security page lists them, plus which one this
// machine's Docker holds.
import type { Deps } from "../cli/deps.js";
import { isoTime, relativeTime, type Column } from "../cli/io.js";
import type { Token } from "../hub/types.js";
import { inTokenSet } from "./token-sets.js";
import { colorStatus, dockerHeld, scopeWording, tokenJson, tokenStatus } from "./token-view.js";

export interface ListOptions {
  active: boolean;
  inactive: boolean;
  /** `-q`: the full IDs only, one a line. */
  quiet?: boolean;
  json: boolean;
}

export async function runList(opts: ListOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock" | "config" | "hubUrl" | "tokenCache">): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  // The count the last list saw lets the client ask for every page at once instead of page 1 first.
  const expectedCount = deps.config.lastTokenCount(deps.hubUrl);
  // A spinner until page 1 tells how many pages there are; then, for a long list, a bar counting them.
  let bar: ReturnType<typeof io.bar> | undefined;
  const onProgress = (pages: number, of: number) => {
    if (of < 3) return;
    bar ??= io.bar(`Listing ${of} pages of tokens`, of);
    bar.update(pages);
  };
  const list = await io.progress("Listing tokens", async () => {
    try {
      return await hub.listTokens({ ...(expectedCount === undefined ? {} : { expectedCount }), onProgress });
    } finally {
      bar?.end();
    }
  });
  deps.config.setLastTokenCount(deps.hubUrl, list.total);
  await deps.tokenCache?.(list.tokens);
  const now = deps.clock();
  const held = await dockerHeld(deps.store, io);
  const tokens = list.tokens.filter((t) => (opts.active ? inTokenSet("active", t, now) : opts.inactive ? inTokenSet("inactive", t, now) : true));

  if (opts.quiet) {
    for (const t of tokens) io.print(t.id);
    return;
  }
  if (opts.json) return io.json(tokens.map((t) => tokenJson(t, now, held)));
  if (tokens.length === 0) {
    io.info(opts.active ? "No active tokens" : opts.inactive ? "No inactive tokens" : "No tokens: create one with hub-tokens create");
    return;
  }
  const c = io.color;
  const when = (d: Date | undefined, none: string) => (d ? relativeTime(d, now) : none);
  const columns: Column<Token>[] = [
    { header: "ID", tty: (t) => t.id.slice(0, 8), plain: (t) => t.id },
    { header: "LABEL", tty: (t) => t.label, suffix: (t) => (held?.tokenId === t.id ? ` ${c.cyan("[docker]")}` : ""), plain: (t) => t.label, truncate: true },
    { header: "SCOPE", tty: (t) => scopeWording(t), plain: (t) => t.scopes.join(","), drop: 3 },
    { header: "STATUS", tty: (t) => colorStatus(io, tokenStatus(t, now)), plain: (t) => tokenStatus(t, now) },
    { header: "CREATED", tty: (t) => relativeTime(t.createdAt, now), plain: (t) => isoTime(t.createdAt), drop: 4 },
    { header: "LAST USED", tty: (t) => when(t.lastUsedAt, c.dim("never")), plain: (t) => (t.lastUsedAt ? isoTime(t.lastUsedAt) : ""), drop: 2 },
    { header: "EXPIRES", tty: (t) => when(t.expiresAt, c.dim("never")), plain: (t) => (t.expiresAt ? isoTime(t.expiresAt) : ""), drop: 1 },
    { header: "DOCKER", tty: () => "", plain: (t) => (held?.tokenId === t.id ? "docker" : ""), plainOnly: true },
  ];
  const { dropped } = io.table(tokens, columns);
  if (!io.isTsv) {
    io.print("");
    for (const line of listFooter(tokens.length, list, opts.active ? "active" : opts.inactive ? "inactive" : undefined, dropped)) io.print(line);
  }
}

/**
 * The lines under the table: what is shown, with the Hub toolbar's figures for the whole account
 * ("1 of 4 tokens (inactive); 3 active, 1 inactive": is_active as the Hub counts it), then the columns the terminal had no room for.
 */
export function listFooter(shown: number, all: { total: number; activeCount: number }, filter: string | undefined, dropped: readonly string[]): string[] {
  const account = `${all.activeCount} active, ${all.total - all.activeCount} inactive`;
  const count = filter === undefined && shown === all.total ? `${all.total} ${all.total === 1 ? "token" : "tokens"}` : `${shown} of ${all.total} tokens${filter ? ` (${filter})` : ""}`;
  return [`${count}; ${account}`, ...(dropped.length > 0 ? [`Hidden to fit: ${dropped.join(", ")} (--format tsv has all)`] : [])];
}
