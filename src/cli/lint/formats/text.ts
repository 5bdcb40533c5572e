import { SEVERITIES } from '../../../core/rules/rule';
import { findingCount, separated, type OutputFormat } from './format';

const ESC = '\u001b[';
const paint = (code: string) => (text: string) => `${ESC}${code}m${text}${ESC}0m`;
const STYLE = {
  path: paint('1'),
  dim: paint('2'),
  error: paint('31'),
  warning: paint('33'),
  info: paint('36'),
  hint: paint('2'),
  ok: paint('32'),
};

const SEPARATOR = '\n';

/** `path:line:column  severity  message  rule-id`, one a line, as compilers print, then a summary. */
export function textFormat(color: boolean): OutputFormat {
  const style = (name: keyof typeof STYLE, text: string) => (color ? STYLE[name](text) : text);
  return {
    finding: (f) => `${style('path', `${f.file}:${f.line}:${f.column}`)}  ${style(f.severity, f.severity)}  ${f.message}  ${style('dim', f.rule)}`,
    separator: SEPARATOR,
    document(findings, summary) {
      const files = plural(summary.files, 'file');
      const total = findingCount(summary);
      if (total === 0) return [`${style('ok', `No findings in ${files}.`)}\n`];
      const counts = summary.bySeverity;
      const parts = SEVERITIES.filter((s) => counts[s] > 0)
        .map((s) => style(s, s === 'info' ? `${counts[s]} info` : plural(counts[s], s)));
      const parseErrors = summary.parseErrors > 0 ? `, ${plural(summary.parseErrors, 'file')} with syntax errors` : '';
      const unlinted = summary.unlinted > 0 ? `, ${plural(summary.unlinted, 'file')} not linted (internal-error)` : '';
      const unsafe =
        summary.unsafeFixes > 0
          ? `${summary.unsafeFixes === 1 ? '1 finding has an unsafe fix' : `${summary.unsafeFixes} findings have unsafe fixes`} (they take the migration out of its transaction or add timeouts, as the production pattern does): run with --fix --unsafe-fixes to write ${summary.unsafeFixes === 1 ? 'it' : 'them'}.\n`
          : '';
      return [...separated(findings, SEPARATOR), `\n\n${plural(total, 'finding')} (${parts.join(', ')}) in ${files}${parseErrors}${unlinted}.\n`, ...(unsafe ? [unsafe] : [])];
    },
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
