/**
 * Escape sequences written straight into one reused byte buffer: cursor moves, SGR colours,
 * UTF-8 characters. No strings, no allocation: the video renderer calls this per changed cell.
 * Numbers are ASCII digits written by hand; 0…255 (every colour channel and palette index) come
 * from a precomputed table.
 */
import { COLOR_DEFAULT, type ColorDepth } from './color-depth.js';

/** Passed to `sgr` for the colour not to change; no colour code is -1 (see color-depth.ts). */
export const KEEP = -1;

const ESC = 0x1b;
const LBRACKET = 0x5b; // '['
const SEMI = 0x3b; // ';'

/** "0".."255" as bytes, 3 slots each, with their lengths. */
const SMALL_DIGITS = new Uint8Array(256 * 3);
const SMALL_LENGTH = new Uint8Array(256);
for (let n = 0; n < 256; n++) {
  const s = String(n);
  SMALL_LENGTH[n] = s.length;
  for (let i = 0; i < s.length; i++) SMALL_DIGITS[n * 3 + i] = s.charCodeAt(i);
}

/** Decimal digits of a non-negative integer. */
export function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Bytes of CUP `ESC[row;colH` (1-based row and column). */
export function cupBytes(row: number, col: number): number {
  return 4 + digitCount(row) + digitCount(col);
}

/** Bytes of CUF `ESC[nC` (`ESC[C` when n is 1). */
export function cufBytes(n: number): number {
  return n === 1 ? 3 : 3 + digitCount(n);
}

export class EscapeWriter {
  /** Output; replaced (grown) only by `reserve`. */
  buf: Uint8Array = new Uint8Array(0);
  /** Bytes written so far in this frame. */
  pos = 0;

  /** Makes room for `bytes` in total; the old contents are not kept (call between frames). */
  reserve(bytes: number): void {
    if (this.buf.length < bytes) this.buf = new Uint8Array(bytes);
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Writes a fixed byte string, e.g. a precomputed sequence. */
  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Decimal digits of a non-negative integer. */
  num(n: number): void {
    const buf = this.buf;
    if (n < 256) {
      const at = n * 3;
      const len = SMALL_LENGTH[n]!;
      buf[this.pos] = SMALL_DIGITS[at]!;
      if (len > 1) buf[this.pos + 1] = SMALL_DIGITS[at + 1]!;
      if (len > 2) buf[this.pos + 2] = SMALL_DIGITS[at + 2]!;
      this.pos += len;
      return;
    }
    const len = digitCount(n);
    for (let i = this.pos + len - 1; i >= this.pos; i--) {
      buf[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.pos += len;
  }

  /** CUP to a 1-based row and column. */
  cup(row: number, col: number): void {
    this.buf[this.pos++] = ESC;
    this.buf[this.pos++] = LBRACKET;
    this.num(row);
    this.buf[this.pos++] = SEMI;
    this.num(col);
    this.buf[this.pos++] = 0x48; // 'H'
  }

  /** CUF: cursor forward n ≥ 1 columns. */
  cuf(n: number): void {
    this.buf[this.pos++] = ESC;
    this.buf[this.pos++] = LBRACKET;
    if (n !== 1) this.num(n);
    this.buf[this.pos++] = 0x43; // 'C'
  }

  /**
   * One SGR setting the foreground and/or the background colour code (KEEP leaves one as it is),
   * e.g. `ESC[38;2;r;g;b;48;5;16m`: one sequence for both saves the second `ESC[`…`m`.
   * At least one of them must be set.
   */
  sgr(depth: ColorDepth, fg: number, bg: number): void {
    this.buf[this.pos++] = ESC;
    this.buf[this.pos++] = LBRACKET;
    if (fg !== KEEP) this.color(depth, fg, false);
    if (bg !== KEEP) {
      if (fg !== KEEP) this.buf[this.pos++] = SEMI;
      this.color(depth, bg, true);
    }
    this.buf[this.pos++] = 0x6d; // 'm'
  }

  /** SGR parameters for one colour code (color-depth.ts), without the ESC[ and m. */
  private color(depth: ColorDepth, code: number, background: boolean): void {
    const buf = this.buf;
    if (code === COLOR_DEFAULT) {
      buf[this.pos++] = background ? 0x34 : 0x33; // '4' / '3'
      buf[this.pos++] = 0x39; // '9'
      return;
    }
    switch (depth) {
      case 'truecolor':
        buf[this.pos++] = background ? 0x34 : 0x33;
        buf[this.pos++] = 0x38; // '8'
        buf[this.pos++] = SEMI;
        buf[this.pos++] = 0x32; // '2'
        buf[this.pos++] = SEMI;
        this.num(code >> 16);
        buf[this.pos++] = SEMI;
        this.num((code >> 8) & 0xff);
        buf[this.pos++] = SEMI;
        this.num(code & 0xff);
        return;
      case '256':
        buf[this.pos++] = background ? 0x34 : 0x33;
        buf[this.pos++] = 0x38;
        buf[this.pos++] = SEMI;
        buf[this.pos++] = 0x35; // '5'
        buf[this.pos++] = SEMI;
        this.num(code);
        return;
      case '16':
        // 30–37 / 40–47 for 0…7, 90–97 / 100–107 for the bright 8…15.
        this.num(code < 8 ? (background ? 40 : 30) + code : (background ? 100 : 90) + code - 8);
        return;
      case 'mono':
        // Mono cells only ever carry COLOR_DEFAULT, handled above.
        return;
    }
  }

  /** One character as UTF-8 (sextants and octants lie beyond U+FFFF: four bytes). */
  char(cp: number): void {
    const buf = this.buf;
    if (cp < 0x80) {
      buf[this.pos++] = cp;
    } else if (cp < 0x800) {
      buf[this.pos++] = 0xc0 | (cp >> 6);
      buf[this.pos++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      buf[this.pos++] = 0xe0 | (cp >> 12);
      buf[this.pos++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[this.pos++] = 0x80 | (cp & 0x3f);
    } else {
      buf[this.pos++] = 0xf0 | (cp >> 18);
      buf[this.pos++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[this.pos++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[this.pos++] = 0x80 | (cp & 0x3f);
    }
  }
}

/** A fixed sequence as bytes, for the per-frame prologue and epilogue. */
export function sequence(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
