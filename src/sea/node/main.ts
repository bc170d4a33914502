// The entry of the Node single executable (`scripts/package.mjs --runtime node`, kept to measure against the Bun
// one): Node, both faces and the keyring binding in one file. Only the helper's code is in this script; the CLI
// is a separate asset (src/sea/node/cli.ts).
import { getAsset } from "node:sea";
import { faceFromName, run, setHelpSource } from "../../main.js";
import { setBindingLoader } from "../../store/binding.js";
import { ASSETS, embeddedBinding } from "./embedded.js";

setBindingLoader(async () => embeddedBinding());
setHelpSource(() => getAsset(ASSETS.help, "utf8"));

// argv0 is the name the program was started as (a symlink's own name, or what Docker found on PATH); execPath
// would have followed the link to `hubpat`.
void run(faceFromName(process.argv0), process.argv.slice(2));
