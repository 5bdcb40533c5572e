import { loadPrismParser } from './src/core/parsers/rails/prism';
import * as P from '@ruby/prism/src/nodes.js';
const parse = await loadPrismParser();
const src = `class A < ActiveRecord::Migration[7.1]
  def change
    execute <<~SQL.squish
      CREATE INDEX x ON y (z)
    SQL
    execute "SET lock_timeout = '5s'"
    set_lock_timeout 5.seconds
    add_index :messages, :user_id, index: {}
  end
end
`;
const r = parse(src);
const dump = (n: any, d = 0) => {
  console.log(' '.repeat(d) + n.constructor.name + ' ' + n.location.startOffset + '+' + n.location.length + (n.name ? ' ' + n.name : ''));
  for (const c of n.compactChildNodes()) dump(c, d + 2);
};
dump(r.value);
const broken = parse(`class A < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :user_id\n    add_index :x, (\n  end\nend\n`);
console.log(broken.errors.map(e=>e.message));
dump(broken.value);
