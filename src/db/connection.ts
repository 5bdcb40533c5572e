// Where a database connection can come from, resolved to pg client configs. Everything here is a
// pure function of its inputs except `readConnectionInputs` (reads the files) and the default CA
// file reader of `clientConfigsFor`.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { readDatabaseYml, type RailsDatabaseEntry } from './database-yml';
import { parseDotEnv } from './dotenv';
import type { EnvMap } from './erb';
import { DbError, describeConnectionError, type ErrorDescription } from './errors';
import { lookupPgpass, parsePgpass, type PgpassEntry } from './pgpass';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** One entry of the `pgIndexGuard.connections` setting. Never holds a password. */
export interface ConnectionSetting {
  name: string;
  /** `postgres://user@host:port/db?sslmode=...`; a password in it is ignored. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslmode?: SslMode;
  /** Path to the CA certificate (PEM) that signed the server's certificate. */
  sslrootcert?: string;
  /** Client certificate (PEM) for servers that authenticate with certificates (pg_hba `cert`). */
  sslcert?: string;
  /** Its private key (PEM, not encrypted). */
  sslkey?: string;
  /** A production database: the lock trace refuses it (it takes real locks). */
  production?: boolean;
}

export type CandidateSource = 'settings' | 'DATABASE_URL' | 'database.yml' | 'libpq-env';
export type PasswordSource = 'url' | 'database.yml' | 'PGPASSWORD' | 'pgpass';

export interface TlsSettings {
  mode: SslMode;
  /**
   * An sslmode libpq does not know (`requre`, `REQUIRE`), and where it was given: nothing
   * connects with it (clientConfigsFor throws), rather than guess and maybe connect in plain text.
   */
  invalidMode?: { value: string; where: string };
  /** CA file (sslrootcert); read when connecting. */
  rootCertPath?: string;
  /** Client certificate and key files (sslcert, sslkey); read when connecting, sent over SSL only. */
  certPath?: string;
  keyPath?: string;
}

export interface ConnectionCandidate {
  /** Stable key: `settings:<name>`, `DATABASE_URL`, `database.yml:<env>/<name>`, `libpq-env`. */
  id: string;
  label: string;
  source: CandidateSource;
  /** The file or place it came from, for messages: `settings`, `environment`, `.env`, `config/database.yml`. */
  origin: string;
  /** Host, port, database, user (all filled in with libpq's defaults); a password only when `passwordSource` is set. */
  config: ClientConfig & { host: string; port: number; database: string; user: string };
  tls: TlsSettings;
  passwordSource: PasswordSource | null;
  /** True when no password is known: ask the secret store / the user if the server wants one. */
  needsPassword: boolean;
  /** Rails database this is (`database.yml` candidates). */
  rails?: { environment: string; name: string; replica: boolean; migrationsPaths: string[] };
  /** Marked `production: true` in the settings. */
  production?: boolean;
  warnings: string[];
}

export interface ConnectionInputs {
  settings?: readonly ConnectionSetting[];
  /** The process environment. */
  env?: EnvMap;
  /** A URL given on the command line (`--database-url`): it takes DATABASE_URL's place. */
  databaseUrlOption?: string;
  /** Parsed workspace `.env` (it never overrides `env`). */
  dotEnv?: Readonly<Record<string, string>>;
  /** Text of config/database.yml. */
  databaseYml?: string | null;
  /** Parsed ~/.pgpass entries. */
  pgpass?: readonly PgpassEntry[];
  /** The OS user name: libpq's default user. */
  osUser?: string;
  /** Host used when none is given: a Unix socket directory if a local server listens on one, else `localhost`. */
  defaultHost?: string;
  /** The Rails environment listed first; default RAILS_ENV, RACK_ENV, then `development`. */
  railsEnv?: string;
  /** Default sslrootcert (libpq: ~/.postgresql/root.crt when it exists). */
  defaultRootCertPath?: string;
  /** Default sslcert and sslkey (libpq: ~/.postgresql/postgresql.crt and .key when they exist). */
  defaultClientCertPath?: string;
  defaultClientKeyPath?: string;
  /** Problems found while reading the inputs, passed on to the result. */
  warnings?: string[];
}

export interface ResolvedConnections {
  candidates: ConnectionCandidate[];
  warnings: string[];
}

/** All connection candidates, in order: settings, DATABASE_URL, database.yml (current env first), libpq env. */
export function resolveConnectionCandidates(inputs: ConnectionInputs): ResolvedConnections {
  const warnings = [...(inputs.warnings ?? [])];
  const env: EnvMap = { ...(inputs.dotEnv ?? {}), ...(inputs.env ?? {}) };
  const processEnv = inputs.env ?? {};
  const candidates: ConnectionCandidate[] = [];
  const defaults = libpqDefaults(env, inputs);

  for (const setting of inputs.settings ?? []) {
    const candidateWarnings: string[] = [];
    let params: ConnectionParams = {};
    if (setting.url) {
      const parsed = parseConnectionUrl(setting.url);
      if (!parsed.ok) {
        warnings.push(`Connection "${setting.name}": ${parsed.error}`);
        continue;
      }
      params = parsed.params;
      if (params.password !== undefined) {
        delete params.password;
        candidateWarnings.push(`Connection "${setting.name}": the password in its URL was ignored; passwords belong in the secret store, not in settings.`);
      }
    }
    params = {
      ...params,
      ...definedOnly({
        host: setting.host,
        port: setting.port,
        database: setting.database,
        user: setting.user,
        sslmode: setting.sslmode,
        sslrootcert: setting.sslrootcert,
        sslcert: setting.sslcert,
        sslkey: setting.sslkey,
      }),
    };
    const candidate = makeCandidate({ id: `settings:${setting.name}`, label: setting.name, source: 'settings', origin: 'settings' }, params, null, defaults, inputs, candidateWarnings);
    if (setting.production === true) candidate.production = true;
    candidates.push(candidate);
  }

  const databaseUrl = inputs.databaseUrlOption ?? processEnv['DATABASE_URL'] ?? inputs.dotEnv?.['DATABASE_URL'];
  if (databaseUrl) {
    const origin = inputs.databaseUrlOption !== undefined ? 'command line' : processEnv['DATABASE_URL'] ? 'environment' : '.env';
    const label = inputs.databaseUrlOption !== undefined ? '--database-url' : `DATABASE_URL (${origin})`;
    const parsed = parseConnectionUrl(databaseUrl);
    if (!parsed.ok) warnings.push(`${label}: ${parsed.error}`);
    else if (parsed.postgres) {
      candidates.push(
        makeCandidate(
          { id: 'DATABASE_URL', label, source: 'DATABASE_URL', origin },
          parsed.params,
          parsed.params.password !== undefined ? 'url' : null,
          defaults,
          inputs,
          [],
        ),
      );
    }
  }

  if (inputs.databaseYml) {
    const yml = readDatabaseYml(inputs.databaseYml, env);
    warnings.push(...yml.warnings);
    const railsEnv = inputs.railsEnv ?? env['RAILS_ENV'] ?? env['RACK_ENV'] ?? 'development';
    const ordered = [...yml.entries.filter((e) => e.environment === railsEnv), ...yml.entries.filter((e) => e.environment !== railsEnv)];
    const multi = new Set(yml.entries.filter((e) => e.name !== 'primary').map((e) => e.environment));
    for (const entry of ordered) {
      const candidate = candidateFromRailsEntry(entry, multi.has(entry.environment), defaults, inputs);
      if ('skip' in candidate) {
        if (candidate.skip) warnings.push(candidate.skip);
        continue;
      }
      candidates.push(candidate);
    }
  }

  const libpqKeys = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSSLMODE', 'PGPASSWORD'];
  if (libpqKeys.some((k) => processEnv[k])) {
    const candidateWarnings: string[] = [];
    if (processEnv['PGSERVICE']) candidateWarnings.push('PGSERVICE is set; service files (pg_service.conf) are not read.');
    candidates.push(
      makeCandidate(
        {
          id: 'libpq-env',
          label: 'libpq environment (PGHOST, PGPORT, ...)',
          source: 'libpq-env',
          origin: 'environment',
        },
        {},
        null,
        defaults,
        inputs,
        candidateWarnings,
      ),
    );
  }

  return { candidates, warnings };
}

/** Connection parameters in libpq terms, before defaults. */
export interface ConnectionParams {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** As given: checked against SSL_MODES when the candidate is made. */
  sslmode?: string;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  connectTimeoutSeconds?: number;
}

export type UrlParseResult =
  | { ok: true; params: ConnectionParams; postgres: boolean; warnings: string[] }
  | { ok: false; error: string };

/**
 * Parses `postgres://user:password@host:port/database?sslmode=...&host=/socket/dir`. Percent
 * escapes are decoded. `postgres` is false for other schemes (mysql2://, sqlite3:...).
 */
export function parseConnectionUrl(text: string): UrlParseResult {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (!scheme) return { ok: false, error: 'not a URL (expected postgres://...)' };
  const postgres = ['postgres', 'postgresql', 'postgis'].includes(scheme);
  if (!postgres) return { ok: true, params: {}, postgres: false, warnings: [] };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, error: 'not a valid URL (check that special characters in the password are percent-encoded)' };
  }
  const warnings: string[] = [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const params: ConnectionParams = {};
  let host = decode(url.hostname);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.includes(',')) {
    warnings.push('several hosts in one URL are not supported; the first one is used');
    host = host.split(',')[0]!;
  }
  if (host) params.host = host;
  if (url.port) params.port = Number(url.port);
  const database = decode(url.pathname.replace(/^\//, ''));
  if (database) params.database = database;
  if (url.username) params.user = decode(url.username);
  if (url.password) params.password = decode(url.password);
  for (const [key, value] of url.searchParams) {
    switch (key) {
      case 'host':
        params.host = value;
        break;
      case 'port':
        params.port = Number(value);
        break;
      case 'dbname':
        params.database = value;
        break;
      case 'user':
        params.user = value;
        break;
      case 'password':
        params.password = value;
        break;
      case 'sslmode':
        // no-verify: node-postgres' name for require.
        params.sslmode = value === 'no-verify' ? 'require' : value;
        break;
      case 'ssl':
        if (value === 'true' || value === '1') params.sslmode ??= 'require';
        break;
      case 'sslrootcert':
        params.sslrootcert = value;
        break;
      case 'sslcert':
        params.sslcert = value;
        break;
      case 'sslkey':
        params.sslkey = value;
        break;
      case 'connect_timeout':
        params.connectTimeoutSeconds = Number(value);
        break;
    }
  }
  if (params.port !== undefined && !(Number.isInteger(params.port) && params.port > 0 && params.port < 65536)) {
    return { ok: false, error: `invalid port "${url.port}"` };
  }
  return { ok: true, params, postgres, warnings };
}

interface LibpqDefaults {
  host: string;
  port: number;
  user: string;
  database?: string;
  password?: string;
  /** PGSSLMODE as given, else prefer. */
  sslmode: string;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
}

/** libpq's environment variables and built-in defaults, applied to every candidate like libpq does. */
function libpqDefaults(env: EnvMap, inputs: ConnectionInputs): LibpqDefaults {
  const port = Number(env['PGPORT']);
  const sslmode = env['PGSSLMODE'];
  return {
    host: env['PGHOST'] || env['PGHOSTADDR'] || inputs.defaultHost || 'localhost',
    port: Number.isInteger(port) && port > 0 ? port : 5432,
    user: env['PGUSER'] || inputs.osUser || 'postgres',
    ...(env['PGDATABASE'] ? { database: env['PGDATABASE'] } : {}),
    ...(env['PGPASSWORD'] ? { password: env['PGPASSWORD'] } : {}),
    sslmode: sslmode || 'prefer',
    ...(env['PGSSLROOTCERT'] || inputs.defaultRootCertPath ? { sslrootcert: env['PGSSLROOTCERT'] || inputs.defaultRootCertPath } : {}),
    ...(env['PGSSLCERT'] || inputs.defaultClientCertPath ? { sslcert: env['PGSSLCERT'] || inputs.defaultClientCertPath } : {}),
    ...(env['PGSSLKEY'] || inputs.defaultClientKeyPath ? { sslkey: env['PGSSLKEY'] || inputs.defaultClientKeyPath } : {}),
  };
}

function makeCandidate(
  identity: Pick<ConnectionCandidate, 'id' | 'label' | 'source' | 'origin'>,
  params: ConnectionParams,
  explicitPasswordSource: PasswordSource | null,
  defaults: LibpqDefaults,
  inputs: ConnectionInputs,
  warnings: string[],
): ConnectionCandidate {
  const user = params.user || defaults.user;
  const config: ConnectionCandidate['config'] = {
    host: params.host || defaults.host,
    port: params.port ?? defaults.port,
    user,
    database: params.database || defaults.database || user,
  };
  if (params.connectTimeoutSeconds && params.connectTimeoutSeconds > 0) config.connectionTimeoutMillis = params.connectTimeoutSeconds * 1000;
  let passwordSource: PasswordSource | null = null;
  if (params.password !== undefined && params.password !== '') {
    config.password = params.password;
    passwordSource = explicitPasswordSource;
  } else if (defaults.password !== undefined) {
    config.password = defaults.password;
    passwordSource = 'PGPASSWORD';
  } else {
    const entry = lookupPgpass(inputs.pgpass ?? [], config);
    if (entry) {
      config.password = entry.password;
      passwordSource = 'pgpass';
    }
  }
  const givenMode = params.sslmode ?? defaults.sslmode;
  const known = isSslMode(givenMode);
  // Never weaker than what an unknown value may have meant; it is refused before connecting anyway.
  let mode: SslMode = known ? givenMode : 'verify-full';
  const rootCertPath = params.sslrootcert ?? defaults.sslrootcert;
  // libpq: sslmode=require with an explicitly given root certificate verifies the CA
  if (mode === 'require' && params.sslrootcert) mode = 'verify-ca';
  const certPath = params.sslcert ?? defaults.sslcert;
  const keyPath = params.sslkey ?? defaults.sslkey;
  const tls: TlsSettings = {
    mode,
    ...(known ? {} : { invalidMode: { value: givenMode, where: params.sslmode === undefined ? 'PGSSLMODE' : identity.source === 'settings' ? `the connection "${identity.label}" (settings)` : identity.label } }),
    ...(rootCertPath && (mode === 'verify-ca' || mode === 'verify-full') ? { rootCertPath } : {}),
    // libpq sends a client certificate only with its key; a key alone means nothing.
    ...(certPath && mode !== 'disable' ? { certPath, ...(keyPath ? { keyPath } : {}) } : {}),
  };
  return {
    ...identity,
    config,
    tls,
    passwordSource,
    needsPassword: passwordSource === null,
    warnings,
  };
}

function candidateFromRailsEntry(
  entry: RailsDatabaseEntry,
  multiDatabase: boolean,
  defaults: LibpqDefaults,
  inputs: ConnectionInputs,
): ConnectionCandidate | { skip: string | null } {
  const s = entry.settings;
  const where = `config/database.yml ${entry.environment}${multiDatabase ? `.${entry.name}` : ''}`;
  let params: ConnectionParams = {};
  let urlPassword = false;
  const warnings: string[] = entry.unresolvedKeys
    .filter((k) => k !== 'password')
    .map((k) => `${where}: "${k}" uses ERB that could not be evaluated; libpq's default is used instead.`);
  if (typeof s['url'] === 'string') {
    const parsed = parseConnectionUrl(s['url']);
    if (!parsed.ok) return { skip: `${where}: url: ${parsed.error}` };
    if (!parsed.postgres) return { skip: null };
    params = parsed.params;
    urlPassword = parsed.params.password !== undefined;
    warnings.push(...parsed.warnings.map((w) => `${where}: ${w}`));
  }
  const adapter = typeof s['adapter'] === 'string' ? s['adapter'] : undefined;
  if (adapter !== undefined && !/^(postgres|postgresql|postgis)$/i.test(adapter)) return { skip: null };
  if (adapter === undefined && typeof s['url'] !== 'string') return { skip: null };

  const text = (key: string): string | undefined => {
    const value = s[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
  // Rails: values from url: win over the other keys
  const fromKeys: ConnectionParams = definedOnly({
    host: text('host'),
    port: text('port') !== undefined ? Number(text('port')) : undefined,
    database: text('database'),
    user: text('username') ?? text('user'),
    password: text('password'),
    sslmode: text('sslmode'),
    sslrootcert: text('sslrootcert'),
    sslcert: text('sslcert'),
    sslkey: text('sslkey'),
    connectTimeoutSeconds: text('connect_timeout') !== undefined ? Number(text('connect_timeout')) : undefined,
  });
  const yamlPassword = fromKeys.password !== undefined;
  params = { ...fromKeys, ...params };
  if (params.host?.includes(',')) {
    warnings.push(`${where}: several hosts are not supported; the first one is used`);
    params.host = params.host.split(',')[0]!.trim();
  }
  const label = `database.yml: ${entry.environment}${multiDatabase ? ` (${entry.name})` : ''}${entry.replica ? ' replica' : ''}`;
  return {
    ...makeCandidate(
      { id: `database.yml:${entry.environment}/${entry.name}`, label, source: 'database.yml', origin: 'config/database.yml' },
      params,
      urlPassword ? 'url' : yamlPassword ? 'database.yml' : null,
      defaults,
      inputs,
      warnings,
    ),
    rails: { environment: entry.environment, name: entry.name, replica: entry.replica, migrationsPaths: entry.migrationsPaths },
  };
}

/** Key under which a password is kept in a secret store: the same server and role share it. */
export function passwordKey(candidate: Pick<ConnectionCandidate, 'config'>): string {
  const { user, host, port, database } = candidate.config;
  return `${user}@${host}:${port}/${database}`;
}

/**
 * pg's `ssl` option for an sslmode. `caPem` is the sslrootcert file's content. verify-ca checks
 * the chain but not the host name, like libpq; verify-full checks both.
 */
export function sslOption(mode: SslMode, caPem?: string, client?: { cert: string; key: string }): false | ConnectionOptions {
  const options = sslOptionWithoutClientCertificate(mode, caPem);
  return options && client ? { ...options, cert: client.cert, key: client.key } : options;
}

function sslOptionWithoutClientCertificate(mode: SslMode, caPem?: string): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(caPem ? { ca: caPem } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(caPem ? { ca: caPem } : {}) };
  }
}

export interface ClientConfigOptions {
  /** A password from the secret store; used when the candidate has none. */
  password?: string;
  /** Reads the CA file; default: fs. */
  readFile?: (file: string) => string;
  applicationName?: string;
}

/**
 * The pg configs to try in order: `prefer` tries SSL then plain, `allow` plain then SSL (libpq
 * semantics); a Unix socket never uses SSL. Throws DbError (kind `ca-file`) when the CA file
 * cannot be read.
 */
export function clientConfigsFor(candidate: Pick<ConnectionCandidate, 'config' | 'tls'>, options: ClientConfigOptions = {}): ClientConfig[] {
  if (candidate.tls.invalidMode) throw new DbError(invalidSslmode(candidate.tls.invalidMode));
  const base: ClientConfig = { ...candidate.config };
  if (base.password === undefined && options.password !== undefined) base.password = options.password;
  if (options.applicationName) base.application_name = options.applicationName;
  const mode = candidate.tls.mode;
  if (typeof base.host === 'string' && base.host.startsWith('/')) return [{ ...base, ssl: false }];
  let ca: string | undefined;
  if (candidate.tls.rootCertPath && (mode === 'verify-ca' || mode === 'verify-full')) {
    const file = candidate.tls.rootCertPath;
    ca = readTlsFile(file, options, 'ca-file', `Cannot read the SSL CA file ${file}.`, 'Check the sslrootcert path in the connection settings (or PGSSLROOTCERT).');
  }
  const client = candidate.tls.certPath ? readClientCertificate(candidate.tls, options) : undefined;
  const plain: ClientConfig = { ...base, ssl: false };
  const encrypted: ClientConfig = { ...base, ssl: sslOption(mode === 'allow' || mode === 'prefer' ? 'require' : mode, ca, client) };
  if (mode === 'disable') return [plain];
  if (mode === 'prefer') return [encrypted, plain];
  if (mode === 'allow') return [plain, encrypted];
  return [encrypted];
}

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

/** libpq's "invalid sslmode value", saying where the value came from and which ones there are. */
function invalidSslmode({ value, where }: { value: string; where: string }): ErrorDescription {
  const title = `Unknown sslmode "${value}" in ${where}.`;
  return { kind: 'invalid-setting', title, advice: `Use one of: ${SSL_MODES.join(', ')}.`, detail: title, retryable: false };
}

/** The client certificate and its key, read now. Throws DbError (kind `client-certificate`). */
function readClientCertificate(tls: TlsSettings, options: ClientConfigOptions): { cert: string; key: string } {
  if (!tls.keyPath) {
    const title = `The SSL client certificate ${tls.certPath} has no key.`;
    throw new DbError({ kind: 'client-certificate', title, advice: 'Set sslkey (or PGSSLKEY) to the private key of that certificate.', detail: title, retryable: false });
  }
  const read = (file: string, what: string, setting: string, variable: string) =>
    readTlsFile(file, options, 'client-certificate', `Cannot read the SSL client ${what} file ${file}.`, `Check the ${setting} path in the connection settings (or ${variable}).`);
  return { cert: read(tls.certPath!, 'certificate', 'sslcert', 'PGSSLCERT'), key: read(tls.keyPath, 'key', 'sslkey', 'PGSSLKEY') };
}

/** A PEM file the TLS settings name, read now; a DbError of `kind` saying which when it cannot be. */
function readTlsFile(file: string, options: ClientConfigOptions, kind: 'ca-file' | 'client-certificate', title: string, advice: string): string {
  const read = options.readFile ?? ((path: string) => fs.readFileSync(path, 'utf8'));
  try {
    return read(expandHome(file));
  } catch (err) {
    throw new DbError({ ...describeConnectionError(err), kind, title, advice, retryable: false }, err);
  }
}

function expandHome(file: string): string {
  return file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

export interface ReadInputsOptions {
  settings?: readonly ConnectionSetting[];
  env?: EnvMap;
  home?: string;
  osUser?: string;
  railsEnv?: string;
}

/**
 * Reads what `resolveConnectionCandidates` needs from disk: the workspace `.env` and
 * `config/database.yml`, the pgpass file (ignored, like libpq, when others can read it), and
 * whether a local server listens on a Unix socket. Missing files are not an error.
 */
export function readConnectionInputs(workspaceRoot: string | null, options: ReadInputsOptions = {}): ConnectionInputs {
  const env = options.env ?? process.env;
  const home = options.home ?? os.homedir();
  const warnings: string[] = [];
  const readText = (file: string): string | null => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') warnings.push(`Cannot read ${file}: ${(err as Error).message}`);
      return null;
    }
  };

  let dotEnv: Record<string, string> | undefined;
  let databaseYml: string | null = null;
  if (workspaceRoot) {
    const dotEnvText = readText(path.join(workspaceRoot, '.env'));
    if (dotEnvText !== null) dotEnv = parseDotEnv(dotEnvText, (name) => env[name]);
    databaseYml = readText(path.join(workspaceRoot, 'config', 'database.yml'));
  }

  let pgpass: PgpassEntry[] = [];
  const pgpassFile = env['PGPASSFILE'] || path.join(home, '.pgpass');
  try {
    const stat = fs.statSync(pgpassFile);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      warnings.push(`${pgpassFile} is readable by group or others and is ignored (like libpq does); run chmod 0600 on it.`);
    } else {
      pgpass = parsePgpass(fs.readFileSync(pgpassFile, 'utf8'));
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warnings.push(`Cannot read ${pgpassFile}: ${(err as Error).message}`);
  }

  const port = Number(env['PGPORT']) || 5432;
  const socketDir = ['/var/run/postgresql', '/tmp'].find((dir) => fs.existsSync(path.join(dir, `.s.PGSQL.${port}`)));
  const rootCert = path.join(home, '.postgresql', 'root.crt');
  const clientCert = path.join(home, '.postgresql', 'postgresql.crt');
  const clientKey = path.join(home, '.postgresql', 'postgresql.key');

  let osUser = options.osUser;
  if (osUser === undefined) {
    try {
      osUser = os.userInfo().username;
    } catch {
      osUser = undefined;
    }
  }
  return {
    ...(options.settings ? { settings: options.settings } : {}),
    env,
    ...(dotEnv ? { dotEnv } : {}),
    databaseYml,
    pgpass,
    ...(osUser ? { osUser } : {}),
    ...(socketDir ? { defaultHost: socketDir } : {}),
    ...(fs.existsSync(rootCert) ? { defaultRootCertPath: rootCert } : {}),
    ...(fs.existsSync(clientCert) ? { defaultClientCertPath: clientCert } : {}),
    ...(fs.existsSync(clientKey) ? { defaultClientKeyPath: clientKey } : {}),
    ...(options.railsEnv ? { railsEnv: options.railsEnv } : {}),
    warnings,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
