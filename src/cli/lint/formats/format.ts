// How `pg-index-guard lint` prints its findings. Every format renders finding by finding, in the
// thread that linted the file (lint/parallel.ts), and then makes the document of those texts,
// joined by its separator, and the run's counts: the main thread joins texts at the end instead
// of taking every finding of the helpers' files across threads and rendering them all after
// the last file.
import type { Severity } from '../../../core/rules/rule';
import type { ReportedFinding } from '../report';
import { githubFormat } from './github';
import { gitlabFormat } from './gitlab';
import { jsonFormat } from './json';
import { sarifFormat } from './sarif';
import { textFormat } from './text';

export const FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
export type FormatName = (typeof FORMATS)[number];

/** What a format depends on besides the findings. Plain data: helper threads get it too. */
export interface FormatOptions {
  format: FormatName;
  /** text: ANSI colors. */
  color: boolean;
  /** sarif: the tool's name and version. */
  tool: { name: string; version: string };
  /** sarif: the folder the reported paths are relative to. */
  cwd: string;
}

/** A run's counts. */
export interface ReportSummary {
  /** Files linted (walked files that were not migrations are not counted). */
  files: number;
  /** Syntax-error findings: at most one a file. */
  parseErrors: number;
  /** Files left unlinted by an internal-error finding (a parser failure): the run exits 2. */
  unlinted: number;
  bySeverity: Record<Severity, number>;
  /** Findings whose only fixes are unsafe ones `--fix --unsafe-fixes` would write. */
  unsafeFixes: number;
}

export interface OutputFormat {
  /** One finding's text. Pure: a helper thread renders the findings of the files it lints. */
  finding(finding: ReportedFinding): string;
  /** What goes between two findings' texts in the document. */
  separator: string;
  /**
   * The whole output, from the findings' texts in order (or runs of them already joined by
   * `separator`: a file's) and the run's counts: as pieces to print one after the other, for
   * joining 3,000 files' findings into one string first cost a third of printing them.
   */
  document(findings: readonly string[], summary: ReportSummary): string[];
}

export function outputFormat(options: FormatOptions): OutputFormat {
  switch (options.format) {
    case 'text':
      return textFormat(options.color);
    case 'json':
      return jsonFormat;
    case 'sarif':
      return sarifFormat(options.tool, options.cwd);
    case 'github':
      return githubFormat;
    case 'gitlab':
      return gitlabFormat();
  }
}

/** `texts` with `separator` between each two, as pieces of a document. */
export function separated(texts: readonly string[], separator: string): string[] {
  if (separator === '') return [...texts];
  const pieces: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) pieces.push(separator);
    pieces.push(texts[i]!);
  }
  return pieces;
}

export function findingCount(summary: ReportSummary): number {
  const { error, warning, info, hint } = summary.bySeverity;
  return error + warning + info + hint;
}
