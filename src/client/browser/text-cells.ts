/**
 * Mode-1 frames are text (PROTOCOL-NOTES.md §3.4): the renderers draw them as cells of one light
 * grey, so every frame kind goes through the same path. The buffer is reused while the grid stays.
 */

/** Light grey: readable, and a step below the white of full-colour highlights. */
export const TEXT_GREY = 0xcc;

export class TextCells {
  private buffer = new Uint8Array(0);

  /** Cells `[char, grey, grey, grey]` for the lines; short lines are padded with spaces. */
  fill(lines: readonly string[], cols: number, rows: number): Uint8Array {
    const size = cols * rows * 4;
    if (this.buffer.length !== size) this.buffer = new Uint8Array(size);
    const out = this.buffer;
    for (let y = 0; y < rows; y++) {
      const line = lines[y] ?? '';
      for (let x = 0; x < cols; x++) {
        const o = (y * cols + x) * 4;
        out[o] = x < line.length ? line.charCodeAt(x) & 0xff : 32;
        out[o + 1] = TEXT_GREY;
        out[o + 2] = TEXT_GREY;
        out[o + 3] = TEXT_GREY;
      }
    }
    return out;
  }
}
