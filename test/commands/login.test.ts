import { describe, expect, it } from "vitest";
import { checkCode, runLogin } from "../../src/commands/login.js";
import { testDeps } from "../fakes/deps.js";
import { failure, MONA, TOTP_SECRET, useEmulator } from "../fakes/hub.js";

const ctx = useEmulator(() => ({ users: [{ ...MONA, totpSecret: TOTP_SECRET }, { username: "otto", password: "otto-pw" }] }));

describe("login", () => {
  it("asks for username, password and the 2FA code on a terminal, and keeps only the session", async () => {
    const code = ctx.hub.currentCode("mona");
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, answers: [{ input: "Docker Hub username:", answer: "mona" }, { password: "Password:", answer: MONA.password }, { password: "Two-factor authentication code:", answer: code }] });
    await runLogin({ passwordStdin: false }, t.deps);
    expect(t.stderr()).toBe(`✓ Logged in to ${ctx.hub.url} as mona\n`);
    expect(t.stdout()).toBe("");
    // One item per account, keyed `<Hub URL>#<account>`; the first account is the default.
    const kept = t.sessions.entries.get(`${ctx.hub.url}#mona`);
    expect([...t.sessions.entries.keys()]).toEqual([`${ctx.hub.url}#mona`]);
    expect(t.config.accounts(ctx.hub.url)).toEqual({ default: "mona", names: ["mona"] });
    expect(kept?.username).toBe("mona");
    // The kept secret is a session the Hub honours.
    expect((await (await t.deps.connect(kept!.secret)).listTokens()).total).toBe(0);
    expect(JSON.stringify([...t.sessions.entries])).not.toContain(MONA.password);
    expect(t.config.lastUsername(ctx.hub.url)).toBe("mona");
    expect(t.prompter.unanswered).toEqual([]);
  });

  it("checks the store takes a secret before asking anything, and names the fix when it doesn't", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, storeProblem: { problem: "the password store /home/mona/.password-store is not initialised (it has no .gpg-id)", fix: "run: pass init YOUR-GPG-KEY-ID" } });
    expect(await failure(runLogin({ passwordStdin: false }, t.deps))).toEqual({ line: "hub-tokens: the keychain store can't keep a secret here, so nothing was asked for or changed: the password store /home/mona/.password-store is not initialised (it has no .gpg-id): run: pass init YOUR-GPG-KEY-ID (or see the stores that work here: hub-tokens setup)", exitCode: 1 });
    // No question was asked (the scripted prompter has none), and the Hub was never asked to log in.
    expect(t.prompter.asked).toEqual([]);
    expect(ctx.hub.exchanges).toEqual([]);
    expect(t.sessions.entries.size).toBe(0);
  });

  it("offers the last username as the default", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, answers: [{ input: "Docker Hub username:", answer: "otto" }, { password: "Password:", answer: "otto-pw" }] });
    await runLogin({ passwordStdin: false }, t.deps);
    expect(t.prompter.asked).toEqual(["input: Docker Hub username:", "password: Password:"]);
  });

  it("reads the password and then the 2FA code from stdin with --password-stdin", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${MONA.password}\n${ctx.hub.currentCode("mona")}\n` });
    await runLogin({ username: "mona", passwordStdin: true }, t.deps);
    expect(t.stderr()).toBe(`✓ Logged in to ${ctx.hub.url} as mona\n`);
    expect(t.sessions.entries.get(`${ctx.hub.url}#mona`)?.username).toBe("mona");
  });

  it("asks for no code when the account has no 2FA", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: "otto-pw\n" });
    await runLogin({ username: "otto", passwordStdin: true }, t.deps);
    expect(t.stderr()).toBe(`✓ Logged in to ${ctx.hub.url} as otto\n`);
  });

  it("says where the code goes when stdin has none", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${MONA.password}\n` });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({
      line: "hub-tokens: this account has two-factor authentication: put the code on the line after the password",
      exitCode: 2,
    });
    expect(t.sessions.entries.size).toBe(0);
  });

  it("needs --password-stdin when there is no terminal", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url });
    expect(await failure(runLogin({ username: "mona", passwordStdin: false }, t.deps))).toEqual({
      line: "hub-tokens: no terminal to ask for the password: pipe it with --password-stdin",
      exitCode: 2,
    });
  });

  it("needs --username when there is no terminal", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: "pw\n" });
    expect(await failure(runLogin({ passwordStdin: true }, t.deps))).toEqual({ line: "hub-tokens: no terminal to ask for the username: pass --username", exitCode: 2 });
  });

  it("refuses an empty password on stdin", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: "" });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({
      line: "hub-tokens: no password on stdin: pipe it as the first line with --password-stdin",
      exitCode: 2,
    });
  });

  it("reports a wrong password with exit 4 and keeps nothing", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: "wrong\n" });
    const f = await failure(runLogin({ username: "otto", passwordStdin: true }, t.deps));
    expect(f).toEqual({ line: "hub-tokens: Docker Hub did not accept the password for otto: check the username and password and try again", exitCode: 4 });
    expect(f.line).not.toContain("wrong");
    expect(t.sessions.entries.size).toBe(0);
  });

  it("reports a wrong 2FA code with exit 4", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, answers: [{ password: "Password:", answer: MONA.password }, { password: "Two-factor authentication code:", answer: "000000" }] });
    const f = await failure(runLogin({ username: "mona", passwordStdin: false }, t.deps));
    expect(f).toEqual({ line: "hub-tokens: Docker Hub did not accept the 2FA code: enter the current code from your authenticator app", exitCode: 4 });
    expect(t.sessions.entries.size).toBe(0);
  });

  it("takes a code as authenticator apps show it, spaces and dashes removed, from stdin", async () => {
    const code = ctx.hub.currentCode("mona");
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${MONA.password}\n${code.slice(0, 3)} ${code.slice(3)}\n` });
    await runLogin({ username: "mona", passwordStdin: true }, t.deps);
    expect(t.sessions.entries.get(`${ctx.hub.url}#mona`)?.username).toBe("mona");
    const dashed = testDeps({ hubUrl: ctx.hub.url, tty: true, answers: [{ password: "Password:", answer: MONA.password }, { password: "Two-factor authentication code:", answer: `${code.slice(0, 3)}-${code.slice(3)}` }] });
    await runLogin({ username: "mona", passwordStdin: false }, dashed.deps);
    expect(dashed.sessions.entries.get(`${ctx.hub.url}#mona`)?.username).toBe("mona");
  });

  it("checks the code has six digits before sending it, and explains a recovery code", async () => {
    expect(checkCode("123 456")).toBe(true);
    expect(checkCode("12345")).toBe("a 2FA code has 6 digits, and this has 5: enter the code from your authenticator app");
    expect(checkCode("ab12-cd34-ef56")).toBe("that looks like a recovery code, which Docker Hub takes only on its website: enter the 6-digit code from your authenticator app");
    const t = testDeps({ hubUrl: ctx.hub.url, stdin: `${MONA.password}\n12345\n` });
    expect(await failure(runLogin({ username: "mona", passwordStdin: true }, t.deps))).toEqual({ line: "hub-tokens: a 2FA code has 6 digits, and this has 5: enter the code from your authenticator app", exitCode: 2 });
    expect(ctx.hub.exchanges.filter((e) => e.path.includes("2fa"))).toEqual([]);
  });

  it("stops with 130 when the password prompt is cancelled", async () => {
    const t = testDeps({ hubUrl: ctx.hub.url, tty: true, answers: [{ password: "Password:", answer: "cancel" }] });
    expect(await failure(runLogin({ username: "mona", passwordStdin: false }, t.deps))).toEqual({ line: "hub-tokens: cancelled", exitCode: 130 });
    expect(t.sessions.entries.size).toBe(0);
  });
});
