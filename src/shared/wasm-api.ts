/**
 * The part of the WebAssembly JS API this project uses, typed here because its TypeScript lib has
 * no DOM: one definition for the frame memory (wasm-arena.ts), the SIMD sampler
 * (projection/sample-cells-simd.ts) and the mosaic fitter (quantise/mosaic-simd.ts).
 */

/** A shared WebAssembly.Memory: its buffer, and growing it (atomic across threads). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: {
    new (descriptor: { initial: number; maximum: number; shared: true }): SharedMemory;
    new (descriptor: { initial: number }): { readonly buffer: ArrayBuffer };
  };
}

/** This runtime's WebAssembly, or undefined where it has none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * A generated module over a frame memory (shared/wasm-arena.ts): compiled once per thread, on
 * first use, and instantiated once per memory, its exports handed to `wrap`. `over` gives null,
 * and keeps giving it, where this runtime cannot validate, compile or instantiate it (no SIMD, no
 * shared memory): the caller then takes its JS path. Used by the SIMD sampler and the changed-cell scan.
 */
export class PerMemoryModule<T> {
  private module: object | null | undefined = undefined;
  private readonly byMemory = new WeakMap<SharedMemory, T | null>();

  constructor(
    private readonly bytes: () => Uint8Array,
    private readonly wrap: (exports: Record<string, unknown>) => T,
  ) {}

  over(memory: SharedMemory): T | null {
    let made = this.byMemory.get(memory);
    if (made !== undefined) return made;
    made = null;
    const wasm = wasmApi;
    const module = wasm ? this.compiled(wasm) : null;
    if (wasm && module) {
      try {
        made = this.wrap(new wasm.Instance(module, { env: { mem: memory } }).exports);
      } catch {
        made = null;
      }
    }
    this.byMemory.set(memory, made);
    return made;
  }

  private compiled(wasm: WasmApi): object | null {
    if (this.module !== undefined) return this.module;
    try {
      const bytes = this.bytes();
      this.module = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      this.module = null;
    }
    return this.module;
  }
}
