// Preloaded with `node --require` by the secret-hygiene tests: appends the argv of every child process the
// program starts (spawn, exec, fork, sync or not) to the file named by HUBPAT_RECORD_CHILDREN, one JSON array
// per line, so a test can check that no secret ever reaches a command line (/proc/<pid>/cmdline is world-readable).
const childProcess = require("node:child_process");
const { appendFileSync } = require("node:fs");
const out = process.env.HUBPAT_RECORD_CHILDREN;
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  const original = childProcess[name];
  childProcess[name] = function (command, args, ...rest) {
    if (out) appendFileSync(out, `${JSON.stringify([command, ...(Array.isArray(args) ? args : [])])}\n`);
    return original.call(this, command, args, ...rest);
  };
}
