// Generates realistic Rails migrations, deterministically (same seed -> same files), for
// benchmarks. The mix follows what real apps contain: mostly add_index / create_table /
// add_reference, some change_table, remove_index, execute heredocs, safety_assured,
// up/down pairs, comments, multi-line argument lists, and a rare file that does not parse.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: small, fast, good enough to vary a corpus. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = [
  'messages', 'conversations', 'contacts', 'notifications', 'users', 'accounts', 'inboxes', 'attachments',
  'campaigns', 'labels', 'taggings', 'events', 'audit_logs', 'webhooks', 'teams', 'team_members',
  'reporting_events', 'contact_inboxes', 'mentions', 'csat_survey_responses', 'articles', 'portals',
  'categories', 'macros', 'automation_rules', 'channel_emails', 'channel_web_widgets', 'custom_attributes',
];
const COLUMNS = [
  'account_id', 'conversation_id', 'contact_id', 'inbox_id', 'user_id', 'assignee_id', 'team_id', 'created_at',
  'updated_at', 'status', 'message_type', 'source_id', 'email', 'phone_number', 'identifier', 'uuid', 'name',
  'display_id', 'last_activity_at', 'priority', 'sender_type', 'sender_id', 'content_type', 'private',
];
const TYPES = ['string', 'integer', 'bigint', 'boolean', 'datetime', 'text', 'jsonb', 'decimal'];
const VERSIONS = ['5.2', '6.0', '6.1', '7.0', '7.1', '7.2'];
const COMMENTS = [
  '# Speeds up the conversation list filters',
  '# Needed by the reporting dashboard',
  '# TODO: drop the old index once this one is live',
  '# See https://github.com/example/app/issues/1234',
  '# Backfilled in a separate job',
  '# The table is large: built concurrently',
];

type Pick = <T>(items: readonly T[]) => T;

interface Gen {
  random: () => number;
  pick: Pick;
  chance: (p: number) => boolean;
  int: (min: number, max: number) => number;
}

function gen(seed: number): Gen {
  const random = prng(seed);
  const pick: Pick = (items) => items[Math.floor(random() * items.length)]!;
  return {
    random,
    pick,
    chance: (p) => random() < p,
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
  };
}

const sym = (s: string) => `:${s}`;

function columnsArg(g: Gen): { text: string; names: string[] } {
  if (g.chance(0.6)) {
    const c = g.pick(COLUMNS);
    return { text: sym(c), names: [c] };
  }
  const n = g.int(2, 3);
  const names = [...new Set(Array.from({ length: n }, () => g.pick(COLUMNS)))];
  return { text: `[${names.map(sym).join(', ')}]`, names };
}

function indexOptions(g: Gen, table: string, names: string[], concurrent: boolean): string[] {
  const options: string[] = [];
  if (g.chance(0.25)) options.push('unique: true');
  if (g.chance(0.3)) options.push(`name: "${`index_${table}_on_${names.join('_and_')}`.slice(0, 63)}"`);
  if (g.chance(0.15)) options.push(g.pick(['where: "status IN (0, 1)"', "where: 'deleted_at IS NULL'", 'where: "private = false"']));
  if (g.chance(0.08)) options.push(g.pick(['using: :gin', 'using: :btree', 'using: :brin']));
  if (g.chance(0.05)) options.push('order: { created_at: :desc }');
  if (concurrent) options.push('algorithm: :concurrently');
  if (g.chance(0.3)) options.push('if_not_exists: true');
  return options;
}

function call(g: Gen, indent: string, name: string, args: string[]): string {
  if (args.length > 3 && g.chance(0.4)) {
    // Multi-line argument list, Rails style.
    return `${indent}${name}(\n${args.map((a) => `${indent}  ${a}`).join(',\n')}\n${indent})`;
  }
  if (g.chance(0.2)) return `${indent}${name}(${args.join(', ')})`;
  return `${indent}${name} ${args.join(', ')}`;
}

function addIndex(g: Gen, indent: string, concurrent: boolean, table = g.pick(TABLES)): string {
  const cols = columnsArg(g);
  return call(g, indent, 'add_index', [sym(table), cols.text, ...indexOptions(g, table, cols.names, concurrent)]);
}

function removeIndex(g: Gen, indent: string, concurrent: boolean): string {
  const table = g.pick(TABLES);
  const args = [sym(table)];
  if (g.chance(0.5)) args.push(`column: ${columnsArg(g).text}`);
  else args.push(`name: "index_${table}_on_${g.pick(COLUMNS)}"`);
  if (concurrent) args.push('algorithm: :concurrently');
  if (g.chance(0.3)) args.push('if_exists: true');
  return call(g, indent, 'remove_index', args);
}

function addReference(g: Gen, indent: string, concurrent: boolean): string {
  const table = g.pick(TABLES);
  const ref = g.pick(['account', 'contact', 'inbox', 'user', 'team', 'campaign', 'portal']);
  const verb = g.chance(0.8) ? 'add_reference' : 'add_belongs_to';
  const args = [sym(table), sym(ref)];
  const index = concurrent ? 'index: { algorithm: :concurrently }' : g.pick(['index: true', 'index: false', 'index: { unique: true }', '']);
  if (index) args.push(index);
  if (g.chance(0.4)) args.push('foreign_key: true');
  if (g.chance(0.3)) args.push('null: false');
  if (g.chance(0.2)) args.push('type: :uuid');
  return call(g, indent, verb, args);
}

function createTable(g: Gen, indent: string, name: string): string[] {
  const lines = [`${indent}create_table :${name}${g.chance(0.2) ? ', id: :uuid' : ''} do |t|`];
  const inner = `${indent}  `;
  const n = g.int(2, 8);
  for (let i = 0; i < n; i++) {
    const type = g.pick(TYPES);
    const opts = g.chance(0.3) ? `, null: false${g.chance(0.3) ? ', default: ""' : ''}` : '';
    lines.push(`${inner}t.${type} :${g.pick(COLUMNS)}${opts}`);
  }
  if (g.chance(0.5)) lines.push(`${inner}t.references :${g.pick(['account', 'user', 'inbox'])}, null: false, foreign_key: true`);
  if (g.chance(0.8)) lines.push(`${inner}t.timestamps`);
  const indexes = g.int(0, 3);
  for (let i = 0; i < indexes; i++) {
    const cols = columnsArg(g);
    lines.push(`${inner}t.index ${cols.text}${g.chance(0.3) ? ', unique: true' : ''}`);
  }
  lines.push(`${indent}end`);
  return lines;
}

function changeTable(g: Gen, indent: string, concurrent: boolean): string[] {
  const table = g.pick(TABLES);
  const inner = `${indent}  `;
  const lines = [`${indent}change_table :${table}${g.chance(0.2) ? ', bulk: true' : ''} do |t|`];
  const n = g.int(1, 4);
  for (let i = 0; i < n; i++) {
    switch (g.int(0, 3)) {
      case 0:
        lines.push(`${inner}t.${g.pick(TYPES)} :${g.pick(COLUMNS)}_v2`);
        break;
      case 1:
        lines.push(`${inner}t.index ${columnsArg(g).text}${concurrent ? ', algorithm: :concurrently' : ''}`);
        break;
      case 2:
        lines.push(`${inner}t.remove_index ${columnsArg(g).text}`);
        break;
      default:
        lines.push(`${inner}t.references :${g.pick(['label', 'macro', 'portal'])}, index: true`);
    }
  }
  lines.push(`${indent}end`);
  return lines;
}

function executeSql(g: Gen, indent: string, concurrent: boolean): string[] {
  const table = g.pick(TABLES);
  const column = g.pick(COLUMNS);
  const marker = g.pick(['SQL', 'SQL', 'EOS']);
  const heredoc = g.pick(['<<~', '<<-']);
  const body = g.pick([
    `CREATE INDEX ${concurrent ? 'CONCURRENTLY ' : ''}${g.chance(0.4) ? 'IF NOT EXISTS ' : ''}index_${table}_on_lower_${column} ON ${table} (lower(${column}));`,
    `CREATE UNIQUE INDEX ${concurrent ? 'CONCURRENTLY ' : ''}index_${table}_on_${column} ON ${table} USING btree (${column}) WHERE deleted_at IS NULL;`,
    `DROP INDEX ${concurrent ? 'CONCURRENTLY ' : ''}IF EXISTS index_${table}_on_${column};`,
    `REINDEX INDEX ${concurrent ? 'CONCURRENTLY ' : ''}index_${table}_on_${column};`,
    `UPDATE ${table} SET ${column} = NULL WHERE ${column} = '';`,
  ]);
  const lines = [`${indent}execute ${heredoc}${marker}`];
  if (g.chance(0.3)) lines.push(`${indent}  SET lock_timeout = '5s';`);
  lines.push(`${indent}  ${body}`, `${indent}${heredoc === '<<~' ? '' : indent}${marker}`);
  return lines;
}

function timeouts(g: Gen, indent: string): string[] {
  const lines: string[] = [];
  if (g.chance(0.7)) lines.push(`${indent}execute "SET lock_timeout = '${g.pick(['5s', '10s', '2s'])}'"`);
  if (g.chance(0.6)) lines.push(`${indent}execute "SET statement_timeout = ${g.pick(["'0'", "'1h'", "'30min'", '0'])}"`);
  return lines;
}

function className(g: Gen, n: number): string {
  const verb = g.pick(['Add', 'Create', 'Remove', 'Change', 'Backfill', 'Update', 'Rename']);
  const what = g.pick(['Index', 'Indexes', 'Reference', 'Table', 'Column', 'Constraint']);
  const table = g.pick(TABLES).split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return `${verb}${what}To${table}${n}`;
}

/** One migration's text. `n` makes the class name unique. */
export function generateMigration(seed: number, n: number): { className: string; source: string } {
  const g = gen(seed);
  const name = className(g, n);
  const concurrent = g.chance(0.45);
  const disable = concurrent ? g.chance(0.85) : g.chance(0.05);
  const version = g.chance(0.95) ? `[${g.pick(VERSIONS)}]` : '';
  const out: string[] = [];
  if (g.chance(0.1)) out.push('# frozen_string_literal: true', '');
  if (g.chance(0.1)) out.push(g.pick(COMMENTS));
  out.push(`class ${name} < ActiveRecord::Migration${version}`);
  if (disable) out.push('  disable_ddl_transaction!', '');
  if (g.chance(0.05)) out.push('  # pg-index-guard:disable require-timeouts', '');

  const body = (indent: string): string[] => {
    const lines: string[] = [];
    if (concurrent && g.chance(0.3)) lines.push(...timeouts(g, indent));
    const count = g.chance(0.85) ? g.int(1, 2) : g.int(3, 10);
    for (let i = 0; i < count; i++) {
      if (g.chance(0.15)) lines.push(`${indent}${g.pick(COMMENTS)}`);
      if (g.chance(0.03)) lines.push(`${indent}# pg-index-guard:disable-next-line require-concurrent-index-creation`);
      const kind = g.random();
      if (kind < 0.4) lines.push(addIndex(g, indent, concurrent));
      else if (kind < 0.55) {
        const table = `${g.pick(TABLES)}_${g.pick(['archives', 'settings', 'stats', 'items'])}`;
        lines.push(...createTable(g, indent, table));
        if (g.chance(0.5)) lines.push(addIndex(g, indent, false, table));
      } else if (kind < 0.67) lines.push(addReference(g, indent, concurrent));
      else if (kind < 0.75) lines.push(removeIndex(g, indent, concurrent));
      else if (kind < 0.83) lines.push(...changeTable(g, indent, concurrent));
      else if (kind < 0.9) lines.push(...executeSql(g, indent, concurrent));
      else if (kind < 0.95) {
        lines.push(`${indent}safety_assured do`, addIndex(g, `${indent}  `, false), `${indent}end`);
      } else {
        lines.push(call(g, indent, 'add_column', [sym(g.pick(TABLES)), sym(`${g.pick(COLUMNS)}_v2`), sym(g.pick(TYPES))]));
      }
      if (g.chance(0.1)) lines.push('');
    }
    return lines;
  };

  if (g.chance(0.75)) {
    out.push('  def change', ...body('    '), '  end');
  } else {
    out.push('  def up', ...body('    '), '  end', '', '  def down', ...body('    '), '  end');
  }
  if (g.chance(0.05)) {
    // A private helper, as some teams write.
    out.push('', '  private', '', '  def index_exists_safely?(table, column)', '    index_exists?(table, column)', '  end');
  }
  out.push('end', '');
  let source = out.join('\n');
  // About one file in 500 does not parse (a half-written migration).
  if (g.chance(0.002)) source = source.replace(/\nend\n$/, '\n');
  return { className: name, source };
}

/** Snake-case file name for a class, as `rails generate migration` writes it. */
function fileNameFor(className: string, timestamp: string): string {
  return `${timestamp}_${className.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}.rb`;
}

export interface Corpus {
  folder: string;
  files: number;
  bytes: number;
  lines: number;
}

/** Writes `count` migrations into `<root>/db/migrate`. */
export function writeRailsCorpus(root: string, count: number, seed = 20240601): Corpus {
  const folder = join(root, 'db', 'migrate');
  mkdirSync(folder, { recursive: true });
  const random = prng(seed);
  let bytes = 0;
  let lines = 0;
  let time = Date.UTC(2019, 0, 1);
  for (let n = 0; n < count; n++) {
    time += Math.floor(random() * 3 * 86_400_000) + 1000;
    const timestamp = new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const { className, source } = generateMigration(Math.floor(random() * 2 ** 32), n);
    writeFileSync(join(folder, fileNameFor(className, timestamp)), source);
    bytes += Buffer.byteLength(source);
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lines++;
  }
  return { folder, files: count, bytes, lines };
}
