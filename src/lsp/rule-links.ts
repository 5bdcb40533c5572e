import { RULES } from '../core/rules';
import { ruleDocPath } from '../core/rules/rule-docs';

/**
 * Where rule pages are read outside VS Code: the repository's docs/rules, as on GitHub (the
 * extension opens its bundled copy instead). Kept equal to package.json's repository by a test.
 */
export const REPOSITORY_URL = 'https://github.com/pg-index-guard/pg-index-guard';

/** The web page of a rule, or null for ids that are no rule (syntax-error, internal-error). */
export function ruleDocsUrl(ruleId: string): string | null {
  return RULES.has(ruleId) ? `${REPOSITORY_URL}/blob/main/${ruleDocPath(ruleId)}` : null;
}
