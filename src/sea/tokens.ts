// The token CLI as the single executable embeds it: a separate script (asset "tokens.cjs"), compiled only when
// `hub-tokens` runs, so Docker's credential lookups never parse its 2 MB. It has its own copy of the binding
// module, hence setBindingLoader: src/sea/cli.ts points it at the embedded binding. helpPages is what
// scripts/package.mjs runs to fill the CLI's code cache.
export { helpPages, runTokens } from "../cli/entry.js";
export { setBindingLoader } from "../store/binding.js";
