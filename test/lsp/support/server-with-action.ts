// The server with one whole-migration action registered in MIGRATION_ACTIONS, as a core action
// such as "Make this migration production-safe" joins it (server.test.ts runs this with tsx).
import { createConnection } from 'vscode-languageserver/node';
import { MIGRATION_ACTIONS, startServer } from '../../../src/lsp/server';

MIGRATION_ACTIONS.push((file, findings) =>
  findings.length === 0 ? [] : [{ title: `Whole migration: ${file.operations.length} operation(s), ${findings.length} finding(s)`, safety: 'safe', edits: [{ start: 0, end: 0, text: '# reviewed\n' }] }],
);
startServer(createConnection());
