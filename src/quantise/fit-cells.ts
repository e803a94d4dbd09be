/**
 * Projected samples → fitted glyph cells (PROTOCOL-NOTES.md §3.6, §8.2): per cell, the glyph of the
 * style and the colour pair with the least squared error against the cell's samples.
 *
 * For a glyph whose mask covers the samples F (c of the cell's n) and leaves B, the best foreground
 * is the mean of F and the best background the mean of B, and the error is
 *   Σ|x|² − |ΣF|²/c − |ΣB|²/(n−c)
 * so the search maximises |ΣF|²/c + |ΣB|²/(n−c) over the style's candidates (one per partition),
 * with ΣB = Σall − ΣF: exact, not a heuristic. A glyph whose edge cuts a sample (mosaic) covers it
 * by a share w: ΣF takes w of it, c counts w, and the same formula is the exact error with each
 * sample uniform over its area. Three ways to get every ΣF cheaply:
 * - styles whose glyphs draw every partition (quadrant, sextant, octant, braille) walk the
 *   partitions in Gray-code order, so each step adds or removes one sample (three adds), in
 *   straight-line code generated per sample layout (fit-kernels.ts), or the same walk as
 *   WebAssembly SIMD, 4 cells at a time (mask-fit-simd.ts);
 * - mosaic's structured search (mosaic-kernel.ts);
 * - the others (ascii), and any style within a palette, take one pass of subset sums (each mask's
 *   sum is a smaller mask's plus one sample) and look their candidates up in it, or sum each
 *   candidate's (weighted) samples where that is fewer adds; in 24-bit colour a mask style's
 *   candidate list runs as WebAssembly SIMD too (mask-fit-simd.ts), in the same order.
 * Within a palette (256 or 16 colours) each side's colour is
 * the palette colour nearest its mean, which is exactly the best palette colour for that side
 * (Σ|x − p|² = Σ|x − mean|² + count·|mean − p|²), and the search adds those terms; the nearest
 * colour is looked up at 6 bits per channel.
 *
 * Runs per frame per distinct view: all scratch is allocated once per fitter, nothing per cell.
 */
import { channelMask, nearestInPalette, type CellStyle, type Mode, type Palette } from '../../protocol/index.js';
import { GAIN_SCALE, SCORE_TIE, WALK_KERNELS, type WalkKernel } from './fit-kernels.js';
import { MosaicKernel } from './mosaic-kernel.js';
import { MaskFitSimd } from './mask-fit-simd.js';

/** Nearest palette colour (0xRRGGBB) of every colour at 6 bits per channel, built on first use. */
const paletteTables = new Map<Palette, Int32Array>();

function paletteTable(palette: Palette): Int32Array {
  let table = paletteTables.get(palette);
  if (!table) {
    table = new Int32Array(1 << 18);
    for (let i = 0; i < table.length; i++) {
      // The centre of the 4-level bin each index stands for.
      table[i] = nearestInPalette(palette, ((i >> 12) << 2) | 2, (((i >> 6) & 63) << 2) | 2, ((i & 63) << 2) | 2);
    }
    paletteTables.set(palette, table);
  }
  return table;
}

/** The SIMD search of each style table, made once per thread: a view change makes a new fitter, not a new module. */
const simdSearches = new Map<CellStyle, MaskFitSimd | null>();

export class CellFitter {
  private readonly n: number;
  private readonly subX: number;
  private readonly subY: number;
  /**
   * Per candidate: its glyph index, mask (styles of at most 8 whole samples), the samples it
   * covers c (fractional where a sample straddles the glyph's edge: mosaic), 1/c and 1/(n−c) (0
   * where that side is empty).
   */
  private readonly glyph: Uint8Array;
  private readonly mask: Int32Array;
  /** Per candidate, the samples it covers and by how much (CSR: start offsets into wSample / wShare). */
  private readonly wStart: Int32Array;
  private readonly wSample: Int32Array;
  private readonly wShare: Float64Array;
  /** Per candidate: the foreground sums of the cell being fitted. */
  private readonly fr: Float64Array;
  private readonly fgs: Float64Array;
  private readonly fb: Float64Array;
  private readonly invFg: Float64Array;
  private readonly invBg: Float64Array;
  /**
   * What each side's |Σ|² is taken times in a candidate's score: 1/c and 1/(n−c), or for styles
   * whose glyphs are masks GAIN_SCALE[n]/c and GAIN_SCALE[n]/(n−c), which makes every score an
   * integer (exact: equal scores tie exactly, and the SIMD search computes the same ones).
   */
  private readonly gainFg: Float64Array;
  private readonly gainBg: Float64Array;
  private readonly countFg: Float64Array;
  /** Index of the lowest set bit of every mask, for the subset sums. */
  private readonly lowBit: Uint8Array;
  // Scratch: the cell's samples and the subset sums of every mask, per channel.
  private readonly xr: Int32Array;
  private readonly xg: Int32Array;
  private readonly xb: Int32Array;
  private readonly sr: Int32Array;
  private readonly sg: Int32Array;
  private readonly sb: Int32Array;
  private readonly table: Int32Array | null;
  /** Every candidate's samples are a mask (styles of at most 8 whole samples). */
  private readonly bySubsets: boolean;
  /** Candidate sums from the subset sums of every mask, rather than each candidate's samples (candidateSums). */
  private readonly sumsBySubsets: boolean;
  /**
   * The unrolled Gray-code walk for this sample layout (fit-kernels.ts), when every partition has a
   * glyph and colours are 24-bit. glyphOf[mask] is the glyph drawing `mask`, or its complement with
   * swapOf[mask] set (the colours then swap).
   */
  private readonly walk: WalkKernel | null;
  /** The walk or the candidate search as WebAssembly SIMD, byte-identical (mask-fit-simd.ts); null where the runtime lacks SIMD. */
  private readonly simd: MaskFitSimd | null;
  private readonly glyphOf: Uint8Array;
  private readonly swapOf: Uint8Array;
  /** The mosaic style's own structured search (mosaic-kernel.ts), for 24-bit colour. */
  private readonly mosaic: MosaicKernel | null;
  /**
   * Whether glyphs the mosaic kernel scores from weighted samples (the diagonals) are tried: off,
   * the search keeps to the block glyphs at half the cost (fit-effort.ts). Exact either way over
   * the glyphs tried. The table-driven path (palettes) always tries every glyph.
   */
  extras = true;

  constructor(
    readonly style: CellStyle,
    readonly palette: Palette = 'rgb',
  ) {
    if (style.frames !== 'fitted') throw new RangeError(`CellFitter: style ${style.name} is not fitted`);
    const n = style.subX * style.subY;
    this.n = n;
    this.subX = style.subX;
    this.subY = style.subY;
    const k = style.candidates.length;
    this.glyph = Uint8Array.from(style.candidates);
    this.mask = new Int32Array(k);
    this.invFg = new Float64Array(k);
    this.invBg = new Float64Array(k);
    this.gainFg = new Float64Array(k);
    this.gainBg = new Float64Array(k);
    this.countFg = new Float64Array(k);
    this.fr = new Float64Array(k);
    this.fgs = new Float64Array(k);
    this.fb = new Float64Array(k);
    // Mask styles score in integers (GAIN_SCALE); weighted ones by the reciprocals.
    const scale = style.masks.length > 0 ? (GAIN_SCALE[n] ?? 0) : 0;
    const starts: number[] = [];
    const samples: number[] = [];
    const shares: number[] = [];
    for (let j = 0; j < k; j++) {
      const g = style.candidates[j]!;
      starts.push(samples.length);
      let c = 0;
      for (let t = 0; t < n; t++) {
        const share = style.coverage[g * n + t]!;
        if (share === 0) continue;
        samples.push(t);
        shares.push(share);
        c += share;
      }
      this.mask[j] = style.masks.length > 0 ? style.masks[g]! : 0;
      this.countFg[j] = c;
      this.invFg[j] = c > 0 ? 1 / c : 0;
      this.invBg[j] = c < n ? 1 / (n - c) : 0;
      this.gainFg[j] = scale > 0 ? (c > 0 ? scale / c : 0) : this.invFg[j]!;
      this.gainBg[j] = scale > 0 ? (c < n ? scale / (n - c) : 0) : this.invBg[j]!;
    }
    starts.push(samples.length);
    this.wStart = Int32Array.from(starts);
    this.wSample = Int32Array.from(samples);
    this.wShare = Float64Array.from(shares);
    // Subset sums and the Gray-code walk need a mask per sample set: styles of at most 8 samples.
    this.bySubsets = style.masks.length > 0;
    const masks = this.bySubsets ? 1 << n : 1;
    // Subset sums cost a sum per mask, every mask; a few candidates are summed for less one by
    // one (ascii: 24 candidates over 62 samples against 256 masks, a sixth of the adds). Both sum
    // the same integers, exactly.
    this.sumsBySubsets = this.bySubsets && samples.length > masks;
    this.lowBit = new Uint8Array(masks);
    for (let m = 1; m < masks; m++) this.lowBit[m] = 31 - Math.clz32(m & -m);
    this.xr = new Int32Array(n);
    this.xg = new Int32Array(n);
    this.xb = new Int32Array(n);
    this.sr = new Int32Array(masks);
    this.sg = new Int32Array(masks);
    this.sb = new Int32Array(masks);
    this.table = palette === 'rgb' ? null : paletteTable(palette);

    // Which glyph draws each mask, directly or as its complement.
    this.glyphOf = new Uint8Array(masks);
    this.swapOf = new Uint8Array(masks);
    const has = new Int32Array(masks).fill(-1);
    if (this.bySubsets) for (let g = style.glyphs.length - 1; g >= 0; g--) if (style.glyphs[g] !== 0) has[style.masks[g]!] = g;
    let complete = this.bySubsets;
    for (let m = 0; m < masks; m++) {
      const direct = has[m]!;
      const other = has[(masks - 1) ^ m]!;
      if (direct < 0 && other < 0) complete = false;
      this.glyphOf[m] = direct >= 0 ? direct : Math.max(other, 0);
      this.swapOf[m] = direct >= 0 ? 0 : 1;
    }
    // The space draws the one-colour partition (its foreground never shows).
    const space = style.glyphs.indexOf(0x20);
    if (space >= 0) this.glyphOf[0] = space;
    this.swapOf[0] = 0;
    const walk = complete && palette === 'rgb' ? (WALK_KERNELS[`${style.subX}x${style.subY}`] ?? null) : null;
    this.walk = walk;
    this.mosaic = palette === 'rgb' ? MosaicKernel.forStyle(style) : null;
    // The walk, or a mask style's candidates in their order (ascii), in SIMD; mosaic has its own module.
    let simd = palette === 'rgb' && this.bySubsets && !this.mosaic ? simdSearches.get(style) : null;
    if (simd === undefined) {
      const { glyphOf, swapOf } = this;
      // The list's JS fallback (near ties) gets a fitter of its own, made when first needed: the
      // module outlives this fitter, which it would otherwise keep alive for the thread's life.
      let fallback: CellFitter | null = null;
      simd = walk
        ? MaskFitSimd.walk(style.subX, style.subY, glyphOf, swapOf, (rgb, cols, rows, quant, out, offset) => walk(rgb, cols, rows, quant, glyphOf, swapOf, out, offset))
        : MaskFitSimd.candidates(style.subX, style.subY, Array.from(this.mask), this.glyph, (rgb, cols, rows, quant, out, offset) => (fallback ??= new CellFitter(style, 'rgb')).fitJsMasked(rgb, cols, rows, quant, out, offset));
      simdSearches.set(style, simd);
    }
    this.simd = simd ?? null;
  }

  /**
   * Fits every cell of a cols × rows grid from `rgb`, the projection's (cols·subX) × (rows·subY)
   * RGB samples, row-major, and writes 7-byte cells [glyph, fg R G B, bg R G B] at `offset`.
   * Colours are truncated to the mode's bits. Returns the end offset.
   */
  fit(rgb: Uint8Array, cols: number, rows: number, mode: Mode, out: Uint8Array, offset: number): number {
    if (this.simd) return this.simd.fit(rgb, cols, rows, channelMask(mode), out, offset);
    if (this.mosaic) return this.mosaic.fit(rgb, cols, rows, channelMask(mode), out, offset, this.extras);
    return this.fitJs(rgb, cols, rows, mode, out, offset);
  }

  /** Whether `fit` runs the SIMD search (mask-fit-simd.ts) rather than the JS one. */
  get searchesInSimd(): boolean {
    return this.simd !== null;
  }

  /** `fit` without the SIMD modules (mask-fit-simd.ts, mosaic-simd.ts): the same bytes, the baseline the bench and tests compare them with. */
  fitJs(rgb: Uint8Array, cols: number, rows: number, mode: Mode, out: Uint8Array, offset: number): number {
    return this.fitJsMasked(rgb, cols, rows, channelMask(mode), out, offset);
  }

  private fitJsMasked(rgb: Uint8Array, cols: number, rows: number, quantMask: number, out: Uint8Array, offset: number): number {
    const { subX, subY, xr, xg, xb } = this;
    const stride = cols * subX * 3;
    if (this.walk) return this.walk(rgb, cols, rows, quantMask, this.glyphOf, this.swapOf, out, offset);
    if (this.mosaic) return this.mosaic.fitJs(rgb, cols, rows, quantMask, out, offset, this.extras);
    let o = offset;
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < cols; cx++) {
        let base = cy * subY * stride + cx * subX * 3;
        for (let sy = 0, k = 0; sy < subY; sy++, base += stride) {
          for (let sx = 0, s = base; sx < subX; sx++, k++, s += 3) {
            xr[k] = rgb[s]!;
            xg[k] = rgb[s + 1]!;
            xb[k] = rgb[s + 2]!;
          }
        }
        o = this.table ? this.fitCellInPalette(out, o) : this.fitCell(out, o, quantMask);
      }
    }
    return o;
  }

  /**
   * Every candidate's foreground sums (fr, fgs, fb) and the cell's totals: through the subset sums
   * of every mask (each a smaller mask's plus one sample) where a mask names the sample set, else
   * each candidate's weighted samples. Returns nothing; fills the per-candidate sums and tr/tg/tb.
   */
  private candidateSums(): void {
    const { xr, xg, xb, fr, fgs, fb } = this;
    const k = this.glyph.length;
    let tr = 0, tg = 0, tb = 0;
    for (let t = 0; t < this.n; t++) {
      tr += xr[t]!;
      tg += xg[t]!;
      tb += xb[t]!;
    }
    this.tr = tr;
    this.tg = tg;
    this.tb = tb;
    if (this.sumsBySubsets) {
      const { sr, sg, sb, lowBit, mask } = this;
      const masks = 1 << this.n;
      for (let m = 1; m < masks; m++) {
        const p = m & (m - 1);
        const b = lowBit[m]!;
        sr[m] = sr[p]! + xr[b]!;
        sg[m] = sg[p]! + xg[b]!;
        sb[m] = sb[p]! + xb[b]!;
      }
      for (let j = 0; j < k; j++) {
        const m = mask[j]!;
        fr[j] = sr[m]!;
        fgs[j] = sg[m]!;
        fb[j] = sb[m]!;
      }
      return;
    }
    const { wStart, wSample, wShare } = this;
    for (let j = 0; j < k; j++) {
      let r = 0, g = 0, b = 0;
      for (let i = wStart[j]!, end = wStart[j + 1]!; i < end; i++) {
        const t = wSample[i]!;
        const w = wShare[i]!;
        r += w * xr[t]!;
        g += w * xg[t]!;
        b += w * xb[t]!;
      }
      fr[j] = r;
      fgs[j] = g;
      fb[j] = b;
    }
  }

  private tr = 0;
  private tg = 0;
  private tb = 0;

  private fitCell(out: Uint8Array, o: number, quantMask: number): number {
    this.candidateSums();
    const { invFg, invBg, gainFg, gainBg, tr, tg, tb } = this;
    const sumR = this.fr, sumG = this.fgs, sumB = this.fb;
    let best = 0;
    let bestScore = -1;
    for (let j = 0, k = invFg.length; j < k; j++) {
      const fr = sumR[j]!, fg = sumG[j]!, fb = sumB[j]!;
      const br = tr - fr, bg = tg - fg, bb = tb - fb;
      const score = (fr * fr + fg * fg + fb * fb) * gainFg[j]! + (br * br + bg * bg + bb * bb) * gainBg[j]!;
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    const fgInv = invFg[best]!;
    const bgInv = invBg[best]!;
    const fr = sumR[best]!, fg = sumG[best]!, fb = sumB[best]!;
    const br = tr - fr, bg = tg - fg, bb = tb - fb;
    // An empty side (the space's foreground) takes the other side's colour: nothing shows it.
    const fInv = fgInv > 0 ? fgInv : bgInv;
    const bInv = bgInv > 0 ? bgInv : fgInv;
    out[o] = this.glyph[best]!;
    out[o + 1] = (Math.round((fgInv > 0 ? fr : br) * fInv)) & quantMask;
    out[o + 2] = (Math.round((fgInv > 0 ? fg : bg) * fInv)) & quantMask;
    out[o + 3] = (Math.round((fgInv > 0 ? fb : bb) * fInv)) & quantMask;
    out[o + 4] = (Math.round((bgInv > 0 ? br : fr) * bInv)) & quantMask;
    out[o + 5] = (Math.round((bgInv > 0 ? bg : fg) * bInv)) & quantMask;
    out[o + 6] = (Math.round((bgInv > 0 ? bb : fb) * bInv)) & quantMask;
    return o + 7;
  }

  private fitCellInPalette(out: Uint8Array, o: number): number {
    this.candidateSums();
    const { invFg, invBg, countFg, tr, tg, tb } = this;
    const sumR = this.fr, sumG = this.fgs, sumB = this.fb;
    const table = this.table!;
    const n = this.n;
    let best = 0;
    let bar = -Infinity;
    // SCORE_TIE's margin, taken of the sums' size: a score here is that less the palette's error,
    // so near a tie it may be small beside the rounding of its terms.
    const margin = ((tr * tr + tg * tg + tb * tb) / n) * (SCORE_TIE - 1);
    let bestFg = 0;
    let bestBg = 0;
    for (let j = 0, k = invFg.length; j < k; j++) {
      const c = countFg[j]!;
      const fr = sumR[j]!, fg = sumG[j]!, fb = sumB[j]!;
      const br = tr - fr, bg = tg - fg, bb = tb - fb;
      let score = 0;
      let pf = 0;
      let pb = 0;
      if (c > 0) {
        const inv = invFg[j]!;
        const mr = fr * inv, mg = fg * inv, mb = fb * inv;
        pf = table[(((mr + 0.5) >> 2) << 12) | (((mg + 0.5) >> 2) << 6) | ((mb + 0.5) >> 2)]!;
        const dr = mr - (pf >> 16), dg = mg - ((pf >> 8) & 0xff), db = mb - (pf & 0xff);
        score += (fr * fr + fg * fg + fb * fb) * inv - c * (dr * dr + dg * dg + db * db);
      }
      if (c < n) {
        const inv = invBg[j]!;
        const mr = br * inv, mg = bg * inv, mb = bb * inv;
        pb = table[(((mr + 0.5) >> 2) << 12) | (((mg + 0.5) >> 2) << 6) | ((mb + 0.5) >> 2)]!;
        const dr = mr - (pb >> 16), dg = mg - ((pb >> 8) & 0xff), db = mb - (pb & 0xff);
        score += (br * br + bg * bg + bb * bb) * inv - (n - c) * (dr * dr + dg * dg + db * db);
      }
      if (score > bar) {
        bar = score + margin;
        best = j;
        bestFg = c > 0 ? pf : pb;
        bestBg = c < n ? pb : pf;
      }
    }
    out[o] = this.glyph[best]!;
    out[o + 1] = bestFg >> 16;
    out[o + 2] = (bestFg >> 8) & 0xff;
    out[o + 3] = bestFg & 0xff;
    out[o + 4] = bestBg >> 16;
    out[o + 5] = (bestBg >> 8) & 0xff;
    out[o + 6] = bestBg & 0xff;
    return o + 7;
  }
}
