/**
 * How many colours the terminal can show, and the reduction of 24-bit colours to that depth.
 *
 * A reduced colour is a "colour code", one int the renderer stores per cell and compares, so a
 * cell whose colour changed in 24 bits but not after reduction is not rewritten:
 * - truecolor: 0xRRGGBB;
 * - 256: an xterm palette index, 16…255 only (the 6×6×6 cube and the grey ramp have the same
 *   RGB in every xterm-compatible terminal; 0…15 follow the user's theme, so they are never chosen);
 * - 16: an ANSI index 0…15 (30–37 / 90–97 as foreground);
 * - mono, or a text frame: COLOR_DEFAULT, the terminal's own default colour (SGR 39 / 49).
 * Codes of different depths never meet: changing the depth invalidates the renderer's screen model.
 *
 * Distances are plain squared RGB distances and ties go to the lower palette index, so a
 * brute-force search over the palette in index order gives exactly the same answer (the tests do that).
 */

import type { Mode, Palette } from '../../../protocol/index.js';

export type ColorDepth = 'truecolor' | '256' | '16' | 'mono';

/** The terminal's default foreground or background (SGR 39 / 49). */
export const COLOR_DEFAULT = -2;

/**
 * Depth from the environment, the way most terminal programs guess it:
 * COLORTERM=truecolor|24bit → truecolor; TERM containing "256color" → 256; TERM unset, empty or
 * "dumb" → mono; any other TERM → 16. NO_COLOR is deliberately not read: colour is this program's
 * content, not decoration; a `--color` option is the place to override the guess.
 */
export function detectColorDepth(env: Readonly<Record<string, string | undefined>>): ColorDepth {
  const colorterm = (env['COLORTERM'] ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor';
  const term = (env['TERM'] ?? '').toLowerCase();
  if (term.includes('256color')) return '256';
  if (term === '' || term === 'dumb') return 'mono';
  return '16';
}

/** Fitted colours are chosen within the terminal's palette by the server (PROTOCOL-NOTES.md §8.3). */
export function paletteOf(depth: ColorDepth): Palette {
  return depth === '256' ? '256' : depth === '16' ? '16' : 'rgb';
}

/** The mode to ask for: `mode` if given; a monochrome terminal shows no colour pair, so mode 1 text; else the server's. */
export function modeFor(depth: ColorDepth, mode: Mode | undefined): Mode | undefined {
  return mode ?? (depth === 'mono' ? 1 : undefined);
}

/** Terminal cells are about twice as tall as wide: the aspect every terminal view asks for. */
export const CELL_ASPECT = 0.5;

export { ANSI16, CUBE_LEVELS, nearest16, nearest256 } from '../../../protocol/palettes.js';
import { nearest16, nearest256 } from '../../../protocol/palettes.js';

/** 24-bit colour → colour code at `depth` (see the file comment). */
export function reduceColor(depth: ColorDepth, r: number, g: number, b: number): number {
  switch (depth) {
    case 'truecolor':
      return (r << 16) | (g << 8) | b;
    case '256':
      return nearest256(r, g, b);
    case '16':
      return nearest16(r, g, b);
    case 'mono':
      return COLOR_DEFAULT;
  }
}
