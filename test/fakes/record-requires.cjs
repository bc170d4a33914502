// Preloaded with `node --require` by the hot-path test: appends every module request the process makes to the
// file named by HUBPAT_RECORD_REQUIRES, one per line, so the test can see what the helper really loads.
const Module = require("node:module");
const { appendFileSync } = require("node:fs");
const out = process.env.HUBPAT_RECORD_REQUIRES;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (out) appendFileSync(out, `${request}\n`);
  return load.call(this, request, parent, isMain);
};
