// Django migrations through the existing rules: valid cases silent, invalid ones with the exact
// finding and the fixed text (AddIndex -> AddIndexConcurrently with its import and atomic = False).
import { ruleCases } from '../../testing/rule-cases';

const path = 'blog/migrations/0002_post_indexes.py';
const header = 'from django.db import migrations, models\n\n\n';

const addIndex = `${header}class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["author"], name="blog_post_author_idx"),
        ),
    ]
`;

const concurrentInAtomic = `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        AddIndexConcurrently("post", models.Index(fields=["author"], name="blog_post_author_idx")),
    ]
`;

const concurrentOutside = concurrentInAtomic.replace('    operations', '    atomic = False\n\n    operations');

const createModel = `${header}class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("slug", models.SlugField(unique=True)),
                ("author", models.ForeignKey("auth.User", on_delete=models.CASCADE)),
            ],
            options={"indexes": [models.Index(fields=["slug"], name="blog_post_slug_idx")]},
        ),
        migrations.AddIndex(model_name="post", index=models.Index(fields=["author"], name="blog_post_author_idx")),
    ]
`;

ruleCases('require-concurrent-index-creation', {
  valid: [
    { name: 'Django: indexes of a model created in the same migration', language: 'python', path, source: createModel },
    { name: 'Django: AddIndexConcurrently', language: 'python', path, source: concurrentOutside },
    {
      name: 'Django: RunSQL CREATE INDEX CONCURRENTLY',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON blog_post (title)", reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS i")]\n`,
    },
    {
      name: 'Django: AlterField of a ForeignKey (its index was there before)',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    operations = [migrations.AlterField("post", "tag", models.ForeignKey("blog.Tag", null=True, on_delete=models.SET_NULL))]\n`,
    },
    {
      name: 'Django: a Python file that is not a migration',
      language: 'python',
      path: 'blog/migrations/helpers.py',
      source: 'def add_index(x):\n    return x\n',
    },
  ],
  invalid: [
    {
      name: 'Django: AddIndex becomes AddIndexConcurrently, imported, with atomic = False',
      language: 'python',
      path,
      source: addIndex,
      findings: [{ at: '8:9-11:10', message: /"blog_post"/ }],
      fix: { title: /use the concurrent form and take the migration out of its transaction/, safety: 'unsafe' },
      fixed: `from django.db import migrations, models
from django.contrib.postgres.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("blog", "0001_initial")]

    operations = [
        AddIndexConcurrently(
            model_name="post",
            index=models.Index(fields=["author"], name="blog_post_author_idx"),
        ),
    ]
`,
    },
    {
      name: 'Django: AddIndex in a migration already non-atomic, the import joined to an existing one (safe)',
      language: 'python',
      path,
      source: concurrentOutside.replace('AddIndexConcurrently("post"', 'migrations.AddIndex("post"').replace('import AddIndexConcurrently', 'import BtreeGinExtension'),
      findings: [{ at: '9:9-9:98' }],
      fix: { safety: 'safe' },
      fixed: concurrentOutside.replace('import AddIndexConcurrently', 'import BtreeGinExtension, AddIndexConcurrently'),
    },
    {
      name: 'Django: AddField with db_index=True becomes SeparateDatabaseAndState: the state as it was, the database without the index, then AddIndexConcurrently',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    operations = [\n        migrations.AddField("post", "score", models.IntegerField(db_index=True)),\n    ]\n`,
      findings: [{ at: '6:9-6:81', message: /^Field "score" gets an index built without CONCURRENTLY on "blog_post".*AddField cannot build it concurrently.*AddIndexConcurrently, inside SeparateDatabaseAndState/ }],
      fix: { safety: 'unsafe' },
      fixed:
        'from django.db import migrations, models\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n' +
        '        migrations.SeparateDatabaseAndState(\n' +
        '            state_operations=[\n                migrations.AddField("post", "score", models.IntegerField(db_index=True)),\n            ],\n' +
        '            database_operations=[\n                migrations.AddField("post", "score", models.IntegerField(db_index=False)),\n' +
        '                AddIndexConcurrently(model_name="post", index=models.Index(fields=["score"], name="blog_post_score_idx")),\n            ],\n' +
        '        ),\n    ]\n',
    },
    {
      name: 'Django: AddField with a ForeignKey (indexed by default), arguments on lines of their own; a long name shortened for models.Index',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(\n            model_name="post",\n            name="moderation_reviewer",\n            field=models.ForeignKey(\n                "auth.User",\n                on_delete=models.CASCADE,\n            ),\n        ),\n    ]\n`,
      findings: [{ at: '6:9-13:10', message: /^Field "moderation_reviewer_id" gets an index .*a ForeignKey, which Django indexes by default/ }],
      fix: { safety: 'unsafe' },
      fixed:
        'from django.db import migrations, models\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n' +
        '        migrations.SeparateDatabaseAndState(\n            state_operations=[\n' +
        '                migrations.AddField(\n                    model_name="post",\n                    name="moderation_reviewer",\n                    field=models.ForeignKey(\n                        "auth.User",\n                        on_delete=models.CASCADE,\n                    ),\n                ),\n' +
        '            ],\n            database_operations=[\n' +
        '                migrations.AddField(\n                    model_name="post",\n                    name="moderation_reviewer",\n                    field=models.ForeignKey(\n                        "auth.User",\n                        on_delete=models.CASCADE,\n                        db_index=False,\n                    ),\n                ),\n' +
        `                AddIndexConcurrently(model_name="post", index=models.Index(fields=["moderation_reviewer"], name="blog_post_moderation_re_82e47d")),\n` +
        '            ],\n        ),\n    ]\n',
    },
    {
      name: 'Django: AddField inside SeparateDatabaseAndState already, or written AddField(...) bare: no fix',
      language: 'python',
      path,
      source: `from django.db import migrations, models\nfrom django.db.migrations import AddField\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        AddField("post", "score", models.IntegerField(db_index=True)),\n        migrations.SeparateDatabaseAndState(database_operations=[migrations.AddField("post", "rank", models.IntegerField(db_index=True))]),\n    ]\n`,
      findings: [{ at: '7:9-7:70' }, { at: '8:66-8:137' }],
      noFix: true,
    },
    {
      name: 'Django: RunSQL gets CONCURRENTLY inside the string',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL("CREATE INDEX IF NOT EXISTS i ON blog_post (title)")]\n`,
      findings: [{ at: '6:38-6:87' }],
      fixed: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON blog_post (title)")]\n`,
    },
  ],
});

ruleCases('ban-concurrent-index-creation-in-transaction', {
  valid: [{ name: 'Django: AddIndexConcurrently with atomic = False', language: 'python', path, source: concurrentOutside }],
  invalid: [
    {
      name: 'Django: AddIndexConcurrently in an atomic migration',
      language: 'python',
      path,
      source: concurrentInAtomic,
      findings: [{ at: '7:9-7:99' }],
      fix: { safety: 'unsafe' },
      fixed: concurrentOutside,
    },
  ],
});

ruleCases('require-concurrent-index-deletion', {
  valid: [
    {
      name: 'Django: RemoveIndexConcurrently',
      language: 'python',
      path,
      source: `from django.contrib.postgres.operations import RemoveIndexConcurrently\nfrom django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    operations = [RemoveIndexConcurrently("post", "blog_post_author_idx")]\n`,
    },
  ],
  invalid: [
    {
      name: 'Django: RemoveIndex becomes RemoveIndexConcurrently',
      language: 'python',
      path,
      source: `from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RemoveIndex(model_name="post", name="blog_post_author_idx")]\n`,
      findings: [{ at: '6:19-6:89' }],
      fixed: `from django.db import migrations\nfrom django.contrib.postgres.operations import RemoveIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    operations = [RemoveIndexConcurrently(model_name="post", name="blog_post_author_idx")]\n`,
    },
    {
      name: 'Django: RunSQL reverse_sql is checked as the down migration',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON blog_post (title)", reverse_sql="DROP INDEX IF EXISTS i")]\n`,
      findings: [{ at: '6:116-6:138' }],
      fixed: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON blog_post (title)", reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS i")]\n`,
    },
  ],
});

ruleCases('disallowed-unique-constraint', {
  valid: [{ name: 'Django: unique field of a model created here', language: 'python', path, source: createModel }],
  invalid: [
    {
      name: 'Django: AddConstraint UniqueConstraint on an existing model',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    operations = [\n        migrations.AddConstraint("post", models.UniqueConstraint(fields=["slug"], name="blog_post_slug_uniq")),\n    ]\n`,
      findings: [{ at: '6:9-6:111', message: /"blog_post"/ }],
    },
  ],
});

ruleCases('require-concurrent-index-creation', {
  valid: [
    {
      name: 'Django: f-string SQL with an interpolated table stays unparsed where it breaks the SQL',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({column})")]\n`,
    },
  ],
  invalid: [],
});

ruleCases('one-large-table-per-migration', {
  valid: [],
  invalid: [
    {
      name: 'Django: the second table moves to a new migration depending on this one',
      language: 'python',
      path,
      settings: { largeTables: ['blog_post', 'blog_comment'] },
      context: { versionFolderEntries: ['__init__.py', '0001_initial.py', '0002_post_indexes.py'] },
      source: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("blog", "0001_initial")]

    operations = [
        AddIndexConcurrently("post", models.Index(fields=["author"], name="blog_post_author_idx")),
        # the comments of a post, by date
        AddIndexConcurrently("comment", models.Index(fields=["post", "created"], name="blog_comment_post_idx")),
    ]
`,
      findings: [{ at: '13:9-13:112', severity: 'warning' }],
      fix: { safety: 'unsafe' },
      newFiles: ['blog/migrations/0003_blog_comment_indexes.py'],
      fixed: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("blog", "0001_initial")]

    operations = [
        AddIndexConcurrently("post", models.Index(fields=["author"], name="blog_post_author_idx")),
    ]
`,
    },
  ],
});

ruleCases('prefer-robust-stmts', {
  valid: [
    {
      name: 'RunSQL with IF NOT EXISTS, outside a transaction',
      language: 'python',
      path,
      source: `${header}class Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON blog_post (author_id)"),\n    ]\n`,
    },
  ],
  invalid: [
    {
      name: 'AddIndexConcurrently has no IF NOT EXISTS: the advice says what to do instead, no fix',
      language: 'python',
      path,
      source: concurrentOutside,
      findings: [{ at: '9:9-9:99', message: /AddIndexConcurrently has no IF NOT EXISTS: a failed build leaves an INVALID index behind.*drop that index/ }],
      noFix: true,
    },
  ],
});
