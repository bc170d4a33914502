// Questions to a person, behind an interface so tests can script the answers (test/fakes/deps.ts) and so
// @inquirer/prompts loads only when a question is actually asked.
import { CancelError } from "../errors.js";

/** One choice of a `select` question. */
export interface Choice<T extends string> {
  value: T;
  name: string;
}

/** Asks a person things at the terminal. Every method rejects with CancelError on Ctrl-C. */
export interface Prompter {
  input(message: string, options?: { default?: string; validate?: (value: string) => string | true }): Promise<string>;
  /** Masked input: the answer is never echoed, not even once it is given. */
  password(message: string, options?: { validate?: (value: string) => string | true }): Promise<string>;
  confirm(message: string, options?: { default?: boolean }): Promise<boolean>;
  select<T extends string>(message: string, choices: readonly Choice<T>[], options?: { default?: T }): Promise<T>;
}

/** The Prompter over @inquirer/prompts, writing to `output` (stderr: prompts are not data). */
export function inquirerPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  const context = { input, output };
  const ask = async <T>(run: (p: typeof import("@inquirer/prompts")) => Promise<T>): Promise<T> => {
    const prompts = await import("@inquirer/prompts");
    try {
      return await run(prompts);
    } catch (err) {
      if (err instanceof Error && (err.name === "ExitPromptError" || err.name === "AbortPromptError")) {
        throw new CancelError("cancelled", { cause: err });
      }
      throw err;
    }
  };
  return {
    input: (message, o) =>
      ask((p) => p.input({ message, ...(o?.default !== undefined ? { default: o.default } : {}), ...(o?.validate ? { validate: o.validate } : {}) }, context)),
    password: (message, o) => ask((p) => p.password({ message, mask: "*", ...(o?.validate ? { validate: o.validate } : {}) }, context)),
    confirm: (message, o) => ask((p) => p.confirm({ message, default: o?.default ?? false }, context)),
    select: (message, choices, o) =>
      ask((p) => p.select({ message, choices: choices.map((c) => ({ value: c.value, name: c.name })), ...(o?.default !== undefined ? { default: o.default } : {}) }, context)),
  };
}
