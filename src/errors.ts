/** Exit codes shared by both faces (see README "Exit codes"). */
export const ExitCode = { ok: 0, failure: 1, usage: 2, findings: 3, auth: 4, cancelled: 130 } as const;

/** A failure the user can act on: one lowercase sentence, optionally a hint naming the fix. */
export class HubpatError extends Error {
  readonly exitCode: number = ExitCode.failure;
  readonly hint?: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint !== undefined) this.hint = options.hint;
  }
}

/** Bad flags or arguments: exit 2, and the CLI prints usage. */
export class UsageError extends HubpatError {
  override readonly exitCode: number = ExitCode.usage;
}

/** Not logged in, or the Hub rejected the session: exit 4. */
export class AuthError extends HubpatError {
  override readonly exitCode: number = ExitCode.auth;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, { hint: "run: hub-tokens login", ...options });
  }
}

/** `audit --exit-code` flagged something: exit 3, so CI can tell findings (3) from a failed audit (1). */
export class FindingsError extends HubpatError {
  override readonly exitCode: number = ExitCode.findings;
}

/** The user said no or pressed Ctrl-C: exit 130. */
export class CancelError extends HubpatError {
  override readonly exitCode: number = ExitCode.cancelled;
}

/** A failed system call's code ("ENOENT", "EACCES"), or undefined for any other error. */
export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** What went wrong, in words: an Error's message, or anything else thrown as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One line for the user: the message, then the hint after a colon-free separator. Never a stack. */
export function formatError(err: unknown): string {
  if (err instanceof HubpatError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return messageOf(err);
}

/** The exit code an error maps to: its own for ours, 1 for anything else. */
export function exitCodeOf(err: unknown): number {
  return err instanceof HubpatError ? err.exitCode : ExitCode.failure;
}
