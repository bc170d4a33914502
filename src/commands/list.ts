// Every token of the account (all pages), as the Hub's Security page lists them, plus which one this
// machine's Docker holds.
import type { Deps } from "../cli/deps.js";
import { isoTime, relativeTime, type Column } from "../cli/io.js";
import type { Token } from "../hub/types.js";
import { colorStatus, dockerHeld, scopeWording, tokenJson, tokenStatus } from "./token-view.js";

export interface ListOptions {
  active: boolean;
  inactive: boolean;
  json: boolean;
}

export async function runList(opts: ListOptions, deps: Pick<Deps, "io" | "hub" | "store" | "clock" | "config" | "hubUrl">): Promise<void> {
  const { io } = deps;
  const hub = await deps.hub();
  // The count the last list saw lets the client ask for every page at once instead of page 1 first.
  const expectedCount = deps.config.lastTokenCount(deps.hubUrl);
  const list = await io.progress("Listing tokens", () => hub.listTokens(expectedCount === undefined ? {} : { expectedCount }));
  deps.config.setLastTokenCount(deps.hubUrl, list.total);
  const now = deps.clock();
  const held = await dockerHeld(deps.store, io);
  const tokens = list.tokens.filter((t) => (opts.active ? tokenStatus(t, now) === "active" : opts.inactive ? tokenStatus(t, now) !== "active" : true));

  if (opts.json) return io.json(tokens.map((t) => tokenJson(t, now, held)));
  if (tokens.length === 0) {
    io.info(opts.active ? "No active tokens" : opts.inactive ? "No inactive or expired tokens" : "No tokens: create one with hub-tokens create");
    return;
  }
  const c = io.color;
  const when = (d: Date | undefined, none: string) => (d ? relativeTime(d, now) : none);
  const columns: Column<Token>[] = [
    { header: "ID", tty: (t) => t.id.slice(0, 8), plain: (t) => t.id },
    { header: "LABEL", tty: (t) => (held?.tokenId === t.id ? `${t.label} ${c.cyan("[docker]")}` : t.label), plain: (t) => t.label },
    { header: "SCOPE", tty: (t) => scopeWording(t), plain: (t) => t.scopes.join(",") },
    { header: "STATUS", tty: (t) => colorStatus(io, tokenStatus(t, now)), plain: (t) => tokenStatus(t, now) },
    { header: "CREATED", tty: (t) => relativeTime(t.createdAt, now), plain: (t) => isoTime(t.createdAt) },
    { header: "LAST USED", tty: (t) => when(t.lastUsedAt, c.dim("never")), plain: (t) => (t.lastUsedAt ? isoTime(t.lastUsedAt) : "") },
    { header: "EXPIRES", tty: (t) => when(t.expiresAt, c.dim("never")), plain: (t) => (t.expiresAt ? isoTime(t.expiresAt) : "") },
    { header: "DOCKER", tty: () => "", plain: (t) => (held?.tokenId === t.id ? "docker" : "") },
  ];
  io.table(tokens, io.isStdoutTTY ? columns.slice(0, -1) : columns);
  if (io.isStdoutTTY) {
    // The Hub toolbar's figures: every token of the account, whatever the filter.
    io.print("");
    io.print(`${list.total} ${list.total === 1 ? "token" : "tokens"}: ${list.activeCount} active, ${list.total - list.activeCount} inactive`);
  }
}
