import { formatMissingIndexLines } from '../../db/status-format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from '../command';
import type { CliIO } from '../io';
import { collectCliStatus, CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, resolveTargetForCli } from './status';

const HELP = `Usage: pg-index-guard check-missing [--json] [connection options]

Checks that every index declared in db/schema.rb or db/structure.sql exists in the database,
and that the database has no INVALID index (the leftover of a failed concurrent build, which
CREATE INDEX ... IF NOT EXISTS would take for done). For CI and deploy checks. Read-only.

Options:
  --json    {"missingIndexes": [...], "invalidIndexes": [...]}
  -h, --help

${CONNECTION_HELP}

Exit codes: 0 nothing missing or invalid, 1 some index is missing or invalid
(a concurrent build still running does not count), 2 usage, configuration or connection error,
or a section could not be read.
`;

export const checkMissingCommand: Command = {
  name: 'check-missing',
  summary: 'Fail when a declared index is missing or an index is INVALID',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values } = parseOrUsage(
      { args, strict: true, allowPositionals: false, options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
      'check-missing',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const target = resolveTargetForCli(values, io);
    const status = await collectCliStatus(target, io);
    const missing = status.missingIndexes;
    const invalid = status.invalidIndexes;
    const leftovers = invalid.items.filter((i) => !i.buildInProgress);

    if (values.json) {
      io.stdout(`${JSON.stringify({ missingIndexes: missing, invalidIndexes: invalid }, null, 2)}\n`);
    } else {
      const lines = [...formatMissingIndexLines(missing), ''];
      lines.push(`Invalid indexes${invalid.error ? '' : ` (${invalid.items.length})`}`);
      if (invalid.error) lines.push(`  could not be read: ${invalid.error.title} ${invalid.error.advice}`);
      else if (invalid.items.length === 0) lines.push('  none');
      for (const i of invalid.items) {
        lines.push(`  ${i.schema}.${i.index} on ${i.table}${i.buildInProgress ? ': a concurrent build is still running' : ''}`);
        if (!i.buildInProgress) lines.push(`    drop: ${i.dropSql}`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    }
    for (const section of [missing, invalid]) {
      if (section.error) {
        io.stderr(`${section.error.title} ${section.error.advice}\n`);
        return EXIT_USAGE;
      }
    }
    return missing.items.length > 0 || leftovers.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  },
};
