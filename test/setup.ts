// Every test starts from the same environment: no hubpat settings, no colour forcing, whatever the shell had.
for (const key of Object.keys(process.env)) {
  if (key.startsWith("HUBPAT_") || key === "NO_COLOR" || key === "FORCE_COLOR") delete process.env[key];
}
