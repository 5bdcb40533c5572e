import type { BenchSection } from './section';
import { estimatesSection } from './estimates';
import { largeFilesSection } from './large-files';
import { lintSection } from './lint';
import { monitorSection } from './monitor';
import { sqlSection } from './sql';

/** Every benchmark section, in the order `npm run bench` runs them. */
export const SECTIONS: readonly BenchSection[] = [lintSection, sqlSection, largeFilesSection, monitorSection, estimatesSection];
