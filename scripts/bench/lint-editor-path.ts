// The editor path, measured on its own: parsers loaded once, then lintSource per file on text
// already in memory, as the extension does on every edit. Bundled and run in a child process
// by lint.ts (so memory figures are this work's alone); prints one JSON object on stdout.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { languageOfPath, lintSource, loadParsers } from '../../src/core/lint';
import { defaultContext } from '../../src/core/lint-context';

export interface EditorPathResult {
  files: number;
  findings: number;
  parserLoadMs: number;
  /** Per-file lint times in milliseconds, in corpus order (the first one is cold). */
  times: number[];
  rssBytes: number;
  heapUsedBytes: number;
  maxRssBytes: number;
}

async function measure(folder: string): Promise<EditorPathResult> {
  const files = readdirSync(folder)
    .filter((name) => languageOfPath(name) !== null)
    .sort()
    .map((name) => ({ path: join(folder, name), text: readFileSync(join(folder, name), 'utf8') }));
  const started = performance.now();
  const parsers = await loadParsers();
  const parserLoadMs = performance.now() - started;
  const context = defaultContext();
  const times: number[] = [];
  let findings = 0;
  for (const file of files) {
    const t0 = performance.now();
    const result = lintSource(file.path, file.text, languageOfPath(file.path)!, context, parsers);
    times.push(performance.now() - t0);
    findings += result.findings.length;
  }
  const memory = process.memoryUsage();
  return {
    files: files.length,
    findings,
    parserLoadMs,
    times,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

if (require.main === module) {
  process.removeAllListeners('warning'); // the WASI ExperimentalWarning would go to stderr
  measure(process.argv[2]!).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
