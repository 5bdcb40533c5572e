import type { Severity } from '../../../core/rules/rule';
import { countBySeverity, type LintReport } from '../report';

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

/** `path:line:column  severity  message  rule-id`, one a line, as compilers print, then a summary. */
export function formatText(report: LintReport, color: boolean): string {
  const style = (name: keyof typeof STYLE, text: string) => (color ? STYLE[name](text) : text);
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(
      `${style('path', `${f.file}:${f.line}:${f.column}`)}  ${style(f.severity, f.severity)}  ${f.message}  ${style('dim', f.rule)}`,
    );
  }
  const files = plural(report.files, 'file');
  if (report.findings.length === 0) {
    lines.push(style('ok', `No findings in ${files}.`));
  } else {
    const counts = countBySeverity(report.findings);
    const parts = (['error', 'warning', 'info', 'hint'] as Severity[])
      .filter((s) => counts[s] > 0)
      .map((s) => style(s, s === 'info' ? `${counts[s]} info` : plural(counts[s], s)));
    const parseErrors = report.parseErrors > 0 ? `, ${plural(report.parseErrors, 'file')} with syntax errors` : '';
    if (lines.length > 0) lines.push('');
    lines.push(`${plural(report.findings.length, 'finding')} (${parts.join(', ')}) in ${files}${parseErrors}.`);
  }
  return `${lines.join('\n')}\n`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
