#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
// `featurize` (a batch job, timed as a whole process) loads only its own command, not the
// full command table with the store and server modules: ~0.3–0.6 s less start-up.
const argv = process.argv.slice(2);
const run =
  argv[0] === 'featurize'
    ? (await import('../dist/src/cli/featurize-main.js')).featurizeMain.bind(null, argv.slice(1))
    : (await import('../dist/src/cli/main.js')).main.bind(null, argv);
run().then((code) => { process.exitCode = code; });
