/**
 * zlib inflate for coded frames (PROTOCOL-NOTES.md §3.7) with the browser's own
 * DecompressionStream('deflate'), read chunk by chunk so a frame that inflates past its largest
 * possible body is cut off, not held in memory.
 */
import type { Inflate } from '../../../protocol/index.js';

export const inflateFrame: Inflate = async (data, maxBytes) => {
  const inflater = new DecompressionStream('deflate');
  const writer = inflater.writable.getWriter();
  // Not awaited: the reader below pulls the output while the input goes in; a bad stream rejects both.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = inflater.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`frame inflates past ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};
