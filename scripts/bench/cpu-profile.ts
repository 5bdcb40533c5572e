// Summarizes V8 CPU profiles (node --cpu-prof) of the bundled CLI by where the time goes:
// each sample's self time is charged to the source module of the nearest bundle frame on its
// stack (the bundle's `// src/...` module markers tell which), then modules are grouped.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Ordered: the first matching pattern names the category. */
const CATEGORIES: Array<[RegExp, string]> = [
  [/^wasm$/, 'Prism parse (WASM)'],
  [/^wasm:libpg-query$/, 'libpg-query (SQL parser)'],
  [/node_modules\/@ruby\/prism\//, 'Prism AST -> JS objects (deserialize)'],
  [/node_modules\/libpg-query\//, 'libpg-query (SQL parser)'],
  [/src\/core\/parsers\/sql\/lexer\.ts/, 'core: SQL lexer'],
  [/src\/core\/parsers\/sql\/fast-statements\.ts/, 'core: SQL fast path (trees without libpg-query)'],
  [/src\/core\/parsers\/sql\//, 'core: SQL statements -> operations'],
  [/src\/core\/parsers\//, 'core: parser -> migration model'],
  [/src\/core\/(rules|fixes)\//, 'core: rules + fixes'],
  [/src\/core\//, 'core: lint() (suppressions, sorting)'],
  [/src\/cli\/lint\/files\.ts/, 'CLI: folder walk'],
  [/src\/cli\/lint\/run\.ts/, 'CLI: file reading + positions'],
  [/src\/cli\/lint\/parallel\.ts/, 'CLI: worker threads'],
  [/src\/cli\/lint\/formats\//, 'CLI: output formatting'],
  [/src\/cli\//, 'CLI: other'],
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^\(idle\)$/, 'idle (waiting)'],
  [/^\(program\)$/, 'V8/node internals (compile, start-up)'],
];

export interface ProfileSummary {
  threads: number;
  totalMs: number;
  categories: Array<{ category: string; ms: number; share: number }>;
  hottest: Array<{ fn: string; module: string; ms: number }>;
}

/** Maps bundle line numbers to the module esbuild emitted there (`// src/core/lint.ts`). */
function moduleMarkers(bundlePath: string): (line: number) => string {
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  const starts: Array<[number, string]> = [];
  lines.forEach((text, index) => {
    const match = /^\/\/ ((?:src|node_modules|package\.json)\S*)$/.exec(text);
    if (match) starts.push([index, match[1]!]);
  });
  return (line) => {
    let found = 'bundle';
    for (const [start, module] of starts) {
      if (start > line) break;
      found = module;
    }
    return found;
  };
}

export function summarizeCpuProfiles(profileDir: string, bundlePath: string): ProfileSummary {
  const moduleAt = moduleMarkers(bundlePath);
  const bundleName = basename(bundlePath);
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { fn: string; module: string; ms: number }>();
  let totalMs = 0;
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const selfMs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

    const moduleOf = (node: CpuProfileNode): string => {
      const { url, functionName } = node.callFrame;
      if (url.endsWith(bundleName)) return moduleAt(node.callFrame.lineNumber);
      if (functionName.startsWith('wasm-function') || url.startsWith('wasm://')) {
        // Which parser's WASM: the bundle code that called into it tells.
        for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
          const up = byId.get(id)!;
          if (up.callFrame.url.endsWith(bundleName)) return /libpg-query/.test(moduleAt(up.callFrame.lineNumber)) ? 'wasm:libpg-query' : 'wasm';
        }
        return 'wasm';
      }
      if (url === '' && functionName.startsWith('(')) return functionName;
      // Native or node-internal frame (fs calls, decoders): charge the bundle code that called it.
      for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
        const up = byId.get(id)!;
        if (up.callFrame.url.endsWith(bundleName)) return moduleAt(up.callFrame.lineNumber);
      }
      return '(program)';
    };

    for (const [id, ms] of selfMs) {
      const node = byId.get(id)!;
      const module = moduleOf(node);
      const category = CATEGORIES.find(([pattern]) => pattern.test(module))?.[1] ?? `other: ${module}`;
      byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
      const fn = node.callFrame.functionName || '(anonymous)';
      const key = `${fn}@${module}`;
      const entry = byFunction.get(key) ?? { fn, module, ms: 0 };
      entry.ms += ms;
      byFunction.set(key, entry);
      totalMs += ms;
    }
  }
  const categories = [...byCategory]
    .map(([category, ms]) => ({ category, ms, share: totalMs > 0 ? ms / totalMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  const hottest = [...byFunction.values()]
    .filter((f) => f.module !== '(idle)')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  return { threads: files.length, totalMs, categories, hottest };
}
