// Coverage of each printable ASCII character of DejaVu Sans Mono over the 2×4 sample regions of an
// 8×16 terminal cell, rasterised by librsvg (through sharp) at 4× for accuracy. Used to derive
// protocol/ascii-masks.ts (`node scripts/ascii-coverage.mjs --write`) and by its test to re-derive it.
import sharp from 'sharp';

const SCALE = 4;
const CELL_W = 8 * SCALE;
const CELL_H = 16 * SCALE;
/** DejaVu Sans Mono advances 0.602 em: 8 px cells want a 13.29 px font; ascent 0.928 em, line 1.164 em. */
const FONT_PX = 13.29 * SCALE;
const BASELINE = (0.928 * 13.29 + (16 - 1.164 * 13.29) / 2) * SCALE;

export async function asciiCoverage(font = 'DejaVu Sans Mono') {
  const n = 95;
  const esc = (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c;
  let texts = '';
  for (let i = 0; i < n; i++) {
    texts += `<text x="${i * CELL_W}" y="${BASELINE}" font-family="${font}" font-size="${FONT_PX}" fill="#fff" xml:space="preserve">${esc(String.fromCharCode(0x20 + i))}</text>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${n * CELL_W}" height="${CELL_H}"><rect width="100%" height="100%" fill="#000"/>${texts}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const coverage = [];
  for (let i = 0; i < n; i++) {
    const cov = [];
    for (let sy = 0; sy < 4; sy++) {
      for (let sx = 0; sx < 2; sx++) {
        let sum = 0;
        for (let y = sy * (CELL_H / 4); y < (sy + 1) * (CELL_H / 4); y++) {
          for (let x = sx * (CELL_W / 2); x < (sx + 1) * (CELL_W / 2); x++) sum += data[y * info.width + i * CELL_W + x];
        }
        cov.push(sum / ((CELL_W / 2) * (CELL_H / 4) * 255));
      }
    }
    coverage.push(cov);
  }
  return coverage;
}

/** A sample region is part of a glyph's mask when the glyph covers at least this much of it. */
export const MASK_THRESHOLD = 0.2;

export function masksFrom(coverage) {
  const masks = coverage.map((cov) => cov.reduce((m, c, k) => (c >= MASK_THRESHOLD ? m | (1 << k) : m), 0));
  // Glyphs that split a cell the same way compete; the one whose coverage is nearest its binary mask draws it best.
  const misfit = coverage.map((cov, g) => cov.reduce((e, c, k) => e + (c - ((masks[g] >> k) & 1)) ** 2, 0));
  const order = masks.map((_, g) => g).sort((a, b) => misfit[a] - misfit[b] || a - b);
  return { masks, order };
}

if (process.argv.includes('--write') || process.argv.includes('--print')) {
  const cov = await asciiCoverage();
  const { masks, order } = masksFrom(cov);
  const lines = [];
  for (let i = 0; i < masks.length; i += 16) lines.push('  ' + masks.slice(i, i + 16).map((m) => '0x' + m.toString(16).padStart(2, '0')).join(', ') + ',');
  const olines = [];
  for (let i = 0; i < order.length; i += 24) olines.push('  ' + order.slice(i, i + 24).join(', ') + ',');
  const text = `/**
 * Coverage masks of printable ASCII (0x20–0x7E, index = code − 0x20) over a cell's 2×4 samples, as
 * DejaVu Sans Mono draws them in an 8×16 cell: bit k is set when the glyph's ink covers at least
 * ${MASK_THRESHOLD * 100}% of sample region k. Derived by scripts/ascii-coverage.mjs (librsvg through sharp);
 * test/cell-styles.test.ts derives them again from the font and compares. Data, not code.
 */
export const ASCII_MASKS: readonly number[] = [
${lines.join('\n')}
];

/** Glyph indices, those whose ink is nearest their binary mask first: the fitter tries the first of each partition. */
export const ASCII_ORDER: readonly number[] = [
${olines.join('\n')}
];
`;
  if (process.argv.includes('--write')) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(new URL('../protocol/ascii-masks.ts', import.meta.url), text);
  } else {
    console.log(text);
    cov.forEach((c, i) => console.log(JSON.stringify(String.fromCharCode(32 + i)), c.map((v) => v.toFixed(2)).join(' ')));
  }
}
