/**
 * Picks the renderer. `auto` (the default) takes WebGL2 when it runs on a GPU and the Canvas 2D
 * renderer otherwise: where WebGL2 is missing, and where it is only a software rasteriser
 * (SwiftShader, llvmpipe: browsers fall back to one on blocklisted GPUs, in VMs, in headless
 * machines). There every texture fetch is paid per pixel on the CPU, and bench/browser-bench.ts
 * measured the 2D renderer several times faster (README, browser bench). `?renderer=webgl2` and
 * `?renderer=2d` force a kind (page-options.ts).
 */
import { Canvas2DRenderer } from './canvas2d-renderer.js';
import type { CellFont } from './cell-font.js';
import type { GridRenderer, RendererChoice } from './grid-renderer.js';
import { WebGLRenderer } from './webgl-renderer.js';

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/**
 * True when WebGL2 exists and draws on a GPU, as far as the browser says. Asked on a throwaway
 * canvas: a canvas keeps the first kind of context it gave out, so the real one must not be used.
 */
export function hardwareWebGL2(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  // Chromium masks RENDERER ("WebKit WebGL") and unmasks it through the extension; Firefox tells
  // RENDERER directly and warns that the extension is deprecated, so it is only asked when needed.
  let name = String(gl.getParameter(gl.RENDERER));
  if (/^WebKit WebGL$/i.test(name)) {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    if (info) name = String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
  }
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return !SOFTWARE_GL.test(name);
}

export function createRenderer(canvas: HTMLCanvasElement, font: CellFont, choice: RendererChoice = 'auto'): GridRenderer {
  const tryWebGL = choice === 'webgl2' || (choice === 'auto' && hardwareWebGL2());
  const renderer = (tryWebGL ? WebGLRenderer.create(canvas, font) : null) ?? Canvas2DRenderer.create(canvas, font);
  if (!renderer) throw new Error('this browser has neither WebGL2 nor a 2D canvas');
  return renderer;
}

