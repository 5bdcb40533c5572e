// Which environment a database connection is for, so the editor can say it and warn about
// production. Rails' database.yml says it; otherwise the names people give databases do.
import type { ConnectionCandidate } from './connection';

export interface ConnectionEnvironment {
  /** `production`, `staging`, `development`, `test`, or a database.yml environment's own name; null when nothing says. */
  name: string | null;
  production: boolean;
}

const NAMED: ReadonlyArray<[RegExp, string]> = [
  [/^(prod|production|prd|live)$/, 'production'],
  [/^(staging|stage|stg|preprod)$/, 'staging'],
  [/^(dev|development|local)$/, 'development'],
  [/^(test|testing|ci)$/, 'test'],
];

function fromWords(text: string): string | null {
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    for (const [pattern, name] of NAMED) if (pattern.test(word)) return name;
  }
  return null;
}

export function connectionEnvironment(candidate: Pick<ConnectionCandidate, 'rails' | 'label' | 'source' | 'config'>): ConnectionEnvironment {
  const rails = candidate.rails?.environment;
  // A settings entry's name is the user's word for it; other labels name where it was found.
  const name = rails ?? (candidate.source === 'settings' ? fromWords(candidate.label) : null) ?? fromWords(candidate.config.database) ?? fromWords(candidate.config.host);
  return { name, production: name !== null && /^prod/.test(name) };
}
