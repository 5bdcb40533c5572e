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
  /**
   * Whether the text parses, without its syntax tree: the same answer and error as parse, for
   * less (libpg-query's fingerprint walks the tree in WASM; parse writes it as JSON, then
   * JSON.parse reads it back).
   */
  check(text: string): SqlCheckOutcome;
}

export type SqlCheckOutcome = { ok: true } | { ok: false; message: string; cursorPosition: number };

let loading: Promise<SqlParser> | undefined;
const OK: SqlCheckOutcome = Object.freeze({ ok: true });

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
    const parser: SqlParser = {
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
      check(text: string): SqlCheckOutcome {
        if (text.trim() === '') return OK;
        try {
          pg.fingerprintSync(text);
          return OK;
        } catch {
          // Its error has no position: parse tells where (the rare broken statement pays twice).
          const parsed = parser.parse(text);
          return parsed.ok ? OK : parsed;
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
    return parser;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
