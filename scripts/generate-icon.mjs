#!/usr/bin/env node
// Writes media/icon.png, the Marketplace / Open VSX icon (128x128 PNG: both refuse SVG), from
// media/icon.svg: the same shield, white on the brand color, rendered by Debian's rsvg-convert
// (`apt-get install librsvg2-bin`). The PNG is committed; run this again after changing the SVG.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The gallery banner's color too (package.json galleryBanner.color). */
export const BRAND_COLOR = '#1f4e79';

const svg = readFileSync(join(root, 'media/icon.svg'), 'utf8');
const inner = /<svg[^>]*>([\s\S]*)<\/svg>/.exec(svg)?.[1];
if (!inner) throw new Error('media/icon.svg: no <svg> element');
// The 24-unit shield scaled into a rounded square with a margin; strokes white.
const icon = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <rect width="128" height="128" rx="24" fill="${BRAND_COLOR}"/>
  <g transform="translate(16 16) scale(4)" fill="none" stroke="#ffffff" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">${inner}</g>
</svg>
`;
const render = spawnSync('rsvg-convert', ['--width', '128', '--height', '128', '--format', 'png'], { input: icon, maxBuffer: 16 * 1024 * 1024 });
if (render.error || render.status !== 0) {
  console.error(`rsvg-convert failed (install Debian's librsvg2-bin): ${render.error?.message ?? render.stderr.toString()}`);
  process.exit(1);
}
writeFileSync(join(root, 'media/icon.png'), render.stdout);
console.log(`media/icon.png: ${render.stdout.length} bytes`);
