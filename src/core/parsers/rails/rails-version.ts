/**
 * Compares a migration class's version (`Migration[6.1]` -> "6.1") with a minimum.
 * An unversioned migration (null) is Rails 4.2 or older: Rails 5+ requires the version.
 */
export function railsVersionAtLeast(version: string | null, minimum: string): boolean {
  if (version === null) return false;
  const have = versionParts(version);
  const want = versionParts(minimum);
  if (!have || !want) return false;
  return have[0] !== want[0] ? have[0] > want[0] : have[1] >= want[1];
}

/** Versions read so far: a project has a handful, asked about for every finding. */
const parsed = new Map<string, [number, number] | null>();

function versionParts(version: string): [number, number] | null {
  let parts = parsed.get(version);
  if (parts === undefined) {
    const match = /^\s*(\d+)(?:\.(\d+))?/.exec(version);
    parts = match ? [Number(match[1]), Number(match[2] ?? 0)] : null;
    if (parsed.size >= 256) parsed.clear();
    parsed.set(version, parts);
  }
  return parts;
}
