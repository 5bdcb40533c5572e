import type { Rule } from './rule';
import { banConcurrentIndexCreationInTransaction } from './ban-concurrent-index-creation-in-transaction';
import { disallowedUniqueConstraint } from './disallowed-unique-constraint';
import { invalidIndexExists } from './invalid-index-exists';
import { oneLargeTablePerMigration } from './one-large-table-per-migration';
import { preferPartialIndex } from './prefer-partial-index';
import { preferRobustStmts } from './prefer-robust-stmts';
import { redundantIndex } from './redundant-index';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion';
import { requireConcurrentReindex } from './require-concurrent-reindex';
import { requireIndexForForeignKey } from './require-index-for-foreign-key';
import { requireTimeouts } from './require-timeouts';

/** Every rule, by id, sorted. Adding a rule: a file beside this one, a test beside it, a line here. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [
    banConcurrentIndexCreationInTransaction,
    disallowedUniqueConstraint,
    invalidIndexExists,
    oneLargeTablePerMigration,
    preferPartialIndex,
    preferRobustStmts,
    redundantIndex,
    requireConcurrentIndexCreation,
    requireConcurrentIndexDeletion,
    requireConcurrentReindex,
    requireIndexForForeignKey,
    requireTimeouts,
  ]
    // Ids are lower-case letters, digits and hyphens, which sort the same by code unit as by
    // locale; localeCompare would load ICU's collation tables on every start (some 7 ms).
    .sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0))
    .map((rule) => [rule.meta.id, rule]),
);
