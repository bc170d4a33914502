// A control character in a server URL or username is refused with one line, before any store sees it, in every
// store: the Secret Service cuts C strings at NUL, so without the refusal "victim.example.com\0.attacker" would
// answer for, and erase, "victim.example.com" there while the file store kept them apart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { everyStore, type StoreWorld } from "../fakes/every-store.js";
import { runHelperProcess } from "../fakes/helper-process.js";

const storeInput = (url: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: url, Username: username, Secret: secret })}\n`;
const refused = (what: string, char: string) => ({ stdout: `the ${what} contains a control character (${char}), which Docker never sends: refused\n`, exitCode: 1 });

describe.each(everyStore())("the $name store", (kind) => {
  let world: StoreWorld;
  const helper = (args: string[], input: string) => runHelperProcess(args, input, world.env);
  beforeAll(async () => {
    world = await kind.start();
  });
  afterAll(async () => world?.close());

  it("refuses NUL in a store, a get and an erase, and keeps the victim's credential as it was", async () => {
    expect(await helper(["store"], storeInput("victim.example.com", "alice", "alice-secret"))).toMatchObject({ exitCode: 0 });
    expect(await helper(["store"], storeInput("victim.example.com\u0000.attacker", "mallory", "mallory-secret"))).toMatchObject(refused("server URL", "U+0000"));
    expect(await helper(["get"], "victim.example.com\u0000.attacker")).toMatchObject(refused("server URL", "U+0000"));
    expect(await helper(["erase"], "victim.example.com\u0000zzz")).toMatchObject(refused("server URL", "U+0000"));
    expect(await helper(["get"], "victim.example.com")).toMatchObject({ stdout: '{"ServerURL":"victim.example.com","Username":"alice","Secret":"alice-secret"}\n', exitCode: 0 });
    expect(JSON.parse((await helper(["list"], "")).stdout)).toEqual({ "victim.example.com": "alice" });
  });

  it.each([
    ["tab", "a\tb.example.com", "U+0009"],
    ["escape", "a\u001b[31m.example.com", "U+001B"],
    ["DEL", "a\u007f.example.com", "U+007F"],
    ["C1 (CSI)", "a\u009b.example.com", "U+009B"],
  ])("refuses a %s in the server URL, and in the username", async (_name, url, char) => {
    expect(await helper(["store"], storeInput(url, "alice", "s"))).toMatchObject(refused("server URL", char));
    expect(await helper(["get"], url)).toMatchObject(refused("server URL", char));
    expect(await helper(["store"], storeInput("ok.example.com", url, "s"))).toMatchObject(refused("username", char));
    expect(JSON.parse((await helper(["list"], "")).stdout)).not.toHaveProperty("ok.example.com");
  });

  it("still takes the newline Docker ends a get with, and a store's JSON spread over lines", async () => {
    expect(await helper(["store"], `{"ServerURL":"nl.example.com",\n"Username":"bob","Secret":"b"}\n`)).toMatchObject({ exitCode: 0 });
    expect(await helper(["get"], "nl.example.com\n")).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('"Username":"bob"') });
    expect(await helper(["erase"], "nl.example.com\r\n")).toMatchObject({ exitCode: 0 });
  });
});
