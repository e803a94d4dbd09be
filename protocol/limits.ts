/**
 * Ranges the server accepts (PROTOCOL-NOTES.md §5 and §7). Query values outside them are clamped;
 * messages outside them are refused with `Error:`. Clients clamp to the same ranges before sending.
 */
export const Limits = {
  COLS_MIN: 1,
  COLS_MAX: 1000,
  ROWS_MIN: 1,
  ROWS_MAX: 500,
  /**
   * Samples per viewer: cols × rows × the style's samples per cell (1 ramp, 2 half, 4 quadrant,
   * 6 sextant, 8 octant, braille, ascii, 32 mosaic). Bounds one viewer's work and memory (§1.2):
   * a mosaic grid of 250 × 75 cells is the most it allows.
   */
  SAMPLES_MAX: 600_000,
  /**
   * Horizontal field of view in degrees, for any camera; each camera's own range (cameras.ts) is
   * narrower (flat: 10–160, rectilinear output degenerates towards 180°), and the server clamps to it.
   */
  FOV_MIN: 10,
  FOV_MAX: 360,
  PITCH_MIN: -90,
  PITCH_MAX: 90,
  /** Cell width / cell height. */
  ASPECT_MIN: 0.1,
  ASPECT_MAX: 10,
  /** Largest client message in bytes (ws maxPayload); every valid message fits in far less. */
  MAX_MESSAGE_BYTES: 4096,
} as const;

/** The view a fresh viewer gets when the query says nothing. */
export const Defaults = {
  COLS: 160,
  ROWS: 48,
  YAW: 0,
  PITCH: 0,
  ROLL: 0,
  FOV: 90,
  ASPECT: 0.5,
} as const;

/** Wrap an angle in degrees into [-180, 180). */
export function wrapDegrees(angle: number): number {
  const wrapped = ((((angle + 180) % 360) + 360) % 360) - 180;
  return wrapped === -0 ? 0 : wrapped;
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
