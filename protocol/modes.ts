/**
 * Colour modes and the character ramp (PROTOCOL-NOTES.md §4).
 * Pure data and arithmetic: shared by the server's quantiser and both clients.
 */

/** ASCILINE's 92-character ramp, dark to bright (PROTOCOL-NOTES.md §4.1). */
export const RAMP = " `.-':_,^=;><+!rc*/z?sLTv)J7(|Fi{C}fI31tlu[neoZ5Yxjya]2ESwqkP6h9d4VpOGbUAKXHm8RD#$Bg0MNWQ%&@";

/** Ramp as byte codes, so the per-cell path indexes a typed array instead of a string. */
export const RAMP_CODES: Uint8Array = (() => {
  const codes = new Uint8Array(RAMP.length);
  for (let i = 0; i < RAMP.length; i++) codes[i] = RAMP.charCodeAt(i);
  return codes;
})();

/** luma (0..255) → ramp index, `floor(luma*(n-1)/255)` precomputed for all 256 values. */
export const LUMA_TO_RAMP: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let l = 0; l < 256; l++) table[l] = RAMP_CODES[Math.floor((l * (RAMP.length - 1)) / 255)]!;
  return table;
})();

export type Mode = 1 | 2 | 3 | 4 | 5;
export const MODES: readonly Mode[] = [1, 2, 3, 4, 5];
export const MODE_MONO: Mode = 1;
export const DEFAULT_MODE: Mode = 5;

/**
 * Low bits dropped per channel, `(v >> qb) << qb` (PROTOCOL-NOTES.md §4.2).
 * Mode 1 carries no colour; its entry is unused.
 */
export const QUANT_BITS: Readonly<Record<Mode, number>> = { 1: 8, 2: 5, 3: 3, 4: 2, 5: 0 };

/** Channel mask for a mode: `v & mask` equals `(v >> qb) << qb`. */
export function channelMask(mode: Mode): number {
  return (0xff << QUANT_BITS[mode]) & 0xff;
}

export function isMode(value: unknown): value is Mode {
  return value === 1 || value === 2 || value === 3 || value === 4 || value === 5;
}

/** BT.601 luma in 14-bit fixed point: 0.299 R + 0.587 G + 0.114 B, rounded. */
export function luma601(r: number, g: number, b: number): number {
  return (4899 * r + 9617 * g + 1868 * b + 8192) >> 14;
}
