// prism.wasm keeps its C stack in 64 KiB of linear memory right above its static data (wasm-ld's
// default layout, not --stack-first). A file nested some 120 levels deep runs the stack down into
// that data without any trap: the tree comes back wrong, and every later parse in the instance
// goes wrong too (syntax errors in clean files, failed assertions, endless loops). This rewrites
// the module so that every function checks on entry that the stack still has room for the largest
// frame in the module, and traps (`unreachable`) when it has not: a stack overflow becomes a trap
// before anything is overwritten, and the instance that trapped is dropped (prism.ts).

/** The rewritten module, and where its stack is: null when the module is not laid out as expected (then it is left as it was). */
export interface GuardedWasm {
  bytes: Uint8Array;
  guard: StackGuard | null;
}

export interface StackGuard {
  /** The export added for the module's `__stack_pointer` global: after a trap it still holds the depth reached. */
  stackPointerExport: string;
  /** The export of the global added for the limit: a function entered with the stack pointer below it traps. */
  stackLimitExport: string;
  /** How far above the bottom of a stack the limit is kept: room for the largest frame and more. */
  margin: number;
  /** The largest stack frame a function of the module allocates, in bytes. */
  largestFrame: number;
}

export const STACK_POINTER_EXPORT = 'pgig_stack_pointer';
export const STACK_LIMIT_EXPORT = 'pgig_stack_limit';

const SECTION_IMPORT = 2;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;
const KIND_GLOBAL = 3;
const OP_END = 0x0b;
const OP_GLOBAL_GET = 0x23;
const OP_I32_CONST = 0x41;
const OP_I32_SUB = 0x6b;
const OP_I32_LT_U = 0x49;
const OP_IF = 0x04;
const BLOCK_VOID = 0x40;
const OP_UNREACHABLE = 0x00;
const OP_LOCAL_SET = 0x21;
const OP_LOCAL_TEE = 0x22;

/** Room kept below the largest frame: for the few frames not set up by the usual prologue (and alloca). */
const MIN_MARGIN = 8 * 1024;

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.byte();
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  }
  s32(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.byte();
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 32 && byte & 0x40) result |= -1 << shift;
    return result;
  }
  /** Reads a name: which of `wanted` (ASCII) it is, or -1. Building each name as a string would cost more than the rest. */
  nameAmong(wanted: readonly string[]): number {
    const length = this.u32();
    const start = this.at;
    this.at += length;
    search: for (let w = 0; w < wanted.length; w++) {
      const name = wanted[w]!;
      if (name.length !== length) continue;
      for (let i = 0; i < length; i++) if (this.bytes[start + i] !== name.charCodeAt(i)) continue search;
      return w;
    }
    return -1;
  }
  skipName(): void {
    const length = this.u32();
    this.at += length;
  }
}

function u32Bytes(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function s32Bytes(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

interface Section {
  id: number;
  start: number;
  end: number;
}

function sectionsOf(bytes: Uint8Array): Section[] {
  const reader = new Reader(bytes, 8);
  const sections: Section[] = [];
  while (reader.at < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    sections.push({ id, start: reader.at, end: reader.at + size });
    reader.at += size;
  }
  return sections;
}

/** Skips a constant expression (a global's initializer); returns its value when it is a lone i32.const. */
function constantExpression(reader: Reader): number | null {
  const op = reader.byte();
  if (op === OP_I32_CONST) {
    const value = reader.s32();
    if (reader.byte() === OP_END) return value;
  }
  while (reader.byte() !== OP_END);
  return null;
}

function importedGlobalCount(bytes: Uint8Array, section: Section | undefined): number {
  if (!section) return 0;
  const reader = new Reader(bytes, section.start);
  let globals = 0;
  for (let count = reader.u32(); count > 0; count--) {
    reader.skipName();
    reader.skipName();
    const kind = reader.byte();
    if (kind === 0) reader.u32();
    else if (kind === 1) {
      reader.byte();
      const flags = reader.byte();
      reader.u32();
      if (flags & 1) reader.u32();
    } else if (kind === 2) {
      const flags = reader.byte();
      reader.u32();
      if (flags & 1) reader.u32();
    } else if (kind === KIND_GLOBAL) {
      reader.byte();
      reader.byte();
      globals++;
    } else return Number.NaN;
  }
  return globals;
}

/** The frame the usual prologue allocates (`global.get $sp; i32.const N; i32.sub`), 0 when none. */
function frameSize(reader: Reader, end: number, stackPointer: number): number {
  const limit = Math.min(end, reader.at + 16);
  while (reader.at < limit) {
    if (reader.bytes[reader.at] !== OP_GLOBAL_GET) {
      reader.at++;
      continue;
    }
    reader.at++;
    if (reader.u32() !== stackPointer) return 0;
    while (reader.bytes[reader.at] === OP_LOCAL_SET || reader.bytes[reader.at] === OP_LOCAL_TEE) {
      reader.at++;
      reader.u32();
    }
    if (reader.byte() !== OP_I32_CONST) return 0;
    const size = reader.s32();
    return reader.byte() === OP_I32_SUB ? size : 0;
  }
  return 0;
}

/**
 * Adds the stack check to every function of a wasm-ld module that keeps its stack in
 * [__stack_low, __stack_high), and exports its stack pointer.
 */
export function guardWasmStack(bytes: Uint8Array): GuardedWasm {
  const sections = sectionsOf(bytes);
  const section = (id: number) => sections.find((s) => s.id === id);
  const globalSection = section(SECTION_GLOBAL);
  const exportSection = section(SECTION_EXPORT);
  const codeSection = section(SECTION_CODE);
  const importedGlobals = importedGlobalCount(bytes, section(SECTION_IMPORT));
  if (!globalSection || !exportSection || !codeSection || Number.isNaN(importedGlobals)) return { bytes, guard: null };

  // The defined globals: mutability and i32 initial value.
  const globals: Array<{ mutable: boolean; value: number | null }> = [];
  const globalReader = new Reader(bytes, globalSection.start);
  for (let count = globalReader.u32(); count > 0; count--) {
    const type = globalReader.byte();
    const mutable = globalReader.byte() === 1;
    const value = constantExpression(globalReader);
    globals.push({ mutable, value: type === 0x7f ? value : null });
  }
  const exportReader = new Reader(bytes, exportSection.start);
  const exportCount = exportReader.u32();
  const wanted = ['__stack_low', '__stack_high', STACK_POINTER_EXPORT, STACK_LIMIT_EXPORT];
  const found: Array<number | undefined> = [];
  for (let i = 0; i < exportCount; i++) {
    const name = exportReader.nameAmong(wanted);
    const kind = exportReader.byte();
    const index = exportReader.u32();
    if (name !== -1 && kind === KIND_GLOBAL) found[name] = index;
  }
  const valueOf = (index: number | undefined): number | null =>
    index === undefined || index < importedGlobals ? null : (globals[index - importedGlobals]?.value ?? null);
  const low = valueOf(found[0]);
  const high = valueOf(found[1]);
  if (low === null || high === null || found[2] !== undefined || found[3] !== undefined) return { bytes, guard: null };
  // __stack_pointer starts at the top of the stack; it is not exported, but it is the one mutable i32 starting there.
  const candidates = globals.flatMap((g, i) => (g.mutable && g.value === high ? [i + importedGlobals] : []));
  if (candidates.length !== 1) return { bytes, guard: null };
  const stackPointer = candidates[0]!;

  // First pass: the largest frame, which sets the limit.
  const bodies: Array<{ localsStart: number; codeStart: number; end: number }> = [];
  const codeReader = new Reader(bytes, codeSection.start);
  let largestFrame = 0;
  for (let count = codeReader.u32(); count > 0; count--) {
    const size = codeReader.u32();
    const localsStart = codeReader.at;
    const end = localsStart + size;
    for (let groups = codeReader.u32(); groups > 0; groups--) {
      codeReader.u32();
      codeReader.byte();
    }
    const codeStart = codeReader.at;
    bodies.push({ localsStart, codeStart, end });
    largestFrame = Math.max(largestFrame, frameSize(codeReader, end, stackPointer));
    codeReader.at = end;
  }
  const limit = low + Math.max(MIN_MARGIN, 2 * largestFrame);
  if (limit >= high) return { bytes, guard: null };
  const stackLimit = importedGlobals + globals.length;
  // global.get $sp; global.get $limit; i32.lt_u; if; unreachable; end
  const check = Uint8Array.from([OP_GLOBAL_GET, ...u32Bytes(stackPointer), OP_GLOBAL_GET, ...u32Bytes(stackLimit), OP_I32_LT_U, OP_IF, BLOCK_VOID, OP_UNREACHABLE, OP_END]);
  const newGlobal = Uint8Array.from([0x7f, 1, OP_I32_CONST, ...s32Bytes(limit), OP_END]);
  const newExports = [STACK_POINTER_EXPORT, stackPointer, STACK_LIMIT_EXPORT, stackLimit] as const;

  // Copied within one buffer, the input at its end (see Writer): a copy a piece, no view a piece.
  const out = new Writer(bytes, bodies.length * (check.length + 5) + 1024);
  out.copy(0, 8);
  for (const s of sections) {
    if (s === globalSection) {
      out.section(s.id, () => {
        out.u32(globals.length + 1);
        out.copy(startOfEntries(bytes, s), s.end);
        out.bytes(newGlobal);
      });
    } else if (s === exportSection) {
      out.section(s.id, () => {
        out.u32(exportCount + 2);
        out.copy(startOfEntries(bytes, s), s.end);
        for (let i = 0; i < newExports.length; i += 2) {
          out.name(newExports[i] as string);
          out.byte(KIND_GLOBAL);
          out.u32(newExports[i + 1] as number);
        }
      });
    } else if (s === codeSection) {
      out.section(s.id, () => {
        out.u32(bodies.length);
        for (const body of bodies) {
          out.u32(body.end - body.localsStart + check.length);
          out.copy(body.localsStart, body.codeStart);
          out.bytes(check);
          out.copy(body.codeStart, body.end);
        }
      });
    } else {
      out.section(s.id, () => out.copy(s.start, s.end));
    }
  }
  return { bytes: out.result(), guard: { stackPointerExport: STACK_POINTER_EXPORT, stackLimitExport: STACK_LIMIT_EXPORT, margin: limit - low, largestFrame } };
}

/**
 * Writes the output from the start of a buffer that holds the input at its end, `room` bytes in:
 * what is written never gets ahead of what is still to be read as long as fewer than `room`
 * bytes are added, so pieces of the input move with copyWithin (a memmove) instead of a view each.
 */
class Writer {
  private readonly buffer: Uint8Array;
  private at = 0;
  constructor(
    input: Uint8Array,
    private readonly room: number,
  ) {
    this.buffer = new Uint8Array(input.length + room);
    this.buffer.set(input, room);
  }
  /** The input's bytes [start, end). */
  copy(start: number, end: number): void {
    this.buffer.copyWithin(this.at, this.room + start, this.room + end);
    this.at += end - start;
  }
  byte(value: number): void {
    this.buffer[this.at++] = value;
  }
  bytes(values: Uint8Array): void {
    this.buffer.set(values, this.at);
    this.at += values.length;
  }
  u32(value: number): void {
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value !== 0) byte |= 0x80;
      this.byte(byte);
    } while (value !== 0);
  }
  /** An ASCII name. */
  name(text: string): void {
    this.u32(text.length);
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }
  /** A section: its content written by `write`, then moved up behind its size (a 5-byte gap kept for it). */
  section(id: number, write: () => void): void {
    this.byte(id);
    const sizeAt = this.at;
    this.at += 5;
    write();
    const size = this.at - sizeAt - 5;
    const sizeBytes = u32Bytes(size);
    this.buffer.copyWithin(sizeAt + sizeBytes.length, sizeAt + 5, this.at);
    this.buffer.set(sizeBytes, sizeAt);
    this.at -= 5 - sizeBytes.length;
  }
  result(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }
}

/** Where a section's entries start, after its count. */
function startOfEntries(bytes: Uint8Array, section: Section): number {
  const reader = new Reader(bytes, section.start);
  reader.u32();
  return reader.at;
}
