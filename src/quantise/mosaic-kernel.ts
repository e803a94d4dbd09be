/**
 * The mosaic style's exact search (PROTOCOL-NOTES.md §8.2), structured by how its glyphs cut the
 * cell instead of by trying each glyph's weighted samples: every mosaic glyph is a union of a few
 * regions whose sums come from the 4 × 8 samples in a handful of adds.
 *
 * - sextants: six regions, 2 samples across × 8/3 down each (rows 2 and 5 of 8 are split ⅔ / ⅓
 *   between two regions), walked in Gray-code order like the sextant style (32 partitions);
 * - quadrants: the four 2 × 4 quarters, and the two-quarter splits ▀ and ▚ (6 partitions);
 * - lower eighths: the sample rows above row k against the rest, k = 1, 2, 3, 5, 6, 7 (6);
 * - the left and the right sample column against the rest (▎ and the complement of ▊) (2);
 * - every other glyph of the table (the diagonal wedges): its weighted samples, as the table's
 *   coverage gives them, whole rows and row halves taken from the sums above (sumTerms), or its
 *   complement's taken from the cell's total where that is fewer terms.
 *
 * Each partition is scored |ΣF|²/c + |ΣB|²/(n−c) with c in samples (fractional where an edge cuts
 * a sample), the same criterion as CellFitter's table-driven search. The winner's colours are its
 * sides' means rounded half up; where the search formed its sums from fractional shares (the
 * sextant walk's ⅔ / ⅓ rows, the extras' cut samples), they are recomputed from whole 48ths of a
 * sample, so the rounding is exact, as the SIMD fit computes it, instead of decided by f64 noise on
 * a mean that lies on a .5 boundary (3.6 % of a view's cells on the bench clip, 7 % on its pan,
 * each of which the SIMD fit handed back to this kernel). The structured partitions are
 * described by their outlines, so the glyph that draws each is looked up in the style's table by
 * its coverage, never assumed. test/cell-fit.test.ts checks the result against a brute force over
 * the table.
 */
import { SCORE_TIE } from './fit-kernels.js';
import { MosaicSimd } from './mosaic-simd.js';
import { coverageOf, glyphCoverage, rectangle, sameCoverageSplit, sameSplit, type CellStyle, type Polygon } from '../../protocol/index.js';

const SAMPLES = 32;
/** Partitions after the 32 sextant ones, in the order the kernel scores them. */
const QUADRANT_SPLITS = [0b0001, 0b0010, 0b0100, 0b1000, 0b0011, 0b1001];
const EIGHTH_ROWS = [1, 2, 3, 5, 6, 7];

/** Gray-code walk over the six sextant regions, region 5 fixed in the background: step i flips region STEP_BIT[i]. */
const STEP_BIT = Array.from({ length: 32 }, (_, i) => (i === 0 ? 0 : 31 - Math.clz32(i & -i)));

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

/**
 * What the SIMD fitter (mosaic-simd.ts) takes from this search: the per-sample coverage of every
 * partition in the order scored here (structured ones from their outlines, then the extras'), the
 * glyph drawing each and whether it draws the complement, and the structure's constants.
 */
export interface MosaicStructure {
  readonly coverage: readonly Float64Array[];
  /** 1 where the colours are computed exactly from 48ths (exactColoursOf): the sextant walk's partitions but the space, and the extras. */
  readonly exactColour: Uint8Array;
  readonly glyphOf: Uint8Array;
  readonly swapOf: Uint8Array;
  readonly quadrantSplits: readonly number[];
  readonly eighthRows: readonly number[];
  readonly stepBit: readonly number[];
}

const KERNELS = new WeakMap<CellStyle, MosaicKernel | null>();

export class MosaicKernel {
  private constructor(
    /** Per partition (the structured ones, then the extras): the table glyph drawing it, and 1 where it draws the complement. */
    private readonly glyphOf: Uint8Array,
    private readonly swapOf: Uint8Array,
    /** Which partitions' colours are computed from 48ths, their weights and weight sums (exactColoursOf). */
    private readonly exact: ExactColours,
    /** The search, compiled for this table (compileKernel). */
    private readonly kernel: CompiledKernel,
    /** The same search as WebAssembly SIMD, byte-identical; null where the runtime lacks SIMD. */
    readonly simd: MosaicSimd | null,
  ) {}

  /**
   * The kernel for `style`, when it is the mosaic layout and its table draws every partition the
   * kernel scores. Made once per style table and shared by every fitter of it: a view change makes
   * a new fitter, and building the kernel (coverage of every partition, compiling the search) cost
   * 25–40 ms a time, and a freshly compiled search runs unoptimised for its first frames.
   */
  static forStyle(style: CellStyle): MosaicKernel | null {
    let kernel = KERNELS.get(style);
    if (kernel === undefined) KERNELS.set(style, (kernel = MosaicKernel.build(style)));
    return kernel;
  }

  private static build(style: CellStyle): MosaicKernel | null {
    if (style.subX !== 4 || style.subY !== 8 || style.frames !== 'fitted') return null;
    const shapes = partitionOutlines();
    const glyphOf: number[] = [];
    const swapOf: number[] = [];
    const coverage: Float64Array[] = [];
    for (let p = 0; p < shapes.length; p++) {
      const partition = coverageOf(shapes[p]!, 4, 8);
      coverage.push(Float64Array.from(partition));
      let found = -1;
      let swap = 0;
      for (let g = 0; g < style.glyphs.length && found < 0; g++) {
        if (style.glyphs[g] === 0) continue;
        const how = sameCoverageSplit(partition, glyphCoverage(style, g));
        if (how) {
          found = g;
          swap = how === 'complement' ? 1 : 0;
        }
      }
      if (found < 0) return null;
      glyphOf.push(found);
      swapOf.push(swap);
    }
    // The one-colour partition is the space on the cell's colour.
    const space = style.glyphs.indexOf(0x20);
    if (space < 0) return null;
    glyphOf[0] = space;
    swapOf[0] = 0;
    // Candidates no structured partition draws are scored from the table's coverage.
    const exShares: Float64Array[] = [];
    for (const g of style.candidates) {
      let drawn = false;
      for (let p = 1; p < shapes.length && !drawn; p++) drawn = sameSplit(style, g, glyphOf[p]!) !== null;
      if (drawn || sameSplit(style, g, space) !== null) continue;
      exShares.push(glyphCoverage(style, g));
      glyphOf.push(g);
      swapOf.push(0);
    }
    const glyphs = Uint8Array.from(glyphOf);
    const swaps = Uint8Array.from(swapOf);
    const all = [...coverage, ...exShares];
    const exact = exactColoursOf(all);
    const kernel = compileKernel(exShares);
    const structure: MosaicStructure = {
      coverage: all,
      exactColour: exact.flags,
      glyphOf: glyphs,
      swapOf: swaps,
      quadrantSplits: QUADRANT_SPLITS,
      eighthRows: EIGHTH_ROWS,
      stepBit: STEP_BIT,
    };
    let simd: MosaicSimd | null = null;
    try {
      simd = MosaicSimd.build(structure, (rgb, cols, rows, quant, out, offset, extras) => kernel(rgb, cols, rows, quant, out, offset, extras, glyphs, swaps, exact.flags, exact.weights, exact.totals));
    } catch {
      // A table this generator cannot lay out (more partitions than it has room for, say) keeps the
      // JS search: the same bytes, at its own speed.
      simd = null;
    }
    return new MosaicKernel(glyphs, swaps, exact, kernel, simd);
  }

  /**
   * Fits a cols × rows grid of 4 × 8-sample cells from `rgb` into 7-byte cells at `offset`; returns
   * the end offset. `extras` off leaves the glyphs outside the structured partitions untried.
   */
  fit(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras = true): number {
    if (this.simd) return this.simd.fit(rgb, cols, rows, quant, out, offset, extras);
    return this.fitJs(rgb, cols, rows, quant, out, offset, extras);
  }

  /** The JS search alone, whatever the runtime: the reference the SIMD fit is held to, and its bench baseline. */
  fitJs(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras = true): number {
    const e = this.exact;
    return this.kernel(rgb, cols, rows, quant, out, offset, extras, this.glyphOf, this.swapOf, e.flags, e.weights, e.totals);
  }
}

type CompiledKernel = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras: boolean, glyphOf: Uint8Array, swapOf: Uint8Array, exactColour: Uint8Array, weights48: Int32Array, totals48: Int32Array) => number;

/** Per partition: whether its colours come from 48ths, each sample's weight in 48ths (32 a partition), and their sum. */
interface ExactColours {
  readonly flags: Uint8Array;
  readonly weights: Int32Array;
  readonly totals: Int32Array;
}

/** First extra's index: after the 32 sextant partitions, 6 quadrant splits, 6 eighths and 2 columns. */
const FIRST_EXTRA = 32 + QUADRANT_SPLITS.length + EIGHTH_ROWS.length + 2;

/**
 * The partitions the search sums from fractional shares, whose means it rounds exactly instead
 * (see the top of this file), with every sample's coverage in whole 48ths. A partition whose
 * coverage is not in 48ths (no table has one) keeps the f64 rounding; the SIMD fit declines such a
 * table (mosaic-simd.ts partitionsOf), so the two never disagree on it.
 */
function exactColoursOf(coverage: readonly Float64Array[]): ExactColours {
  const n = coverage.length;
  const flags = new Uint8Array(n);
  const weights = new Int32Array(n * SAMPLES);
  const totals = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    if (!((p > 0 && p < 32) || p >= FIRST_EXTRA)) continue;
    const w48 = Array.from(coverage[p]!, (v) => v * 48);
    if (w48.some((v) => Math.abs(v - Math.round(v)) > 1e-9)) continue;
    flags[p] = 1;
    w48.forEach((v, i) => (weights[p * SAMPLES + i] = Math.round(v)));
    totals[p] = w48.reduce((a, v) => a + Math.round(v), 0);
  }
  return { flags, weights, totals };
}

/** A number as a literal in the compiled source, exactly. */
const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(17));

type Term = (channel: string) => string;

/**
 * The terms whose sum is Σ w·sample over a cell's 4 × 8 samples, in the kernel's locals: rows
 * covered whole at the top as one prefix P{k}, at the bottom as t less one, other whole rows and
 * row halves as their sums, cut samples by their share; and its cost, in adds and multiplies.
 */
function sumTerms(w: ArrayLike<number>): { terms: Term[]; cost: number } {
  const full = (y: number) => [0, 1, 2, 3].every((x) => w[4 * y + x] === 1);
  let top = 0;
  while (top < 8 && full(top)) top++;
  let bottom = 8;
  while (bottom > top && full(bottom - 1)) bottom--;
  const terms: Term[] = [];
  let cost = 0;
  if (top > 0) {
    terms.push((c) => `P${top}${c}`);
    cost++;
  }
  if (bottom === 7) {
    terms.push((c) => `W7${c}`);
    cost++;
  } else if (bottom < 7) {
    terms.push((c) => `(t${c} - P${bottom}${c})`);
    cost += 2;
  }
  for (let y = top; y < bottom; y++) {
    if (full(y)) {
      terms.push((c) => `W${y}${c}`);
      cost++;
      continue;
    }
    for (const [a, half] of [[0, 'L'], [2, 'R']] as const) {
      if (w[4 * y + a] === 1 && w[4 * y + a + 1] === 1) {
        terms.push((c) => `${half}${y}${c}`);
        cost++;
        continue;
      }
      for (const x of [a, a + 1]) {
        const v = w[4 * y + x]!;
        if (v === 0) continue;
        terms.push(v === 1 ? (c) => `${c}${4 * y + x}` : (c) => `${num(v)} * ${c}${4 * y + x}`);
        cost += v === 1 ? 1 : 2;
      }
    }
  }
  return { terms, cost };
}

/**
 * The whole search as straight-line code per cell, compiled once per table with `new Function`:
 * the samples and sums stay in locals, every constant (1/c, the shares) is a literal, and no loop
 * or switch runs inside a cell. The loop-and-switch version of the same search, and a loop over the
 * extras' shares read from arrays, cost twice as much on the bench machine. The source is made here
 * from this file's structure and the style table's numbers only, never from input.
 */
function compileKernel(exShares: readonly Float64Array[]): CompiledKernel {
  const L: string[] = [];
  const CH = ['r', 'g', 'b'] as const;
  /** One line declaring `name`{r,g,b} from an expression template over a channel. */
  const each = (name: string, expr: (c: string) => string) => L.push('const ' + CH.map((c) => `${name}${c} = ${expr(c)}`).join(', ') + ';');
  const sample = (c: string, t: number) => `${c}${t}`;
  /** Candidate scoring: fr/fg/fb hold the foreground sums; `index` is the partition. */
  const score = (index: string, c: number) => {
    L.push(`br = tr - fr; bg = tg - fg; bb = tb - fb;`);
    L.push(`score = (fr * fr + fg * fg + fb * fb) * ${num(1 / c)} + (br * br + bg * bg + bb * bb) * ${num(1 / (SAMPLES - c))};`);
    L.push(`if (score > bar) { bar = score; best = ${index}; bestR = fr; bestG = fg; bestB = fb; bestInvF = ${num(1 / c)}; bestInvB = ${num(1 / (SAMPLES - c))}; }`);
  };
  L.push('const stride = cols * 12;', 'let o = offset;', 'let fr = 0, fg = 0, fb = 0, br = 0, bg = 0, bb = 0, score = 0;');
  L.push('for (let cy = 0; cy < rows; cy++) {', 'for (let cx = 0, s = cy * 8 * stride; cx < cols; cx++, s += 12) {');
  for (let y = 0; y < 8; y++) {
    L.push(`const at${y} = s + ${y} * stride;`);
    for (let x = 0; x < 4; x++) L.push(`const r${y * 4 + x} = rgb[at${y} + ${x * 3}], g${y * 4 + x} = rgb[at${y} + ${x * 3 + 1}], b${y * 4 + x} = rgb[at${y} + ${x * 3 + 2}];`);
  }
  // Row halves: L{y} the two left samples of row y, R{y} the two right ones; W{y} the whole row;
  // P{k} the rows above row k, which the eighths are and most wedges start or end with.
  for (let y = 0; y < 8; y++) {
    each(`L${y}`, (c) => `${sample(c, 4 * y)} + ${sample(c, 4 * y + 1)}`);
    each(`R${y}`, (c) => `${sample(c, 4 * y + 2)} + ${sample(c, 4 * y + 3)}`);
    each(`W${y}`, (c) => `L${y}${c} + R${y}${c}`);
  }
  each('P1', (c) => `W0${c}`);
  for (let k = 2; k < 8; k++) each(`P${k}`, (c) => `P${k - 1}${c} + W${k - 1}${c}`);
  each('t', (c) => `P7${c} + W7${c}`);
  // Sextant regions 0–4 (region 5 stays in the background of the walk): rows 2 and 5 split ⅔ / ⅓.
  const T = num(2 / 3);
  const O = num(1 / 3);
  each('x0', (c) => `L0${c} + L1${c} + ${T} * L2${c}`);
  each('x1', (c) => `R0${c} + R1${c} + ${T} * R2${c}`);
  each('x2', (c) => `${O} * L2${c} + L3${c} + L4${c} + ${O} * L5${c}`);
  each('x3', (c) => `${O} * R2${c} + R3${c} + R4${c} + ${O} * R5${c}`);
  each('x4', (c) => `${T} * L5${c} + L6${c} + L7${c}`);
  L.push(`let best = 0, bar = (tr * tr + tg * tg + tb * tb) * ${num(SCORE_TIE / SAMPLES)}, bestR = 0, bestG = 0, bestB = 0, bestInvF = 0, bestInvB = ${num(1 / SAMPLES)};`);
  L.push('fr = 0; fg = 0; fb = 0;');
  for (let i = 1; i < 32; i++) {
    const gray = i ^ (i >> 1);
    const bit = STEP_BIT[i]!;
    const op = (gray >> bit) & 1 ? '+=' : '-=';
    L.push(`fr ${op} x${bit}r; fg ${op} x${bit}g; fb ${op} x${bit}b;`);
    let c = 0;
    for (let b = 0; b < 6; b++) c += (gray >> b) & 1;
    score(String(gray), (c * SAMPLES) / 6);
  }
  // Quadrants: TL, TR, BL, BR, the top half, TL + BR.
  each('qa', (c) => `L0${c} + L1${c} + L2${c} + L3${c}`);
  each('qb', (c) => `R0${c} + R1${c} + R2${c} + R3${c}`);
  each('qc', (c) => `L4${c} + L5${c} + L6${c} + L7${c}`);
  each('qd', (c) => `R4${c} + R5${c} + R6${c} + R7${c}`);
  const quads: [string, number][] = [['qa', 8], ['qb', 8], ['qc', 8], ['qd', 8], ['qa+qb', 16], ['qa+qd', 16]];
  quads.forEach(([parts, c], q) => {
    for (const ch of CH) L.push(`f${ch} = ${parts.split('+').map((p) => `${p}${ch}`).join(' + ')};`);
    score(String(32 + q), c);
  });
  // Sample rows above row k (the lower eighths' complements).
  EIGHTH_ROWS.forEach((k, e) => {
    for (const ch of CH) L.push(`f${ch} = P${k}${ch};`);
    score(String(38 + e), 4 * k);
  });
  // The left and the right sample column.
  [0, 3].forEach((x, side) => {
    for (const ch of CH) L.push(`f${ch} = ${[...Array(8).keys()].map((y) => sample(ch, 4 * y + x)).join(' + ')};`);
    score(String(44 + side), 8);
  });
  // The extras, each from its weighted samples: whole rows, row halves and prefixes taken from the
  // sums above, and of the glyph and its complement whichever takes fewer terms (most wedges cover
  // more than half the cell, and their complement is a few cut samples in a corner).
  L.push('if (extras) {');
  exShares.forEach((w, e) => {
    const c = w.reduce((a, v) => a + v, 0);
    const direct = sumTerms(w);
    const complement = sumTerms(Array.from(w, (v) => 1 - v));
    const useComplement = complement.cost + 1 < direct.cost;
    for (const ch of CH) {
      const terms = (useComplement ? complement : direct).terms.map((term) => term(ch)).join(' + ');
      L.push(`f${ch} = ${useComplement ? `t${ch} - (${terms})` : terms};`);
    }
    score(String(FIRST_EXTRA + e), c);
  });
  L.push('}');
  // Colours: each side's mean rounded half up; the one-colour partition's foreground is its
  // background. From fractional shares: exactly, from the samples' weights in 48ths (F48 of W48).
  L.push('let kr = 0, kg = 0, kb = 0, ar = 0, ag = 0, ab = 0;');
  L.push('if (exactColour[best] === 1) {');
  L.push('const w = best * 32, W = totals48[best], V = 1536 - W;');
  for (const ch of CH) {
    L.push(`const F${ch} = ${[...Array(SAMPLES).keys()].map((i) => `weights48[w + ${i}] * ${sample(ch, i)}`).join(' + ')};`);
    L.push(`a${ch} = Math.floor((2 * F${ch} + W) / (2 * W)); k${ch} = Math.floor((2 * (48 * t${ch} - F${ch}) + V) / (2 * V));`);
  }
  L.push('} else {');
  L.push('kr = (tr - bestR) * bestInvB + 0.5; kg = (tg - bestG) * bestInvB + 0.5; kb = (tb - bestB) * bestInvB + 0.5;');
  L.push('ar = best === 0 ? kr : bestR * bestInvF + 0.5; ag = best === 0 ? kg : bestG * bestInvF + 0.5; ab = best === 0 ? kb : bestB * bestInvF + 0.5;');
  L.push('}');
  L.push('const swap = swapOf[best] === 1;');
  L.push('out[o] = glyphOf[best];');
  L.push('out[o + 1] = (swap ? kr : ar) & quant; out[o + 2] = (swap ? kg : ag) & quant; out[o + 3] = (swap ? kb : ab) & quant;');
  L.push('out[o + 4] = (swap ? ar : kr) & quant; out[o + 5] = (swap ? ag : kg) & quant; out[o + 6] = (swap ? ab : kb) & quant;');
  L.push('o += 7;', '}', '}', 'return o;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- numbers from this file and the style table, see above
  return new Function('rgb', 'cols', 'rows', 'quant', 'out', 'offset', 'extras', 'glyphOf', 'swapOf', 'exactColour', 'weights48', 'totals48', L.join('\n')) as CompiledKernel;
}
