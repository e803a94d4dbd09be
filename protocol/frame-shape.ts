/**
 * One answer to "what does a frame of this view look like" (PROTOCOL-NOTES.md §3, §8): how many
 * samples the projection fills, what the INIT says, how many bytes a frame has, text or binary.
 * Everything that asks (the server's session, query, working size and renderers, both clients)
 * asks here, so a style is added in cell-styles.ts and nowhere else.
 */
import { CELL_STYLES, type CellStyle, type StyleName } from './cell-styles.js';
import { isTagged, type Codec } from './codec.js';
import { INDEX_BYTES } from './frame.js';
import { Limits } from './limits.js';
import { MODE_MONO, type Mode } from './modes.js';

export interface ShapeInput {
  /** Character grid. */
  cols: number;
  rows: number;
  /** Character cell width / height. */
  aspect: number;
  mode: Mode;
  style: StyleName;
  codec: Codec;
}

/** text: mode-1 text (§3.4); cells: ASCILINE cells (§3.1, §3.2); pixels: BGR half-block pixels (§3.3); fitted: glyph cells (§3.6). */
export type FrameKind = 'text' | 'cells' | 'pixels' | 'fitted';

export interface FrameShape {
  kind: FrameKind;
  /** The style whose samples are taken: mode 1 takes the ramp's one sample per cell, except for pixel frames. */
  style: CellStyle;
  /** The projection's sample grid: cols·subX × rows·subY samples of aspect·subY/subX. */
  sampleCols: number;
  sampleRows: number;
  sampleAspect: number;
  /** INIT's rows and pixel fields (§2): pixel frames count pixel rows. */
  initRows: number;
  pixel: boolean;
  /** Bytes before the first cell of a binary frame. */
  headerBytes: number;
  /** Whether binary frames carry the adaptive codec's tag byte (codec.ts): then they may be coded. */
  tagged: boolean;
  /** Bytes per cell (per pixel for pixel frames) after the header; 0 for text. */
  bytesPerUnit: number;
  /** Exact size of an uncoded (untagged or RAW) binary frame, the most a coded one takes; for text, the largest text frame. */
  frameBytes: number;
}

/** Largest mode-1 text frame: a u32 index in decimal, a newline, the rows and their separators. */
export function textFrameCapacity(cols: number, rows: number): number {
  return 10 + 1 + cols * rows + (rows - 1);
}

export function frameShape(s: ShapeInput): FrameShape {
  const chosen = CELL_STYLES[s.style];
  // Mode 1 is monochrome text for every style but half, whose grey pixels ASCILINE defines (§3.3).
  const style = s.mode === MODE_MONO && chosen.frames !== 'pixels' ? CELL_STYLES.ramp : chosen;
  const sampleCols = s.cols * style.subX;
  const sampleRows = s.rows * style.subY;
  const sampleAspect = (s.aspect * style.subY) / style.subX;
  if (s.mode === MODE_MONO && style.frames === 'cells') {
    return { kind: 'text', style, sampleCols, sampleRows, sampleAspect, initRows: s.rows, pixel: false, headerBytes: 0, tagged: false, bytesPerUnit: 0, frameBytes: textFrameCapacity(s.cols, s.rows) };
  }
  switch (style.frames) {
    case 'cells': {
      const headerBytes = INDEX_BYTES + (isTagged('cells', s.codec) ? 1 : 0);
      return { kind: 'cells', style, sampleCols, sampleRows, sampleAspect, initRows: s.rows, pixel: false, headerBytes, tagged: headerBytes > INDEX_BYTES, bytesPerUnit: 4, frameBytes: headerBytes + s.cols * s.rows * 4 };
    }
    case 'pixels': {
      const headerBytes = INDEX_BYTES + (isTagged('pixels', s.codec) ? 1 : 0);
      return { kind: 'pixels', style, sampleCols, sampleRows, sampleAspect, initRows: sampleRows, pixel: true, headerBytes, tagged: headerBytes > INDEX_BYTES, bytesPerUnit: 3, frameBytes: headerBytes + sampleCols * sampleRows * 3 };
    }
    case 'fitted': {
      const headerBytes = INDEX_BYTES + (isTagged('fitted', s.codec) ? 1 : 0);
      return { kind: 'fitted', style, sampleCols, sampleRows, sampleAspect, initRows: s.rows, pixel: false, headerBytes, tagged: headerBytes > INDEX_BYTES, bytesPerUnit: style.bytesPerCell, frameBytes: headerBytes + s.cols * s.rows * style.bytesPerCell };
    }
  }
}

/** Samples a grid of this style takes: the quantity Limits.SAMPLES_MAX bounds (§1.2). */
export function sampleCount(cols: number, rows: number, style: StyleName): number {
  const st = CELL_STYLES[style];
  return cols * st.subX * rows * st.subY;
}

/** Rows that keep `cols` columns of `style` within the sample cap (the query clamps to this). */
export function maxRowsFor(cols: number, style: StyleName): number {
  const st = CELL_STYLES[style];
  return Math.max(1, Math.floor(Limits.SAMPLES_MAX / (cols * st.subX * st.subY)));
}
