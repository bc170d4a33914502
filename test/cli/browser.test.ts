import { describe, expect, it } from "vitest";
import { findBrowser } from "../../src/cli/browser.js";

describe("findBrowser", () => {
  it("finds none over SSH or without a display, so the URL is printed for another device", async () => {
    expect(await findBrowser({ PATH: "/usr/bin:/bin", SSH_CONNECTION: "10.0.0.1 22 10.0.0.2 50000" }, "linux")).toBeNull();
    expect(await findBrowser({ PATH: "/usr/bin:/bin" }, "linux")).toBeNull();
    expect(await findBrowser({ SSH_TTY: "/dev/pts/1" }, "darwin")).toBeNull();
  });

  it("takes $BROWSER first (its first entry), over SSH too", async () => {
    expect((await findBrowser({ BROWSER: "w3m:firefox", SSH_CONNECTION: "x" }, "linux"))?.name).toBe("w3m");
  });

  it("says when the opener could not start", async () => {
    expect(await (await findBrowser({ BROWSER: "/nonexistent/hubpat-browser" }, "linux"))!.open("http://127.0.0.1:9/activate")).toBe(false);
  });
});
