// ~/.pgpass (or $PGPASSFILE), matched the way libpq matches it.

export interface PgpassEntry {
  /** Field values with escapes removed; null for a `*` wildcard. */
  host: string | null;
  port: string | null;
  database: string | null;
  user: string | null;
  password: string;
  /** 1-based line number, for messages. */
  line: number;
}

/**
 * Parses pgpass text: `hostname:port:database:username:password` per line, `*` matches
 * anything in the first four fields, `\:` and `\\` escape. Comment lines start with `#`;
 * lines with fewer than five fields are skipped (libpq does the same).
 */
export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const fields: { text: string; wildcard: boolean }[] = [];
    let current = '';
    let escapedSomething = false;
    let k = 0;
    for (; k < raw.length && fields.length < 4; k++) {
      const c = raw[k]!;
      if (c === '\\' && k + 1 < raw.length) {
        current += raw[k + 1];
        escapedSomething = true;
        k++;
      } else if (c === ':') {
        fields.push({ text: current, wildcard: current === '*' && !escapedSomething });
        current = '';
        escapedSomething = false;
      } else {
        current += c;
      }
    }
    if (fields.length < 4) return;
    // the password is the rest of the line, de-escaped
    const password = raw.slice(k).replace(/\\(.)/g, '$1');
    const [host, port, database, user] = fields.map((f) => (f.wildcard ? null : f.text)) as [string | null, string | null, string | null, string | null];
    entries.push({ host, port, database, user, password, line: index + 1 });
  });
  return entries;
}

export interface PgpassTarget {
  /** Host name, IP, or a Unix socket directory (starts with `/`). */
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * The password of the first matching entry, or null. Like libpq, a connection through a
 * Unix socket matches the host name `localhost`.
 */
export function lookupPgpass(entries: readonly PgpassEntry[], target: PgpassTarget): PgpassEntry | null {
  const host = target.host.startsWith('/') || target.host === '' ? 'localhost' : target.host;
  const matches = (field: string | null, value: string) => field === null || field === value;
  for (const entry of entries) {
    if (
      matches(entry.host, host) &&
      matches(entry.port, String(target.port)) &&
      matches(entry.database, target.database) &&
      matches(entry.user, target.user)
    ) {
      return entry;
    }
  }
  return null;
}
