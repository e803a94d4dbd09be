/**
 * The few pieces of the WebAssembly binary format (core spec §5, SIMD proposal opcodes) that a
 * module generated at run time needs: LEB128 numbers, one function body at a time, and a module of
 * such functions over one imported memory with one export. No toolchain is involved: the mosaic
 * fitter (quantise/mosaic-simd.ts) writes its search as code here, as mosaic-kernel.ts writes its JS
 * one, and the sampler (projection/sample-cells-simd.ts) its tap loops.
 */

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

/** Core opcodes used by the generator (§5.4). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivU: 0x6e,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  /** The empty block type. */
  void: 0x40,
} as const;

/** SIMD opcodes (after the 0xfd prefix), the proposal's numbering as Node 20's V8 implements it. */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  load64Splat: 0x0a,
  store: 0x0b,
  v128Const: 0x0c,
  shuffle: 0x0d,
  i32x4ExtractLane: 0x1b,
  i32x4ReplaceLane: 0x1c,
  i32x4Eq: 0x37,
  i32x4GtS: 0x3b,
  f32x4Eq: 0x41,
  f32x4Le: 0x45,
  and: 0x4e,
  andNot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  anyTrue: 0x53,
  load32Lane: 0x56,
  load64Lane: 0x57,
  load8Lane: 0x54,
  store8Lane: 0x58,
  store16Lane: 0x59,
  store32Lane: 0x5a,
  store64Lane: 0x5b,
  load32Zero: 0x5c,
  f64x2PromoteLowF32x4: 0x5f,
  i8x16NarrowI16x8U: 0x66,
  f32x4Floor: 0x68,
  i16x8NarrowI32x4S: 0x85,
  i16x8NarrowI32x4U: 0x86,
  i16x8ExtendLowI8x16U: 0x89,
  i16x8ExtendHighI8x16U: 0x8a,
  i16x8ShrU: 0x8d,
  i16x8Add: 0x8e,
  i16x8Sub: 0x91,
  i16x8Splat: 0x10,
  i16x8ExtaddPairwiseI8x16U: 0x7d,
  i32x4ExtaddPairwiseI16x8U: 0x7f,
  i32x4ExtendHighI16x8U: 0xaa,
  i32x4Splat: 0x11,
  i32x4ExtendLowI16x8U: 0xa9,
  i32x4Mul: 0xb5,
  i32x4MaxS: 0xb8,
  i32x4Shl: 0xab,
  i32x4ShrS: 0xac,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  i32x4DotI16x8S: 0xba,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
  i32x4TruncSatF32x4S: 0xf8,
  f32x4ConvertI32x4S: 0xfa,
  i32x4TruncSatF64x2SZero: 0xfc,
} as const;

/** Unsigned LEB128 (§5.2.2), appended to `out`. */
export function uleb(n: number, out: number[] = []): number[] {
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer, appended to `out`. */
export function sleb(n: number, out: number[] = []): number[] {
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Concatenation of byte lists; large bodies are never spread into argument lists. */
function cat(...parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const vec = (items: ArrayLike<number>[]): Uint8Array => cat(uleb(items.length), ...items);
const section = (id: number, body: Uint8Array): Uint8Array => cat([id], uleb(body.length), body);
const name = (s: string): Uint8Array => {
  const bytes = new TextEncoder().encode(s);
  return cat(uleb(bytes.length), bytes);
};

/**
 * One function's locals and code. Parameters are the first locals; other locals are declared by
 * first use. Instructions are appended as bytes; `simd` adds the 0xfd prefix.
 */
export class FunctionBody {
  private readonly code: number[] = [];
  private readonly localIndex = new Map<string, number>();
  private readonly localTypes: ValueType[] = [];
  private readonly paramCount: number;

  constructor(params: readonly (readonly [string, ValueType])[]) {
    for (const [n, t] of params) this.local(n, t);
    this.paramCount = params.length;
  }

  /** The index of local `n`, declared with type `t` on first use. */
  local(n: string, t: ValueType = V128): number {
    let i = this.localIndex.get(n);
    if (i === undefined) {
      i = this.localTypes.length;
      this.localIndex.set(n, i);
      this.localTypes.push(t);
    }
    return i;
  }

  op(...bytes: number[]): void {
    for (const b of bytes) this.code.push(b);
  }

  simd(code: number, ...immediates: number[]): void {
    this.code.push(0xfd);
    uleb(code, this.code);
    for (const b of immediates) this.code.push(b);
  }

  i32(v: number): void {
    this.code.push(Op.i32Const);
    sleb(v, this.code);
  }

  localGet(n: string): void {
    const i = this.localIndex.get(n);
    if (i === undefined) throw new Error(`wasm emitter: local ${n} read before it is set`);
    this.code.push(Op.localGet);
    uleb(i, this.code);
  }

  localSet(n: string, t: ValueType = V128): void {
    this.code.push(Op.localSet);
    uleb(this.local(n, t), this.code);
  }

  localTee(n: string, t: ValueType = V128): void {
    this.code.push(Op.localTee);
    uleb(this.local(n, t), this.code);
  }

  /** i32 local `n` += `v` (a loop's counters and pointers). */
  addI32(n: string, v: number): void {
    this.localGet(n);
    this.i32(v);
    this.code.push(Op.i32Add);
    this.localSet(n, I32);
  }

  /** i32 local `n` += i32 local `by` (a pointer stepping by a stride). */
  addLocal(n: string, by: string): void {
    this.localGet(n);
    this.localGet(by);
    this.code.push(Op.i32Add);
    this.localSet(n, I32);
  }

  /** i32 local `counter` = `from` (a constant or an i32 local); while counter < `limit` (unsigned): `body`, counter += `step`. */
  countUp(counter: string, from: number | string, limit: string, step: number, body: () => void): void {
    if (typeof from === 'number') this.i32(from);
    else this.localGet(from);
    this.localSet(counter, I32);
    this.op(Op.block, Op.void);
    this.op(Op.loop, Op.void);
    this.localGet(counter);
    this.localGet(limit);
    this.op(Op.i32LtU);
    this.op(Op.i32Eqz);
    this.op(Op.brIf, 1);
    body();
    this.addI32(counter, step);
    this.op(Op.br, 0);
    this.op(Op.end);
    this.op(Op.end);
  }

  /** Appends i32 local `value` to the list at byte address `list` (an i32 local) holding `n` entries: list[n] = value, n += 1. */
  push(list: string, n: string, value: string): void {
    this.localGet(list);
    this.localGet(n);
    this.i32(2);
    this.code.push(Op.i32Shl);
    this.code.push(Op.i32Add);
    this.localGet(value);
    this.op(Op.i32Store, 2, 0);
    this.addI32(n, 1);
  }

  /** The code section entry: size, run-length local declarations, code, `end`. */
  encode(): Uint8Array {
    const decl: number[][] = [];
    for (let i = this.paramCount; i < this.localTypes.length; ) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      decl.push([...uleb(j - i), this.localTypes[i]!]);
      i = j;
    }
    const body = cat(vec(decl), this.code, [Op.end]);
    return cat(uleb(body.length), body);
  }
}

/** A function type: i32 parameters only, no results (all the generator needs). */
export interface ModuleFunction {
  readonly body: FunctionBody;
  readonly i32Params: number;
}

/** A shared memory's limits (§5.3.4: flag 3, minimum and maximum pages); absent: unshared, `pages` minimum, no maximum. */
export interface SharedLimits {
  readonly maximum: number;
}

/**
 * A module importing its memory as env.mem (`pages` 64 KiB pages at least) and exporting
 * function 0 as `exportName`, or each of `exportNames` as the function of its index.
 */
export function moduleBytes(fns: readonly ModuleFunction[], pages: number, exportName: string | readonly string[], shared?: SharedLimits): Uint8Array {
  const arities = [...new Set(fns.map((f) => f.i32Params))];
  const types = section(1, vec(arities.map((n) => cat([0x60], vec(Array.from({ length: n }, () => [I32])), [0]))));
  const limits = shared ? cat([0x03], uleb(pages), uleb(shared.maximum)) : cat([0x00], uleb(pages));
  const imports = section(2, vec([cat(name('env'), name('mem'), [0x02], limits)]));
  const funcs = section(3, vec(fns.map((f) => uleb(arities.indexOf(f.i32Params)))));
  const names = typeof exportName === 'string' ? [exportName] : exportName;
  const exports = section(7, vec(names.map((n, i) => cat(name(n), [0x00], uleb(i)))));
  const code = section(10, vec(fns.map((f) => f.body.encode())));
  return cat([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], types, imports, funcs, exports, code);
}
