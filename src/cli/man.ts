// The manual pages, hub-tokens(1) and docker-credential-hubpat(1), in roff (man(7)). hub-tokens(1) walks the
// same commander tree `--help` prints, with commander's own Help for every term and description, so a command or
// flag added to program.ts is in the manual at the next build. scripts/build.mjs writes them to dist/man/.
import type { Command, Help } from "commander";
import { ExitCode } from "../errors.js";
import { HELPER_NAME, NOT_FOUND, USAGE } from "../helper/protocol.js";

/** Text as roff reads it: backslashes and hyphens escaped, no line starting with a control character. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .split("\n")
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join("\n");
}

/** A term in bold, the way man pages show what is typed (`.B` takes no spaces unquoted: \fB…\fR does). */
const bold = (s: string) => `\\fB${roff(s)}\\fR`;

/** A tagged paragraph: the term on its own line, the description indented under it. */
const tagged = (term: string, description: string) => `.TP\n${bold(term)}\n${roff(description)}`;

/** Text a command adds after its help (the examples), as its afterHelp listeners write it. */
function afterHelp(cmd: Command): string {
  let text = "";
  // Commander keeps addHelpText("after", …) as listeners of its afterHelp event (a Command is an EventEmitter).
  for (const listener of (cmd as unknown as NodeJS.EventEmitter).listeners("afterHelp")) (listener as (c: object) => void)({ error: false, command: cmd, write: (s: string) => void (text += s) });
  return text.trim();
}

/** One command's section: its usage, what it does, its arguments, options and examples. */
function commandSection(cmd: Command, help: Help, path: string): string[] {
  const names = [cmd.name(), ...cmd.aliases()].join(", ");
  const lines = [`.SS ${bold(names)}`, `${bold(`${path} ${cmd.name()}`)} ${roff(cmd.usage())}`, ".PP", roff(help.commandDescription(cmd))];
  const args = help.visibleArguments(cmd).filter((a) => a.description);
  for (const a of args) lines.push(tagged(help.argumentTerm(a), help.argumentDescription(a)));
  for (const o of help.visibleOptions(cmd).filter((o) => !/(^|, )--help$/.test(o.flags))) lines.push(tagged(help.optionTerm(o), help.optionDescription(o)));
  const after = afterHelp(cmd);
  if (after) lines.push(".PP", ".nf", roff(after), ".fi");
  for (const sub of help.visibleCommands(cmd)) lines.push(...commandSection(sub, help, `${path} ${cmd.name()}`));
  return lines;
}

/** The header every page starts with: no date, so a build is the same whatever day it runs. */
const header = (name: string, version: string) => `.TH ${name.toUpperCase()} 1 "" "hubpat ${version}" "User Commands"`;

const EXIT_STATUS: [number, string][] = [
  [ExitCode.ok, "success"],
  [ExitCode.failure, "a failure, said in one line on standard error"],
  [ExitCode.usage, "a wrong command, flag or argument"],
  [ExitCode.auth, "not logged in, or the Hub rejected the session (run hub-tokens login)"],
  [ExitCode.cancelled, "cancelled (Ctrl-C)"],
];

const ENVIRONMENT: [string, string][] = [
  ["HUBPAT_HUB_URL", "the Docker Hub base URL (as --hub-url)"],
  ["HUBPAT_STORE", "where secrets are kept: keychain, pass, kernel or file"],
  ["HUBPAT_INSECURE_STORAGE", "1: keep secrets in a plain 0600 file (as --insecure-storage)"],
  ["HUBPAT_CONFIG_DIR", "the settings directory (default: the platform's, ~/.config/hubpat on Linux)"],
  ["HUBPAT_DEBUG", "1: print the stack trace of an unexpected error"],
  ["DOCKER_CONFIG", "Docker's configuration directory (default ~/.docker)"],
  ["NO_COLOR, FORCE_COLOR", "colour off, or on even when not a terminal"],
];

/** hub-tokens(1), from the program's commander tree. */
export function tokensManPage(program: Command, version: string): string {
  const help = program.createHelp();
  const name = program.name();
  const lines = [
    header(name, version),
    ".SH NAME",
    `${roff(name)} \\- ${roff(help.commandDescription(program))}`,
    ".SH SYNOPSIS",
    `${bold(name)} ${roff("[global options] <command> [options] [arguments]")}`,
    ".SH DESCRIPTION",
    roff("Docker Hub's personal access tokens page in a terminal: log in with your password and 2FA code (the session goes to the OS keychain, the password nowhere), then create, list, inspect, rename, activate, deactivate, delete, rotate and audit tokens. Docker's own copy of a token is served by docker-credential-hubpat(1)."),
    ".SH GLOBAL OPTIONS",
    ...help.visibleOptions(program).map((o) => tagged(help.optionTerm(o), help.optionDescription(o))),
    ".SH COMMANDS",
    ...help.visibleCommands(program).flatMap((c) => commandSection(c, help, name)),
    ".SH ENVIRONMENT",
    ...ENVIRONMENT.map(([k, v]) => tagged(k, v)),
    ".SH EXIT STATUS",
    ...EXIT_STATUS.map(([code, what]) => tagged(String(code), what)),
    roff("A reader that stops early (| head, | grep -q) is not an error."),
    ".SH SEE ALSO",
    `${bold(HELPER_NAME)}(1), ${bold("docker-login")}(1)`,
  ];
  return `${lines.join("\n")}\n`;
}

/** docker-credential-hubpat(1): the helper's actions, as Docker's credential-helper protocol defines them. */
export function helperManPage(version: string): string {
  const actions: [string, string][] = [
    ["get", `reads a server URL on standard input and prints {"ServerURL","Username","Secret"} as JSON; prints "${NOT_FOUND}" and exits 1 when nothing is stored for it`],
    ["store", 'reads {"ServerURL","Username","Secret"} as JSON on standard input and keeps it in the OS keychain'],
    ["erase", "reads a server URL on standard input and removes what is stored for it"],
    ["list", "prints every stored server URL with its username, as a JSON object"],
    ["version", "prints the version"],
  ];
  const lines = [
    header(HELPER_NAME, version),
    ".SH NAME",
    `${roff(HELPER_NAME)} \\- ${roff("Docker credential helper keeping registry credentials in the OS keychain")}`,
    ".SH SYNOPSIS",
    `${bold(HELPER_NAME)} ${roff(USAGE.replace(/^Usage: \S+ /, ""))}`,
    ".SH DESCRIPTION",
    roff(`Docker runs ${HELPER_NAME} for docker login, pull, push and logout once ~/.docker/config.json says "credsStore": "hubpat" (or names it in "credHelpers"); hub-tokens setup writes that. Secrets go to the Secret Service on Linux (GNOME Keyring, KWallet, KeePassXC), the Keychain on macOS, the Credential Manager on Windows. A missing or locked keychain answers "not found", so an anonymous docker pull still works.`),
    ".SH ACTIONS",
    ...actions.map(([a, d]) => tagged(a, d)),
    ".SH ENVIRONMENT",
    ...ENVIRONMENT.filter(([k]) => k.startsWith("HUBPAT_STORE") || k.startsWith("HUBPAT_INSECURE") || k.startsWith("HUBPAT_CONFIG")).map(([k, v]) => tagged(k, v)),
    ".SH EXIT STATUS",
    tagged("0", "success"),
    tagged("1", "a failure or not found; the reason is on standard output, as Docker reads it"),
    ".SH SEE ALSO",
    `${bold("hub-tokens")}(1), ${bold("docker-login")}(1)`,
  ];
  return `${lines.join("\n")}\n`;
}
