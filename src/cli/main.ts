import { readFileSync } from 'node:fs';
import { defaultContext } from '../core/lint-context';
import { languageOfPath, lintSource, loadParsers } from '../core/lint';

// Minimal entry; the full `lint` command (formats, folders, exit codes) replaces it.
async function main(argv: string[]): Promise<number> {
  const [command, ...files] = argv;
  if (command !== 'lint' || files.length === 0) {
    console.error('usage: pg-index-guard lint <files...>');
    return 2;
  }
  const parsers = await loadParsers();
  let failed = false;
  for (const path of files) {
    const language = languageOfPath(path);
    if (!language) continue;
    const { findings } = lintSource(path, readFileSync(path, 'utf8'), language, defaultContext(), parsers);
    for (const f of findings) {
      console.log(`${path}:${f.range.start}  ${f.severity}  ${f.message}  ${f.ruleId}`);
      if (f.severity === 'error') failed = true;
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
