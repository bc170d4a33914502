#!/usr/bin/env node
"use strict";
require("node:module").enableCompileCache?.();
require("../dist/main.cjs").run("helper", process.argv.slice(2));
