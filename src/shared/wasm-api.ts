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
