/**
 * Frame layout (PROTOCOL-NOTES.md §3).
 *
 *   cell frame    [u32 BE index][tag u8, only with codec=adaptive][cols*rows × (char, R, G, B)]
 *   pixel frame   [u32 BE index][cols*pixelRows × (B, G, R)]            never tagged
 *   fitted frame  [u32 BE index][cols*rows × (glyph, fg R G B, bg R G B)] never tagged
 *   mode 1        text: "{index}\n" + rows joined by "\n"                  no trailing newline
 *
 * frame-shape.ts says which of these a view gets and how large it is.
 */
import { CELL_STYLES } from './cell-styles.js';
import { ProtocolError } from './errors.js';
import type { InitInfo } from './init.js';

export const INDEX_BYTES = 4;
export const CELL_BYTES = 4;
export const PIXEL_BYTES = 3;
/** Bytes of a fitted cell: glyph index, foreground RGB, background RGB (§3.6). */
export const FITTED_BYTES = 7;
/** Adaptive codec tag for an uncompressed frame; the only tag ascii360 sends. */
export const TAG_RAW = 0;

export type Codec = 'raw' | 'adaptive';

export function isCodec(value: unknown): value is Codec {
  return value === 'raw' || value === 'adaptive';
}

/** Writes the index (and, for a 5-byte header, the RAW tag) at 0 and returns the offset of the first cell. */
export function writeFrameHeader(out: Uint8Array, index: number, headerBytes: number): number {
  out[0] = (index >>> 24) & 0xff;
  out[1] = (index >>> 16) & 0xff;
  out[2] = (index >>> 8) & 0xff;
  out[3] = index & 0xff;
  if (headerBytes === 5) out[4] = TAG_RAW;
  return headerBytes;
}

export function readFrameIndex(data: Uint8Array): number {
  if (data.length < INDEX_BYTES) throw new ProtocolError('FRAME_SHORT', `frame of ${data.length} bytes has no index`);
  return ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
}

export interface BinaryFrame {
  index: number;
  /** What the payload holds: cells (4 bytes each), pixels (3 bytes each, BGR) or fitted cells (7 bytes each). */
  kind: 'cells' | 'pixels' | 'fitted';
  /** View onto the payload, no copy. */
  payload: Uint8Array;
}

/** Splits a binary frame into index and payload, checking its size against the INIT in effect. */
export function decodeBinaryFrame(data: Uint8Array, init: InitInfo, codec: Codec): BinaryFrame {
  const fitted = !init.pixel && CELL_STYLES[init.style].frames === 'fitted';
  const kind = init.pixel ? 'pixels' : fitted ? 'fitted' : 'cells';
  const start = kind === 'cells' && codec === 'adaptive' ? INDEX_BYTES + 1 : INDEX_BYTES;
  const unit = kind === 'pixels' ? PIXEL_BYTES : kind === 'fitted' ? FITTED_BYTES : CELL_BYTES;
  const expected = start + init.cols * init.rows * unit;
  if (data.length !== expected) {
    throw new ProtocolError('FRAME_SIZE', `frame of ${data.length} bytes, expected ${expected} for ${init.cols}x${init.rows}`);
  }
  if (start === 5 && data[4] !== TAG_RAW) throw new ProtocolError('FRAME_TAG', `unsupported adaptive tag ${data[4]}`);
  return { index: readFrameIndex(data), kind, payload: data.subarray(start) };
}

/** Mode-1 text frame: returns the index and the text rows. */
export function decodeTextFrame(text: string): { index: number; lines: string[] } {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  if (!/^\d+$/.test(head)) throw new ProtocolError('TEXT_FRAME', 'text frame does not start with an index line');
  return { index: Number(head), lines: nl < 0 ? [] : text.slice(nl + 1).split('\n') };
}

/** True when a server text message is a mode-1 frame rather than INIT, Error: or STATUS:. */
export function isTextFrame(text: string): boolean {
  const c = text.charCodeAt(0);
  return c >= 48 && c <= 57;
}
