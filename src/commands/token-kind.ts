// What delete and activate/deactivate need to know of a kind of token, so one implementation serves the account's
// own tokens (PATs) and an organization's (OATs, `--org`): how to reach them through the Hub client, how a token's
// access reads, how it prints as JSON, and whether this machine's Docker holds one.
import type { Deps } from "../cli/deps.js";
import type { BulkDeleteOptions, BulkDeleteResult, Hub, Token } from "../hub/types.js";
import { dockerHeld, scopeWording, tokenJson, type DockerHeld } from "./token-view.js";

/** What the shared commands read of any token (audit also reads when it was made and last used). */
export type KindToken = Pick<Token, "id" | "label" | "isActive" | "expiresAt" | "createdAt" | "lastUsedAt">;

export interface TokenKind<T extends KindToken> {
  /** The organization whose tokens these are, named in messages ("Deleted ci (0d8f2a1c) from acme"); none for PATs. */
  org?: string;
  /** Every token (all pages). */
  list(hub: Hub): Promise<T[]>;
  setActive(hub: Hub, id: string, isActive: boolean): Promise<T>;
  /** One DELETE per token, paced; each failure comes back in `failed` (see Hub.deleteTokens). */
  deleteAll(hub: Hub, ids: string[], options: BulkDeleteOptions): Promise<BulkDeleteResult>;
  /** What a token may do, as a person reads it: "Read-only", "repo:acme/app (repo-pull)". */
  access(token: T): string;
  /** The same for pipes, in the form the flags take: "repo:read", "repo:acme/app:repo-pull". */
  accessPlain(token: T): string;
  /** Whether audit flags the token's access as broad (a PAT that can delete repositories). */
  broad(token: T): boolean;
  /** The token this machine's Docker holds, when it is of this kind; read once however often asked. */
  held(): Promise<DockerHeld | null>;
  /** A token as --json prints it. */
  json(token: T, now: Date, held: DockerHeld | null): object;
}

/** The account's own tokens (PATs). */
export function personalTokens(deps: Pick<Deps, "io" | "store">): TokenKind<Token> {
  let held: Promise<DockerHeld | null> | undefined;
  return {
    list: async (hub) => (await hub.listTokens()).tokens,
    setActive: (hub, id, isActive) => hub.updateToken(id, { isActive }),
    deleteAll: (hub, ids, options) => hub.deleteTokens(ids, options),
    access: scopeWording,
    accessPlain: (t) => t.scopes.join(","),
    broad: (t) => t.scopes.includes("repo:admin"),
    held: () => (held ??= dockerHeld(deps.store, deps.io)),
    json: tokenJson,
  };
}

/** " of acme", " from acme", " in acme" after a message about an organization's tokens; nothing for PATs. */
export function orgWording(kind: { org?: string }, preposition: "of" | "from" | "in"): string {
  return kind.org === undefined ? "" : ` ${preposition} ${kind.org}`;
}
