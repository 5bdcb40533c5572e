// Just enough ERB for config/database.yml: the `ENV` look-ups Rails apps write there, with
// their defaults. Nothing is executed; anything else is reported as unresolved.

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface ErbRenderResult {
  text: string;
  /** Output tags that could not be evaluated, in order; each left a placeholder in `text`. */
  unresolved: { placeholder: string; expression: string; reason: string }[];
  /** Environment variables the template read (set or not). */
  variablesRead: string[];
  /** How many `<% code %>` tags were skipped without running them. */
  codeTags: number;
}

/** A token in the rendered text standing for an expression we could not evaluate. */
export const UNRESOLVED_PREFIX = '__PGIG_UNRESOLVED_';
const placeholderFor = (index: number) => `${UNRESOLVED_PREFIX}${index}__`;
export const UNRESOLVED_PATTERN = /__PGIG_UNRESOLVED_(\d+)__/;

/** ERB values: Ruby nil, a string, or an integer. */
type RubyValue = string | number | null;

class Unresolvable extends Error {}

export function renderErb(template: string, env: EnvMap): ErbRenderResult {
  const unresolved: ErbRenderResult['unresolved'] = [];
  const variablesRead = new Set<string>();
  let codeTags = 0;
  const text = template.replace(/<%(=|#|-)?([\s\S]*?)(-?)%>(\n?)/g, (_whole, kind: string | undefined, body: string, trim: string, lineEnd: string) => {
    const newline = trim === '-' ? '' : lineEnd;
    if (kind === '#') return newline;
    if (kind !== '=') {
      // code tags (`<% if ... %>`) are not run: both branches of a condition stay in the text
      codeTags++;
      return newline;
    }
    try {
      const value = evaluateExpression(body, env, variablesRead);
      return (value === null ? '' : String(value)) + newline;
    } catch (err) {
      const placeholder = placeholderFor(unresolved.length);
      unresolved.push({ placeholder, expression: body.trim(), reason: err instanceof Unresolvable ? err.message : 'not understood' });
      return placeholder + newline;
    }
  });
  return { text, unresolved, variablesRead: [...variablesRead], codeTags };
}

/** Evaluates one `<%= %>` body. Throws Unresolvable for anything outside the supported subset. */
export function evaluateExpression(source: string, env: EnvMap, variablesRead = new Set<string>()): RubyValue {
  const parser = new ExpressionParser(tokenize(source), env, variablesRead);
  const value = parser.parseOr();
  parser.expectEnd();
  return value;
}

type Token =
  | { type: 'string'; value: string; interpolations: boolean; raw: string }
  | { type: 'int'; value: number }
  | { type: 'ident'; value: string }
  | { type: 'punct'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      let interpolations = false;
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\' && j + 1 < source.length) {
          const next = source[j + 1]!;
          if (c === "'") value += next === "'" || next === '\\' ? next : '\\' + next;
          else value += next === 'n' ? '\n' : next === 't' ? '\t' : next === '#' ? '\\#' : next;
          j += 2;
          continue;
        }
        if (c === '"' && source[j] === '#' && source[j + 1] === '{') {
          // keep the interpolation source; evaluated later
          const end = matchingBrace(source, j + 1);
          value += source.slice(j, end + 1);
          interpolations = true;
          j = end + 1;
          continue;
        }
        value += source[j];
        j++;
      }
      if (j >= source.length) throw new Unresolvable('unterminated string');
      tokens.push({ type: 'string', value, interpolations, raw: source.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const int = /^-?\d+/.exec(source.slice(i));
    if (int) {
      tokens.push({ type: 'int', value: Number(int[0]) });
      i += int[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*[?!]?/.exec(source.slice(i));
    if (ident) {
      tokens.push({ type: 'ident', value: ident[0] });
      i += ident[0].length;
      continue;
    }
    const punct = /^(\|\||::|[()[\]{}.,|:])/.exec(source.slice(i));
    if (punct) {
      tokens.push({ type: 'punct', value: punct[0] });
      i += punct[0].length;
      continue;
    }
    throw new Unresolvable(`unexpected "${c}"`);
  }
  return tokens;
}

function matchingBrace(source: string, open: number): number {
  let depth = 0;
  for (let k = open; k < source.length; k++) {
    if (source[k] === '{') depth++;
    else if (source[k] === '}' && --depth === 0) return k;
  }
  throw new Unresolvable('unterminated interpolation');
}

class ExpressionParser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly env: EnvMap,
    private readonly variablesRead: Set<string>,
  ) {}

  expectEnd(): void {
    if (this.pos < this.tokens.length) throw new Unresolvable(`unsupported Ruby near "${describe(this.tokens[this.pos]!)}"`);
  }

  /** a || b || c: the first value that is not nil (in Ruby "" is truthy). */
  parseOr(): RubyValue {
    let value = this.parsePostfix();
    while (this.peekPunct('||')) {
      this.pos++;
      const right = this.parsePostfix();
      if (value === null) value = right;
    }
    return value;
  }

  private parsePostfix(): RubyValue {
    let value = this.parsePrimary();
    while (this.peekPunct('.')) {
      this.pos++;
      const method = this.next();
      if (method?.type !== 'ident') throw new Unresolvable('expected a method name');
      if (this.peekPunct('(') && this.tokens[this.pos + 1]?.type === 'punct' && this.tokens[this.pos + 1]!.value === ')') this.pos += 2;
      value = applyMethod(value, method.value);
    }
    return value;
  }

  private parsePrimary(): RubyValue {
    const token = this.next();
    if (!token) throw new Unresolvable('empty expression');
    if (token.type === 'string') return token.interpolations ? this.interpolate(token.value) : token.value;
    if (token.type === 'int') return token.value;
    if (token.type === 'punct' && token.value === '(') {
      const value = this.parseOr();
      this.expectPunct(')');
      return value;
    }
    if (token.type === 'ident') {
      if (token.value === 'nil') return null;
      if (token.value === 'ENV') return this.parseEnv();
      if (token.value === 'Integer' || token.value === 'String') {
        this.expectPunct('(');
        const value = this.parseOr();
        this.expectPunct(')');
        return applyMethod(value, token.value === 'Integer' ? 'to_i' : 'to_s');
      }
    }
    throw new Unresolvable(`unsupported Ruby "${describe(token)}"`);
  }

  /** ENV["X"], ENV.fetch("X"), ENV.fetch("X", default), ENV.fetch("X") { default }. */
  private parseEnv(): RubyValue {
    if (this.peekPunct('[')) {
      this.pos++;
      const name = this.parseOr();
      this.expectPunct(']');
      return this.lookup(name);
    }
    if (this.peekPunct('.') && this.tokens[this.pos + 1]?.type === 'ident' && this.tokens[this.pos + 1]!.value === 'fetch') {
      this.pos += 2;
      const parens = this.peekPunct('(');
      if (parens) this.pos++;
      const name = this.parseOr();
      let fallback: { value: RubyValue } | undefined;
      if (this.peekPunct(',')) {
        this.pos++;
        fallback = { value: this.parseOr() };
      }
      if (parens) this.expectPunct(')');
      if (this.peekPunct('{')) {
        this.pos++;
        if (this.peekPunct('|')) {
          // { |name| ... }: the block parameter is ignored
          this.pos++;
          while (this.tokens[this.pos] && !this.peekPunct('|')) this.pos++;
          this.expectPunct('|');
        }
        fallback = { value: this.parseOr() };
        this.expectPunct('}');
      }
      const value = this.lookup(name);
      if (value !== null) return value;
      if (fallback) return fallback.value;
      throw new Unresolvable(`ENV.fetch(${JSON.stringify(name)}) has no default and the variable is not set`);
    }
    throw new Unresolvable('unsupported use of ENV');
  }

  private lookup(name: RubyValue): RubyValue {
    if (typeof name !== 'string') throw new Unresolvable('ENV key is not a string');
    this.variablesRead.add(name);
    return this.env[name] ?? null;
  }

  private interpolate(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\\' && text[i + 1] === '#') {
        out += '#';
        i++;
        continue;
      }
      if (text[i] === '#' && text[i + 1] === '{') {
        const end = matchingBrace(text, i + 1);
        const value = evaluateExpression(text.slice(i + 2, end), this.env, this.variablesRead);
        out += value === null ? '' : String(value);
        i = end;
        continue;
      }
      out += text[i];
    }
    return out;
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private peekPunct(value: string): boolean {
    const token = this.tokens[this.pos];
    return token?.type === 'punct' && token.value === value;
  }

  private expectPunct(value: string): void {
    if (!this.peekPunct(value)) throw new Unresolvable(`expected "${value}"`);
    this.pos++;
  }
}

function applyMethod(value: RubyValue, method: string): RubyValue {
  switch (method) {
    case 'to_s':
      return value === null ? '' : String(value);
    case 'to_i': {
      if (value === null) return 0;
      if (typeof value === 'number') return Math.trunc(value);
      const match = /^\s*[-+]?\d+/.exec(value.replace(/_/g, ''));
      return match ? Number(match[0]) : 0;
    }
    case 'strip':
      return typeof value === 'string' ? value.trim() : value;
    case 'presence':
      return typeof value === 'string' && value.trim() === '' ? null : value;
    case 'downcase':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'upcase':
      return typeof value === 'string' ? value.toUpperCase() : value;
    default:
      throw new Unresolvable(`unsupported method .${method}`);
  }
}

function describe(token: Token): string {
  if (token.type === 'string') return token.raw;
  return String(token.value);
}
