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

function versionParts(version: string): [number, number] | null {
  const match = /^\s*(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0)];
}
