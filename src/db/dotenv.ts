// The workspace `.env` file, read the way the dotenv gems read it (no command substitution).

/**
 * Parses `.env` text: `KEY=value`, optional `export `, single quotes (literal), double quotes
 * (escapes, `${VAR}` expansion, may span lines), unquoted values (trailing ` # comment` removed,
 * `${VAR}` / `$VAR` expanded). `lookup` resolves variables not defined earlier in the file.
 */
export function parseDotEnv(text: string, lookup: (name: string) => string | undefined = () => undefined): Record<string, string> {
  const values: Record<string, string> = {};
  const expand = (value: string): string =>
    value.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, fallback?: string, bare?: string) => {
      if (whole === '\\$') return '$';
      const name = (braced ?? bare)!;
      const found = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : lookup(name);
      return found === undefined || found === '' ? (fallback ?? '') : found;
    });

  const source = text.replace(/\r\n?/g, '\n');
  let i = 0;
  while (i < source.length) {
    const lineEnd = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
    const line = source.slice(i, lineEnd);
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?/.exec(line);
    if (!match || /^\s*#/.test(line)) {
      i = lineEnd + 1;
      continue;
    }
    const key = match[1]!;
    let rest = source.slice(i + match[0].length).replace(/^[ \t]+/, '');
    const offset = source.length - rest.length;
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let j = 1;
      let raw = '';
      while (j < rest.length && rest[j] !== quote) {
        if (rest[j] === '\\' && quote === '"' && j + 1 < rest.length) {
          raw += rest.slice(j, j + 2);
          j += 2;
          continue;
        }
        raw += rest[j];
        j++;
      }
      if (j < rest.length) {
        values[key] = quote === '"' ? expand(unescapeDouble(raw)) : raw;
        const after = rest.indexOf('\n', j);
        i = after === -1 ? source.length : offset + after + 1;
        continue;
      }
      // no closing quote: take the rest of the line as it is
      rest = rest.slice(0, rest.indexOf('\n') === -1 ? rest.length : rest.indexOf('\n'));
      values[key] = rest.trim();
      i = lineEnd + 1;
      continue;
    }
    const value = line.slice(match[0].length).replace(/\s+#.*$/, '').trim();
    values[key] = expand(value);
    i = lineEnd + 1;
  }
  return values;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\(.)/g, (_w, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c === '$' ? '\\$' : c));
}
