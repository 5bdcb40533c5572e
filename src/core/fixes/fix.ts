import type { SourceRange } from '../model/migration';

/** Replace source[start, end) with text. Offsets are UTF-16 offsets into the original source. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Fix {
  title: string;
  /**
   * Unsafe fixes change how the migration runs (for example take it out of its
   * transaction): offered as quick fixes, never applied by fix-all.
   */
  safety: 'safe' | 'unsafe';
  edits: Edit[];
  /** Only proposed, never applied by fix-all even when safe (for example a guessed `where:`). */
  suggestion?: boolean;
  /**
   * Files the fix creates (paths relative to the same root as the linted file's path),
   * for example the migrations a split moves operations into. Never applied by fix-all.
   */
  newFiles?: NewFile[];
  /** The fix writes new files, known before its edits are built (a LazyFix's newFiles only once built). */
  createsFiles?: boolean;
}

export interface NewFile {
  path: string;
  text: string;
}

export function insertAt(offset: number, text: string): Edit {
  return { start: offset, end: offset, text };
}

export function replaceRange(range: SourceRange, text: string): Edit {
  return { start: range.start, end: range.end, text };
}

function sorted(edits: Edit[]): Edit[] {
  return [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Two edits overlap when they touch the same characters (two inserts at one point also clash). */
export function editsOverlap(a: Edit[], b: Edit[]): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x.start < y.end && y.start < x.end) return true;
      if (x.start === y.start) return true;
    }
  }
  return false;
}

/** Applies edits that do not overlap each other. */
export function applyEdits(source: string, edits: Edit[]): string {
  let result = '';
  let cursor = 0;
  for (const edit of sorted(edits)) {
    if (edit.start < cursor) throw new Error(`overlapping edits at offset ${edit.start}`);
    result += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return result + source.slice(cursor);
}

/**
 * Picks fixes greedily in order, skipping any whose edits clash with one already
 * picked, and merges identical edits (two findings both adding `disable_ddl_transaction!`).
 */
export function selectFixes(fixes: Fix[]): { fixes: Fix[]; edits: Edit[] } {
  const chosen: Edit[] = [];
  const picked: Fix[] = [];
  const key = (e: Edit) => `${e.start}:${e.end}:${e.text}`;
  const seen = new Set<string>();
  for (const fix of fixes) {
    const fresh = fix.edits.filter((e) => !seen.has(key(e)));
    if (editsOverlap(fresh, chosen)) continue;
    picked.push(fix);
    for (const e of fresh) {
      seen.add(key(e));
      chosen.push(e);
    }
  }
  return { fixes: picked, edits: sorted(chosen) };
}

export function combineFixes(fixes: Fix[]): Edit[] {
  return selectFixes(fixes).edits;
}

/**
 * A fix whose edits (and new files) are written on first read, once. Rules settle cheaply
 * whether they offer a fix and what it is called; the text is only worth writing for the fix
 * someone applies or looks at (the CLI only reports that a finding has one).
 */
export class LazyFix implements Fix {
  // Assigned in the constructor, not declared as class fields: fields would be defined one by
  // one before the constructor runs, for every fix of every finding.
  declare readonly title: string;
  declare readonly safety: 'safe' | 'unsafe';
  declare readonly suggestion: boolean | undefined;
  declare readonly createsFiles: boolean | undefined;
  declare private readonly build: () => { edits: Edit[]; newFiles?: NewFile[] };
  declare private built: { edits: Edit[]; newFiles?: NewFile[] } | undefined;

  constructor(
    title: string,
    safety: 'safe' | 'unsafe',
    build: () => { edits: Edit[]; newFiles?: NewFile[] },
    suggestion?: boolean,
    createsFiles?: boolean,
  ) {
    this.title = title;
    this.safety = safety;
    this.suggestion = suggestion;
    this.createsFiles = createsFiles;
    this.build = build;
    this.built = undefined;
  }

  get edits(): Edit[] {
    return (this.built ??= this.build()).edits;
  }

  get newFiles(): NewFile[] | undefined {
    return (this.built ??= this.build()).newFiles;
  }
}

/**
 * The fixes whose edits can be written. A LazyFix writes them when first read, so a bug in an
 * edit builder throws there, in the quick-fix menu or fix-all on save, rather than in lint()
 * (which turns a rule's failure into an internal-error finding): such a fix is left out, the
 * others stay usable, and `onError` hears of it (the extension logs it for a bug report).
 */
export function writableFixes(fixes: readonly Fix[], onError?: (fix: Fix, error: unknown) => void): Fix[] {
  return fixes.filter((fix) => {
    try {
      void fix.edits;
      void fix.newFiles;
      return true;
    } catch (error) {
      onError?.(fix, error);
      return false;
    }
  });
}

/**
 * Is `operations[i]` the first of the list at its start offset? Operations of one statement
 * share it, and a split moves the statement once: the first stands for the others.
 */
export function firstOfItsStatement(operations: ReadonlyArray<{ range: SourceRange }>, i: number): boolean {
  const start = operations[i]!.range.start;
  for (let j = 0; j < i; j++) if (operations[j]!.range.start === start) return false;
  return true;
}
