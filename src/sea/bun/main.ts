// The entry of the single executable (scripts/package.mjs): Bun, both faces and the keyring binding in one file.
// This entry holds the helper's whole hot path and nothing else; the CLI is the second entry (src/sea/bun/cli.ts).
import { faceFromName, run, setHelpSource } from "../../main.js";
import { setBindingLoader } from "../../store/binding.js";
import { embeddedBinding, embeddedPath, EMBEDDED } from "./embedded.js";

setBindingLoader(async () => embeddedBinding());
setHelpSource(() => process.getBuiltinModule("node:fs").readFileSync(embeddedPath(EMBEDDED.help), "utf8"));

// argv0 is the name the program was started as (a symlink's own name, or what Docker found on PATH); execPath
// would have followed the link to `hubpat`.
void run(faceFromName(process.argv0), process.argv.slice(2));
