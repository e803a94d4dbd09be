/**
 * The palettes a fitted cell's colours can be chosen from (PROTOCOL-NOTES.md §8.3): the terminal
 * client asks for its terminal's palette, so the server fits the colour pair within it rather than
 * fitting in 24 bits and rounding afterwards. Distances are plain squared RGB distances and ties
 * go to the lower palette index, so a brute-force search in index order gives the same answer.
 */

/** `rgb`: any 24-bit colour; `256`: xterm indices 16…255; `16`: the ANSI colours as xterm draws them. */
export type Palette = 'rgb' | '256' | '16';
export const PALETTES: readonly Palette[] = ['rgb', '256', '16'];

export function isPalette(value: unknown): value is Palette {
  return value === 'rgb' || value === '256' || value === '16';
}

/** Channel levels of the xterm 6×6×6 cube (indices 16…231). */
export const CUBE_LEVELS: readonly number[] = [0, 95, 135, 175, 215, 255];

/** channel value → nearest cube level index; ties (e.g. 115 between 95 and 135) take the lower one. */
const CUBE_NEAREST: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    let best = 0;
    for (let k = 1; k < 6; k++) if (Math.abs(v - CUBE_LEVELS[k]!) < Math.abs(v - CUBE_LEVELS[best]!)) best = k;
    table[v] = best;
  }
  return table;
})();

/**
 * Nearest xterm 256-colour index in 16…255. The cube is a Cartesian grid, so the nearest cube
 * colour is the nearest level per channel; the grey ramp (8 + 10k, indices 232…255) is searched
 * around the mean, where Σ(c − v)² is least. The grey wins only when strictly nearer (higher index).
 */
export function nearest256(r: number, g: number, b: number): number {
  const ri = CUBE_NEAREST[r]!;
  const gi = CUBE_NEAREST[g]!;
  const bi = CUBE_NEAREST[b]!;
  const dr = r - CUBE_LEVELS[ri]!;
  const dg = g - CUBE_LEVELS[gi]!;
  const db = b - CUBE_LEVELS[bi]!;
  const cubeDist = dr * dr + dg * dg + db * db;

  // Continuous optimum v = (r+g+b)/3, so k = (v − 8)/10; check the two ramp steps around it.
  let k = Math.floor((r + g + b - 24) / 30);
  k = k < 0 ? 0 : k > 23 ? 23 : k;
  let greyDist = greyDistance(r, g, b, k);
  if (k < 23) {
    const next = greyDistance(r, g, b, k + 1);
    if (next < greyDist) {
      greyDist = next;
      k++;
    }
  }
  return greyDist < cubeDist ? 232 + k : 16 + ri * 36 + gi * 6 + bi;
}

function greyDistance(r: number, g: number, b: number, k: number): number {
  const v = 8 + 10 * k;
  return (r - v) * (r - v) + (g - v) * (g - v) + (b - v) * (b - v);
}

/**
 * The 16 ANSI colours as xterm (X11) draws them by default, as 0xRRGGBB. Themes differ; these are
 * the reference the 16-colour reduction aims at.
 */
export const ANSI16: readonly number[] = [
  0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
  0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
];

const ANSI16_R = Int32Array.from(ANSI16, (c) => c >> 16);
const ANSI16_G = Int32Array.from(ANSI16, (c) => (c >> 8) & 0xff);
const ANSI16_B = Int32Array.from(ANSI16, (c) => c & 0xff);

/** Nearest ANSI colour index 0…15 (first found wins ties). Sixteen distances: cheap enough per cell. */
export function nearest16(r: number, g: number, b: number): number {
  let best = 0;
  let bestDist = Infinity;
  for (let i = 0; i < 16; i++) {
    const dr = r - ANSI16_R[i]!;
    const dg = g - ANSI16_G[i]!;
    const db = b - ANSI16_B[i]!;
    const d = dr * dr + dg * dg + db * db;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}


/** RGB of xterm index 16…255 as 0xRRGGBB. */
export function rgbOf256(index: number): number {
  if (index >= 232) {
    const v = 8 + 10 * (index - 232);
    return (v << 16) | (v << 8) | v;
  }
  const i = index - 16;
  return (CUBE_LEVELS[Math.floor(i / 36)]! << 16) | (CUBE_LEVELS[Math.floor(i / 6) % 6]! << 8) | CUBE_LEVELS[i % 6]!;
}

/** The palette colour nearest to (r, g, b), as 0xRRGGBB. */
export function nearestInPalette(palette: Palette, r: number, g: number, b: number): number {
  switch (palette) {
    case 'rgb':
      return (r << 16) | (g << 8) | b;
    case '256':
      return rgbOf256(nearest256(r, g, b));
    case '16':
      return ANSI16[nearest16(r, g, b)]!;
  }
}
