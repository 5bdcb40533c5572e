import type { BenchSection } from './section';
import { lintSection } from './lint';
import { monitorSection } from './monitor';
import { sqlSection } from './sql';

/** Every benchmark section, in the order `npm run bench` runs them. */
export const SECTIONS: readonly BenchSection[] = [lintSection, sqlSection, monitorSection];
