// A recognizer for the SQL statements migrations are mostly made of, in plain forms: it tells
// whether a statement is valid Postgres and builds the part of its syntax tree the linter reads,
// without libpg-query (whose WASM call, JSON output and JSON.parse cost more than the rest of
// the lint). Anything it does not know for sure is left to libpg-query: it answers null, never
// a guess. Conservative by construction:
//  - it accepts only token sequences of the Postgres grammar, in a subset of each rule where
//    no keyword could be read two ways (identifiers are plain words or a few unreserved
//    keywords, never keywords that may start another clause where they stand);
//  - it builds the fields operations.ts and transactionEffect read, as libpg-query writes
//    them (fast-statements.test.ts compares the two on thousands of statements, valid or not).
// Locations in the nodes it builds are offsets into the text (statement.at is the identity).
// One part is taken unread, not checked: the query of CREATE TABLE ... AS, which no rule reads,
// as a SELECT statement's tree is not read (statementTreeUnread); a syntax error in it goes
// unreported.
import type { Node } from 'libpg-query';
import type { SqlToken } from './statements';

/**
 * Unreserved keywords read as names (a table, a column, an index): common column names that
 * start no clause where a name stands in the statements below. Other keywords as names are
 * left to libpg-query.
 */
const NAME_KEYWORDS = new Set([
  'ACCESS', 'ACTION', 'COMMENT', 'COMMENTS', 'CONTENT', 'DATA', 'DAY', 'DOCUMENT', 'ENCODING', 'ERROR', 'EVENT', 'EXPRESSION',
  'HOUR', 'IMMUTABLE', 'INPUT', 'KEY', 'LABEL', 'LANGUAGE', 'LEVEL', 'LOCATION', 'MINUTE', 'MODE', 'MONTH', 'NAME', 'OBJECT',
  'OBJECTS', 'OPTIONS', 'OWNER', 'PASSWORD', 'PATH', 'POLICY', 'ROLE', 'SECOND', 'SKIP', 'SOURCE', 'STORAGE',
  'TARGET', 'TRIGGER', 'TYPE', 'VALUE', 'VERSION', 'YEAR',
]);

/** Types written as keywords (Postgres' Numeric, Character, ConstDatetime and JSON rules), without modifiers. */
const KEYWORD_TYPES = new Set(['INT', 'INTEGER', 'SMALLINT', 'BIGINT', 'REAL', 'BOOLEAN', 'JSON', 'TEXT']);
/** Keyword types that take an optional `(p[, s])`. */
const KEYWORD_TYPES_WITH_MODIFIERS = new Set(['DECIMAL', 'DEC', 'NUMERIC']);

/**
 * Operators between values in the conditions read here (JSON fields, concatenation, arithmetic):
 * binary operators that bind tighter than comparisons, so that any chain of them is one value
 * (their precedence among themselves only groups it, which is not read).
 */
const JOIN_OPERATORS = new Set(['->', '->>', '||', '+', '-', '*', '/', '%']);
/** Keywords a storage parameter may be set to (Postgres' def_arg: reserved keywords, and OFF as a type name). */
const STORAGE_KEYWORD_VALUES = new Set(['ON', 'OFF', 'TRUE', 'FALSE']);
const TRIGGER_EVENTS = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);
/** An operator (Postgres' Op and MathOp): one token of operator characters. */
const OPERATOR = /^[~!@#^&|`?+\-*/%<>=]+$/;
/** The isolation levels of two words (and SERIALIZABLE). */
const ISOLATION_LEVELS = new Set(['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ']);
/** The words a query may begin with (Postgres' SelectStmt), after CREATE TABLE ... AS. */
const QUERY_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
/** Postgres' NAMEDATALEN - 1: its scanner cuts longer names to this many bytes (characters, in ASCII). */
const MAX_NAME_LENGTH = 63;
const INT32_MAX = 2147483647;
/** A quoted identifier, ASCII only (Postgres truncates names by bytes). */
const QUOTED_NAME = /^"(?:[\x20-\x21\x23-\x7e]|"")+"$/;

// Literals and names are checked by native matches: cheaper than loops over characters while the
// reader is not yet optimized, as over most of a cold run.
/** A plain '...' string: inside, quotes come in pairs only ('' is a quote). */
const STRING_LITERAL = /^'(?:[^']|'')*'$/;
const DIGITS = /^[0-9]+$/;
const DECIMAL = /^(?:[0-9]+\.[0-9]*|\.[0-9]+)$/;
/** A plain identifier (other characters are left to libpg-query). */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** A plain identifier in lower case, as most are written: Postgres' folding leaves it as it is. */
const FOLDED_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/** An index element that is an expression: the linter reads its text, not its tree. */
const EXPRESSION_INDEX_ELEMENT = Object.freeze({ IndexElem: Object.freeze({ expr: {} }) }) as Node;

class Unrecognized extends Error {}
const UNRECOGNIZED = new Unrecognized('not a statement the fast reader knows');

/**
 * The syntax tree of one statement (its tokens without comments or the closing semicolon) when
 * the statement is one of the plain forms known here and valid; null when libpg-query must read it.
 */
export function fastStatementNode(tokens: readonly SqlToken[], text: string): Node | null {
  if (tokens.length === 0) return null;
  try {
    const reader = new Reader(tokens, text);
    const node = reader.statement();
    return reader.atEnd() ? node : null;
  } catch (error) {
    if (error === UNRECOGNIZED) return null;
    throw error;
  }
}

/**
 * Whether the statement's first `count` tokens begin a statement Postgres accepts, for when the
 * next token is one no statement may hold (a template's `{`): true when the fast reader takes
 * them all through the forms it knows and only then looks at the next token, so Postgres reports
 * its syntax error at that token. False when it cannot tell.
 */
export function fastStatementStartIsValid(tokens: readonly SqlToken[], count: number, text: string): boolean {
  // Nothing yet: any statement may follow.
  if (count === 0) return true;
  const prefix = tokens.slice(0, count);
  const reader = new Reader(prefix, text);
  const next = tokens[count]!;
  // Where the reader stood when it first looked at the next token: it must have read all before.
  // (The reader may take a token and then find it wrong: where it stops tells nothing alone.)
  let lookedAt = -1;
  const look = () => {
    if (lookedAt === -1) lookedAt = reader.position;
  };
  prefix.push({
    get start() {
      look();
      return next.start;
    },
    get end() {
      look();
      return next.end;
    },
    get word() {
      look();
      return next.word;
    },
    get keyword() {
      look();
      return next.keyword;
    },
    comment: false,
  });
  try {
    reader.statement();
  } catch (error) {
    if (error !== UNRECOGNIZED) throw error;
  }
  return lookedAt === count;
}

interface RangeVarNode {
  relname: string;
  schemaname: string | undefined;
  inh: true | undefined;
  relpersistence: string;
  location: number;
}

class Reader {
  // Set in the constructor alone (`declare`: no class fields): field initializers are a function
  // of their own, called for each of the thousands of statements.
  private declare readonly tokens: readonly SqlToken[];
  private declare readonly text: string;
  private declare i: number;

  constructor(tokens: readonly SqlToken[], text: string) {
    this.tokens = tokens;
    this.text = text;
    this.i = 0;
  }

  atEnd(): boolean {
    return this.i === this.tokens.length;
  }

  /** How many tokens have been read. */
  get position(): number {
    return this.i;
  }

  // --- tokens -------------------------------------------------------------------------------

  private peek(offset = 0): SqlToken | undefined {
    return this.tokens[this.i + offset];
  }

  /**
   * Gives the statement up to libpg-query. (The most used checks throw UNRECOGNIZED themselves:
   * once they are compiled, a call to fail() that had never run would throw the compiled code
   * away the first time it does.)
   */
  private fail(): never {
    throw UNRECOGNIZED;
  }

  /** Consumes the keyword `word` when it comes next. */
  private accept(word: string): boolean {
    const t = this.tokens[this.i];
    if (t !== undefined && t.keyword && t.word === word) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(word: string): SqlToken {
    const t = this.tokens[this.i];
    if (t === undefined || !t.keyword || t.word !== word) throw UNRECOGNIZED;
    this.i++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && t.keyword && t.word === word;
  }

  /** Consumes punctuation or an operator `symbol` when it comes next. */
  private acceptSymbol(symbol: string): boolean {
    const t = this.tokens[this.i];
    if (t !== undefined && !t.keyword && t.word === symbol) {
      this.i++;
      return true;
    }
    return false;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw UNRECOGNIZED;
  }

  private isSymbol(symbol: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && !t.keyword && t.word === symbol;
  }

  // --- names --------------------------------------------------------------------------------

  /** The name a token stands for when it is a plain identifier, a quoted one or a name keyword; else null. */
  private nameOf(t: SqlToken | undefined): string | null {
    if (t === undefined) return null;
    const word = t.word;
    if (t.keyword) return NAME_KEYWORDS.has(word) ? word.toLowerCase() : null;
    if (word.charCodeAt(0) === 34 /* " */) {
      if (!QUOTED_NAME.test(word)) return null;
      const name = word.slice(1, -1).replace(/""/g, '"');
      return name.length <= MAX_NAME_LENGTH ? name : name.slice(0, MAX_NAME_LENGTH);
    }
    // Lower-cased as Postgres folds it. Most names are in lower case already, and toLowerCase()
    // would still call into the runtime and copy them.
    const name = word.length <= MAX_NAME_LENGTH ? word : word.slice(0, MAX_NAME_LENGTH);
    if (FOLDED_IDENTIFIER.test(word)) return name;
    return PLAIN_IDENTIFIER.test(word) ? name.toLowerCase() : null;
  }

  /** Whether nameOf(t) is a name, without making it: for the names the linter does not read. */
  private isNameToken(t: SqlToken | undefined): boolean {
    if (t === undefined) return false;
    const word = t.word;
    if (t.keyword) return NAME_KEYWORDS.has(word);
    return word.charCodeAt(0) === 34 /* " */ ? QUOTED_NAME.test(word) : PLAIN_IDENTIFIER.test(word);
  }

  private isName(offset = 0): boolean {
    return this.isNameToken(this.tokens[this.i + offset]);
  }

  /** ColId: a name. */
  private name(): string {
    const name = this.nameOf(this.tokens[this.i]);
    if (name === null) throw UNRECOGNIZED;
    this.i++;
    return name;
  }

  /** A name that is checked, not read. */
  private skipName(): void {
    if (!this.isNameToken(this.tokens[this.i])) throw UNRECOGNIZED;
    this.i++;
  }

  /** A possibly qualified name (`a`, `a.b`, `a.b.c`) as its parts. */
  private qualifiedNameParts(maxParts: number): string[] {
    const parts = [this.name()];
    while (this.isSymbol('.')) {
      if (parts.length === maxParts) this.fail();
      this.i++;
      parts.push(this.name());
    }
    return parts;
  }

  /** A possibly qualified name that is checked, not read; how many parts it has. */
  private skipQualifiedName(maxParts: number): number {
    this.skipName();
    let parts = 1;
    while (this.isSymbol('.')) {
      if (parts === maxParts) this.fail();
      this.i++;
      this.skipName();
      parts++;
    }
    return parts;
  }

  /** qualified_name -> RangeVar (`table` or `schema.table`). */
  private relation(inh: boolean): RangeVarNode {
    let relname = this.name();
    const location = this.tokens[this.i - 1]!.start;
    let schemaname: string | undefined;
    if (this.isSymbol('.')) {
      this.i++;
      schemaname = relname;
      relname = this.name();
      if (this.isSymbol('.')) this.fail();
    }
    // One literal, of one shape (absent fields undefined: the linter reads them by value); a
    // field added to it afterwards would cost each relation a store that grows the object.
    return { relname, schemaname, inh: inh || undefined, relpersistence: 'p', location };
  }

  /** `( name [, ...] )` */
  private nameList(): string[] {
    this.expectSymbol('(');
    const names = [this.name()];
    while (this.acceptSymbol(',')) names.push(this.name());
    this.expectSymbol(')');
    return names;
  }

  /** `( name [, ...] )`, checked, not read. */
  private skipNameList(): void {
    this.expectSymbol('(');
    this.skipName();
    while (this.acceptSymbol(',')) this.skipName();
    this.expectSymbol(')');
  }

  // --- literals -----------------------------------------------------------------------------

  /** Whether a token is a plain '...' string literal (not E'', U&'', continued strings). */
  private isStringLiteral(t: SqlToken | undefined): boolean {
    return t !== undefined && !t.keyword && t.word.charCodeAt(0) === 39 /* ' */ && STRING_LITERAL.test(t.word);
  }

  /** A plain '...' string literal's value ('' for a quote), or null for anything else. */
  private stringValue(t: SqlToken | undefined): string | null {
    if (!this.isStringLiteral(t)) return null;
    const inside = t!.word.slice(1, -1);
    return inside.includes("''") ? inside.replace(/''/g, "'") : inside;
  }

  /** An unsigned decimal number's kind: an integer Postgres reads as int4, a number it keeps as text, or null. */
  private numberKind(t: SqlToken | undefined): 'integer' | 'numeric' | null {
    if (t === undefined || t.keyword) return null;
    const word = t.word;
    const first = word.charCodeAt(0);
    if (!((first >= 48 && first <= 57) || first === 46)) return null;
    // Digits, or digits with one dot (`1.5`, `1.`, `.5`). An integer that does not fit in int4
    // stays a numeric constant, as the text it is.
    if (DIGITS.test(word)) return Number(word) <= INT32_MAX ? 'integer' : 'numeric';
    return DECIMAL.test(word) ? 'numeric' : null;
  }

  private integer(): number {
    if (this.numberKind(this.peek()) !== 'integer') this.fail();
    return Number(this.tokens[this.i++]!.word);
  }

  // --- statements ---------------------------------------------------------------------------

  statement(): Node {
    const first = this.peek()!;
    if (!first.keyword) this.fail();
    switch (first.word) {
      case 'CREATE':
        return this.create();
      case 'DROP':
        return this.drop();
      case 'ALTER':
        return this.alter();
      case 'REINDEX':
        return this.reindex();
      case 'SET':
        return this.set();
      case 'RESET':
        return this.reset();
      case 'UPDATE':
        return this.update();
      case 'INSERT':
        return this.insert();
      case 'COMMENT':
        return this.comment();
      case 'BEGIN':
      case 'START':
      case 'COMMIT':
      case 'END':
      case 'ROLLBACK':
      case 'ABORT':
        return this.transaction();
      default:
        return this.fail();
    }
  }

  private create(): Node {
    this.expect('CREATE');
    // One look at the next token for the common forms (a call per isKeyword test costs more).
    const next = this.tokens[this.i];
    if (next !== undefined && next.keyword) {
      if (next.word === 'UNIQUE' || next.word === 'INDEX') return this.createIndex();
      if (next.word === 'TABLE') return this.createTable('p');
      // CREATE TEMP / TEMPORARY / UNLOGGED TABLE (LOCAL and GLOBAL TEMP are left to libpg-query).
      const persistence = next.word === 'TEMP' || next.word === 'TEMPORARY' ? 't' : next.word === 'UNLOGGED' ? 'u' : null;
      if (persistence !== null && this.isKeyword('TABLE', 1)) {
        this.i++;
        return this.createTable(persistence);
      }
    }
    if (this.accept('OR')) this.expect('REPLACE');
    if (this.isKeyword('FUNCTION')) return this.createFunction();
    if (this.isKeyword('TRIGGER')) return this.createTrigger();
    return this.fail();
  }

  /**
   * CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] relation
   * [USING method] ( element [, ...] ) [INCLUDE ( column [, ...] )] [WITH ( parameter [= value] [, ...] )]
   * [WHERE predicate]
   */
  private createIndex(): Node {
    const unique = this.accept('UNIQUE');
    this.expect('INDEX');
    const concurrent = this.accept('CONCURRENTLY');
    let ifNotExists = false;
    let idxname: string | undefined;
    if (this.isKeyword('IF')) {
      this.expect('IF');
      this.expect('NOT');
      this.expect('EXISTS');
      ifNotExists = true;
      idxname = this.name();
    } else if (!this.isKeyword('ON')) {
      idxname = this.name();
    }
    this.expect('ON');
    const only = this.accept('ONLY');
    const relation = this.relation(!only);
    let accessMethod = 'btree';
    if (this.accept('USING')) accessMethod = this.name();
    this.expectSymbol('(');
    const indexParams: Node[] = [this.indexElement()];
    while (this.acceptSymbol(',')) indexParams.push(this.indexElement());
    this.expectSymbol(')');
    // INCLUDE and WITH describe the index; the linter reads neither from the tree.
    if (this.accept('INCLUDE')) this.skipNameList();
    if (this.accept('WITH')) this.storageParameters();
    if (this.accept('WHERE')) this.predicate();
    // One shape for every index (fields left undefined rather than absent: the linter tests them by value).
    const stmt = { idxname, relation, accessMethod, indexParams, unique, concurrent, if_not_exists: ifNotExists };
    return { IndexStmt: stmt } as Node;
  }

  /**
   * A column or `function(column, ...)`, then [ASC | DESC] [NULLS FIRST | LAST]. Only a column's
   * name is read from the element (an expression is read from the text).
   */
  private indexElement(): Node {
    let element: Node;
    if (this.isSymbol('(')) {
      // `( expression )`
      this.i++;
      this.predicate();
      this.expectSymbol(')');
      element = EXPRESSION_INDEX_ELEMENT;
    } else if (this.isName() && this.isSymbol('(', 1)) {
      this.functionCall();
      element = EXPRESSION_INDEX_ELEMENT;
    } else {
      element = { IndexElem: { name: this.name() } } as Node;
    }
    if (this.accept('COLLATE')) this.skipQualifiedName(2);
    // An operator class (`gin_trgm_ops`, `public.x_ops`): a plain word, never a keyword (ASC, DESC
    // and NULLS follow here); one with parameters `( ... )` is left to libpg-query.
    const opclass = this.tokens[this.i];
    if (opclass !== undefined && !opclass.keyword && opclass.word !== ',' && opclass.word !== ')') this.skipQualifiedName(2);
    if (!this.accept('ASC')) this.accept('DESC');
    // NULLS FIRST / LAST: the scanner's lookahead makes NULLS a token of its own here.
    if (this.isKeyword('NULLS') && (this.isKeyword('FIRST', 1) || this.isKeyword('LAST', 1))) this.i += 2;
    return element;
  }

  /**
   * `( parameter [= value] [, ...] )` of WITH: plain names, values plain strings, unsigned
   * numbers, plain words or on / off / true / false (`fillfactor = 70`, `fastupdate = off`).
   */
  private storageParameters(): void {
    this.expectSymbol('(');
    do {
      const t = this.peek();
      if (t === undefined || t.keyword) this.fail();
      this.skipName();
      if (this.acceptSymbol('=')) {
        const value = this.peek();
        if (value === undefined) this.fail();
        if (value.keyword ? !STORAGE_KEYWORD_VALUES.has(value.word) : !this.isStringLiteral(value) && this.numberKind(value) === null && !this.isNameToken(value)) this.fail();
        this.i++;
      }
    } while (this.acceptSymbol(','));
    this.expectSymbol(')');
  }

  /**
   * DROP { INDEX [CONCURRENTLY] | TABLE } [IF EXISTS] name [, ...] [CASCADE | RESTRICT]. DROP TABLE
   * is read only to tell where a template's `{` stands in it (its tree is not read).
   */
  private drop(): Node {
    this.expect('DROP');
    let removeType = 'OBJECT_INDEX';
    if (this.accept('TABLE')) removeType = 'OBJECT_TABLE';
    else this.expect('INDEX');
    const concurrent = removeType === 'OBJECT_INDEX' && this.accept('CONCURRENTLY');
    let missingOk = false;
    if (this.isKeyword('IF')) {
      this.expect('IF');
      this.expect('EXISTS');
      missingOk = true;
    }
    const objects: Node[] = [];
    do {
      const parts = this.qualifiedNameParts(3);
      const items: Node[] = [];
      for (let k = 0; k < parts.length; k++) items.push({ String: { sval: parts[k]! } } as Node);
      objects.push({ List: { items } } as Node);
    } while (this.acceptSymbol(','));
    let behavior = 'DROP_RESTRICT';
    if (this.accept('CASCADE')) behavior = 'DROP_CASCADE';
    else this.accept('RESTRICT');
    const stmt: Record<string, unknown> = { objects, removeType, behavior };
    if (missingOk) stmt['missing_ok'] = true;
    if (concurrent) stmt['concurrent'] = true;
    return { DropStmt: stmt } as Node;
  }

  /** REINDEX { INDEX | TABLE } [CONCURRENTLY] relation, REINDEX SCHEMA [CONCURRENTLY] name */
  private reindex(): Node {
    this.expect('REINDEX');
    const kindToken = this.peek();
    if (!kindToken?.keyword) return this.fail();
    let kind: string;
    if (kindToken.word === 'INDEX') kind = 'REINDEX_OBJECT_INDEX';
    else if (kindToken.word === 'TABLE') kind = 'REINDEX_OBJECT_TABLE';
    else if (kindToken.word === 'SCHEMA') kind = 'REINDEX_OBJECT_SCHEMA';
    else return this.fail();
    this.i++;
    const concurrently = this.peek();
    const concurrent = this.accept('CONCURRENTLY');
    const stmt: Record<string, unknown> = { kind };
    if (kind === 'REINDEX_OBJECT_SCHEMA') stmt['name'] = this.name();
    else stmt['relation'] = this.relation(true);
    if (concurrent) stmt['params'] = [{ DefElem: { defname: 'concurrently', defaction: 'DEFELEM_UNSPEC', location: concurrently!.start } }];
    return { ReindexStmt: stmt } as Node;
  }

  /** ALTER TABLE [IF EXISTS] [ONLY] relation action [, ...] */
  private alter(): Node {
    this.expect('ALTER');
    this.expect('TABLE');
    let missingOk = false;
    if (this.isKeyword('IF')) {
      this.expect('IF');
      this.expect('EXISTS');
      missingOk = true;
    }
    const only = this.accept('ONLY');
    const relation = this.relation(!only);
    // RENAME makes a RenameStmt, which the linter does not read.
    if (this.accept('RENAME')) {
      if (this.accept('TO')) this.name();
      else {
        if (!this.accept('CONSTRAINT')) this.accept('COLUMN');
        this.name();
        this.expect('TO');
        this.name();
      }
      return { RenameStmt: {} } as Node;
    }
    const cmds: Node[] = [this.alterTableCommand()];
    while (this.acceptSymbol(',')) cmds.push(this.alterTableCommand());
    const stmt: Record<string, unknown> = { relation, cmds, objtype: 'OBJECT_TABLE' };
    if (missingOk) stmt['missing_ok'] = true;
    return { AlterTableStmt: stmt } as Node;
  }

  private alterTableCommand(): Node {
    const cmd: Record<string, unknown> = {};
    if (this.accept('ADD')) {
      if (this.isConstraintStart()) {
        cmd['subtype'] = 'AT_AddConstraint';
        cmd['def'] = this.tableConstraint(true);
      } else {
        this.accept('COLUMN');
        if (this.isKeyword('IF')) {
          this.expect('IF');
          this.expect('NOT');
          this.expect('EXISTS');
          cmd['missing_ok'] = true;
        }
        cmd['subtype'] = 'AT_AddColumn';
        cmd['def'] = this.columnDefinition(true);
      }
    } else if (this.accept('ALTER')) {
      this.accept('COLUMN');
      cmd['name'] = this.name();
      if (this.accept('SET')) {
        if (this.accept('NOT')) {
          this.expect('NULL');
          cmd['subtype'] = 'AT_SetNotNull';
        } else if (this.accept('DEFAULT')) {
          this.valueExpression();
          cmd['subtype'] = 'AT_ColumnDefault';
        } else if (this.accept('DATA')) {
          this.expect('TYPE');
          this.typeName();
          this.alterColumnUsing();
          cmd['subtype'] = 'AT_AlterColumnType';
        } else return this.fail();
      } else if (this.accept('DROP')) {
        if (this.accept('NOT')) {
          this.expect('NULL');
          cmd['subtype'] = 'AT_DropNotNull';
        } else {
          this.expect('DEFAULT');
          cmd['subtype'] = 'AT_ColumnDefault';
        }
      } else if (this.accept('TYPE')) {
        this.typeName();
        this.alterColumnUsing();
        cmd['subtype'] = 'AT_AlterColumnType';
      } else return this.fail();
    } else if (this.accept('DROP')) {
      if (this.accept('CONSTRAINT')) cmd['subtype'] = 'AT_DropConstraint';
      else {
        this.accept('COLUMN');
        cmd['subtype'] = 'AT_DropColumn';
      }
      if (this.isKeyword('IF')) {
        this.expect('IF');
        this.expect('EXISTS');
        cmd['missing_ok'] = true;
      }
      cmd['name'] = this.name();
      if (!this.accept('CASCADE')) this.accept('RESTRICT');
    } else if (this.isKeyword('SET') && this.isSymbol('(', 1)) {
      this.i++;
      this.storageParameters();
      cmd['subtype'] = 'AT_SetRelOptions';
    } else if (this.accept('VALIDATE')) {
      this.expect('CONSTRAINT');
      cmd['subtype'] = 'AT_ValidateConstraint';
      cmd['name'] = this.name();
    } else if (this.accept('ENABLE')) {
      this.expect('ROW');
      this.expect('LEVEL');
      this.expect('SECURITY');
      cmd['subtype'] = 'AT_EnableRowSecurity';
    } else {
      return this.fail();
    }
    return { AlterTableCmd: cmd } as Node;
  }

  /** [USING expression] after ALTER COLUMN ... TYPE: how values convert, checked, not read. */
  private alterColumnUsing(): void {
    if (this.accept('USING')) this.predicate();
  }

  private isConstraintStart(): boolean {
    const t = this.peek();
    return (
      t !== undefined &&
      t.keyword &&
      (t.word === 'CONSTRAINT' || t.word === 'UNIQUE' || t.word === 'PRIMARY' || t.word === 'CHECK' || t.word === 'FOREIGN' || t.word === 'EXCLUDE')
    );
  }

  /**
   * [CONSTRAINT name] { UNIQUE ( columns ) | UNIQUE USING INDEX name | PRIMARY KEY ( columns ) |
   * PRIMARY KEY USING INDEX name | CHECK ( predicate ) | FOREIGN KEY ( columns ) REFERENCES ... },
   * and in a CREATE TABLE, EXCLUDE [USING method] ( element WITH operator [, ...] ) [INCLUDE ( columns )]
   * [WHERE ( predicate )]. The node only when `build` (ALTER TABLE ADD; a CREATE TABLE's
   * constraints are not read; an EXCLUDE that ALTER TABLE adds is left to libpg-query).
   */
  private tableConstraint(build: boolean): Node | null {
    const location = this.peek()!.start;
    let conname: string | undefined;
    if (this.accept('CONSTRAINT')) conname = this.name();
    let contype: string;
    let indexname: string | undefined;
    let keys: Node[] | undefined;
    let foreignKey: Record<string, unknown> | undefined;
    if (this.accept('UNIQUE') || (this.accept('PRIMARY') && this.expect('KEY'))) {
      contype = this.tokens[this.i - 1]!.word === 'UNIQUE' ? 'CONSTR_UNIQUE' : 'CONSTR_PRIMARY';
      if (this.accept('USING')) {
        this.expect('INDEX');
        indexname = this.name();
      } else if (build) {
        const names = this.nameList();
        keys = [];
        for (let k = 0; k < names.length; k++) keys.push({ String: { sval: names[k]! } } as Node);
      } else {
        this.skipNameList();
      }
      this.deferrable();
    } else if (this.accept('CHECK')) {
      contype = 'CONSTR_CHECK';
      this.expectSymbol('(');
      this.predicate();
      this.expectSymbol(')');
      this.notValid(build);
    } else if (this.accept('FOREIGN')) {
      this.expect('KEY');
      contype = 'CONSTR_FOREIGN';
      if (build) {
        const names = this.nameList();
        const fkAttrs: Node[] = [];
        for (let k = 0; k < names.length; k++) fkAttrs.push({ String: { sval: names[k]! } } as Node);
        foreignKey = { fk_attrs: fkAttrs, pktable: this.references(true) };
      } else {
        this.skipNameList();
        this.references(false);
      }
      this.deferrable();
      this.notValid(build);
    } else if (!build && this.accept('EXCLUDE')) {
      contype = 'CONSTR_EXCLUSION';
      this.exclusion();
    } else {
      return this.fail();
    }
    if (!build) return null;
    return { Constraint: foreignKey ? { contype, conname, location, ...foreignKey } : { contype, conname, indexname, keys, location } } as Node;
  }

  /** What follows EXCLUDE, checked. */
  private exclusion(): void {
    if (this.accept('USING')) this.skipName();
    this.expectSymbol('(');
    do {
      this.indexElement();
      this.expect('WITH');
      const operator = this.peek();
      if (operator === undefined || operator.keyword || !OPERATOR.test(operator.word)) this.fail();
      this.i++;
    } while (this.acceptSymbol(','));
    this.expectSymbol(')');
    if (this.accept('INCLUDE')) this.skipNameList();
    if (this.accept('WHERE')) {
      this.expectSymbol('(');
      this.predicate();
      this.expectSymbol(')');
    }
    this.deferrable();
  }

  /**
   * [NOT] DEFERRABLE [INITIALLY DEFERRED | IMMEDIATE] after a UNIQUE, PRIMARY KEY or FOREIGN KEY
   * table constraint: when it is checked, not read (the index is built the same). Other orders
   * and combinations are left to libpg-query (some are errors of the grammar itself).
   */
  private deferrable(): void {
    if (this.accept('DEFERRABLE')) {
      if (this.accept('INITIALLY') && !this.accept('DEFERRED')) this.expect('IMMEDIATE');
    } else if (this.isKeyword('NOT') && this.isKeyword('DEFERRABLE', 1)) {
      this.i += 2;
      if (this.accept('INITIALLY')) this.expect('IMMEDIATE');
    }
  }

  /** NOT VALID after a CHECK or FOREIGN KEY that ALTER TABLE adds (`alterTable`): not read. */
  private notValid(alterTable: boolean): void {
    if (alterTable && this.isKeyword('NOT') && this.isKeyword('VALID', 1)) this.i += 2;
  }

  /**
   * REFERENCES relation [( column )] [ON DELETE action] [ON UPDATE action], checked; the referenced
   * relation read when `read` (an ALTER TABLE's foreign key).
   */
  private references(read: true): RangeVarNode;
  private references(read: false): undefined;
  private references(read: boolean): RangeVarNode | undefined {
    this.expect('REFERENCES');
    let pktable: RangeVarNode | undefined;
    if (read) pktable = this.relation(true);
    else this.skipQualifiedName(2);
    if (this.isSymbol('(')) this.skipNameList();
    // At most one ON DELETE and one ON UPDATE, in either order.
    let onDelete = false;
    let onUpdate = false;
    while (this.accept('ON')) {
      if (this.accept('DELETE')) {
        if (onDelete) this.fail();
        onDelete = true;
      } else {
        this.expect('UPDATE');
        if (onUpdate) this.fail();
        onUpdate = true;
      }
      if (this.accept('CASCADE') || this.accept('RESTRICT')) continue;
      if (this.accept('NO')) this.expect('ACTION');
      else if (this.accept('SET')) {
        if (!this.accept('NULL')) this.expect('DEFAULT');
      } else this.fail();
    }
    return pktable;
  }

  /**
   * name type [constraint ...]. The node only when `build` (ALTER TABLE ADD COLUMN), with the
   * constraints the linter reads: UNIQUE and PRIMARY KEY, which build an index, and REFERENCES.
   */
  private columnDefinition(build: boolean): Node | null {
    const location = this.peek()?.start ?? this.fail();
    const colname = build ? this.name() : (this.skipName(), '');
    this.typeName();
    const constraints: Node[] | null = build ? [] : null;
    // Constraints, and at most one COLLATE "C" among them (a second is an error of the grammar).
    let collated = false;
    for (;;) {
      if (this.isKeyword('COLLATE')) {
        if (collated) this.fail();
        collated = true;
        this.i++;
        this.skipQualifiedName(2);
      } else if (!this.columnConstraint(constraints)) break;
    }
    if (!build) return null;
    const column: Record<string, unknown> = { colname, location };
    if (constraints!.length > 0) column['constraints'] = constraints;
    return { ColumnDef: column } as Node;
  }

  /**
   * [CONSTRAINT name] { NOT NULL | NULL | DEFAULT value | UNIQUE | PRIMARY KEY | CHECK ( predicate ) |
   * REFERENCES ... | GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY }: false when none follows.
   * A UNIQUE or PRIMARY KEY constraint goes to `indexConstraints` when given.
   */
  private columnConstraint(indexConstraints: Node[] | null): boolean {
    const t = this.peek();
    if (t === undefined || !t.keyword) return false;
    const location = t.start;
    let conname: string | undefined;
    if (this.accept('CONSTRAINT')) conname = this.name();
    let contype: string | null = null;
    if (this.accept('NOT')) {
      this.expect('NULL');
    } else if (this.accept('NULL')) {
      // nothing more
    } else if (this.accept('DEFAULT')) {
      this.valueExpression();
    } else if (this.accept('UNIQUE')) {
      contype = 'CONSTR_UNIQUE';
    } else if (this.accept('PRIMARY')) {
      this.expect('KEY');
      contype = 'CONSTR_PRIMARY';
    } else if (this.accept('CHECK')) {
      this.expectSymbol('(');
      this.predicate();
      this.expectSymbol(')');
    } else if (this.isKeyword('REFERENCES')) {
      if (indexConstraints !== null) {
        indexConstraints.push({ Constraint: { contype: 'CONSTR_FOREIGN', conname, location, pktable: this.references(true) } } as Node);
      } else this.references(false);
    } else if (this.accept('GENERATED')) {
      if (this.accept('ALWAYS')) {
        this.expect('AS');
        // GENERATED ALWAYS AS ( expression ) STORED: a generated column.
        if (this.acceptSymbol('(')) {
          this.predicate();
          this.expectSymbol(')');
          this.expect('STORED');
        } else this.expect('IDENTITY');
      } else {
        this.expect('BY');
        this.expect('DEFAULT');
        this.expect('AS');
        this.expect('IDENTITY');
      }
    } else {
      if (conname !== undefined) this.fail();
      return false;
    }
    if (contype !== null && indexConstraints !== null) {
      indexConstraints.push({ Constraint: { contype, conname, indexname: undefined, keys: undefined, location } } as Node);
    }
    return true;
  }

  /**
   * CREATE [TEMP | UNLOGGED] TABLE [IF NOT EXISTS] relation ( column or table constraint [, ...] )
   * [PARTITION BY ...] [ON COMMIT { DROP | DELETE ROWS | PRESERVE ROWS }], or CREATE ... TABLE
   * [IF NOT EXISTS] relation [ON COMMIT ...] AS query. Only the relation is read from the tree;
   * the rest is checked, but for the query. `persistence`: the relation's relpersistence.
   */
  private createTable(persistence: 'p' | 't' | 'u'): Node {
    this.expect('TABLE');
    if (this.isKeyword('IF')) {
      this.expect('IF');
      this.expect('NOT');
      this.expect('EXISTS');
    }
    const relation = this.relation(true);
    relation.relpersistence = persistence;
    if (this.isKeyword('AS') || this.isKeyword('ON')) {
      this.onCommit();
      this.expect('AS');
      this.unreadQuery();
      return { CreateTableAsStmt: { into: { rel: relation }, objtype: 'OBJECT_TABLE' } } as Node;
    }
    this.expectSymbol('(');
    do {
      if (this.isConstraintStart()) this.tableConstraint(false);
      else this.columnDefinition(false);
    } while (this.acceptSymbol(','));
    this.expectSymbol(')');
    // PARTITION BY strategy ( column [, ...] ): a partitioned table, its columns plain.
    if (this.accept('PARTITION')) {
      this.expect('BY');
      // RANGE and LIST are keywords, HASH a name; the grammar takes any of the three in any case.
      if (!this.accept('RANGE') && !this.accept('LIST') && this.name().toLowerCase() !== 'hash') this.fail();
      this.skipNameList();
    }
    this.onCommit();
    return { CreateStmt: { relation } } as Node;
  }

  /** Optional ON COMMIT { DROP | DELETE ROWS | PRESERVE ROWS }: the grammar takes it after any table (Postgres refuses it for a permanent one later). */
  private onCommit(): void {
    if (!this.accept('ON')) return;
    this.expect('COMMIT');
    if (this.accept('DELETE') || this.accept('PRESERVE')) this.expect('ROWS');
    else this.expect('DROP');
  }

  /**
   * The rest of the statement, a query (SELECT, WITH, VALUES, TABLE, or one in parentheses),
   * taken without reading it. Left to libpg-query: a query with a template's `{` in it (reported
   * as in any statement), and one shorter than `SELECT 1` (`AS WITH`, `AS (`): no migration's is,
   * and the tests check each query taken here against a valid one of its length.
   */
  private unreadQuery(): void {
    const first = this.peek();
    if (first === undefined || (first.keyword ? !QUERY_STARTS.has(first.word) : first.word !== '(')) this.fail();
    if (this.tokens[this.tokens.length - 1]!.end - first.start < 'SELECT 1'.length) this.fail();
    // Looked for before the query is taken: fastStatementStartIsValid then sees the reader look at
    // a `{` in it from the query's start, not from just before it.
    for (let k = this.i; k < this.tokens.length; k++) {
      const t = this.tokens[k]!;
      if (t.word === '{' && !t.keyword) this.fail();
    }
    this.i = this.tokens.length;
  }

  /**
   * SET [SESSION | LOCAL] name { TO | = } { value [, ...] | DEFAULT }. Values: plain strings,
   * unsigned numbers, ON / TRUE / FALSE, names.
   */
  private set(): Node {
    this.expect('SET');
    let isLocal = false;
    if (this.accept('LOCAL')) isLocal = true;
    else this.accept('SESSION');
    if (this.accept('TRANSACTION')) {
      this.transactionModes();
      // Its modes (DefElems in `args`) are not read: no setting the linter reads is set.
      return { VariableSetStmt: isLocal ? { kind: 'VAR_SET_MULTI', name: 'TRANSACTION', is_local: true } : { kind: 'VAR_SET_MULTI', name: 'TRANSACTION' } } as Node;
    }
    const name = this.variableName();
    if (!this.accept('TO')) this.expectSymbol('=');
    const stmt: Record<string, unknown> = {};
    if (this.accept('DEFAULT')) {
      stmt['kind'] = 'VAR_SET_DEFAULT';
      stmt['name'] = name;
      if (isLocal) stmt['is_local'] = true;
      stmt['location'] = -1;
      return { VariableSetStmt: stmt } as Node;
    }
    const location = this.peek()?.start ?? this.fail();
    const args: Node[] = [this.settingValue()];
    while (this.acceptSymbol(',')) args.push(this.settingValue());
    stmt['kind'] = 'VAR_SET_VALUE';
    stmt['name'] = name;
    stmt['args'] = args;
    if (isLocal) stmt['is_local'] = true;
    stmt['location'] = location;
    return { VariableSetStmt: stmt } as Node;
  }

  /**
   * transaction_mode [[,] ...]: ISOLATION LEVEL { SERIALIZABLE | REPEATABLE READ | READ COMMITTED |
   * READ UNCOMMITTED } | READ ONLY | READ WRITE | [NOT] DEFERRABLE.
   */
  private transactionModes(): void {
    do {
      if (this.accept('ISOLATION')) {
        this.expect('LEVEL');
        if (this.accept('SERIALIZABLE')) continue;
        const first = this.peek();
        const second = this.peek(1);
        if (!first?.keyword || !second?.keyword || !ISOLATION_LEVELS.has(`${first.word} ${second.word}`)) this.fail();
        this.i += 2;
      } else if (this.accept('READ')) {
        if (!this.accept('ONLY')) this.expect('WRITE');
      } else if (!this.accept('DEFERRABLE')) {
        this.expect('NOT');
        this.expect('DEFERRABLE');
      }
    } while (this.acceptSymbol(',') || (!this.atEnd() && this.peek()!.keyword));
  }

  /** RESET { name | ALL } */
  private reset(): Node {
    this.expect('RESET');
    if (this.accept('ALL')) return { VariableSetStmt: { kind: 'VAR_RESET_ALL', location: -1 } } as Node;
    return { VariableSetStmt: { kind: 'VAR_RESET', name: this.variableName(), location: -1 } } as Node;
  }

  /** var_name: plain names only (keywords such as TIME ZONE, NAMES, ROLE make other statements). */
  private variableName(): string {
    let name = this.variableNamePart();
    while (this.acceptSymbol('.')) name += `.${this.variableNamePart()}`;
    return name;
  }

  private variableNamePart(): string {
    if (this.peek()?.keyword !== false) this.fail();
    return this.name();
  }

  private settingValue(): Node {
    const t = this.peek() ?? this.fail();
    const location = t.start;
    const value = this.stringValue(t);
    if (value !== null) {
      this.i++;
      return { A_Const: { sval: { sval: value }, location } } as Node;
    }
    const number = this.numberKind(t);
    if (number === 'integer') {
      this.i++;
      const ival = Number(t.word);
      return { A_Const: { ival: ival === 0 ? {} : { ival }, location } } as Node;
    }
    if (number === 'numeric') {
      this.i++;
      return { A_Const: { fval: { fval: t.word }, location } } as Node;
    }
    if (t.keyword && (t.word === 'ON' || t.word === 'TRUE' || t.word === 'FALSE')) {
      this.i++;
      return { A_Const: { sval: { sval: t.word.toLowerCase() }, location } } as Node;
    }
    if (!t.keyword) return { A_Const: { sval: { sval: this.name() }, location } } as Node;
    return this.fail();
  }

  /**
   * BEGIN [WORK | TRANSACTION], START TRANSACTION, COMMIT / END / ROLLBACK / ABORT
   * [WORK | TRANSACTION] [AND [NO] CHAIN]
   */
  private transaction(): Node {
    const word = this.tokens[this.i++]!.word;
    let kind: string;
    let chain = false;
    if (word === 'START') {
      this.expect('TRANSACTION');
      kind = 'TRANS_STMT_START';
    } else {
      if (!this.accept('WORK')) this.accept('TRANSACTION');
      if (word === 'BEGIN') kind = 'TRANS_STMT_BEGIN';
      else {
        kind = word === 'COMMIT' || word === 'END' ? 'TRANS_STMT_COMMIT' : 'TRANS_STMT_ROLLBACK';
        if (this.accept('AND')) {
          chain = !this.accept('NO');
          this.expect('CHAIN');
        }
      }
    }
    return { TransactionStmt: chain ? { kind, chain: true, location: -1 } : { kind, location: -1 } } as Node;
  }

  // --- statements the linter does not read: checked, not modelled --------------------------

  /** UPDATE [ONLY] relation SET column = value [, ...] [WHERE condition] */
  private update(): Node {
    this.expect('UPDATE');
    this.accept('ONLY');
    this.skipQualifiedName(2);
    this.expect('SET');
    do {
      this.skipName();
      this.expectSymbol('=');
      this.predicate();
    } while (this.acceptSymbol(','));
    if (this.accept('WHERE')) this.predicate();
    return { UpdateStmt: {} } as Node;
  }

  /**
   * INSERT INTO relation [( column [, ...] )] VALUES ( value [, ...] ) [, ...]
   * [ON CONFLICT [( column or function [, ...] )] DO NOTHING]
   */
  private insert(): Node {
    this.expect('INSERT');
    this.expect('INTO');
    this.skipQualifiedName(2);
    if (this.isSymbol('(')) this.skipNameList();
    this.expect('VALUES');
    do {
      this.expectSymbol('(');
      this.predicate();
      while (this.acceptSymbol(',')) this.predicate();
      this.expectSymbol(')');
    } while (this.acceptSymbol(','));
    if (this.accept('ON')) {
      this.expect('CONFLICT');
      if (this.acceptSymbol('(')) {
        this.indexElement();
        while (this.acceptSymbol(',')) this.indexElement();
        this.expectSymbol(')');
      }
      this.expect('DO');
      this.expect('NOTHING');
    }
    return { InsertStmt: {} } as Node;
  }

  /** COMMENT ON { TABLE | INDEX | COLUMN } name IS text, COMMENT ON FUNCTION name ( [type, ...] ) IS text */
  private comment(): Node {
    this.expect('COMMENT');
    this.expect('ON');
    if (this.accept('FUNCTION')) {
      this.skipQualifiedName(2);
      this.functionArguments();
    } else if (this.accept('COLUMN')) {
      if (this.skipQualifiedName(3) < 2) this.fail();
    } else {
      if (!this.accept('TABLE')) this.expect('INDEX');
      this.skipQualifiedName(3);
    }
    this.expect('IS');
    if (!this.accept('NULL')) {
      if (!this.isStringLiteral(this.peek())) this.fail();
      this.i++;
    }
    return { CommentStmt: {} } as Node;
  }

  /**
   * `( [[name] type [, ...]] )` of a function: a name, when there is one, is a plain word
   * followed by the type (`(a int)`); otherwise the argument is the type alone (`(int)`, `(mytype)`).
   */
  private functionArguments(): void {
    this.expectSymbol('(');
    if (this.acceptSymbol(')')) return;
    do {
      const t = this.peek();
      const next = this.peek(1);
      if (t !== undefined && !t.keyword && next !== undefined && (next.keyword || this.isNameToken(next))) this.skipName();
      this.typeName();
    } while (this.acceptSymbol(','));
    this.expectSymbol(')');
  }

  /**
   * CREATE [OR REPLACE] FUNCTION name ( [arguments] ) RETURNS type { AS 'body' | AS $$body$$ |
   * LANGUAGE name | IMMUTABLE | STABLE | VOLATILE | STRICT | LEAKPROOF | SECURITY { DEFINER | INVOKER } |
   * PARALLEL name } ... (Postgres reads the body when the function is created, not here.)
   */
  private createFunction(): Node {
    this.expect('FUNCTION');
    this.skipQualifiedName(2);
    this.functionArguments();
    this.expect('RETURNS');
    this.returnType();
    while (!this.atEnd()) {
      const t = this.tokens[this.i++]!;
      if (!t.keyword) this.fail();
      switch (t.word) {
        case 'AS':
          if (!this.isStringLiteral(this.peek()) && !this.isDollarQuoted(this.peek())) this.fail();
          this.i++;
          break;
        case 'LANGUAGE': {
          const language = this.peek();
          if (language?.keyword ? language.word !== 'SQL' : !this.isNameToken(language) && !this.isStringLiteral(language)) this.fail();
          this.i++;
          break;
        }
        case 'IMMUTABLE':
        case 'STABLE':
        case 'VOLATILE':
        case 'STRICT':
        case 'LEAKPROOF':
          break;
        case 'SECURITY':
          if (!this.accept('DEFINER')) this.expect('INVOKER');
          break;
        case 'PARALLEL':
          if (this.peek()?.keyword) this.fail();
          this.skipName();
          break;
        default:
          this.fail();
      }
    }
    return { CreateFunctionStmt: {} } as Node;
  }

  /** A function's return type: a type, or `trigger` (an unreserved keyword, a type name there). */
  private returnType(): void {
    if (this.isKeyword('TRIGGER')) this.i++;
    else this.typeName();
  }

  /** A dollar-quoted string ($$...$$, $body$...$body$): the lexer gives it as one token starting with `$` and no digit. */
  private isDollarQuoted(t: SqlToken | undefined): boolean {
    if (t === undefined || t.keyword || t.word.length < 2 || t.word.charCodeAt(0) !== 36 /* $ */) return false;
    const second = t.word.charCodeAt(1);
    return !(second >= 48 && second <= 57);
  }

  /**
   * CREATE [OR REPLACE] TRIGGER name { BEFORE | AFTER } event [OR event ...] ON relation
   * [FOR [EACH] { ROW | STATEMENT }] EXECUTE { FUNCTION | PROCEDURE } name ( [argument, ...] ),
   * events INSERT, UPDATE, DELETE, TRUNCATE, each at most once.
   */
  private createTrigger(): Node {
    this.expect('TRIGGER');
    this.skipName();
    if (!this.accept('BEFORE')) this.expect('AFTER');
    let events = 0; // a bit for each event seen
    do {
      const t = this.peek();
      const event = t?.keyword ? TRIGGER_EVENTS.indexOf(t.word) : -1;
      if (event === -1 || (events & (1 << event)) !== 0) this.fail();
      events |= 1 << event;
      this.i++;
    } while (this.accept('OR'));
    this.expect('ON');
    this.skipQualifiedName(2);
    if (this.accept('FOR')) {
      this.accept('EACH');
      if (!this.accept('ROW')) this.expect('STATEMENT');
    }
    this.expect('EXECUTE');
    if (!this.accept('FUNCTION')) this.expect('PROCEDURE');
    if (this.peek()?.keyword) this.fail();
    this.skipQualifiedName(2);
    this.expectSymbol('(');
    if (!this.acceptSymbol(')')) {
      do {
        const t = this.peek();
        if (!this.isStringLiteral(t) && this.numberKind(t) === null && (t === undefined || t.keyword || !this.isNameToken(t))) this.fail();
        this.i++;
      } while (this.acceptSymbol(','));
      this.expectSymbol(')');
    }
    return { CreateTrigStmt: {} } as Node;
  }

  // --- types and expressions (checked, not modelled) ----------------------------------------

  /**
   * A type: a plain name (`uuid`, `jsonb`, `timestamptz`, `public.citext`) with optional
   * `(n[, m])`, a keyword type (`bigint`, `boolean`, `text`, `numeric(12, 2)`, `varchar(255)`,
   * `timestamp [with | without time zone]`), then optional `[]`s.
   */
  private typeName(): void {
    const t = this.peek() ?? this.fail();
    if (t.keyword) {
      this.i++;
      if (KEYWORD_TYPES_WITH_MODIFIERS.has(t.word)) this.typeModifiers();
      else if (t.word === 'VARCHAR') this.typeLength();
      else if (t.word === 'TIMESTAMP' || t.word === 'TIME') {
        if (this.isSymbol('(')) {
          this.i++;
          this.integer();
          this.expectSymbol(')');
        }
        if ((this.isKeyword('WITH') || this.isKeyword('WITHOUT')) && this.isKeyword('TIME', 1)) {
          this.i += 2;
          this.expect('ZONE');
        }
      } else if (t.word === 'INTERVAL') {
        // INTERVAL or INTERVAL ( precision ). Fields after it (INTERVAL DAY TO SECOND) are keywords
        // no place that reads a type here takes next: libpg-query reads those.
        this.typeLength();
      } else if (t.word === 'DOUBLE') {
        this.expect('PRECISION');
      } else if (t.word === 'CHARACTER' || t.word === 'CHAR') {
        this.accept('VARYING');
        this.typeLength();
      } else if (!KEYWORD_TYPES.has(t.word)) this.fail();
    } else {
      this.skipQualifiedName(2);
      this.typeModifiers();
    }
    while (this.isSymbol('[')) {
      this.i++;
      if (!this.isSymbol(']')) this.integer();
      this.expectSymbol(']');
    }
  }

  /** Optional `( integer )`: a character type's length. */
  private typeLength(): void {
    if (!this.acceptSymbol('(')) return;
    this.integer();
    this.expectSymbol(')');
  }

  /** Optional `( integer [, integer] )`. */
  private typeModifiers(): void {
    if (!this.acceptSymbol('(')) return;
    this.integer();
    if (this.acceptSymbol(',')) this.integer();
    this.expectSymbol(')');
  }

  /**
   * A condition (WHERE, CHECK): comparisons, IS [NOT] NULL, [NOT] IN ( ... ), [NOT] LIKE,
   * joined by AND / OR / NOT; each comparison stands alone (Postgres' comparison operators do
   * not chain).
   */
  private predicate(): void {
    this.conjunction();
    while (this.accept('OR')) this.conjunction();
  }

  private conjunction(): void {
    this.negation();
    while (this.accept('AND')) this.negation();
  }

  private negation(): void {
    while (this.accept('NOT'));
    this.comparison();
  }

  private comparison(): void {
    this.operand();
    const t = this.peek();
    if (t === undefined) return;
    if (!t.keyword) {
      if (COMPARISONS.has(t.word)) {
        this.i++;
        // value op ANY / ALL / SOME ( array ): a subquery there (a SELECT) is left to libpg-query.
        const quantifier = this.peek();
        if (quantifier !== undefined && quantifier.keyword && (quantifier.word === 'ANY' || quantifier.word === 'ALL' || quantifier.word === 'SOME')) {
          this.i++;
          this.expectSymbol('(');
          this.predicate();
          this.expectSymbol(')');
        } else this.operand();
      }
      return;
    }
    if (t.word === 'IS') {
      this.i++;
      this.accept('NOT');
      if (!this.accept('NULL') && !this.accept('TRUE') && !this.accept('FALSE')) this.fail();
    } else if (t.word === 'NOT' && (this.isKeyword('IN', 1) || this.isKeyword('LIKE', 1) || this.isKeyword('ILIKE', 1))) {
      this.i++;
      this.afterNot();
    } else if (t.word === 'IN' || t.word === 'LIKE' || t.word === 'ILIKE') {
      this.afterNot();
    }
  }

  /** IN ( operand [, ...] ) | LIKE operand | ILIKE operand */
  private afterNot(): void {
    if (this.accept('IN')) {
      this.expectSymbol('(');
      this.operand();
      while (this.acceptSymbol(',')) this.operand();
      this.expectSymbol(')');
    } else {
      this.i++;
      this.operand();
    }
  }

  /**
   * A value: a constant, a column, `function(...)`, `( condition )`, then optional `::type`s;
   * values joined by JOIN_OPERATORS.
   */
  private operand(): void {
    this.operandTerm();
    for (let t = this.tokens[this.i]; t !== undefined && !t.keyword && JOIN_OPERATORS.has(t.word); t = this.tokens[this.i]) {
      this.i++;
      this.operandTerm();
    }
  }

  private operandTerm(): void {
    const t = this.peek() ?? this.fail();
    if (t.keyword) {
      if (t.word === 'NULL' || t.word === 'TRUE' || t.word === 'FALSE' || t.word === 'CURRENT_DATE' || t.word === 'CURRENT_TIMESTAMP' || t.word === 'LOCALTIMESTAMP') this.i++;
      // COALESCE ( value [, ...] ): a keyword with a grammar of its own, a plain list here.
      else if (t.word === 'COALESCE' && this.isSymbol('(', 1)) {
        this.i += 2;
        this.operand();
        while (this.acceptSymbol(',')) this.operand();
        this.expectSymbol(')');
      }
      // A column named by a keyword (`name`), never taken as a function (`name(...)`).
      else if (NAME_KEYWORDS.has(t.word) && !this.isSymbol('(', 1)) {
        this.skipQualifiedName(3);
        this.subscripts();
      } else if (t.word === 'ARRAY' && this.isSymbol('[', 1)) this.arrayValue();
      else if (t.word === 'CASE') this.caseExpression();
      // INTERVAL '1 day' (fields after it, INTERVAL '1' DAY, are keywords no place here takes next).
      else if (t.word === 'INTERVAL' && this.isStringLiteral(this.peek(1))) this.i += 2;
      else this.fail();
    } else if (this.isStringLiteral(t) || this.numberKind(t) !== null) {
      this.i++;
    } else if (t.word === '(') {
      this.i++;
      this.predicate();
      this.expectSymbol(')');
      this.subscripts();
    } else if (this.isSymbol('(', 1)) {
      this.functionCall();
    } else {
      this.skipQualifiedName(3);
      // schema.function(...): a qualified name before `(` is a function's.
      if (this.isSymbol('(')) this.callArguments();
      else this.subscripts();
    }
    while (this.acceptSymbol('::')) this.typeName();
    if (this.accept('COLLATE')) this.skipQualifiedName(2);
    // value AT TIME ZONE zone: binds tighter than the operators operand() joins by.
    if (this.isKeyword('AT') && this.isKeyword('TIME', 1) && this.isKeyword('ZONE', 2)) {
      this.i += 3;
      this.operandTerm();
    }
  }

  /** A default value: a constant (signed numbers too), `function(...)`, CURRENT_TIMESTAMP and the like, then optional `::type`s. */
  private valueExpression(): void {
    const t = this.peek() ?? this.fail();
    if (t.keyword) {
      if (t.word === 'NULL' || t.word === 'TRUE' || t.word === 'FALSE' || t.word === 'CURRENT_TIMESTAMP' || t.word === 'CURRENT_DATE' || t.word === 'LOCALTIMESTAMP') this.i++;
      // ARRAY[] or ARRAY[value, ...] (`DEFAULT ARRAY[]::TEXT[]`)
      else if (t.word === 'ARRAY' && this.isSymbol('[', 1)) this.arrayValue();
      else this.fail();
    } else if (this.isStringLiteral(t) || this.numberKind(t) !== null) {
      this.i++;
    } else if (t.word === '-' && this.numberKind(this.peek(1)) !== null) {
      this.i += 2;
    } else if (this.isSymbol('(', 1)) {
      this.functionCall();
    } else {
      this.fail();
    }
    while (this.acceptSymbol('::')) this.typeName();
  }

  /** A plain function name (never a keyword: several are functions of their own grammar) and `( [operand [, ...]] )`. */
  private functionCall(): void {
    const t = this.peek();
    if (t === undefined || t.keyword) this.fail();
    this.skipName();
    this.callArguments();
  }

  /** `( [operand [, ...]] )` after a function's name. */
  private callArguments(): void {
    this.expectSymbol('(');
    if (this.acceptSymbol(')')) return;
    this.operand();
    while (this.acceptSymbol(',')) this.operand();
    this.expectSymbol(')');
  }

  /** ARRAY[] or ARRAY[value, ...]: nested brackets (`ARRAY[[1]]`) and ARRAY(subquery) are left to libpg-query. */
  private arrayValue(): void {
    this.i += 2;
    if (this.acceptSymbol(']')) return;
    this.operand();
    while (this.acceptSymbol(',')) this.operand();
    this.expectSymbol(']');
  }

  /** `[ value ]` after a column or a parenthesized value, any number of times (a slice `[a:b]` is left to libpg-query). */
  private subscripts(): void {
    while (this.isSymbol('[')) {
      this.i++;
      this.predicate();
      this.expectSymbol(']');
    }
  }

  /** CASE [value] WHEN condition THEN value [...] [ELSE value] END */
  private caseExpression(): void {
    this.expect('CASE');
    if (!this.isKeyword('WHEN')) this.predicate();
    this.expect('WHEN');
    do {
      this.predicate();
      this.expect('THEN');
      this.predicate();
    } while (this.accept('WHEN'));
    if (this.accept('ELSE')) this.predicate();
    this.expect('END');
  }
}
