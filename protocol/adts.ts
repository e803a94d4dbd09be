/**
 * The `/audio` stream's framing (PROTOCOL-NOTES.md §1.4), read by the server's encoder and the page's
 * WebCodecs feed: ADTS framing of AAC (ISO/IEC 13818-7 / 14496-3): every frame starts with a 7-byte header
 * (9 with CRC) that carries the sync word, the sample rate and the frame length, so a listener that
 * starts at a frame boundary can decode from its first byte.
 *
 *   byte 0-1  1111 1111 1111 · ID · layer(2) · protection_absent
 *   byte 2    profile(2) · sampling_frequency_index(4) · private · channel_config(1 of 3)
 *   byte 3-5  channel_config(2 of 3) · … · frame_length(13 bits, header included) · …
 *   byte 6    … · number_of_raw_data_blocks_in_frame(2) (+1 blocks of 1024 samples each)
 */

export const ADTS_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const;
export const ADTS_HEADER_BYTES = 7;

export interface AdtsHeader {
  /** Whole frame, header included. */
  frameLength: number;
  sampleRate: number;
  /** PCM samples per channel the frame decodes to. */
  samples: number;
  /** AAC object type (1 = AAC-LC). */
  objectType: number;
  channels: number;
}

/** Reads the header at `offset`, or null when there is no valid ADTS header there. */
export function readAdtsHeader(b: Uint8Array, offset: number): AdtsHeader | null {
  if (offset + ADTS_HEADER_BYTES > b.length) return null;
  if (b[offset] !== 0xff || (b[offset + 1]! & 0xf6) !== 0xf0) return null; // sync word, layer 0
  const rateIndex = (b[offset + 2]! >> 2) & 0x0f;
  const sampleRate = ADTS_SAMPLE_RATES[rateIndex];
  if (sampleRate === undefined) return null;
  const frameLength = ((b[offset + 3]! & 0x03) << 11) | (b[offset + 4]! << 3) | (b[offset + 5]! >> 5);
  if (frameLength < ADTS_HEADER_BYTES) return null;
  return {
    frameLength,
    sampleRate,
    samples: 1024 * ((b[offset + 6]! & 0x03) + 1),
    objectType: ((b[offset + 2]! >> 6) & 0x03) + 1,
    channels: ((b[offset + 2]! & 0x01) << 2) | (b[offset + 3]! >> 6),
  };
}

/**
 * Cuts a byte stream into whole ADTS frames. Bytes wait in a fixed buffer (frames are at most 8 KiB);
 * garbage before a sync word is skipped and counted, never handed on.
 */
export class AdtsFramer {
  private readonly buffer = new Uint8Array(64 * 1024);
  private length = 0;
  /** Bytes skipped while looking for a frame boundary. */
  skipped = 0;

  constructor(private readonly onFrame: (frame: Uint8Array, header: AdtsHeader) => void) {}

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.buffer.length - this.length, chunk.length - offset);
      this.buffer.set(chunk.subarray(offset, offset + take), this.length);
      this.length += take;
      offset += take;
      this.drain();
    }
  }

  private drain(): void {
    let at = 0;
    while (at + ADTS_HEADER_BYTES <= this.length) {
      const header = readAdtsHeader(this.buffer, at);
      if (!header) {
        at++;
        this.skipped++;
        continue;
      }
      if (at + header.frameLength > this.length) break;
      this.onFrame(this.buffer.subarray(at, at + header.frameLength), header);
      // onFrame reset the framer (its reader stopped): nothing left to drain.
      if (this.length === 0) return;
      at += header.frameLength;
    }
    this.buffer.copyWithin(0, at, this.length);
    this.length -= at;
  }

  reset(): void {
    this.length = 0;
  }
}
