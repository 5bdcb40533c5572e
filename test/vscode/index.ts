// Entry point VS Code calls inside the extension host (extensionTestsPath).
// Suites are bundled into this file; mocha itself is loaded from node_modules.
import Mocha from 'mocha';

export function run(): Promise<void> {
  // PGIG_VSCODE_GREP runs only the tests whose full title matches (a developer's loop; CI sets none).
  const grep = process.env.PGIG_VSCODE_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, 'pg-index-guard-suite', mocha);
  // Required after pre-require so describe()/it() exist when they load.
  require('./walkthrough.test');
  require('./lint.test');
  require('./orm.test');
  require('./rules.test');
  require('./database.test');
  require('./monitor.test');
  // Right after the monitor's suite: later in the order two of its tests see no progress toast
  // (an order effect not found yet, noted on issue 17).
  require('./writes.test');
  // Before builder.test, which marks a migration it looks at as run.
  require('./views.test');
  require('./builder.test');
  require('./password.test');
  require('./impact.test');
  require('./settings.test');
  require('./trace.test');
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      console.log(`vscode suite (VS Code ${require('vscode').version}): ${passed} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} VS Code test(s) failed`));
      else resolve();
    });
  });
}
