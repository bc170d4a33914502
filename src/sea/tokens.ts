// The token CLI as the single executables embed it (src/sea/bun/cli.ts, src/sea/node/cli.ts): a separate script,
// loaded only when `hub-tokens` runs, so Docker's credential lookups never parse its 2 MB. It has its own copy of
// the binding module, hence setBindingLoader: the executable points it at the embedded binding. helpPages is what
// scripts/package.mjs runs to render the help pages and fill the Node executable's code cache.
export { helpPages, runTokens } from "../cli/entry.js";
export { setBindingLoader } from "../store/binding.js";
