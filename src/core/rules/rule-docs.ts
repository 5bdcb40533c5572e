// The rule documentation pages and the README rule table, generated from each rule's
// metadata. Pure: scripts/generate-rule-docs.ts does the file I/O.
import { RULES } from './index';
import type { Rule, RuleMeta } from './rule';

export const README_START = '<!-- rules:start -->';
export const README_END = '<!-- rules:end -->';

const FIX_SAFETY_TEXT: Record<RuleMeta['fixSafety'], string> = {
  safe: 'safe: applied by fix-all',
  unsafe: 'unsafe: offered as a quick fix, never applied by fix-all',
  suggestion: 'suggestion: offered as a quick fix, never applied by fix-all',
  none: 'none',
};

const GENERATED_NOTE = "<!-- Generated from the rule's metadata by scripts/generate-rule-docs.ts: edit the rule, not this file. -->";

export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

export function renderRuleDoc(rule: Rule): string {
  const { meta } = rule;
  const examples = (which: 'bad' | 'good') => {
    const blocks: string[] = [];
    const { ruby, sql, python, typescript, javascript } = meta.docs[which];
    if (ruby) blocks.push('```ruby\n' + ruby.trimEnd() + '\n```');
    if (sql) blocks.push('```sql\n' + sql.trimEnd() + '\n```');
    if (python) blocks.push('```python\n' + python.trimEnd() + '\n```');
    if (typescript) blocks.push('```ts\n' + typescript.trimEnd() + '\n```');
    if (javascript) blocks.push('```js\n' + javascript.trimEnd() + '\n```');
    return blocks.join('\n\n');
  };
  return [
    GENERATED_NOTE,
    '',
    `# ${meta.id}`,
    '',
    meta.summary,
    '',
    '| default severity | fix | silenced by `safety_assured` |',
    '|---|---|---|',
    `| ${meta.defaultSeverity} | ${FIX_SAFETY_TEXT[meta.fixSafety]} | ${meta.honorsSafetyAssured ? 'yes' : 'no'} |`,
    '',
    '## Why it hurts',
    '',
    meta.docs.why,
    '',
    ...(meta.docs.assumes ? [`The examples assume ${meta.docs.assumes}`, ''] : []),
    '## Bad',
    '',
    examples('bad'),
    '',
    '## Good',
    '',
    examples('good'),
    '',
    '## How to fix',
    '',
    meta.docs.fix,
    '',
    '## Turning it off',
    '',
    `For one statement, put \`# pg-index-guard:disable-next-line ${meta.id}\` (SQL: \`-- pg-index-guard:disable-next-line ${meta.id}\`, JS/TS: \`// ...\`) ` +
      `on the line above it; for a whole file, \`# pg-index-guard:disable ${meta.id}\` at its top. For the project, set ` +
      `\`"pgIndexGuard.rules": { "${meta.id}": "off" }\` (or a fixed severity: \`"hint"\`, \`"info"\`, \`"warning"\`, \`"error"\`).`,
    '',
  ].join('\n');
}

export function renderReadmeTable(rules: Iterable<Rule>): string {
  const rows = [...rules].map(
    ({ meta }) => `| [${meta.id}](${ruleDocPath(meta.id)}) | ${meta.summary.replace(/\|/g, '\\|')} | ${meta.defaultSeverity} | ${meta.fixSafety} |`,
  );
  return ['| rule | catches | default | fix |', '|---|---|---|---|', ...rows].join('\n');
}

/** README text with the table between the markers replaced; everything outside them kept as is. */
export function replaceReadmeTable(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) {
    const separator = readme === '' || readme.endsWith('\n') ? '' : '\n';
    return `${readme}${separator}\n## Rules\n\n${README_START}\n${table}\n${README_END}\n`;
  }
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}

/** Reads a file relative to the repository root; null when it does not exist. */
export type ReadRepoFile = (relativePath: string) => string | null;

/** Every generated file (path relative to the repository root) and the text it should have. */
export function expectedRuleDocs(read: ReadRepoFile, rules: ReadonlyMap<string, Rule> = RULES): Map<string, string> {
  const files = new Map<string, string>();
  for (const rule of rules.values()) files.set(ruleDocPath(rule.meta.id), renderRuleDoc(rule));
  files.set('README.md', replaceReadmeTable(read('README.md') ?? '# PG Index Guard\n', renderReadmeTable(rules.values())));
  return files;
}

/**
 * What check mode reports: generated files whose text differs from the rules' metadata, and
 * pages in docs/rules of rules that no longer exist.
 */
export function ruleDocsDrift(read: ReadRepoFile, rulePageNames: string[], rules: ReadonlyMap<string, Rule> = RULES): string[] {
  const expected = expectedRuleDocs(read, rules);
  const drifted = [...expected].filter(([path, text]) => read(path) !== text).map(([path]) => path);
  const stale = rulePageNames.map((name) => `docs/rules/${name}`).filter((path) => path.endsWith('.md') && !expected.has(path));
  return [...drifted, ...stale];
}
