/**
 * The mosaic style's exact search (PROTOCOL-NOTES.md §8.2), structured by how its glyphs cut the
 * cell instead of by trying each glyph's weighted samples: every mosaic glyph is a union of a few
 * regions whose sums come from the 4 × 8 samples in a handful of adds.
 *
 * - sextants: six regions, 2 samples across × 8/3 down each (rows 2 and 5 of 8 are split ⅔ / ⅓
 *   between two regions), walked in Gray-code order like the sextant style (32 partitions);
 * - quadrants: the four 2 × 4 quarters, and the two-quarter splits ▀ and ▚ (6 partitions);
 * - lower eighths: the sample rows above row k against the rest, k = 1, 2, 3, 5, 6, 7 (6);
 * - the left and the right sample column against the rest (▎ and the complement of ▊) (2).
 *
 * - every other glyph of the table (the diagonal wedges): its weighted samples, as the table's
 *   coverage gives them.
 *
 * Each partition is scored |ΣF|²/c + |ΣB|²/(n−c) with c in samples (fractional where an edge cuts
 * a sample), the same criterion as CellFitter's table-driven search; the structured partitions are
 * described by their outlines, so the glyph that draws each is looked up in the style's table by
 * its coverage, never assumed. test/cell-fit.test.ts checks the result against a brute force over
 * the table.
 */
import { coverageOf, rectangle, sameSplit, type CellStyle, type Polygon } from '../../protocol/index.js';

const SAMPLES = 32;
const SEXTANT_AREA = SAMPLES / 6;
/** Partitions after the 32 sextant ones, in the order `fit` scores them. */
const QUADRANT_SPLITS = [0b0001, 0b0010, 0b0100, 0b1000, 0b0011, 0b1001];
const EIGHTH_ROWS = [1, 2, 3, 5, 6, 7];

/** Gray-code walk over the six sextant regions, region 5 fixed in the background: step i flips STEP_BIT[i]. */
const STEP_BIT = new Int32Array(32);
const STEP_ADD = new Int8Array(32);
const STEP_MASK = new Int32Array(32);
const STEP_INV_F = new Float64Array(32);
const STEP_INV_B = new Float64Array(32);
for (let i = 1; i < 32; i++) {
  const gray = i ^ (i >> 1);
  const bit = 31 - Math.clz32(i & -i);
  let c = 0;
  for (let b = 0; b < 6; b++) c += (gray >> b) & 1;
  STEP_BIT[i] = bit;
  STEP_ADD[i] = (gray >> bit) & 1 ? 1 : -1;
  STEP_MASK[i] = gray;
  STEP_INV_F[i] = 1 / (c * SEXTANT_AREA);
  STEP_INV_B[i] = 1 / (SAMPLES - c * SEXTANT_AREA);
}

/** Outlines of the partitions the kernel scores by structure, in its order: 32 sextant masks, then the rest. */
function partitionOutlines(): Polygon[][] {
  const out: Polygon[][] = [];
  for (let m = 0; m < 32; m++) {
    const parts: Polygon[] = [];
    for (let k = 0; k < 6; k++) if (m & (1 << k)) parts.push(rectangle((k % 2) / 2, (k >> 1) / 3, (k % 2) / 2 + 0.5, ((k >> 1) + 1) / 3));
    out.push(parts);
  }
  for (const q of QUADRANT_SPLITS) {
    const parts: Polygon[] = [];
    for (let k = 0; k < 4; k++) if (q & (1 << k)) parts.push(rectangle((k % 2) / 2, (k >> 1) / 2, (k % 2) / 2 + 0.5, (k >> 1) / 2 + 0.5));
    out.push(parts);
  }
  for (const k of EIGHTH_ROWS) out.push([rectangle(0, 0, 1, k / 8)]);
  out.push([rectangle(0, 0, 0.25, 1)]);
  out.push([rectangle(0.75, 0, 1, 1)]);
  return out;
}

export class MosaicKernel {
  private constructor(
    /** Per structured partition: the table glyph drawing it, and 1 where that glyph draws its complement (colours swap). */
    private readonly glyphOf: Uint8Array,
    private readonly swapOf: Uint8Array,
    /** The other candidates (the wedges): their glyphs, 1/c and 1/(n−c), and the search over them. */
    private readonly exGlyph: Uint8Array,
    private readonly exInvF: Float64Array,
    private readonly exInvB: Float64Array,
    private readonly exSearch: ExtraSearch,
  ) {}

  /** The kernel for `style`, when it is the mosaic layout and its table draws every partition the kernel scores. */
  static forStyle(style: CellStyle): MosaicKernel | null {
    if (style.subX !== 4 || style.subY !== 8 || style.frames !== 'fitted') return null;
    const n = SAMPLES;
    const shapes = partitionOutlines();
    const glyphOf = new Uint8Array(shapes.length);
    const swapOf = new Uint8Array(shapes.length);
    // A scratch style holding the kernel's partitions, to compare coverage with the table's glyphs.
    const probe: CellStyle = { ...style, coverage: new Float64Array(n * 2) };
    for (let p = 0; p < shapes.length; p++) {
      probe.coverage.set(coverageOf(shapes[p]!, 4, 8), 0);
      let found = -1;
      let swap = 0;
      for (let g = 0; g < style.glyphs.length && found < 0; g++) {
        if (style.glyphs[g] === 0) continue;
        probe.coverage.set(style.coverage.subarray(g * n, (g + 1) * n), n);
        const how = sameSplit(probe, 0, 1);
        if (how) {
          found = g;
          swap = how === 'complement' ? 1 : 0;
        }
      }
      if (found < 0) return null;
      glyphOf[p] = found;
      swapOf[p] = swap;
    }
    // The one-colour partition is the space on the cell's colour.
    const space = style.glyphs.indexOf(0x20);
    if (space < 0) return null;
    glyphOf[0] = space;
    swapOf[0] = 0;
    // Candidates no structured partition draws are scored from the table's coverage.
    const exGlyph: number[] = [];
    const exInvF: number[] = [];
    const exInvB: number[] = [];
    const exShares: Float64Array[] = [];
    for (const g of style.candidates) {
      let drawn = false;
      for (let p = 1; p < shapes.length && !drawn; p++) drawn = sameSplit(style, g, glyphOf[p]!) !== null;
      if (drawn || sameSplit(style, g, space) !== null) continue;
      const shares = style.coverage.subarray(g * n, (g + 1) * n);
      const c = shares.reduce((a, w) => a + w, 0);
      exGlyph.push(g);
      exInvF.push(1 / c);
      exInvB.push(1 / (n - c));
      exShares.push(shares);
    }
    return new MosaicKernel(glyphOf, swapOf, Uint8Array.from(exGlyph), Float64Array.from(exInvF), Float64Array.from(exInvB), compileExtraSearch(exShares, exInvF, exInvB));
  }

  /** What the extra search leaves: the winner's foreground sums. */
  private readonly exSums = new Float64Array(3);

  // Scratch: the six sextant regions' sums per channel.
  private readonly rr = new Float64Array(6);
  private readonly rg = new Float64Array(6);
  private readonly rb = new Float64Array(6);

  /**
   * Fits a cols × rows grid of 4 × 8-sample cells from `rgb` into 7-byte cells at `offset`; returns
   * the end offset. `extras` off leaves the glyphs outside the structured partitions untried.
   */
  fit(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras = true): number {
    const stride = cols * 12;
    const { rr, rg, rb, glyphOf, swapOf, exGlyph, exInvF, exInvB, exSearch, exSums } = this;
    let o = offset;
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0, s0 = cy * 8 * stride; cx < cols; cx++, s0 += 12) {
        // Per sample row: left pair, right pair; down the outer columns; row prefix sums (the eighths).
        let lr0 = 0, lg0 = 0, lb0 = 0, rr0 = 0, rg0 = 0, rb0 = 0; // rows 0–1
        let lr2 = 0, lg2 = 0, lb2 = 0, rr2 = 0, rg2 = 0, rb2 = 0; // row 2
        let lr3 = 0, lg3 = 0, lb3 = 0, rr3 = 0, rg3 = 0, rb3 = 0; // rows 3–4
        let lr5 = 0, lg5 = 0, lb5 = 0, rr5 = 0, rg5 = 0, rb5 = 0; // row 5
        let lr6 = 0, lg6 = 0, lb6 = 0, rr6 = 0, rg6 = 0, rb6 = 0; // rows 6–7
        let c0r = 0, c0g = 0, c0b = 0, c3r = 0, c3g = 0, c3b = 0;
        let p1r = 0, p1g = 0, p1b = 0, p2r = 0, p2g = 0, p2b = 0, p3r = 0, p3g = 0, p3b = 0;
        let p5r = 0, p5g = 0, p5b = 0, p6r = 0, p6g = 0, p6b = 0, p7r = 0, p7g = 0, p7b = 0;
        let qtlr = 0, qtlg = 0, qtlb = 0, qtrr = 0, qtrg = 0, qtrb = 0;
        let runR = 0, runG = 0, runB = 0;
        for (let y = 0, s = s0; y < 8; y++, s += stride) {
          const ar = rgb[s]!, ag = rgb[s + 1]!, ab = rgb[s + 2]!;
          const br = rgb[s + 3]!, bg = rgb[s + 4]!, bb = rgb[s + 5]!;
          const cr = rgb[s + 6]!, cg = rgb[s + 7]!, cb = rgb[s + 8]!;
          const dr = rgb[s + 9]!, dg = rgb[s + 10]!, db = rgb[s + 11]!;
          const Lr = ar + br, Lg = ag + bg, Lb = ab + bb;
          const Rr = cr + dr, Rg = cg + dg, Rb = cb + db;
          c0r += ar; c0g += ag; c0b += ab;
          c3r += dr; c3g += dg; c3b += db;
          runR += Lr + Rr; runG += Lg + Rg; runB += Lb + Rb;
          switch (y) {
            case 0:
              lr0 = Lr; lg0 = Lg; lb0 = Lb; rr0 = Rr; rg0 = Rg; rb0 = Rb;
              p1r = runR; p1g = runG; p1b = runB;
              break;
            case 1:
              lr0 += Lr; lg0 += Lg; lb0 += Lb; rr0 += Rr; rg0 += Rg; rb0 += Rb;
              p2r = runR; p2g = runG; p2b = runB;
              break;
            case 2:
              lr2 = Lr; lg2 = Lg; lb2 = Lb; rr2 = Rr; rg2 = Rg; rb2 = Rb;
              p3r = runR; p3g = runG; p3b = runB;
              break;
            case 3:
              lr3 = Lr; lg3 = Lg; lb3 = Lb; rr3 = Rr; rg3 = Rg; rb3 = Rb;
              qtlr = lr0 + lr2 + Lr; qtlg = lg0 + lg2 + Lg; qtlb = lb0 + lb2 + Lb;
              qtrr = rr0 + rr2 + Rr; qtrg = rg0 + rg2 + Rg; qtrb = rb0 + rb2 + Rb;
              break;
            case 4:
              lr3 += Lr; lg3 += Lg; lb3 += Lb; rr3 += Rr; rg3 += Rg; rb3 += Rb;
              p5r = runR; p5g = runG; p5b = runB;
              break;
            case 5:
              lr5 = Lr; lg5 = Lg; lb5 = Lb; rr5 = Rr; rg5 = Rg; rb5 = Rb;
              p6r = runR; p6g = runG; p6b = runB;
              break;
            case 6:
              lr6 = Lr; lg6 = Lg; lb6 = Lb; rr6 = Rr; rg6 = Rg; rb6 = Rb;
              p7r = runR; p7g = runG; p7b = runB;
              break;
            default:
              lr6 += Lr; lg6 += Lg; lb6 += Lb; rr6 += Rr; rg6 += Rg; rb6 += Rb;
          }
        }
        const tr = runR, tg = runG, tb = runB;
        const T = 2 / 3, O = 1 / 3;
        // Sextant regions in sextant bit order: 0 TL, 1 TR, 2 ML, 3 MR, 4 BL, 5 BR.
        rr[0] = lr0 + T * lr2; rg[0] = lg0 + T * lg2; rb[0] = lb0 + T * lb2;
        rr[1] = rr0 + T * rr2; rg[1] = rg0 + T * rg2; rb[1] = rb0 + T * rb2;
        rr[2] = O * lr2 + lr3 + O * lr5; rg[2] = O * lg2 + lg3 + O * lg5; rb[2] = O * lb2 + lb3 + O * lb5;
        rr[3] = O * rr2 + rr3 + O * rr5; rg[3] = O * rg2 + rg3 + O * rg5; rb[3] = O * rb2 + rb3 + O * rb5;
        rr[4] = T * lr5 + lr6; rg[4] = T * lg5 + lg6; rb[4] = T * lb5 + lb6;
        // Region 5 is never in the foreground of the walk: its sum is implied by the total.

        let best = 0;
        let bestScore = (tr * tr + tg * tg + tb * tb) / SAMPLES;
        let bestR = 0, bestG = 0, bestB = 0, bestInvF = 0, bestInvB = 1 / SAMPLES;
        let fr = 0, fg = 0, fb = 0;
        for (let i = 1; i < 32; i++) {
          const bit = STEP_BIT[i]!;
          if (STEP_ADD[i]! > 0) {
            fr += rr[bit]!; fg += rg[bit]!; fb += rb[bit]!;
          } else {
            fr -= rr[bit]!; fg -= rg[bit]!; fb -= rb[bit]!;
          }
          const br = tr - fr, bg = tg - fg, bb = tb - fb;
          const invF = STEP_INV_F[i]!, invB = STEP_INV_B[i]!;
          const score = (fr * fr + fg * fg + fb * fb) * invF + (br * br + bg * bg + bb * bb) * invB;
          if (score > bestScore) {
            bestScore = score; best = STEP_MASK[i]!; bestR = fr; bestG = fg; bestB = fb; bestInvF = invF; bestInvB = invB;
          }
        }
        // The remaining partitions: [foreground sum, foreground samples] each, indices 32 on.
        const qblr = lr3 - (qtlr - lr0 - lr2) + lr5 + lr6, qblg = lg3 - (qtlg - lg0 - lg2) + lg5 + lg6, qblb = lb3 - (qtlb - lb0 - lb2) + lb5 + lb6;
        const qbrr = rr3 - (qtrr - rr0 - rr2) + rr5 + rr6, qbrg = rg3 - (qtrg - rg0 - rg2) + rg5 + rg6, qbrb = rb3 - (qtrb - rb0 - rb2) + rb5 + rb6;
        let p = 32;
        // Quadrant TL, TR, BL, BR (8 samples), top half, TL + BR (16).
        for (let q = 0; q < 6; q++, p++) {
          let r: number, g: number, b: number, c: number;
          switch (q) {
            case 0: r = qtlr; g = qtlg; b = qtlb; c = 8; break;
            case 1: r = qtrr; g = qtrg; b = qtrb; c = 8; break;
            case 2: r = qblr; g = qblg; b = qblb; c = 8; break;
            case 3: r = qbrr; g = qbrg; b = qbrb; c = 8; break;
            case 4: r = qtlr + qtrr; g = qtlg + qtrg; b = qtlb + qtrb; c = 16; break;
            default: r = qtlr + qbrr; g = qtlg + qbrg; b = qtlb + qbrb; c = 16;
          }
          const br = tr - r, bg = tg - g, bb = tb - b;
          const invF = 1 / c, invB = 1 / (SAMPLES - c);
          const score = (r * r + g * g + b * b) * invF + (br * br + bg * bg + bb * bb) * invB;
          if (score > bestScore) {
            bestScore = score; best = p; bestR = r; bestG = g; bestB = b; bestInvF = invF; bestInvB = invB;
          }
        }
        // Sample rows above row k: 1, 2, 3, 5, 6, 7 (4 samples a row).
        for (let e = 0; e < 6; e++, p++) {
          let r: number, g: number, b: number;
          switch (e) {
            case 0: r = p1r; g = p1g; b = p1b; break;
            case 1: r = p2r; g = p2g; b = p2b; break;
            case 2: r = p3r; g = p3g; b = p3b; break;
            case 3: r = p5r; g = p5g; b = p5b; break;
            case 4: r = p6r; g = p6g; b = p6b; break;
            default: r = p7r; g = p7g; b = p7b;
          }
          const c = 4 * EIGHTH_ROWS[e]!;
          const br = tr - r, bg = tg - g, bb = tb - b;
          const invF = 1 / c, invB = 1 / (SAMPLES - c);
          const score = (r * r + g * g + b * b) * invF + (br * br + bg * bg + bb * bb) * invB;
          if (score > bestScore) {
            bestScore = score; best = p; bestR = r; bestG = g; bestB = b; bestInvF = invF; bestInvB = invB;
          }
        }
        // Left column, right column (8 samples each).
        for (let side = 0; side < 2; side++, p++) {
          const r = side === 0 ? c0r : c3r, g = side === 0 ? c0g : c3g, b = side === 0 ? c0b : c3b;
          const br = tr - r, bg = tg - g, bb = tb - b;
          const score = (r * r + g * g + b * b) * 0.125 + (br * br + bg * bg + bb * bb) * (1 / 24);
          if (score > bestScore) {
            bestScore = score; best = p; bestR = r; bestG = g; bestB = b; bestInvF = 0.125; bestInvB = 1 / 24;
          }
        }

        // The rest of the table (the wedges), each from its weighted samples.
        const exBest = extras ? exSearch(rgb, s0, stride, tr, tg, tb, bestScore, exSums) : -1;
        if (exBest >= 0) {
          bestR = exSums[0]!; bestG = exSums[1]!; bestB = exSums[2]!; bestInvF = exInvF[exBest]!; bestInvB = exInvB[exBest]!;
        }

        // Colours: each side's mean; the one-colour partition's foreground is its background.
        const bgR = (tr - bestR) * bestInvB + 0.5, bgG = (tg - bestG) * bestInvB + 0.5, bgB = (tb - bestB) * bestInvB + 0.5;
        const flat = exBest < 0 && best === 0;
        const fgR = flat ? bgR : bestR * bestInvF + 0.5, fgG = flat ? bgG : bestG * bestInvF + 0.5, fgB = flat ? bgB : bestB * bestInvF + 0.5;
        const swap = exBest < 0 && swapOf[best] === 1;
        out[o] = exBest >= 0 ? exGlyph[exBest]! : glyphOf[best]!;
        out[o + 1] = (swap ? bgR : fgR) & quant;
        out[o + 2] = (swap ? bgG : fgG) & quant;
        out[o + 3] = (swap ? bgB : fgB) & quant;
        out[o + 4] = (swap ? fgR : bgR) & quant;
        out[o + 5] = (swap ? fgG : bgG) & quant;
        out[o + 6] = (swap ? fgB : bgB) & quant;
        o += 7;
      }
    }
    return o;
  }
}

/**
 * Finds, among candidates given by their per-sample shares, the one whose score beats `floor`
 * most; returns its index (−1 for none) and leaves its foreground sums in `sums`.
 */
type ExtraSearch = (rgb: Uint8Array, s: number, stride: number, tr: number, tg: number, tb: number, floor: number, sums: Float64Array) => number;

/**
 * The search over the candidates no structured partition draws, compiled once per table into
 * straight-line code with the shares as constants: a loop reading the shares from an array cost
 * five times as much on the bench machine (the wedges are a third of mosaic's candidates). The
 * source is made here from the style table's numbers only, never from input.
 */
function compileExtraSearch(shares: readonly Float64Array[], invF: ArrayLike<number>, invB: ArrayLike<number>): ExtraSearch {
  const used = new Set<number>();
  for (const w of shares) w.forEach((v, t) => v !== 0 && used.add(t));
  const lines: string[] = [];
  for (const t of [...used].sort((a, b) => a - b)) {
    const at = `s + ${t >> 2} * stride + ${(t & 3) * 3}`;
    lines.push(`const r${t} = rgb[${at}], g${t} = rgb[${at} + 1], b${t} = rgb[${at} + 2];`);
  }
  lines.push('let best = -1, bestScore = floor, R = 0, G = 0, B = 0, r = 0, g = 0, b = 0, br = 0, bg = 0, bb = 0, score = 0;');
  shares.forEach((w, e) => {
    const term = (ch: string) => [...w].map((v, t) => (v === 0 ? '' : v === 1 ? `${ch}${t}` : `${v} * ${ch}${t}`)).filter(Boolean).join(' + ');
    lines.push(`r = ${term('r')}; g = ${term('g')}; b = ${term('b')}; br = tr - r; bg = tg - g; bb = tb - b;`);
    lines.push(`score = (r * r + g * g + b * b) * ${invF[e]} + (br * br + bg * bg + bb * bb) * ${invB[e]};`);
    lines.push(`if (score > bestScore) { bestScore = score; best = ${e}; R = r; G = g; B = b; }`);
  });
  lines.push('sums[0] = R; sums[1] = G; sums[2] = B;', 'return best;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- numbers from the style table, see above
  return new Function('rgb', 's', 'stride', 'tr', 'tg', 'tb', 'floor', 'sums', lines.join('\n')) as ExtraSearch;
}
