import type { ParseResult, ScanToken } from 'libpg-query';

export type { ParseResult, ScanToken };

export type SqlParseOutcome =
  | { ok: true; result: ParseResult }
  /** `cursorPosition`: 0-based offset of the error in characters (code points), as Postgres counts. */
  | { ok: false; message: string; cursorPosition: number };

/** The two entry points of libpg-query the SQL parser uses, loaded once. Token and statement offsets are UTF-8 bytes. */
export interface SqlParser {
  parse(text: string): SqlParseOutcome;
  /** Tokens, comments included; null when the scanner rejects the text (an unterminated string or comment). */
  scan(text: string): ScanToken[] | null;
}

let loading: Promise<SqlParser> | undefined;

/**
 * Loads libpg-query's WASM build once per process. The package is required here, not
 * imported at the top, because it starts compiling its WASM as soon as it is loaded: this
 * way a failure is awaited (and reported by the caller) instead of surfacing as an unhandled
 * rejection, and Ruby-only users never pay for it. Its glue finds `libpg-query.wasm` through
 * `__dirname`, so bundles carry a copy beside themselves.
 */
export function loadSqlParser(): Promise<SqlParser> {
  loading ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pg = require('libpg-query') as typeof import('libpg-query');
    await pg.loadModule();
    return {
      parse(text: string): SqlParseOutcome {
        // libpg-query refuses an empty string; Postgres treats it as no statements.
        if (text.trim() === '') return { ok: true, result: { stmts: [] } };
        try {
          return { ok: true, result: pg.parseSync(text) };
        } catch (error) {
          const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
          return {
            ok: false,
            message: error instanceof Error ? error.message : String(error),
            cursorPosition: details?.cursorPosition ?? 0,
          };
        }
      },
      scan(text: string): ScanToken[] | null {
        if (text === '') return [];
        try {
          return pg.scanSync(text).tokens ?? [];
        } catch {
          return null;
        }
      },
    };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
