import type { BenchSection } from './section';
import { bigDatabaseSection } from './big-database';
import { editorSection } from './editor';
import { estimatesSection } from './estimates';
import { largeFilesSection } from './large-files';
import { lintSection } from './lint';
import { monitorSection } from './monitor';
import { ormSection } from './orm';
import { sqlSection } from './sql';

/** Every benchmark section, in the order `npm run bench` runs them. */
export const SECTIONS: readonly BenchSection[] = [lintSection, sqlSection, ormSection, largeFilesSection, monitorSection, estimatesSection, editorSection, bigDatabaseSection];
