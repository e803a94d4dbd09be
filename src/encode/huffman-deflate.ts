/**
 * A zlib stream (RFC 1950) of one deflate block (RFC 1951 §3.2.7) that codes every byte as a
 * literal with a Huffman code fitted to the bytes: what zlib's Z_HUFFMAN_ONLY strategy makes of
 * the codec's packed planes (frame-encoder.ts), written here instead.
 *
 * Why not zlib's: the planes' runs are already packed, so zlib had nothing to match and only coded
 * literals, yet each frame paid for a whole zlib stream: its state and window allocated and cleared,
 * a Buffer made, the body copied. On the bench's mosaic pan that was half the encoder's time; this
 * writes into the frame's own buffer and allocates nothing. Any inflater reads it (Node's zlib, the
 * browser's DecompressionStream): the tests inflate it with Node's.
 */

/** Literals 0–255 and end-of-block (256): HLIT = 257 codes. */
const SYMBOLS = 257;
const END_OF_BLOCK = 256;
/** Deflate's longest literal code, and the longest code of the code-length alphabet. */
const MAX_BITS = 15;
const MAX_LENGTH_BITS = 7;
/** The code-length alphabet (0–15 lengths, 16 repeat the last, 17 and 18 runs of zeros), in the order its lengths are sent. */
const LENGTH_SYMBOLS = 19;
const LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15] as const;
/** Adler-32's modulus, and how many bytes are summed before its sums are reduced: few enough that they stay 31-bit integers (zlib's NMAX, 5552, is for 32 unsigned bits). */
const ADLER_BASE = 65521;
const ADLER_RUN = 3800;
/** Header and trailer bytes, and the most a block header takes (5+5+4 bits, 19×3 bits, 258 lengths of at most 7+7 bits). */
const ZLIB_OVERHEAD = 2 + 4;
const EMPTY = new Uint8Array(0);
const MAX_HEADER_BYTES = Math.ceil((14 + 19 * 3 + 258 * 14) / 8) + 1;

/**
 * Huffman code lengths of at most `maxBits` for the `n` symbols' `counts`, into `lengths` (0 for an
 * unused symbol). Works in the caller's scratch: `keys` (exactly n long) and `depths` (n). Every code it makes
 * is complete, as inflaters require: a lone used symbol gets a partner of length 1.
 */
function codeLengths(counts: Uint32Array, n: number, maxBits: number, lengths: Uint8Array, keys: Float64Array, depths: Int32Array, perLength: Int32Array): void {
  let used = 0;
  for (let s = 0; s < n; s++) {
    lengths[s] = 0;
    // Sorted by count, then symbol: the order is fixed, so the code is too.
    if (counts[s]! > 0) keys[used++] = counts[s]! * 512 + s;
  }
  if (used < 2) {
    // One symbol (or none): two codes of one bit, the other for a symbol never sent.
    const only = used === 1 ? keys[0]! % 512 : 0;
    lengths[only] = 1;
    lengths[only === 0 ? 1 : 0] = 1;
    return;
  }
  // The whole array sorted (a subarray would be a new object every frame), the unused at the end.
  keys.fill(Infinity, used);
  const sorted = keys.sort();
  for (let i = 0; i < used; i++) depths[i] = Math.floor(sorted[i]! / 512);
  minimumRedundancy(depths, used);
  // depths[i] is now the code length of the i-th least frequent symbol; lengths past maxBits are
  // cut, then codes are lengthened from the longest below maxBits until the code is complete again
  // (the usual repair: it keeps the order, the least frequent symbols longest).
  perLength.fill(0, 0, maxBits + 1);
  for (let i = 0; i < used; i++) perLength[Math.min(depths[i]!, maxBits)]!++;
  let kraft = 0;
  for (let b = 1; b <= maxBits; b++) kraft += perLength[b]! << (maxBits - b);
  while (kraft > 1 << maxBits) {
    perLength[maxBits]!--;
    for (let b = maxBits - 1; b > 0; b--) {
      if (perLength[b]! > 0) {
        perLength[b]!--;
        perLength[b + 1]! += 2;
        break;
      }
    }
    kraft--;
  }
  let i = 0;
  for (let b = maxBits; b > 0; b--) for (let k = perLength[b]!; k > 0; k--) lengths[sorted[i++]! % 512] = b;
}

/**
 * Moffat and Katajainen's in-place minimum-redundancy code ("In-place calculation of
 * minimum-redundancy codes", 1995): `a` holds n ≥ 2 weights in ascending order and is left holding
 * each one's code length. No tree, no heap: the weights' array is reused for the parents, then the
 * depths.
 */
function minimumRedundancy(a: Int32Array, n: number): void {
  // Phase 1: combine the two smallest of the leaves left and the internal nodes made so far; an
  // internal node's slot then holds its parent's index.
  a[0]! += a[1]!;
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < n - 1; next++) {
    if (leaf >= n || a[root]! < a[leaf]!) {
      a[next] = a[root]!;
      a[root++] = next;
    } else a[next] = a[leaf++]!;
    if (leaf >= n || (root < next && a[root]! < a[leaf]!)) {
      a[next]! += a[root]!;
      a[root++] = next;
    } else a[next]! += a[leaf++]!;
  }
  // Phase 2: each internal node's depth from its parent's, the root at 0.
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = a[a[next]!]! + 1;
  // Phase 3: the leaves' depths, level by level: the slots a level has that no internal node takes.
  let available = 1;
  let usedHere = 0;
  let depth = 0;
  let rootAt = n - 2;
  let next = n - 1;
  while (available > 0) {
    while (rootAt >= 0 && a[rootAt] === depth) {
      usedHere++;
      rootAt--;
    }
    while (available > usedHere) {
      a[next--] = depth;
      available--;
    }
    available = 2 * usedHere;
    depth++;
    usedHere = 0;
  }
}

/** The canonical code of each length (RFC 1951 §3.2.2), bit-reversed: deflate sends a code's first bit first, its bit writer the low bit first. */
function canonicalCodes(lengths: Uint8Array, n: number, codes: Uint16Array, nextCode: Int32Array): void {
  nextCode.fill(0);
  for (let s = 0; s < n; s++) nextCode[lengths[s]!]!++;
  nextCode[0] = 0;
  let code = 0;
  for (let b = 1; b <= MAX_BITS; b++) {
    const count = nextCode[b]!;
    nextCode[b] = code;
    code = (code + count) << 1;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[s]!;
    if (len === 0) continue;
    let c = nextCode[len]!++;
    let reversed = 0;
    for (let k = 0; k < len; k++, c >>= 1) reversed = (reversed << 1) | (c & 1);
    codes[s] = reversed;
  }
}

export class HuffmanDeflater {
  /**
   * Each byte value's count in the data being written. `deflate` counts them itself, unless the
   * caller has (`counted`): the codec's encoder counts the bytes as it packs them, which spares a
   * pass over the data.
   */
  readonly counts = new Uint32Array(SYMBOLS);
  private readonly lengths = new Uint8Array(SYMBOLS);
  private readonly codes = new Uint16Array(SYMBOLS);
  /** The literal lengths then the one distance length, as code-length symbols: symbol, and its extra bits' value. */
  private readonly runSymbols = new Uint8Array(SYMBOLS + 1);
  private readonly runExtras = new Uint8Array(SYMBOLS + 1);
  private runCount = 0;
  private readonly lengthCounts = new Uint32Array(LENGTH_SYMBOLS);
  private readonly lengthLengths = new Uint8Array(LENGTH_SYMBOLS);
  private readonly lengthCodes = new Uint16Array(LENGTH_SYMBOLS);
  private readonly keys = new Float64Array(SYMBOLS);
  private readonly lengthKeys = new Float64Array(LENGTH_SYMBOLS);
  private readonly depths = new Int32Array(SYMBOLS);
  private readonly perLength = new Int32Array(MAX_BITS + 1);
  private readonly nextCode = new Int32Array(MAX_BITS + 1);
  /** The bit writer's state while `deflate` writes: where, the bits not yet written, how many. */
  private out: Uint8Array = EMPTY;
  private at = 0;
  private buffer = 0;
  private held = 0;

  /** The most bytes `deflate` writes for `length` bytes of input. */
  static bound(length: number): number {
    return ZLIB_OVERHEAD + MAX_HEADER_BYTES + Math.ceil((length * MAX_BITS + MAX_BITS) / 8);
  }

  /**
   * Writes `data` as a zlib stream into `out` from `at`; returns the end, or -1 when the stream
   * would reach `limit` (the caller then sends the frame another way: never more than RAW).
   * `counted`: `counts` already holds the count of each byte value in `data`.
   */
  deflate(data: Uint8Array, out: Uint8Array, at: number, limit: number, counted = false): number {
    const counts = this.counts;
    if (!counted) {
      counts.fill(0);
      for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
    }
    counts[END_OF_BLOCK] = 1;
    const lengths = this.lengths;
    codeLengths(counts, SYMBOLS, MAX_BITS, lengths, this.keys, this.depths, this.perLength);
    canonicalCodes(lengths, SYMBOLS, this.codes, this.nextCode);
    const runs = this.runLengths();
    const lengthLengths = this.lengthLengths;
    codeLengths(this.lengthCounts, LENGTH_SYMBOLS, MAX_LENGTH_BITS, lengthLengths, this.lengthKeys, this.depths, this.perLength);
    canonicalCodes(lengthLengths, LENGTH_SYMBOLS, this.lengthCodes, this.nextCode);
    let lengthCount = LENGTH_SYMBOLS;
    while (lengthCount > 4 && lengthLengths[LENGTH_ORDER[lengthCount - 1]!] === 0) lengthCount--;

    // The stream's exact size, before writing any of it.
    let bits = 3 + 5 + 5 + 4 + 3 * lengthCount;
    for (let i = 0; i < runs; i++) bits += lengthLengths[this.runSymbols[i]!]! + EXTRA_BITS[this.runSymbols[i]!]!;
    for (let s = 0; s < SYMBOLS; s++) bits += counts[s]! * lengths[s]!;
    if (at + ZLIB_OVERHEAD + Math.ceil(bits / 8) >= limit) return -1;

    // CMF 0x78: deflate with a 32 KiB window; FLG 0x01: the check bits, no dictionary.
    out[at] = 0x78;
    out[at + 1] = 0x01;
    this.out = out;
    this.at = at + 2;
    this.buffer = 0;
    this.held = 0;
    // The last block (1), dynamic Huffman codes (2); HLIT 257 codes, HDIST 1, HCLEN.
    this.put(1 | (2 << 1), 3);
    this.put(SYMBOLS - 257, 5);
    this.put(0, 5);
    this.put(lengthCount - 4, 4);
    for (let i = 0; i < lengthCount; i++) this.put(lengthLengths[LENGTH_ORDER[i]!]!, 3);
    const lengthCodes = this.lengthCodes;
    for (let i = 0; i < runs; i++) {
      const sym = this.runSymbols[i]!;
      this.put(lengthCodes[sym]!, lengthLengths[sym]!);
      if (EXTRA_BITS[sym]! > 0) this.put(this.runExtras[i]!, EXTRA_BITS[sym]!);
    }
    // The literals: the hot loop, with the bit buffer in locals, and Adler-32 summed on the way.
    // Each step writes the buffer's low two bytes and keeps them only once 16 bits are held (no
    // branch to mispredict on the codes' lengths); at most 15 + 15 bits are ever held, within a
    // 31-bit integer. `out` has room for the two bytes past the end: the size check above leaves at
    // least the trailer's four.
    const codes = this.codes;
    let o = this.at;
    let buffer = this.buffer;
    let held = this.held;
    let s1 = 1;
    let s2 = 0;
    for (let i = 0; i < data.length; ) {
      const end = Math.min(data.length, i + ADLER_RUN);
      for (; i < end; i++) {
        const v = data[i]!;
        s1 += v;
        s2 += s1;
        buffer |= codes[v]! << held;
        held += lengths[v]!;
        out[o] = buffer;
        out[o + 1] = buffer >>> 8;
        const full = held >>> 4;
        o += full << 1;
        buffer >>>= full << 4;
        held -= full << 4;
      }
      s1 %= ADLER_BASE;
      s2 %= ADLER_BASE;
    }
    this.at = o;
    this.buffer = buffer;
    this.held = held;
    this.put(codes[END_OF_BLOCK]!, lengths[END_OF_BLOCK]!);
    if (this.held > 0) this.put(0, 8 - this.held);
    o = this.at;
    this.out = EMPTY;
    out[o++] = s2 >>> 8;
    out[o++] = s2 & 0xff;
    out[o++] = s1 >>> 8;
    out[o++] = s1 & 0xff;
    return o;
  }

  /** Appends the low `n` (at most 16) bits of `value` to the stream being written. */
  private put(value: number, n: number): void {
    this.buffer |= value << this.held;
    this.held += n;
    while (this.held >= 8) {
      this.out[this.at++] = this.buffer & 0xff;
      this.buffer >>>= 8;
      this.held -= 8;
    }
  }

  /**
   * The 257 literal lengths and the one distance length (0: no distance codes, RFC 1951 §3.2.7) as
   * code-length symbols: runs of zeros as 17 or 18, repeats of a length as 16. Counts them in
   * lengthCounts; returns how many there are.
   */
  private runLengths(): number {
    const lengths = this.lengths;
    const total = SYMBOLS + 1;
    const counts = this.lengthCounts;
    counts.fill(0);
    this.runCount = 0;
    for (let i = 0; i < total; ) {
      const len = i < SYMBOLS ? lengths[i]! : 0;
      let run = 1;
      while (i + run < total && (i + run < SYMBOLS ? lengths[i + run]! : 0) === len) run++;
      i += run;
      if (len === 0) {
        while (run >= 11) {
          const k = Math.min(run, 138);
          this.emitLength(18, k - 11);
          run -= k;
        }
        if (run >= 3) {
          this.emitLength(17, run - 3);
          run = 0;
        }
        for (; run > 0; run--) this.emitLength(0, 0);
        continue;
      }
      this.emitLength(len, 0);
      run--;
      while (run >= 3) {
        const k = Math.min(run, 6);
        this.emitLength(16, k - 3);
        run -= k;
      }
      for (; run > 0; run--) this.emitLength(len, 0);
    }
    return this.runCount;
  }

  private emitLength(symbol: number, extra: number): void {
    this.runSymbols[this.runCount] = symbol;
    this.runExtras[this.runCount++] = extra;
    this.lengthCounts[symbol]!++;
  }
}

/** Extra bits after each code-length symbol: 16 repeats 3–6 (2 bits), 17 zeros 3–10 (3), 18 zeros 11–138 (7). */
const EXTRA_BITS = Uint8Array.from({ length: LENGTH_SYMBOLS }, (_, s) => (s === 16 ? 2 : s === 17 ? 3 : s === 18 ? 7 : 0));
