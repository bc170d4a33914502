import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The helper's hot path must stay light: Docker runs it on every pull. These packages cost 4-40 ms to import.
const heavy = ["commander", "chalk", "conf", "undici", "@inquirer/*"];

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/main.ts", "src/version.ts", "src/errors.ts", "src/helper/**/*.ts", "src/store/**/*.ts", "src/sea/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: heavy, message: "the helper hot path loads only node: built-ins and the keyring binding", allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ["**/*.cjs", "**/*.mjs"],
    languageOptions: {
      globals: Object.fromEntries(
        ["process", "console", "require", "module", "exports", "__dirname", "__filename", "Buffer", "URL", "AbortController", "AbortSignal", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "fetch", "TextDecoder", "TextEncoder", "performance", "structuredClone", "queueMicrotask"].map((g) => [g, "readonly"]),
      ),
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
