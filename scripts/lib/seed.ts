// Seeds the tables a chat product's migrations index: the sandbox and the database tests
// use the same shapes, at a scale chosen by the caller.
import type { Client } from 'pg';

export const SEED_TABLES = ['messages', 'conversations', 'contacts', 'notifications'] as const;

/** Rows per table at scale 1. */
const BASE_ROWS: Record<(typeof SEED_TABLES)[number], number> = {
  conversations: 100_000,
  contacts: 200_000,
  notifications: 500_000,
  messages: 1_000_000,
};

export async function seedChatTables(client: Client, scale = 1): Promise<Record<string, number>> {
  const rows = Object.fromEntries(SEED_TABLES.map((t) => [t, Math.max(10, Math.round(BASE_ROWS[t] * scale))])) as Record<
    (typeof SEED_TABLES)[number],
    number
  >;
  await client.query(`
    CREATE TABLE IF NOT EXISTS conversations (
      id bigserial PRIMARY KEY, account_id bigint NOT NULL, status integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS contacts (
      id bigserial PRIMARY KEY, account_id bigint NOT NULL, email text, phone text, blocked boolean NOT NULL DEFAULT false,
      deleted_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS notifications (
      id bigserial PRIMARY KEY, user_id bigint NOT NULL, read boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS messages (
      id bigserial PRIMARY KEY, conversation_id bigint NOT NULL, account_id bigint NOT NULL, user_id bigint,
      status integer NOT NULL DEFAULT 0, content text, deleted_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
  `);
  await client.query(
    `INSERT INTO conversations (account_id, status, created_at)
       SELECT (g % 500) + 1, (g % 10 = 0)::int, now() - (g || ' minutes')::interval FROM generate_series(1, $1::int) g`,
    [rows.conversations],
  );
  await client.query(
    `INSERT INTO contacts (account_id, email, phone, blocked, deleted_at)
       SELECT (g % 500) + 1, 'contact' || g || '@example.com', '+4930' || g, g % 97 = 0,
              CASE WHEN g % 50 = 0 THEN now() END
       FROM generate_series(1, $1::int) g`,
    [rows.contacts],
  );
  await client.query(
    `INSERT INTO notifications (user_id, read, created_at)
       SELECT (g % 5000) + 1, g % 20 <> 0, now() - (g || ' seconds')::interval FROM generate_series(1, $1::int) g`,
    [rows.notifications],
  );
  await client.query(
    `INSERT INTO messages (conversation_id, account_id, user_id, status, content, deleted_at, created_at)
       SELECT (g % $2::int) + 1, (g % 500) + 1, (g % 5000) + 1, CASE WHEN g % 100 = 0 THEN 1 ELSE 0 END,
              'message ' || g, CASE WHEN g % 200 = 0 THEN now() END, now() - (g || ' seconds')::interval
       FROM generate_series(1, $1::int) g`,
    [rows.messages, rows.conversations],
  );
  await client.query('ANALYZE conversations, contacts, notifications, messages');
  return rows;
}
