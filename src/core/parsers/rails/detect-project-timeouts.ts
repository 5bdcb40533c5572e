export interface ProjectTimeouts {
  lockTimeoutMs: number | null;
  statementTimeoutMs: number | null;
  /**
   * True when the project sets a lock_timeout for every migration: the extension then sets
   * `LintSettings.timeoutsConfiguredElsewhere`. A missing project-wide statement_timeout does
   * not count against it: the server default (usually none) is what long index builds need.
   */
  configuresTimeouts: boolean;
}

const SETTING = /^[ \t]*StrongMigrations\.(lock_timeout|statement_timeout)[ \t]*=[ \t]*([^\n#]+)/gm;

/**
 * Reads `StrongMigrations.lock_timeout = 10.seconds` / `statement_timeout = 1.hour` lines of
 * a strong_migrations initializer (config/initializers/strong_migrations.rb). Commented-out
 * lines do not count.
 */
export function detectProjectTimeouts(initializerSource: string): ProjectTimeouts {
  let lockTimeoutMs: number | null = null;
  let statementTimeoutMs: number | null = null;
  for (const match of initializerSource.matchAll(SETTING)) {
    const milliseconds = rubyDurationMs(match[2]!.trim());
    if (milliseconds === null) continue;
    if (match[1] === 'lock_timeout') lockTimeoutMs = milliseconds;
    else statementTimeoutMs = milliseconds;
  }
  return { lockTimeoutMs, statementTimeoutMs, configuresTimeouts: lockTimeoutMs !== null && lockTimeoutMs > 0 };
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/**
 * `10.seconds`, `1.hour`, `5` (strong_migrations reads a bare number as seconds) or a
 * Postgres string such as `"10s"`; null for anything computed.
 */
export function rubyDurationMs(value: string): number | null {
  const activeSupport = /^(\d+(?:\.\d+)?)\.(\w+)$/.exec(value);
  if (activeSupport) {
    const unit = UNIT_MS[activeSupport[2]!];
    return unit === undefined ? null : Number(activeSupport[1]) * unit;
  }
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const quoted = /^["'](\d+(?:\.\d+)?)\s*([a-z]*)["']$/.exec(value);
  if (quoted) {
    const unit = quoted[2] === '' ? 1 : UNIT_MS[quoted[2]!];
    return unit === undefined ? null : Number(quoted[1]) * unit;
  }
  return null;
}

const SAFE_BY_DEFAULT = /^[ \t]*StrongMigrations\.safe_by_default[ \t]*=[ \t]*(true|false)[ \t]*(?:#.*)?$/gm;

/**
 * `StrongMigrations.safe_by_default = true` in the same initializer: strong_migrations then runs
 * add_index / remove_index / add_reference concurrently, outside the transaction. The last
 * assignment wins; commented-out lines do not count.
 */
export function detectStrongMigrationsSafeByDefault(initializerSource: string): boolean {
  let safe = false;
  for (const match of initializerSource.matchAll(SAFE_BY_DEFAULT)) safe = match[1] === 'true';
  return safe;
}
