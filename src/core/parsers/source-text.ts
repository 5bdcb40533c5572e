// Small helpers over source text shared by both parsers and the fixers.

let lastSource: string | undefined;
let lastStarts: number[] = [0];

/**
 * Offsets of the start of every line. The parser, lint(), rules and front ends all ask for the
 * same file's lines in turn, so the last answer is kept: do not change the array.
 */
export function lineStarts(source: string): number[] {
  if (source === lastSource) return lastStarts;
  const starts = [0];
  let at = source.indexOf('\n');
  while (at !== -1) {
    starts.push(at + 1);
    at = source.indexOf('\n', at + 1);
  }
  lastSource = source;
  lastStarts = starts;
  return starts;
}

/** 0-based line and column of an offset, by binary search over `lineStarts`. */
export function positionAt(starts: number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low, column: offset - starts[low]! };
}

/**
 * The offset of the start of the line `offset` is on. Through lineStarts (computed once a file):
 * searching back for the newline cost the length of the line a call, which made a file written
 * on one line quadratic (a 950 KB one took 37 s).
 */
export function lineStartOf(source: string, offset: number): number {
  const starts = lineStarts(source);
  return starts[positionAt(starts, offset).line]!;
}

export function indentationAt(source: string, lineStart: number): string {
  // Spaces and tabs, at most 200 (a loop: a regex over a slice costs two strings per call).
  const limit = Math.min(source.length, lineStart + 200);
  let end = lineStart;
  while (end < limit) {
    const c = source.charCodeAt(end);
    if (c !== 32 && c !== 9) break;
    end++;
  }
  return source.slice(lineStart, end);
}

/**
 * The text with a leading UTF-8 byte order mark (U+FEFF) turned into a space: Postgres' parser
 * takes it for a stray character, and a space of the same length keeps every offset (and so
 * every range and fix) the same in the text and in the file. Prism skips the mark itself.
 */
export function blankByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
}

/** Detects the file's newline so inserted lines match it. */
export function newlineOf(source: string): string {
  return source.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * Maps Prism's UTF-8 byte offsets to UTF-16 offsets. Identity for ASCII sources,
 * which is nearly every migration, so the table is only built when needed.
 */
export function byteToUtf16Mapper(source: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(source)) return (offset) => offset;
  const byteLength = Buffer.byteLength(source, 'utf8');
  const table = new Uint32Array(byteLength + 1);
  let byte = 0;
  for (let i = 0; i < source.length; i++) {
    const code = source.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) table[byte + k] = i;
    byte += width;
    if (code >= 0x10000) i++;
  }
  table[byteLength] = source.length;
  return (offset) => table[Math.min(Math.max(offset, 0), byteLength)]!;
}
