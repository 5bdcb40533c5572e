/** One part of `npm run bench`. Adding one: a module here exporting a BenchSection, a line in sections.ts. */
export interface BenchSection {
  name: string;
  /** One line for `npm run bench -- --help`. */
  description: string;
  /** `args`: what followed the section names on the command line (section options such as --files). */
  run(args: string[]): Promise<void>;
}
