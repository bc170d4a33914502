// argv → options, and nothing more (STYLE rule 5): each action builds its command's options object and loads
// the command's module only then, so `hub-tokens --help` parses no command code.
import { Argument, Command, Option } from "commander";
import { UsageError } from "../errors.js";
import type { ActivateOptions } from "../commands/activate.js";
import type { AuditOptions } from "../commands/audit.js";
import type { CreateOptions } from "../commands/create.js";
import type { DeactivateOptions } from "../commands/deactivate.js";
import type { DeleteOptions } from "../commands/delete.js";
import type { DoctorOptions } from "../commands/doctor.js";
import type { InspectOptions } from "../commands/inspect.js";
import type { InstallOptions } from "../commands/install.js";
import type { ListOptions } from "../commands/list.js";
import type { OrgCreateOptions, OrgDeleteOptions, OrgListOptions, OrgTokensOptions } from "../commands/org-tokens.js";
import type { LoginOptions } from "../commands/login.js";
import type { LogoutOptions } from "../commands/logout.js";
import type { PruneOptions } from "../commands/prune.js";
import type { RenameOptions } from "../commands/rename.js";
import type { RotateOptions } from "../commands/rotate.js";
import type { SetupOptions } from "../commands/setup.js";
import type { StatusOptions } from "../commands/status.js";
import { STORE_KINDS, type StoreKind } from "../store/store.js";
import type { SwitchOptions } from "../commands/switch.js";
import { TOKEN_SETS_HELP } from "../commands/token-sets.js";
import { VERSION } from "../version.js";
import { checkHubUrl } from "../hub/url.js";
import { DEFAULT_AUTH_URL } from "../hub/oauth-defaults.js";
import { checkAccountName } from "./session.js";
import { DEFAULT_HUB_URL, type Deps, type GlobalOptions } from "./deps.js";
import { AUDIT_FIELDS, CREATED_FIELDS, DOCTOR_FIELDS, FORMAT_HELP, ORG_TOKEN_FIELDS, parseFormat, ROTATE_FIELDS, STATUS_FIELDS, TOKEN_FIELDS, type OutputFormat } from "./format.js";

/** What the program needs from its surroundings. */
export interface ProgramContext {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Builds the dependencies once the global flags are known. */
  makeDeps: (globals: GlobalOptions) => Promise<Deps>;
  /** Tests: receives each command's name and options instead of running it (cli/cli's runF). */
  runF?: (command: string, options: unknown, globals: GlobalOptions) => void;
}

/** The shells `hub-tokens completion` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** A Hub base URL: https, or http only on a loopback host (the emulator). No trailing slash. */
export function parseHubUrl(text: string): string {
  return checkHubUrl(text).href.replace(/\/+$/, "");
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}`;

/** The `hub-tokens` command tree. */
export function createProgram(ctx: ProgramContext): Command {
  const program = new Command("hub-tokens")
    .description("Manage Docker Hub personal access tokens; Docker's copy stays in the OS keychain")
    .version(VERSION, "-v, --version", "print the version")
    .option("--hub-url <url>", `Docker Hub base URL (env HUBPAT_HUB_URL; default ${DEFAULT_HUB_URL})`)
    .option("--account <name>", "the signed-in account to work as (env HUBPAT_ACCOUNT; default: hub-tokens switch's choice)")
    .option("--auth-url <url>", `the web sign-in (OAuth) service (env HUBPAT_AUTH_URL; default ${DEFAULT_AUTH_URL})`)
    .option("--quiet", "print no success or progress lines (after list it is list's own: IDs only)")
    .option("--no-color", "no colour (also NO_COLOR=1)")
    .option("--debug", "print debug lines on stderr, secrets redacted")
    .option("--insecure-storage", "keep secrets in a plain 0600 file instead of the OS keychain, from now on (also HUBPAT_INSECURE_STORAGE=1)")
    .option("--no-insecure-storage", "go back to the OS keychain")
    .helpOption("-h, --help", "show help")
    .helpCommand(false)
    // As gh: every command's page ends with the global flags it inherits.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError("(add --help for usage)")
    // A fixed help width: help pages are also rendered at build time (dist/help.json) and must match.
    .configureOutput({
      writeOut: ctx.writeOut,
      writeErr: ctx.writeErr,
      // commander repeats an unknown `--flag=value` and excess arguments: `--password=…` or `login mona PASSWORD`
      // must not put a password on stderr (and so in CI logs).
      outputError: (text, write) => write(text.replace(/'(--?[^'=\s]+)=[^']*'/g, "'$1=…'").replace(/(but got \d+): [^\n]*\./, "$1.")),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
    });

  const globals = (cmd: Command): GlobalOptions => {
    const o = cmd.optsWithGlobals<{ hubUrl?: string; account?: string; authUrl?: string; color?: boolean; debug?: boolean; insecureStorage?: boolean }>();
    const hubUrl = parseHubUrl(o.hubUrl ?? ctx.env.HUBPAT_HUB_URL ?? DEFAULT_HUB_URL);
    const account = o.account ?? (ctx.env.HUBPAT_ACCOUNT || undefined);
    const authUrl = o.authUrl ?? (ctx.env.HUBPAT_AUTH_URL || undefined);
    return {
      hubUrl,
      ...(account !== undefined ? { account: checkAccountName(account) } : {}),
      ...(authUrl !== undefined ? { authUrl: checkHubUrl(authUrl, "sign-in (OAuth) URL").href.replace(/\/+$/, "") } : {}),
      // The program's own --quiet: `list --quiet` is list's (IDs only), as `docker ps -q` is.
      quiet: program.opts<{ quiet?: boolean }>().quiet === true && !commandsQuiet(cmd),
      color: o.color !== false,
      debug: o.debug === true,
      ...(o.insecureStorage !== undefined ? { insecureStorage: o.insecureStorage } : {}),
    };
  };

  /**
   * Whether `--quiet` was given after a command that has its own (`list --quiet`: IDs only). Commander gives a
   * flag both the program and the command know to the program wherever it stands, so argv decides.
   */
  const commandsQuiet = (cmd: Command): boolean => {
    if (!cmd.options.some((o) => o.long === "--quiet")) return false;
    const argv = (program as unknown as { rawArgs: string[] }).rawArgs;
    const at = argv.findIndex((a) => a === cmd.name() || cmd.aliases().includes(a));
    return at >= 0 && argv.slice(at + 1).includes("--quiet");
  };

  /** Runs `step` for `cmd`: a usage error it raises without a hint of its own names the command's help page. */
  const forCommand = async <T>(cmd: Command, step: () => T | Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (err) {
      if (err instanceof UsageError && !err.hint) throw new UsageError(err.message, { cause: err, hint: `see: hub-tokens ${cmd.name()} --help` });
      throw err;
    }
  };

  /**
   * Runs a command: builds its options from its flags, hands them to runF in tests, else builds deps and loads the
   * command's module. A usage error from the flags or the command names the command's help; one from the global
   * flags does not (they are on `hub-tokens --help`).
   */
  const dispatch = async <O>(cmd: Command, options: () => O, run: (options: O, deps: Deps) => Promise<void>, fields?: readonly string[]) => {
    const o = await forCommand(cmd, options);
    const format = fields === undefined ? undefined : await forCommand(cmd, () => formatOf(cmd, fields));
    const g: GlobalOptions = { ...globals(cmd), ...(format ? { format } : {}) };
    if (ctx.runF) return ctx.runF(cmd.name(), o, g);
    await forCommand(cmd, async () => run(o, await ctx.makeDeps(g)));
  };
  const json = new Option("--json", "print JSON (the same as --format json)");
  const format = () => new Option("--format <format>", FORMAT_HELP);
  const bool = (v: unknown) => v === true;
  /**
   * Whether the command prints its JSON: `--json`, `--format json`, or a template (rendered over that JSON); and
   * `--format tsv` for a command with no table of its own (status, inspect…), whose JSON then goes out as TSV.
   */
  const wantsJson = (f: { json?: boolean; format?: string }, hasTable = false) =>
    f.json === true || (f.format !== undefined && (f.format.trim() === "json" || f.format.includes("{{") || (!hasTable && f.format.trim() === "tsv")));
  /** `--format` (or `--json`), checked against the fields the command's JSON has. */
  const formatOf = (cmd: Command, fields: readonly string[]): OutputFormat | undefined => {
    const f = cmd.opts<{ json?: boolean; format?: string }>();
    if (f.format === undefined) return undefined; // --json alone: the command prints JSON, nothing to render
    const parsed = parseFormat(f.format, fields);
    if (f.json && parsed.kind !== "json") throw new UsageError(`--json and --format ${f.format} ask for two formats: give one`);
    return parsed;
  };
  /** A whole-number option's default, shown as a value in help (`(default: 14)`, not `(default: "14")`). */
  const daysOption = (flags: string, description: string, fallback: string) => new Option(flags, description).default(fallback, fallback);
  /** `--org NAME`: the command works on that organization's access tokens instead of your personal ones. */
  const org = () => new Option("--org <name>", "an organization's access tokens instead of your personal ones (owners only)");
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  /** Flags that mean nothing for the other kind of token. */
  const refuse = (given: Record<string, unknown>, why: string) => {
    const flag = Object.entries(given).find(([, v]) => v !== undefined && v !== false)?.[0];
    if (flag) throw new UsageError(`${flag} ${why}`);
  };
  /** A whole number of days for `flag`; a UsageError otherwise. */
  const days = (text: string, flag: string): number => {
    if (!/^\d+$/.test(text) || Number(text) > 36_500) throw new UsageError(`${flag} takes a whole number of days, not "${text}"`);
    return Number(text);
  };

  program
    .command("login")
    .description("log in to Docker Hub (password and 2FA code, or --web in a browser), beside accounts already logged in; keeps the session, never the password")
    .option("-u, --username <name>", "Docker Hub username")
    .option("--password-stdin", "read the password from stdin (a 2FA code on the next line)")
    .option("--web", "sign in in a browser (needed when your organization enforces SSO): prints a code and a URL")
    .option("--use-docker-session", "use the web session docker login keeps for Docker Hub (asked on a terminal)")
    .addHelpText("after", examples([
      "hub-tokens login -u mona",
      "printf '%s\\n%s\\n' \"$PASSWORD\" \"$CODE\" | hub-tokens login -u mona --password-stdin",
      "hub-tokens login --web",
      "hub-tokens login --use-docker-session",
    ]))
    .action(async (flags: { username?: string; passwordStdin?: boolean; web?: boolean; useDockerSession?: boolean }, cmd: Command) => {
      const o = (): LoginOptions => {
        if (flags.web && flags.useDockerSession) throw new UsageError("--web and --use-docker-session are two ways in: pick one");
        if ((flags.web || flags.useDockerSession) && (flags.username !== undefined || flags.passwordStdin)) {
          throw new UsageError(`${flags.web ? "--web" : "--use-docker-session"} takes no password: drop ${flags.username !== undefined ? "--username" : "--password-stdin"}`);
        }
        return {
        ...(flags.username !== undefined ? { username: flags.username } : {}),
        passwordStdin: bool(flags.passwordStdin),
        web: bool(flags.web),
        useDockerSession: bool(flags.useDockerSession),
        };
      };
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/login.js")).runLogin(opts, deps));
    });

  program
    .command("logout")
    .description("forget an account's Hub session (the default, --account NAME, or --all); Docker's stored token and Docker's own web session stay")
    .option("--all", "every account logged in to this Hub")
    .addHelpText("after", examples(["hub-tokens logout", "hub-tokens --account bot logout", "hub-tokens logout --all"]))
    .action(async (flags: { all?: boolean }, cmd: Command) => {
      const o = (): LogoutOptions => ({ all: bool(flags.all) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/logout.js")).runLogout(opts, deps));
    });

  program
    .command("switch")
    .description("make a logged-in account the default for later commands")
    .argument("<account>", "a Docker Hub username that is logged in (see hub-tokens status)")
    .addHelpText("after", examples(["hub-tokens switch mona-bot", "hub-tokens --account mona list   # one command as another account"]))
    .action(async (account: string, _flags: object, cmd: Command) => {
      const o = (): SwitchOptions => ({ account: checkAccountName(account) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/switch.js")).runSwitch(opts, deps));
    });

  program
    .command("status")
    .description("show who is logged in (checked with Docker Hub: one small request), until when, where secrets are kept, and whether Docker uses hubpat")
    .option("--offline", "do not ask Docker Hub whether the session still works")
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens status", "hub-tokens status --offline", "hub-tokens status --json | jq .loggedIn   # exit 4 when not logged in"]))
    .action(async (flags: { offline?: boolean; json?: boolean; format?: string }, cmd: Command) => {
      const o = (): StatusOptions => ({ ...(flags.offline ? { offline: true } : {}), json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/status.js")).runStatus(opts, deps), STATUS_FIELDS);
    });

  program
    .command("create")
    .description("create a token and print it once (or store it for Docker with --docker-login)")
    .option("--label <text>", "what the token is for (the Hub's description)")
    .option("--scope <scope>", 'permissions: "Read, Write, Delete", "Read & Write", "Read-only", "Public Repo Read-only" or repo:admin, repo:write, repo:read, repo:public_read')
    .option("--expires <when>", "30d, 60d, 90d, 1y, never, or a date (2027-01-31)")
    .option("--docker-login", "store the token as Docker's Docker Hub credential instead of printing it")
    .addOption(new Option("--replace", "with --docker-login: deactivate the hubpat token Docker held before, once the new one is stored; and replace another account's without asking").conflicts("keepOld"))
    .option("--keep-old", "with --docker-login: leave the token Docker held before active")
    .addOption(org())
    .option("--resource <resource>", "with --org, repeatable: repo:NAMESPACE/REPO:SCOPES or org:NAME:SCOPES (repo:acme/app:repo-pull,repo-push)", collect)
    .option("--description <text>", "with --org: a longer description")
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples([
      "hub-tokens create --label ci-runner --scope Read-only --expires 90d",
      "hub-tokens create --label laptop --scope repo:write --expires 1y --docker-login",
      "hub-tokens create --label laptop-2 --scope repo:write --expires 1y --docker-login --replace   # deactivates Docker's previous token",
      "hub-tokens create --org acme --label deploy --resource repo:acme/app:repo-pull,repo-push --expires 90d",
    ]))
    .action(async (flags: { label?: string; scope?: string; expires?: string; dockerLogin?: boolean; replace?: boolean; keepOld?: boolean; org?: string; resource?: string[]; description?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if (orgName !== undefined) {
        const oo = (): OrgCreateOptions => {
          refuse({ "--scope": flags.scope, "--docker-login": flags.dockerLogin, "--replace": flags.replace, "--keep-old": flags.keepOld }, "is for personal tokens: an organization token takes --resource");
          return {
            org: orgName,
            ...(flags.label !== undefined ? { label: flags.label } : {}),
            ...(flags.description !== undefined ? { description: flags.description } : {}),
            resources: flags.resource ?? [],
            ...(flags.expires !== undefined ? { expires: flags.expires } : {}),
            json: wantsJson(flags),
          };
        };
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgCreate(opts, deps), [...ORG_TOKEN_FIELDS, "secret"]);
      }
      const o = (): CreateOptions => {
        refuse({ "--resource": flags.resource, "--description": flags.description }, "is for organization tokens: add --org NAME");
        if (!flags.dockerLogin) refuse({ "--replace": flags.replace, "--keep-old": flags.keepOld }, "is about the token Docker held before: it goes with --docker-login");
        return {
          ...(flags.label !== undefined ? { label: flags.label } : {}),
          ...(flags.scope !== undefined ? { scope: flags.scope } : {}),
          ...(flags.expires !== undefined ? { expires: flags.expires } : {}),
          dockerLogin: bool(flags.dockerLogin),
          ...(flags.replace ? { replace: true } : {}),
          ...(flags.keepOld ? { keepOld: true } : {}),
          json: wantsJson(flags),
        };
      };
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/create.js")).runCreate(opts, deps), CREATED_FIELDS);
    });

  program
    .command("list")
    .alias("ls")
    .description("list your tokens; the one this machine's Docker holds is marked")
    .addOption(new Option("--active", "only active tokens").conflicts("inactive"))
    .option("--inactive", "only inactive (deactivated) tokens, expired or not")
    .option("-q, --quiet", "print only the full IDs, one a line (as docker ps -q)")
    .addHelpText("after", TOKEN_SETS_HELP)
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples([
      "hub-tokens list",
      "hub-tokens ls --inactive",
      "hub-tokens list -q --inactive | xargs hub-tokens delete --yes",
      "hub-tokens list --format '{{.ID}}\\t{{.Label}}\\t{{.LastUsedAt}}'",
      "hub-tokens list --json | jq -r '.[].label'",
      "hub-tokens list --org acme",
    ]))
    .action(async (flags: { active?: boolean; inactive?: boolean; quiet?: boolean; org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if ((flags.quiet || commandsQuiet(cmd)) && (flags.json || flags.format !== undefined)) throw new UsageError("--quiet prints IDs only: leave out --json and --format", { hint: "see: hub-tokens list --help" });
      if (orgName !== undefined) {
        const oo = (): OrgListOptions => ({ org: orgName, active: bool(flags.active), inactive: bool(flags.inactive), quiet: bool(flags.quiet) || commandsQuiet(cmd), json: wantsJson(flags, true) });
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgList(opts, deps), ORG_TOKEN_FIELDS);
      }
      const o = (): ListOptions => ({ active: bool(flags.active), inactive: bool(flags.inactive), quiet: bool(flags.quiet) || commandsQuiet(cmd), json: wantsJson(flags, true) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/list.js")).runList(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("inspect")
    .description("show every field of tokens (TOKEN: uuid, unique uuid prefix or exact label)")
    .argument("<token...>", "tokens to show")
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens inspect ci-runner", "hub-tokens inspect 0d8f2a1c --json", "hub-tokens inspect --org acme deploy"]))
    .action(async (tokens: string[], flags: { org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if (orgName !== undefined) {
        const oo = (): OrgTokensOptions => ({ org: orgName, tokens, json: wantsJson(flags) });
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgInspect(opts, deps), ORG_TOKEN_FIELDS);
      }
      const o = (): InspectOptions => ({ tokens, json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/inspect.js")).runInspect(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("rename")
    .description("change a token's label")
    .argument("<token>", "uuid, unique uuid prefix or exact label")
    .argument("<new-label>", "the new label")
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens rename ci-runner ci-runner-old"]))
    .action(async (token: string, label: string, flags: { json?: boolean; format?: string }, cmd: Command) => {
      const o = (): RenameOptions => ({ token, label, json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/rename.js")).runRename(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("activate")
    .description("activate tokens")
    .argument("<token...>", "uuid, unique uuid prefix or exact label")
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens activate ci-runner", "hub-tokens activate --org acme deploy"]))
    .action(async (tokens: string[], flags: { org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if (orgName !== undefined) {
        const oo = (): OrgTokensOptions => ({ org: orgName, tokens, json: wantsJson(flags) });
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgSetActive(opts, deps, true), ORG_TOKEN_FIELDS);
      }
      const o = (): ActivateOptions => ({ tokens, json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/activate.js")).runActivate(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("deactivate")
    .description("deactivate tokens: they stop working until activated again")
    .argument("<token...>", "uuid, unique uuid prefix or exact label")
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens deactivate ci-runner 0d8f2a1c", "hub-tokens deactivate --org acme deploy"]))
    .action(async (tokens: string[], flags: { org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if (orgName !== undefined) {
        const oo = (): OrgTokensOptions => ({ org: orgName, tokens, json: wantsJson(flags) });
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgSetActive(opts, deps, false), ORG_TOKEN_FIELDS);
      }
      const o = (): DeactivateOptions => ({ tokens, json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/deactivate.js")).runDeactivate(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("delete")
    .aliases(["rm", "revoke"])
    .description("delete tokens for good (asks first on a terminal; needs --yes elsewhere)")
    .argument("[token...]", "uuid, unique uuid prefix or exact label")
    .option("--inactive", "also every inactive (deactivated) token, expired or not")
    .option("--expired", "also every expired token, deactivated or not")
    .addHelpText("after", TOKEN_SETS_HELP)
    .option("-y, --yes", "do not ask")
    .option("--dry-run", "show what would be deleted, delete nothing")
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens delete ci-runner", "hub-tokens rm --inactive --expired --dry-run", "hub-tokens revoke 0d8f2a1c --yes", "hub-tokens delete --org acme deploy --yes"]))
    .action(async (tokens: string[], flags: { inactive?: boolean; expired?: boolean; yes?: boolean; dryRun?: boolean; org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const orgName = flags.org;
      if (orgName !== undefined) {
        const oo = (): OrgDeleteOptions => ({ org: orgName, tokens, inactive: bool(flags.inactive), expired: bool(flags.expired), yes: bool(flags.yes), dryRun: bool(flags.dryRun), json: wantsJson(flags) });
        return dispatch(cmd, oo, async (opts, deps) => (await import("../commands/org-tokens.js")).runOrgDelete(opts, deps), ORG_TOKEN_FIELDS);
      }
      const o = (): DeleteOptions => ({ tokens, inactive: bool(flags.inactive), expired: bool(flags.expired), yes: bool(flags.yes), dryRun: bool(flags.dryRun), json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/delete.js")).runDelete(opts, deps), TOKEN_FIELDS);
    });

  program
    .command("setup")
    .description('wire Docker to hubpat: "credsStore": "hubpat" in its config.json, plain-text credentials moved into the keychain')
    .option("--dry-run", "print the change to config.json (secrets masked), change nothing")
    .option("--undo", "put config.json back as it was before the last setup")
    .option("--store <kind>", "keep secrets in this store from now on: keychain, pass, kernel or file (also HUBPAT_STORE)")
    .option("--import", "copy the credentials of the helper config.json names now (pass, secretservice…) into hubpat without asking")
    .addHelpText("after", examples(["hub-tokens setup --dry-run", "hub-tokens setup", "hub-tokens setup --store pass", "hub-tokens setup --import --dry-run", "DOCKER_CONFIG=~/work/.docker hub-tokens setup", "hub-tokens setup --undo"]))
    .action(async (flags: { dryRun?: boolean; undo?: boolean; store?: string; import?: boolean }, cmd: Command) => {
      const o = (): SetupOptions => {
        const store = flags.store ?? (ctx.env.HUBPAT_STORE?.trim() || undefined);
        if (store !== undefined && !(STORE_KINDS as readonly string[]).includes(store)) {
          throw new UsageError(`${flags.store !== undefined ? "--store" : "HUBPAT_STORE"} "${store}" is no store: choose keychain, pass, kernel or file`);
        }
        return { dryRun: bool(flags.dryRun), undo: bool(flags.undo), ...(store !== undefined ? { store: store as StoreKind } : {}), ...(flags.import ? { import: true } : {}) };
      };
      await dispatch(cmd, o, async (opts, deps) => {
        const [{ runSetup }, { openStore }, { HELPER_SERVICE }] = await Promise.all([import("../commands/setup.js"), import("../store/choice.js"), import("../store/keychain.js")]);
        const stores = { current: deps.storeKind, open: (kind: StoreKind) => openStore(kind, HELPER_SERVICE, ctx.env), record: (kind: StoreKind) => deps.config.setStore(kind), platform: process.platform };
        const confirm = deps.io.canPrompt() ? (q: string) => deps.prompter.confirm(q, { default: true }) : undefined;
        await runSetup(opts, { io: deps.io, store: deps.store, clock: deps.clock, dockerConfigPath: deps.dockerConfigPath, env: ctx.env, stores, ...(confirm ? { confirm } : {}) });
      });
    });

  program
    .command("doctor")
    .description("check everything Docker needs from hubpat, one line each, with the fix for what is wrong")
    .addOption(daysOption("--expiring-days <n>", "flag tokens expiring within this many days", "14"))
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens doctor", "hub-tokens doctor --json | jq '.checks[] | select(.status == \"fail\")'"]))
    .action(async (flags: { expiringDays: string; json?: boolean; format?: string }, cmd: Command) => {
      const o = (): DoctorOptions => ({ expiringDays: days(flags.expiringDays, "--expiring-days"), json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/doctor.js")).runDoctor(opts, deps), DOCTOR_FIELDS);
    });

  program
    .command("rotate")
    .description("replace a token (default: Docker's) with a new one of the same scope, verified and stored before the old one is deactivated")
    .argument("[token]", "uuid, unique uuid prefix or exact label (default: the token the helper holds for Docker Hub)")
    .option("--expires <when>", "30d, 60d, 90d, 1y, never, or a date (default: the old token's lifetime again)")
    .option("--delete", "delete the old token instead of deactivating it")
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens rotate", "hub-tokens rotate ci-runner --delete", "hub-tokens rotate --expires 90d"]))
    .action(async (token: string | undefined, flags: { expires?: string; delete?: boolean; json?: boolean; format?: string }, cmd: Command) => {
      const o = (): RotateOptions => ({ ...(token !== undefined ? { token } : {}), ...(flags.expires !== undefined ? { expires: flags.expires } : {}), delete: bool(flags.delete), json: wantsJson(flags) });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/rotate.js")).runRotate(opts, deps), ROTATE_FIELDS);
    });

  program
    .command("audit")
    .description("flag tokens never used, unused, expiring, expired, inactive or with the broadest scope")
    .addOption(daysOption("--unused-days <n>", "flag tokens not used for this many days", "90"))
    .addOption(daysOption("--expiring-days <n>", "flag tokens expiring within this many days", "14"))
    .option("--exit-code", "exit 3 when anything is flagged (for CI), 0 when nothing is")
    .addHelpText("after", TOKEN_SETS_HELP)
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens audit", "hub-tokens audit --exit-code --unused-days 30   # in CI: fails the job (exit 3) on findings", "hub-tokens audit --unused-days 30 --json | jq -r '.[] | select(.flags | index(\"broad-scope\")) | .label'", "hub-tokens audit --org acme"]))
    .action(async (flags: { unusedDays: string; expiringDays: string; exitCode?: boolean; org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const o = (): AuditOptions => ({
        ...(flags.org !== undefined ? { org: flags.org } : {}),
        unusedDays: days(flags.unusedDays, "--unused-days"),
        expiringDays: days(flags.expiringDays, "--expiring-days"),
        ...(flags.exitCode ? { exitCode: true } : {}),
        json: wantsJson(flags, true),
      });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/audit.js")).runAudit(opts, deps), AUDIT_FIELDS);
    });

  program
    .command("prune")
    .description("delete what audit flags: by default tokens unused, expired or inactive (never Docker's own; asks first on a terminal)")
    .addOption(new Option("--select <findings>", "comma-separated: never-used, unused, expiring, expired, inactive, broad-scope").default("unused,expired,inactive", "unused,expired,inactive"))
    .addOption(daysOption("--unused-days <n>", "unused means not used for this many days", "90"))
    .addOption(daysOption("--expiring-days <n>", "expiring means within this many days", "14"))
    .addHelpText("after", TOKEN_SETS_HELP)
    .option("-y, --yes", "do not ask")
    .option("--dry-run", "show what would be deleted, delete nothing")
    .addOption(org())
    .addOption(json)
    .addOption(format())
    .addHelpText("after", examples(["hub-tokens prune --dry-run", "hub-tokens prune --select expired,inactive --yes", "hub-tokens prune --unused-days 30", "hub-tokens prune --org acme --select expired --yes"]))
    .action(async (flags: { select: string; unusedDays: string; expiringDays: string; yes?: boolean; dryRun?: boolean; org?: string; json?: boolean; format?: string }, cmd: Command) => {
      const { parseFlags } = await import("../commands/prune.js");
      const o = (): PruneOptions => ({
        ...(flags.org !== undefined ? { org: flags.org } : {}),
        unusedDays: days(flags.unusedDays, "--unused-days"),
        expiringDays: days(flags.expiringDays, "--expiring-days"),
        select: parseFlags(flags.select),
        yes: bool(flags.yes),
        dryRun: bool(flags.dryRun),
        json: wantsJson(flags),
      });
      await dispatch(cmd, o, async (opts, deps) => (await import("../commands/prune.js")).runPrune(opts, deps), AUDIT_FIELDS);
    });

  program
    .command("install")
    .description("put this single executable, as hubpat, docker-credential-hubpat and hub-tokens, in a directory on PATH")
    .option("--prefix <dir>", "the directory to install into (default ~/.local/bin)")
    .addHelpText("after", examples(["hub-tokens install", "sudo ./hub-tokens install --prefix /usr/local/bin"]))
    .action(async (flags: { prefix?: string }, cmd: Command) => {
      const o = (): InstallOptions => (flags.prefix !== undefined ? { prefix: flags.prefix } : {});
      await dispatch(cmd, o, async (opts, deps) => {
        const { runInstall } = await import("../commands/install.js");
        const { isSingleExecutable } = await import("../sea/running.js");
        const running = { executable: process.execPath, isSingleExecutable: isSingleExecutable(), platform: process.platform };
        await runInstall(opts, { io: deps.io, env: ctx.env, home: process.getBuiltinModule("node:os").homedir(), dockerConfigPath: deps.dockerConfigPath, ...running });
      });
    });

  program
    .command("help")
    .description("show help for hub-tokens or one of its commands (the same as --help)")
    .argument("[command]", "a command or alias")
    .addHelpText("after", examples(["hub-tokens help", "hub-tokens help list", "hub-tokens help rm"]))
    .action((name: string | undefined) => {
      if (name === undefined) return program.outputHelp();
      const found = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (!found) {
        const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
        const near = names.filter((n) => n.startsWith(name.slice(0, 2)));
        throw new UsageError(`no command "${name}"${near.length ? `: did you mean ${near.join(", ")}?` : ""}`, { hint: "see: hub-tokens help" });
      }
      found.outputHelp();
    });

  program
    .command("completion")
    .description("print a shell completion script, or install it with --install")
    .addArgument(new Argument("[shell...]", "bash, zsh or fish (with --install, default: your $SHELL)").choices([...SHELLS, "install"]))
    .option("--install", "put the script where the shell finds it (or say the one line to add)")
    .addHelpText("after", examples(["hub-tokens completion --install", "hub-tokens completion bash > /etc/bash_completion.d/hub-tokens", "hub-tokens completion fish > ~/.config/fish/completions/hub-tokens.fish"]))
    .action(async (given: string[], flags: { install?: boolean }, cmd: Command) => {
      // `completion install [shell]` is how people type it: the same as --install.
      const install = flags.install === true || given.includes("install");
      const shells = given.filter((w) => w !== "install") as (typeof SHELLS)[number][];
      if (shells.length > 1) throw new UsageError(`name one shell, not ${shells.join(" and ")}`, { hint: "see: hub-tokens completion --help" });
      const named = shells[0];
      const fromEnv = ctx.env.SHELL?.split("/").pop();
      const shell = named ?? (install && SHELLS.includes(fromEnv as (typeof SHELLS)[number]) ? (fromEnv as (typeof SHELLS)[number]) : undefined);
      if (!shell) {
        throw new UsageError(install ? `can't tell your shell from $SHELL (${ctx.env.SHELL ?? "unset"}): name it, as in hub-tokens completion --install zsh` : "name the shell: bash, zsh or fish", { hint: "see: hub-tokens completion --help" });
      }
      if (ctx.runF) return ctx.runF(cmd.name(), { shell, install }, globals(cmd));
      const { renderCompletion, installTarget } = await import("./completion.js");
      const script = renderCompletion(program, shell);
      if (!install) return ctx.writeOut(script);
      const home = ctx.env.HOME ?? process.getBuiltinModule("node:os").homedir();
      const { path, note } = installTarget(shell, ctx.env, home);
      const fs = process.getBuiltinModule("node:fs");
      fs.mkdirSync(process.getBuiltinModule("node:path").dirname(path), { recursive: true });
      fs.writeFileSync(path, script);
      ctx.writeErr(`✓ Installed ${shell} completion in ${path}: ${note.replace("THE_PATH", path)}\n`);
    });

  return program;
}
