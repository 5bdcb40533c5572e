// `npm run bench [-- <section...>] [section options]`: runs benchmark sections from
// scripts/bench/ and prints their figures (no assertions: this measures, tests judge).
// Sections: see scripts/bench/sections.ts. Example: npm run bench -- lint --files 2000
import { SECTIONS } from './bench/sections';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: npm run bench -- [section...] [options]\n\nSections:');
    for (const s of SECTIONS) console.log(`  ${s.name.padEnd(12)} ${s.description}`);
    console.log('\nOptions go to the sections (lint: --files <n>, --runs <n>, --profile, --no-build, --keep; large: --sizes <MB,...>;\n editor: --edits <n>, --no-build, --keep; big-database: --tables <n>, --runs <n>, --no-build).');
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('-') && SECTIONS.some((s) => s.name === a));
  const unknown = argv.filter((a, i) => !a.startsWith('-') && !names.includes(a) && !(argv[i - 1] ?? '').startsWith('--'));
  if (unknown.length > 0) {
    console.error(`Unknown bench section(s): ${unknown.join(', ')}. Sections: ${SECTIONS.map((s) => s.name).join(', ')}.`);
    return 2;
  }
  const options = argv.filter((a) => !names.includes(a));
  const chosen = names.length > 0 ? SECTIONS.filter((s) => names.includes(s.name)) : SECTIONS;
  for (const section of chosen) {
    console.log(`\n=== ${section.name}: ${section.description}`);
    await section.run(options);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
