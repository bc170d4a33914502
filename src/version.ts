declare const __HUBPAT_VERSION__: string | undefined;

/** hubpat's version: package.json's, put in by the build; "0.0.0-dev" when running from source. */
export const VERSION: string = typeof __HUBPAT_VERSION__ === "string" ? __HUBPAT_VERSION__ : "0.0.0-dev";
