// The diff `setup --dry-run` prints: diff -u's shape, and config.json's secrets never in it.
import { describe, expect, it } from "vitest";
import { maskSecrets, unifiedDiff } from "../../src/docker/diff.js";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb", { before: "x", after: "y" })).toEqual([]);
  });

  it("prints hunks with three lines of context, removals before additions, as diff -u does", () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = [...a.slice(0, 2), "X", ...a.slice(3, 15), "Y", ...a.slice(16), "Z"];
    expect(unifiedDiff(a.join("\n"), b.join("\n"), { before: "old", after: "new" })).toEqual([
      "--- old", "+++ new",
      "@@ -1,6 +1,6 @@", " l0", " l1", "-l2", "+X", " l3", " l4", " l5",
      "@@ -13,8 +13,9 @@", " l12", " l13", " l14", "-l15", "+Y", " l16", " l17", " l18", " l19", "+Z",
    ]);
  });

  it("numbers a new file's hunk from 0 on the old side", () => {
    expect(unifiedDiff("", "{\n}\n", { before: "/dev/null", after: "c" })).toEqual(["--- /dev/null", "+++ c", "@@ -0,0 +1,2 @@", "+{", "+}"]);
  });
});

describe("maskSecrets", () => {
  it("masks auth, identitytoken, password and registrytoken values in any case and spacing, and nothing else", () => {
    const text = '{"auths":{"r":{"auth":"dTpw","Email":"m@x"},"s":{ "IdentityToken" : "ey\\"J" ,"password":"p","registrytoken":"rt"}},"psFormat":"auth"}';
    expect(maskSecrets(text)).toBe('{"auths":{"r":{"auth":"…","Email":"m@x"},"s":{ "IdentityToken" : "…" ,"password":"…","registrytoken":"…"}},"psFormat":"auth"}');
  });

  it("masks every HttpHeaders value, the userinfo of any URL, and secret keys however they are spelled", () => {
    const text = '{"HttpHeaders":{"Authorization":"Bearer eyJhdr","X-Meta":"sso=sess-cookie-1"},"proxies":{"default":{"httpProxy":"http://pxuser:pxpass@proxy:3128","noProxy":"*.test"}},' +
      '"auths":{"https://kuser:kpass@reg.test":{"\\u0061uth":"dTpwZXNj"}},"plugins":{"x":{"apiToken":"tok-123","mode":"on"}},"detachKeys":"ctrl-x,x"}';
    const masked = maskSecrets(text);
    expect(masked).toBe('{"HttpHeaders":{"Authorization":"…","X-Meta":"…"},"proxies":{"default":{"httpProxy":"http://…@proxy:3128","noProxy":"*.test"}},' +
      '"auths":{"https://…@reg.test":{"\\u0061uth":"…"}},"plugins":{"x":{"apiToken":"…","mode":"on"}},"detachKeys":"ctrl-x,x"}');
    for (const secret of ["eyJhdr", "sess-cookie-1", "pxuser", "pxpass", "kuser", "kpass", "dTpwZXNj", "tok-123"]) expect(masked).not.toContain(secret);
  });
});
