// The store choice (HUBPAT_STORE, else the settings' "store", else the legacy "insecureStorage", else the
// keychain), openStore and the generic round-trip check every store's check() uses.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openConfig } from "../../src/cli/config.js";
import { chooseStore, DOCTOR_SERVICE, openStore, problemOf, requireWorkingStore, roundTripCheck, StoreChoiceError } from "../../src/store/choice.js";
import { KeychainError, StoreUnusableError } from "../../src/store/errors.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { StoredCredential } from "../../src/store/store.js";

function settingsDir(settings?: object): string {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-choice-"));
  if (settings) writeFileSync(join(dir, "config.json"), JSON.stringify(settings));
  return dir;
}

describe("chooseStore", () => {
  it.each([
    ["nothing chosen: the keychain", {}, undefined, { kind: "keychain", source: "default" }],
    ["the setting", {}, { store: "pass" }, { kind: "pass", source: "settings" }],
    ["HUBPAT_STORE over the setting", { HUBPAT_STORE: "kernel" }, { store: "pass" }, { kind: "kernel", source: "HUBPAT_STORE" }],
    ["the legacy insecureStorage setting: file", {}, { insecureStorage: true }, { kind: "file", source: "settings" }],
    ["the store setting over the legacy one", {}, { store: "kernel", insecureStorage: true }, { kind: "kernel", source: "settings" }],
    ["HUBPAT_INSECURE_STORAGE=1: file", { HUBPAT_INSECURE_STORAGE: "1" }, { store: "pass" }, { kind: "file", source: "HUBPAT_INSECURE_STORAGE" }],
    ["HUBPAT_INSECURE_STORAGE=0 over the legacy setting", { HUBPAT_INSECURE_STORAGE: "0" }, { insecureStorage: true }, { kind: "keychain", source: "default" }],
    ["unreadable settings: the keychain", {}, "not json", { kind: "keychain", source: "default" }],
  ])("%s", (_name, env, settings, expected) => {
    const dir = settingsDir();
    if (settings !== undefined) writeFileSync(join(dir, "config.json"), typeof settings === "string" ? settings : JSON.stringify(settings));
    expect(chooseStore({ ...env, HUBPAT_CONFIG_DIR: dir })).toEqual(expected);
  });

  it("refuses a HUBPAT_STORE that names no store, naming the ones there are (exit 2)", () => {
    const err = (() => {
      try {
        chooseStore({ HUBPAT_STORE: "gpg", HUBPAT_CONFIG_DIR: settingsDir() });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreChoiceError);
    expect((err as StoreChoiceError).message).toBe('HUBPAT_STORE is "gpg", which is no store: set it to keychain, pass, kernel or file, or unset it');
    expect((err as StoreChoiceError).exitCode).toBe(2);
  });

  it("refuses a store setting that names no store, naming the command that sets one", () => {
    const dir = settingsDir({ store: "vault" });
    expect(() => chooseStore({ HUBPAT_CONFIG_DIR: dir })).toThrow(`the "store" setting in ${join(dir, "config.json")} is "vault", which is no store: run: hub-tokens setup --store KIND (keychain, pass, kernel or file)`);
  });

  it("reads what the settings module writes", async () => {
    const dir = settingsDir();
    const config = await openConfig(dir);
    config.setStore("kernel");
    expect(chooseStore({ HUBPAT_CONFIG_DIR: dir })).toEqual({ kind: "kernel", source: "settings" });
    // An older helper, which knows only "insecureStorage", keeps using the keychain unless the file is chosen.
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toMatchObject({ store: "kernel", insecureStorage: false });
    config.setStore("file");
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toMatchObject({ store: "file", insecureStorage: true });
  });
});

describe("openStore", () => {
  it("opens the file store for a service, describing where its secrets are", async () => {
    const dir = settingsDir();
    const store = await openStore("file", "docker-credential-hubpat", { HUBPAT_CONFIG_DIR: dir });
    expect(store.kind).toBe("file");
    expect(store.describe()).toBe(`${join(dir, "credentials.json")}, unencrypted (insecure storage), section "docker-credential-hubpat"`);
    await store.set("r.test", { username: "u", secret: "s" });
    expect(await store.check()).toBeNull();
    // The check's throwaway item went to its own section and is gone; Docker's item is untouched.
    const doc = JSON.parse(readFileSync(join(dir, "credentials.json"), "utf8")) as { services: Record<string, object> };
    expect(doc.services[DOCTOR_SERVICE]).toEqual({});
    expect(await store.list()).toEqual({ "r.test": "u" });
  });
});

/** A MemoryStore that misbehaves in one way. */
class Odd extends MemoryStore {
  constructor(private readonly how: "changes" | "keeps" | "throws") {
    super();
  }
  override async get(url: string): Promise<StoredCredential | null> {
    const found = await super.get(url);
    return this.how === "changes" && found ? { ...found, secret: `${found.secret}x` } : found;
  }
  override async delete(url: string): Promise<boolean> {
    if (this.how === "keeps") return true;
    return super.delete(url);
  }
  override async set(url: string, c: StoredCredential): Promise<void> {
    if (this.how === "throws") throw new StoreUnusableError("pass is not initialised", "run: pass init YOUR-GPG-KEY-ID");
    return super.set(url, c);
  }
}

describe("roundTripCheck", () => {
  it("passes on a store that keeps what it is given, and leaves nothing behind", async () => {
    const scratch = new MemoryStore();
    expect(await roundTripCheck(scratch, "memory")).toBeNull();
    expect(scratch.entries.size).toBe(0);
  });

  it.each([
    ["changes the secret", "changes", "memory gave back something other than what was stored"],
    ["does not erase", "keeps", "memory still held the test item after erasing it"],
  ] as const)("fails a store that %s", async (_name, how, problem) => {
    expect(await roundTripCheck(new Odd(how), "memory")).toEqual({ problem, fix: "hub-tokens setup --store KIND lists the stores that work here" });
  });

  it("passes on a store's own problem and fix", async () => {
    expect(await roundTripCheck(new Odd("throws"), "pass")).toEqual({ problem: "pass is not initialised", fix: "run: pass init YOUR-GPG-KEY-ID" });
  });

  it("splits a KeychainError at its fix, not at a colon inside its detail", () => {
    const err = new KeychainError("failed", { detail: "Couldn't access platform storage: Secret Service: no result found" });
    expect(problemOf(err)).toEqual({ problem: "the keychain refused the request (Couldn't access platform storage: Secret Service: no result found)", fix: "hub-tokens setup --store KIND lists the stores that work here" });
    expect(problemOf(new KeychainError("locked"))).toEqual({ problem: "the keychain is locked and the unlock was refused", fix: "unlock your login keyring (for example in Seahorse) and try again" });
  });

  it("requireWorkingStore says nothing was asked, with the fix", async () => {
    const store = { kind: "pass" as const, check: async () => ({ problem: "pass is not initialised", fix: "run: pass init KEY" }) };
    await expect(requireWorkingStore(store)).rejects.toThrow("the pass store can't keep a secret here, so nothing was asked for or changed: pass is not initialised: run: pass init KEY (or see the stores that work here: hub-tokens setup)");
  });
});
