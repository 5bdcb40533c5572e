import type { SuppressionComment } from '../model/migration';

const DIRECTIVE = /^(?:#|--|\/\/)\s*pg-index-guard:(disable-next-line|disable)\b\s*(.*)$/;
const SQUAWK = /^--\s*squawk-ignore(-file)?\b\s*(.*)$/;

/**
 * Reads one comment (`# ...` in Ruby and Python, `-- ...` in SQL, `// ...` in JS). Rule ids are separated by
 * commas or spaces; none means every rule.
 */
export function parseSuppressionComment(comment: string, line: number): SuppressionComment | null {
  const text = comment.trim();
  const own = DIRECTIVE.exec(text);
  if (own) {
    return { scope: own[1] === 'disable' ? 'file' : 'next-line', ruleIds: ruleIdList(own[2]!), line };
  }
  const squawk = SQUAWK.exec(text);
  if (squawk) {
    return { scope: squawk[1] ? 'file' : 'next-line', ruleIds: ruleIdList(squawk[2]!), line };
  }
  return null;
}

function ruleIdList(text: string): string[] {
  // Anything after ` -- ` is a free-form reason.
  const ids = text.split(/\s--\s/)[0]!;
  return ids.split(/[\s,]+/).filter((id) => /^[a-z][a-z0-9-]*$/.test(id));
}
