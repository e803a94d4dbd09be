/**
 * Frame layout (PROTOCOL-NOTES.md §3).
 *
 *   cell frame   [u32 BE index][tag u8, only with codec=adaptive][cols*rows × (char, R, G, B)]
 *   pixel frame  [u32 BE index][cols*rows × (B, G, R)]       never tagged, even under adaptive
 *   mode 1       text: "{index}\n" + rows joined by "\n"     no trailing newline
 */
import { ProtocolError } from './errors.js';
import type { InitInfo } from './init.js';

export const INDEX_BYTES = 4;
export const CELL_BYTES = 4;
export const PIXEL_BYTES = 3;
/** Adaptive codec tag for an uncompressed frame; the only tag ascii360 sends. */
export const TAG_RAW = 0;

export type Codec = 'raw' | 'adaptive';

export function isCodec(value: unknown): value is Codec {
  return value === 'raw' || value === 'adaptive';
}

/** Bytes before the first cell of a binary frame. */
export function headerBytes(codec: Codec, pixel: boolean): number {
  return INDEX_BYTES + (codec === 'adaptive' && !pixel ? 1 : 0);
}

/** Exact size of one binary frame for a grid. */
export function binaryFrameBytes(cols: number, rows: number, codec: Codec, pixel: boolean): number {
  return headerBytes(codec, pixel) + cols * rows * (pixel ? PIXEL_BYTES : CELL_BYTES);
}

/** Writes the header at `offset` and returns the offset of the first cell. */
export function writeFrameHeader(out: Uint8Array, offset: number, index: number, codec: Codec, pixel: boolean): number {
  out[offset] = (index >>> 24) & 0xff;
  out[offset + 1] = (index >>> 16) & 0xff;
  out[offset + 2] = (index >>> 8) & 0xff;
  out[offset + 3] = index & 0xff;
  if (codec === 'adaptive' && !pixel) {
    out[offset + 4] = TAG_RAW;
    return offset + 5;
  }
  return offset + 4;
}

export function readFrameIndex(data: Uint8Array): number {
  if (data.length < INDEX_BYTES) throw new ProtocolError('FRAME_SHORT', `frame of ${data.length} bytes has no index`);
  return ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
}

export interface BinaryFrame {
  index: number;
  /** View onto the cells (4 bytes each) or pixels (3 bytes each, BGR), no copy. */
  payload: Uint8Array;
}

/** Splits a binary frame into index and payload, checking its size against the INIT in effect. */
export function decodeBinaryFrame(data: Uint8Array, init: InitInfo, codec: Codec): BinaryFrame {
  const expected = binaryFrameBytes(init.cols, init.rows, codec, init.pixel);
  if (data.length !== expected) {
    throw new ProtocolError('FRAME_SIZE', `frame of ${data.length} bytes, expected ${expected} for ${init.cols}x${init.rows}`);
  }
  const start = headerBytes(codec, init.pixel);
  if (start === 5 && data[4] !== TAG_RAW) throw new ProtocolError('FRAME_TAG', `unsupported adaptive tag ${data[4]}`);
  return { index: readFrameIndex(data), payload: data.subarray(start) };
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
