// Turns what pg, node's net/tls layers and the server throw into a message a user can act on.
// Nothing here may repeat a password: messages are redacted before they are shown.

export type ErrorKind =
  | 'wrong-password'
  | 'password-required'
  | 'unknown-host'
  | 'connection-refused'
  | 'timeout'
  | 'connection-lost'
  | 'server-starting'
  | 'database-missing'
  | 'role-missing'
  | 'missing-privilege'
  | 'ssl-required'
  | 'ssl-unsupported'
  | 'ssl-certificate'
  | 'ca-file'
  | 'client-certificate'
  | 'invalid-setting'
  | 'not-postgres'
  | 'hba-rejected'
  | 'too-many-connections'
  | 'statement-timeout'
  | 'lock-timeout'
  | 'read-only'
  | 'not-connected'
  /** An app file the status needs (db/schema.rb, ...) could not be read: not the database's fault. */
  | 'unreadable-file'
  | 'unknown';

export interface ErrorDescription {
  kind: ErrorKind;
  /** One line: what went wrong. */
  title: string;
  /** What to do about it. */
  advice: string;
  /** The underlying message, passwords redacted. */
  detail: string;
  /** SQLSTATE or node error code, when there is one. */
  code?: string;
  /** Worth retrying by itself (the server may come back); false when a person must change something. */
  retryable: boolean;
}

/** Where the failing connection pointed; only used to make messages specific. */
export interface ErrorContext {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Strings that must never appear in a message (the password). */
  secrets?: string[];
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  hostname?: unknown;
  errors?: unknown;
  detail?: unknown;
  hint?: unknown;
}

/** Replaces credentials in URLs, `password=...` pairs and any known secret with `***`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1***');
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

export class DbError extends Error {
  constructor(
    readonly description: ErrorDescription,
    override readonly cause?: unknown,
  ) {
    super(`${description.title} ${description.advice}`);
    this.name = 'DbError';
  }
}

/** The DbError for anything thrown; already-described errors pass through. */
export function toDbError(err: unknown, context: ErrorContext = {}): DbError {
  if (err instanceof DbError) return err;
  return new DbError(describeConnectionError(err, context), err);
}

/** What to say of a table the role may not read (SQLSTATE 42501), also when a query found out without the server refusing. */
export function unreadableTable(table: string, user: string | undefined): { title: string; advice: string } {
  return {
    title: `${user ? `"${user}"` : 'this user'} may not read table ${table}.`,
    advice: `The monitor only reads. Ask an administrator to run: GRANT SELECT ON ${sqlName(table)} TO ${user ? sqlName(user) : '<user>'}; (or grant the role pg_read_all_data).`,
  };
}

export function describeConnectionError(err: unknown, context: ErrorContext = {}): ErrorDescription {
  if (err instanceof DbError) return err.description;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const nested = Array.isArray(e.errors) ? (e.errors as ErrorLike[]) : [];
  const code = stringOf(e.code) ?? nested.map((n) => stringOf(n.code)).find((c) => c !== undefined);
  const rawMessage =
    stringOf(e.message) || nested.map((n) => stringOf(n.message)).filter(Boolean).join('; ') || String(err);
  const detail = redactSecrets(rawMessage, context.secrets);
  const where = describeTarget(context);
  const user = context.user ? `"${context.user}"` : 'this user';
  const database = context.database ? `"${context.database}"` : 'the database';
  const make = (kind: ErrorKind, title: string, advice: string, retryable = false): ErrorDescription => ({
    kind,
    title,
    advice,
    detail,
    ...(code !== undefined ? { code } : {}),
    retryable,
  });

  switch (code) {
    case '28P01':
      return make(
        'wrong-password',
        `Wrong password for ${user}${where}.`,
        'Set the password again for this connection (command "PG Index Guard: Set Database Password"), or check the user name.',
      );
    case '3D000':
      return make(
        'database-missing',
        `Database ${database} does not exist${where}.`,
        'Create it (for a Rails app: bin/rails db:create) or correct the database name in the connection settings or config/database.yml.',
      );
    case '42501': {
      const table = unquoteName(/permission denied for (?:table|relation) ("(?:[^"]|"")+"|\S+)/i.exec(rawMessage)?.[1]);
      const db = unquoteName(/permission denied for database ("(?:[^"]|"")+"|\S+)/i.exec(rawMessage)?.[1]);
      const role = context.user ? sqlName(context.user) : '<user>';
      if (db) {
        return make(
          'missing-privilege',
          `${user} may not connect to database "${db}".`,
          `Ask an administrator to run: GRANT CONNECT ON DATABASE ${sqlName(db)} TO ${role};`,
        );
      }
      if (table) {
        const { title, advice } = unreadableTable(table, context.user);
        return make('missing-privilege', title, advice);
      }
      return make(
        'missing-privilege',
        `${user} lacks a privilege the monitor needs: ${detail}`,
        'Grant the role pg_monitor (and SELECT on schema_migrations), or connect as a role that has them.',
      );
    }
    case '28000': {
      if (/role .* does not exist/i.test(rawMessage)) {
        return make(
          'role-missing',
          `The user ${user} does not exist${where}.`,
          'Correct the user name in the connection settings, or create the role (CREATE ROLE ... LOGIN).',
        );
      }
      if (/client certificate|certificate authentication failed/i.test(rawMessage)) {
        return make(
          'client-certificate',
          `The server wants a valid SSL client certificate for ${user}${where}.`,
          'Set sslcert and sslkey (or PGSSLCERT and PGSSLKEY) to a certificate signed by a CA the server trusts, whose common name is the user name (or mapped to it in pg_ident.conf), with sslmode "require" or stricter.',
        );
      }
      if (/no encryption/i.test(rawMessage)) {
        return make(
          'ssl-required',
          `The server requires an encrypted (SSL) connection${where}.`,
          'Set sslmode to "require" (or "verify-full" with the server\'s CA file) for this connection.',
        );
      }
      return make(
        'hba-rejected',
        `The server's pg_hba.conf does not let ${user} connect from here${where}.`,
        'Check host, user and database, or ask an administrator to allow this client in pg_hba.conf.',
      );
    }
    case '53300':
      return make(
        'too-many-connections',
        `The server has no free connection slots${where}.`,
        'Close idle connections or wait; the monitor retries by itself.',
        true,
      );
    case '57P01':
    case '57P02':
    case '57P05':
      return make('connection-lost', `The server closed the connection${where}.`, 'The monitor reconnects when the server is back.', true);
    case '57P03':
      return make('server-starting', `The server is starting up or shutting down${where}.`, 'Wait a moment; the monitor retries by itself.', true);
    case '57014':
      return make(
        'statement-timeout',
        'A monitoring query took too long and was cancelled.',
        'The server may be overloaded; the query is retried at the next refresh.',
        true,
      );
    case '55P03':
      return make(
        'lock-timeout',
        'A monitoring query waited too long for a lock and was cancelled.',
        'Something holds an exclusive lock (a running migration?); the query is retried at the next refresh.',
        true,
      );
    case '25006':
      return make(
        'read-only',
        'The monitoring session is read-only and refused a write.',
        'Writes (creating or dropping indexes) run through their own commands, each with a confirmation.',
      );
    case 'ENOTFOUND':
      return make(
        'unknown-host',
        `Unknown host "${stringOf(e.hostname) ?? context.host ?? '?'}".`,
        'Check the host name in the connection settings (or DATABASE_URL / config/database.yml), and your VPN or network.',
      );
    case 'EAI_AGAIN':
      return make(
        'unknown-host',
        `Could not look up host "${stringOf(e.hostname) ?? context.host ?? '?'}" (DNS did not answer).`,
        'Check your network or VPN; the monitor retries by itself.',
        true,
      );
    case 'ECONNREFUSED':
      return make(
        'connection-refused',
        `Connection refused${where}.`,
        'Is Postgres running and listening on that host and port? Start it, or correct host/port; the monitor retries by itself.',
        true,
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(
        'timeout',
        `The server did not answer${where}.`,
        'Check the host, a firewall or your VPN; the monitor retries by itself.',
        true,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return make('connection-lost', `The connection was cut${where}.`, 'The monitor reconnects by itself.', true);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'CERT_SIGNATURE_FAILURE':
      return make(
        'ssl-certificate',
        `The server's SSL certificate could not be verified${where}.`,
        'Set sslrootcert to the CA file that signed the server certificate (sslmode verify-ca or verify-full), or use sslmode "require" to encrypt without verifying.',
      );
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return make(
        'ssl-certificate',
        `The server's SSL certificate is not valid for host "${context.host ?? '?'}".`,
        'Connect with the host name the certificate names, or use sslmode "verify-ca" (checks the CA, not the host name).',
      );
    case 'ENOENT':
    case 'EACCES':
      if (/\b(ssl|ca|cert|crt|pem)\b/i.test(rawMessage) || /\.(crt|pem|cer)\b/i.test(rawMessage)) {
        return make('ca-file', `Cannot read the SSL CA file: ${detail}`, 'Check the sslrootcert path in the connection settings.');
      }
      break;
  }

  // A PostgreSQL server answers the SSL request with S or N, and speaks its protocol: another program (a web server, ...) does not.
  if (/error establishing an SSL connection|received invalid response/i.test(rawMessage)) {
    return make(
      'not-postgres',
      `The server${where} is not a PostgreSQL server: it does not answer as one.`,
      'Check the host and port: another program listens there (PostgreSQL listens on 5432 by default).',
    );
  }
  if (/does not support SSL/i.test(rawMessage)) {
    return make(
      'ssl-unsupported',
      `The server does not accept SSL connections${where}.`,
      'Set sslmode to "disable" or "prefer" for this connection (only on a trusted network).',
    );
  }
  if (/password must be a string|SASL: SCRAM|no password (was )?supplied|password authentication/i.test(rawMessage)) {
    return make(
      'password-required',
      `The server asks for a password for ${user}${where}.`,
      'Set the password for this connection (command "PG Index Guard: Set Database Password"), or add it to ~/.pgpass.',
    );
  }
  if (/timeout expired|connection timeout|timed out/i.test(rawMessage)) {
    return make('timeout', `The server did not answer in time${where}.`, 'Check host, port, a firewall or your VPN; the monitor retries by itself.', true);
  }
  if (/Connection terminated|server closed the connection|terminating connection|Client was closed|not queryable/i.test(rawMessage)) {
    return make('connection-lost', `The connection to the server was lost${where}.`, 'The monitor reconnects by itself.', true);
  }
  if (/self[- ]signed certificate|unable to verify|certificate/i.test(rawMessage)) {
    return make(
      'ssl-certificate',
      `The server's SSL certificate could not be verified${where}.`,
      'Set sslrootcert to the CA file that signed the server certificate, or use sslmode "require" to encrypt without verifying.',
    );
  }
  return make('unknown', `Postgres error${where}: ${detail}`, 'See the log output for details.');
}

function describeTarget(context: ErrorContext): string {
  if (!context.host && context.port === undefined) return '';
  const host = context.host ?? 'localhost';
  return ` (${host.startsWith('/') ? `socket ${host}` : host}${context.port !== undefined ? `:${context.port}` : ''})`;
}

function unquoteName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  return name.startsWith('"') && name.endsWith('"') && name.length > 1 ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** A name as it would be typed in SQL: bare when that is unambiguous, else double-quoted. */
function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
