import type { Rule } from './rule';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation';

/** Every rule, by id, sorted. Adding a rule: a file beside this one, a test beside it, a line here. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [requireConcurrentIndexCreation]
    .sort((a, b) => a.meta.id.localeCompare(b.meta.id))
    .map((rule) => [rule.meta.id, rule]),
);
