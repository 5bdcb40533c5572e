import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { lint, loadParsers, parseMigration, type Parsers } from '../../lint';
import type { MigrationFile } from '../../model/migration';
import { defaultContext } from '../../lint-context';
import { fixAll } from '../../fix-all';

let parsers: Parsers;
before(async () => {
  parsers = await loadParsers(['sql', 'python']);
});

const parse = (source: string, path = 'shop/migrations/0003_example.py'): MigrationFile => parseMigration(path, source, 'python', parsers)!;
const summary = (file: MigrationFile) =>
  file.operations.map((o) => {
    const text = file.source.slice(o.range.start, o.range.end);
    const detail = o.kind === 'createIndex' ? ` [${o.columns.join(',')}]${o.concurrent ? ' concurrent' : ''}${o.unique ? ' unique' : ''}` : '';
    return `${o.direction} ${o.kind} ${o.table}${detail} ${text.split('\n')[0]}`;
  });

test('Django: tables are <app label>_<model>, or the db_table a CreateModel gives', () => {
  const file = parse(`from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        migrations.CreateModel(name="OrderLine", fields=[("sku", models.CharField(max_length=20, db_index=True))], options={"db_table": "order_lines"}),
        migrations.AddIndex("orderline", models.Index(fields=["-created"], name="o")),
        migrations.AddIndex(model_name="Customer", index=models.Index(fields=["email"], name="c", condition=models.Q(active=True))),
    ]
`);
  assert.deepEqual(summary(file), [
    'change createTable order_lines migrations.CreateModel(name="OrderLine", fields=[("sku", models.CharField(max_length=20, db_index=True))], options={"db_table": "order_lines"})',
    'change createIndex order_lines [sku] ("sku", models.CharField(max_length=20, db_index=True))',
    'change createIndex order_lines [-created] migrations.AddIndex("orderline", models.Index(fields=["-created"], name="o"))',
    'change createIndex shop_customer [email] migrations.AddIndex(model_name="Customer", index=models.Index(fields=["email"], name="c", condition=models.Q(active=True)))',
  ]);
  assert.equal(file.dialect, 'django');
  assert.equal(file.runsInTransaction, true);
});

test('Django: SeparateDatabaseAndState counts its database operations only; RunSQL lists and (sql, params) tuples', () => {
  const file = parse(`from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex("a", models.Index(fields=["x"], name="state_only"))],
            database_operations=[migrations.RunSQL(["CREATE INDEX CONCURRENTLY i ON shop_a (x)", ("DROP INDEX j", [])])],
        ),
    ]
`);
  assert.deepEqual(summary(file), ['up createIndex shop_a [x] concurrent CREATE INDEX CONCURRENTLY i ON shop_a (x)', 'up dropIndex null DROP INDEX j']);
  assert.equal(file.runsInTransaction, false);
});

test('Django: a file without a Migration class is not a migration; a broken one reports one syntax problem', () => {
  assert.equal(parse('def helper():\n    return 1\n').isMigration, false);
  const broken = parse('from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddIndex(\n');
  assert.equal(broken.problems.length, 1);
});

test('Django: suppression comments are read', () => {
  const file = parse('# pg-index-guard:disable require-timeouts\nfrom django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = []\n');
  assert.deepEqual(file.suppressions, [{ scope: 'file', ruleIds: ['require-timeouts'], line: 0 }]);
});

test('Django: the split fix writes the new migration, depending on this one, with its imports and atomic = False', () => {
  const file = parse(
    'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        migrations.AddIndex("order", models.Index(fields=["a"], name="a")),\n        migrations.AddIndex("line", models.Index(fields=["b"], name="b")),\n    ]\n',
    'shop/migrations/0007_indexes.py',
  );
  const finding = lint(file, defaultContext({ largeTables: ['shop_order', 'shop_line'] })).find((f) => f.ruleId === 'one-large-table-per-migration');
  assert.deepEqual(finding?.fixes[0]?.newFiles, [
    {
      path: 'shop/migrations/0008_shop_line_indexes.py',
      text: 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    dependencies = [\n        ("shop", "0007_indexes"),\n    ]\n\n    operations = [\n        migrations.AddIndex("line", models.Index(fields=["b"], name="b")),\n    ]\n',
    },
  ]);
});

test('Django: fix-all renames two AddIndex of a non-atomic migration and imports AddIndexConcurrently once', () => {
  const source =
    'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        migrations.AddIndex("a", models.Index(fields=["x"], name="a")),\n        migrations.AddIndex("b", models.Index(fields=["y"], name="b")),\n    ]\n';
  const result = fixAll('blog/migrations/0002_x.py', source, 'python', defaultContext(), parsers);
  assert.equal(
    result.text,
    'from django.db import migrations, models\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        AddIndexConcurrently("a", models.Index(fields=["x"], name="a")),\n        AddIndexConcurrently("b", models.Index(fields=["y"], name="b")),\n    ]\n',
  );
});
