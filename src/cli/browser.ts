// Opening the web sign-in page: only when a browser can show it on this screen. Over SSH, on a server, or with no
// desktop the URL is printed for another device instead. $BROWSER wins (the convention xdg-utils, git and Python's
// webbrowser follow); else the desktop's opener. The browser runs detached with its output discarded, as Docker
// CLI does (pkg/browser with Stdout/Stderr set to io.Discard), so it never writes over our terminal.
import { spawn } from "node:child_process";
import { whichOnPath } from "../docker/helper.js";

/** Something that opens a URL where the person sits. */
export interface Browser {
  /** What it is, for --debug. */
  readonly name: string;
  /** Resolves whether the opener started. */
  open(url: string): Promise<boolean>;
}

/** A browser for this session, or null when none could show a page here (SSH without a display, a server). */
export async function findBrowser(env: Record<string, string | undefined>, platform: NodeJS.Platform): Promise<Browser | null> {
  const overSsh = Boolean(env.SSH_CONNECTION || env.SSH_TTY || env.SSH_CLIENT);
  const chosen = env.BROWSER?.split(":").find((c) => c.trim() !== "");
  if (chosen) return launcher(chosen.trim(), []);
  if (platform === "darwin") return overSsh ? null : launcher("open", []);
  if (platform === "win32") return overSsh ? null : launcher("rundll32", ["url.dll,FileProtocolHandler"]);
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  const opener = await whichOnPath("xdg-open", env.PATH);
  return opener ? launcher(opener, []) : null;
}

function launcher(command: string, args: string[]): Browser {
  return {
    name: command,
    open: (url) =>
      new Promise((resolve) => {
        try {
          const child = spawn(command, [...args, url], { detached: true, stdio: "ignore" });
          child.once("error", () => resolve(false));
          child.once("spawn", () => {
            child.unref();
            resolve(true);
          });
        } catch {
          resolve(false);
        }
      }),
  };
}
