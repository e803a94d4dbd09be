/**
 * Frame layout (PROTOCOL-NOTES.md §3).
 *
 *   cell frame    [u32 BE index][tag u8, with codec=adaptive or tagged][cols*rows × (char, R, G, B)]
 *   pixel frame   [u32 BE index][tag u8, with codec=tagged][cols*pixelRows × (B, G, R)]
 *   fitted frame  [u32 BE index][tag u8, with codec=tagged][cols*rows × (glyph, fg R G B, bg R G B)]
 *   mode 1        text: "{index}\n" + rows joined by "\n"                  no trailing newline
 *
 * frame-shape.ts says which of these a view gets and how large it is; codec.ts what follows a tag.
 */
import { CELL_STYLES } from './cell-styles.js';
import { isTagged, Tag, type Codec } from './codec.js';
import { ProtocolError } from './errors.js';
import type { InitInfo } from './init.js';

export const INDEX_BYTES = 4;
export const CELL_BYTES = 4;
export const PIXEL_BYTES = 3;
/** Bytes of a fitted cell: glyph index, foreground RGB, background RGB (§3.6). */
export const FITTED_BYTES = 7;
/** Writes the index (and, for a 5-byte header, the RAW tag) at 0 and returns the offset of the first cell. */
export function writeFrameHeader(out: Uint8Array, index: number, headerBytes: number): number {
  out[0] = (index >>> 24) & 0xff;
  out[1] = (index >>> 16) & 0xff;
  out[2] = (index >>> 8) & 0xff;
  out[3] = index & 0xff;
  if (headerBytes === 5) out[4] = Tag.RAW;
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
  /** The adaptive codec's tag (codec.ts), or null for an untagged frame. */
  tag: number | null;
  /** Units in a whole frame, and bytes per unit. */
  units: number;
  unitBytes: number;
  /** View onto the bytes after the header, no copy: the units themselves when untagged or RAW. */
  payload: Uint8Array;
}

/** Splits a binary frame into index, tag and payload, checking an uncoded frame's size against the INIT in effect. */
export function decodeBinaryFrame(data: Uint8Array, init: InitInfo, codec: Codec): BinaryFrame {
  const kind = init.pixel ? 'pixels' : CELL_STYLES[init.style].frames === 'fitted' ? 'fitted' : 'cells';
  const tagged = isTagged(kind, codec);
  const start = INDEX_BYTES + (tagged ? 1 : 0);
  const unitBytes = kind === 'pixels' ? PIXEL_BYTES : kind === 'fitted' ? FITTED_BYTES : CELL_BYTES;
  const units = init.cols * init.rows;
  const tag = tagged ? (data.length > INDEX_BYTES ? data[INDEX_BYTES]! : -1) : null;
  if (tag === -1) throw new ProtocolError('FRAME_SIZE', `frame of ${data.length} bytes has no tag`);
  if (tag === null || tag === Tag.RAW) {
    const expected = start + units * unitBytes;
    if (data.length !== expected) throw new ProtocolError('FRAME_SIZE', `frame of ${data.length} bytes, expected ${expected} for ${init.cols}x${init.rows}`);
  }
  return { index: readFrameIndex(data), kind, tag, units, unitBytes, payload: data.subarray(start) };
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
