import type { Severity } from '../../../core/rules/rule';
import type { OutputFormat } from './format';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };

/** GitHub Actions workflow commands: one `::error file=...::message` line per finding. */
export const githubFormat: OutputFormat = {
  finding(f) {
    const properties = [
      `file=${escapeProperty(f.file)}`,
      `line=${f.line}`,
      `col=${f.column}`,
      `endLine=${f.endLine}`,
      `endColumn=${f.endColumn}`,
      `title=${escapeProperty(f.rule)}`,
    ].join(',');
    return `::${COMMAND[f.severity]} ${properties}::${escapeData(f.message)}\n`;
  },
  // Each finding's line ends with its own newline.
  separator: '',
  document: (findings) => [...findings],
};

/** As @actions/core escapes a command's message. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** As @actions/core escapes a property value: the message escapes plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
