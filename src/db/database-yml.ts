// config/database.yml as Rails reads it: ERB (ENV look-ups only, never executed), YAML with
// anchors and `<<:` merges, environments, two- and three-level (multi-database) layouts.

import { isMap, isScalar, parseDocument } from 'yaml';
import { renderErb, UNRESOLVED_PATTERN, type EnvMap } from './erb';

export interface RailsDatabaseEntry {
  /** `development`, `production`, ... */
  environment: string;
  /** `primary` for a two-level config; the key (`primary`, `queue`, `cache`, ...) in a three-level one. */
  name: string;
  /** Settings after merges and `url:` expansion is left to the caller; strings, numbers, booleans. */
  settings: Record<string, unknown>;
  /** Keys whose ERB could not be evaluated (their value is dropped from `settings`). */
  unresolvedKeys: string[];
  /** `replica: true` entries. */
  replica: boolean;
  /** Rails `migrations_paths` (default `db/migrate`). */
  migrationsPaths: string[];
}

export interface DatabaseYmlResult {
  entries: RailsDatabaseEntry[];
  warnings: string[];
}

/**
 * Reads database.yml text. `env` feeds `<%= ENV[...] %>`. Never throws: a file that cannot be
 * read as YAML gives no entries and a warning.
 */
export function readDatabaseYml(text: string, env: EnvMap): DatabaseYmlResult {
  const warnings: string[] = [];
  const rendered = renderErb(text, env);
  for (const u of rendered.unresolved) warnings.push(`config/database.yml: <%= ${u.expression} %> was not evaluated (${u.reason}).`);
  if (rendered.codeTags > 0) {
    warnings.push(`config/database.yml: ${rendered.codeTags} ERB code tag(s) (<% ... %>) were skipped; values inside conditions may be wrong.`);
  }

  let data: unknown;
  /** Top-level keys whose mapping carries an anchor (`default: &default`): templates, not environments. */
  const anchored = new Set<string>();
  try {
    const document = parseDocument(rendered.text, { version: '1.1', merge: true, uniqueKeys: false });
    if (document.errors.length > 0) {
      warnings.push(`config/database.yml is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
      return { entries: [], warnings };
    }
    if (isMap(document.contents)) {
      for (const pair of document.contents.items) {
        if (isScalar(pair.key) && isMap(pair.value) && pair.value.anchor) anchored.add(String(pair.key.value));
      }
    }
    data = document.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    warnings.push(`config/database.yml could not be read: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return { entries: [], warnings };
  }
  if (!isPlainObject(data)) {
    if (data !== null && data !== undefined) warnings.push('config/database.yml does not hold a mapping of environments.');
    return { entries: [], warnings };
  }

  const entries: RailsDatabaseEntry[] = [];
  for (const [environment, value] of Object.entries(data)) {
    if (typeof value === 'string') {
      // `production: postgres://...` (a bare URL)
      entries.push(makeEntry(environment, 'primary', { url: value }));
      continue;
    }
    if (!isPlainObject(value)) continue;
    // `default: &default` holds shared settings for `<<: *default`; it names no database
    if (anchored.has(environment) && value['database'] === undefined && value['url'] === undefined) continue;
    const values = Object.values(value);
    // Rails: an environment whose values are all hashes is a three-level (multi-database) config
    if (values.length > 0 && values.every(isPlainObject)) {
      for (const [name, config] of Object.entries(value)) entries.push(makeEntry(environment, name, config as Record<string, unknown>));
    } else {
      entries.push(makeEntry(environment, 'primary', value));
    }
  }
  return { entries, warnings };
}

function makeEntry(environment: string, name: string, raw: Record<string, unknown>): RailsDatabaseEntry {
  const settings: Record<string, unknown> = {};
  const unresolvedKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' && UNRESOLVED_PATTERN.test(value)) {
      unresolvedKeys.push(key);
      continue;
    }
    if (value === null || value === undefined) continue;
    settings[key] = value;
  }
  const paths = settings['migrations_paths'];
  const migrationsPaths = Array.isArray(paths)
    ? paths.filter((p): p is string => typeof p === 'string')
    : typeof paths === 'string'
      ? [paths]
      : ['db/migrate'];
  return { environment, name, settings, unresolvedKeys, replica: settings['replica'] === true, migrationsPaths };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
